//! Optimizers with torch.optim's exact update equations, hyperparameter names and defaults.
//!
//! One [`Optimizer`] steps one point; its [`Update`] carries the terms of that step with their
//! numbers so the app can write the rule out ("x ← x − α·m̂/(√v̂+ε)" with this step's values).
//! Families live in their own files, each with its equations in the doc comment.

mod adagrad;
mod adam;
mod annealing;
mod cmaes;
mod nelder_mead;
mod newton;
mod pso;
mod rmsprop;
pub mod run;
pub mod schedule;
mod sgd;

use crate::core::data::Batches;
use crate::core::expr::Formula;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use schedule::{Schedule, ScheduleError};
use serde::{Deserialize, Serialize};

/// Which optimizer. Names are the CLI's and the scene files'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Gd,
    Sgd,
    Momentum,
    Nesterov,
    Adagrad,
    #[serde(rename = "rmsprop")]
    RmsProp,
    Adam,
    #[serde(rename = "adamw")]
    AdamW,
    #[serde(rename = "amsgrad")]
    AmsGrad,
    Newton,
    NelderMead,
    Annealing,
    #[serde(rename = "cmaes")]
    CmaEs,
    Pso,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::Gd,
        Kind::Sgd,
        Kind::Momentum,
        Kind::Nesterov,
        Kind::Adagrad,
        Kind::RmsProp,
        Kind::Adam,
        Kind::AdamW,
        Kind::AmsGrad,
        Kind::Newton,
        Kind::NelderMead,
        Kind::Annealing,
        Kind::CmaEs,
        Kind::Pso,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Gd => "gd",
            Kind::Sgd => "sgd",
            Kind::Momentum => "momentum",
            Kind::Nesterov => "nesterov",
            Kind::Adagrad => "adagrad",
            Kind::RmsProp => "rmsprop",
            Kind::Adam => "adam",
            Kind::AdamW => "adamw",
            Kind::AmsGrad => "amsgrad",
            Kind::Newton => "newton",
            Kind::NelderMead => "nelder-mead",
            Kind::Annealing => "annealing",
            Kind::CmaEs => "cmaes",
            Kind::Pso => "pso",
        }
    }

    /// How a person would say it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Gd => "Gradient descent",
            Kind::Sgd => "SGD (noisy gradient)",
            Kind::Momentum => "Momentum",
            Kind::Nesterov => "Nesterov",
            Kind::Adagrad => "AdaGrad",
            Kind::RmsProp => "RMSProp",
            Kind::Adam => "Adam",
            Kind::AdamW => "AdamW",
            Kind::AmsGrad => "AMSGrad",
            Kind::Newton => "Newton (damped)",
            Kind::NelderMead => "Nelder–Mead",
            Kind::Annealing => "Simulated annealing",
            Kind::CmaEs => "CMA-ES",
            Kind::Pso => "Particle swarm",
        }
    }

    /// Whether the optimizer uses the gradient (the derivative-free ones look at values only).
    pub fn uses_gradient(self) -> bool {
        !matches!(
            self,
            Kind::NelderMead | Kind::Annealing | Kind::CmaEs | Kind::Pso
        )
    }

    /// Whether a step moves a population (drawn as a swarm, its mean the ball).
    pub fn is_population(self) -> bool {
        matches!(self, Kind::CmaEs | Kind::Pso)
    }
}

/// A hyperparameter, as the panel and scene files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Lr,
    Momentum,
    Dampening,
    Beta1,
    Beta2,
    Eps,
    Alpha,
    Centered,
    WeightDecay,
    LrDecay,
    Noise,
    Seed,
    Schedule,
    Batch,
    Fd,
    Population,
    Temperature,
    Cooling,
}

impl Field {
    /// The numeric hyperparameters, by their torch names: the one table that scene files and
    /// the command line read and write through (the schedule is text, kept apart).
    pub const NUMERIC: [Field; 17] = [
        Field::Lr,
        Field::Momentum,
        Field::Dampening,
        Field::Beta1,
        Field::Beta2,
        Field::Eps,
        Field::Alpha,
        Field::WeightDecay,
        Field::LrDecay,
        Field::Noise,
        Field::Centered,
        Field::Seed,
        Field::Batch,
        Field::Fd,
        Field::Population,
        Field::Temperature,
        Field::Cooling,
    ];

    /// The torch.optim name (`weight_decay`), as scene files write it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Lr => "lr",
            Field::Momentum => "momentum",
            Field::Dampening => "dampening",
            Field::Beta1 => "beta1",
            Field::Beta2 => "beta2",
            Field::Eps => "eps",
            Field::Alpha => "alpha",
            Field::Centered => "centered",
            Field::WeightDecay => "weight_decay",
            Field::LrDecay => "lr_decay",
            Field::Noise => "noise",
            Field::Seed => "seed",
            Field::Schedule => "schedule",
            Field::Batch => "batch",
            Field::Fd => "fd",
            Field::Population => "population",
            Field::Temperature => "temperature",
            Field::Cooling => "cooling",
        }
    }

    /// A numeric field by its torch name; the message lists the names there are.
    pub fn by_name(name: &str) -> Result<Field, HyperError> {
        Field::NUMERIC
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| HyperError::UnknownName(name.into()))
    }

    /// The value as a number (`centered` as 0 or 1, the schedule as NaN).
    pub fn get(self, h: &Hyper) -> f64 {
        match self {
            Field::Lr => h.lr,
            Field::Momentum => h.momentum,
            Field::Dampening => h.dampening,
            Field::Beta1 => h.beta1,
            Field::Beta2 => h.beta2,
            Field::Eps => h.eps,
            Field::Alpha => h.alpha,
            Field::Centered => f64::from(u8::from(h.centered)),
            Field::WeightDecay => h.weight_decay,
            Field::LrDecay => h.lr_decay,
            Field::Noise => h.noise,
            Field::Seed => h.seed as f64,
            Field::Schedule => f64::NAN,
            Field::Batch => h.batch as f64,
            Field::Fd => h.fd,
            Field::Population => h.population as f64,
            Field::Temperature => h.temperature,
            Field::Cooling => h.cooling,
        }
    }

    /// Sets the value from a number; ranges are checked by [`Hyper::validate`].
    pub fn set(self, h: &mut Hyper, v: f64) -> Result<(), HyperError> {
        match self {
            Field::Lr => h.lr = v,
            Field::Momentum => h.momentum = v,
            Field::Dampening => h.dampening = v,
            Field::Beta1 => h.beta1 = v,
            Field::Beta2 => h.beta2 = v,
            Field::Eps => h.eps = v,
            Field::Alpha => h.alpha = v,
            Field::Centered => h.centered = v != 0.0,
            Field::WeightDecay => h.weight_decay = v,
            Field::LrDecay => h.lr_decay = v,
            Field::Noise => h.noise = v,
            Field::Seed if v >= 0.0 && v.fract() == 0.0 && v < 2f64.powi(53) => h.seed = v as u64,
            Field::Seed => return Err(HyperError::Seed(v)),
            Field::Batch if v >= 0.0 && v.fract() == 0.0 && v < 2f64.powi(53) => h.batch = v as u64,
            Field::Batch => return Err(HyperError::Batch(v)),
            Field::Fd => h.fd = v,
            Field::Population if v >= 0.0 && v.fract() == 0.0 && v <= MAX_POPULATION as f64 => {
                h.population = v as u64
            }
            Field::Population => return Err(HyperError::Population(v)),
            Field::Temperature => h.temperature = v,
            Field::Cooling => h.cooling = v,
            Field::Schedule => return Err(HyperError::ScheduleIsText),
        }
        Ok(())
    }
}

/// How the panel edits a hyperparameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Widget {
    /// A slider over `min..=max`.
    Linear { min: f64, max: f64 },
    /// A logarithmic slider over `min..=max`, `smallest` its least positive value (so 0 can
    /// be reached when `min` is 0).
    Log { min: f64, max: f64, smallest: f64 },
    /// A check box with this text beside it.
    Switch(&'static str),
    /// A whole number ≥ 0.
    Whole,
    /// Typed text (the schedule).
    Text,
}

impl Field {
    /// The panel's name for it under `kind`: Nelder–Mead reads the learning rate as the size
    /// of its first simplex.
    pub fn label(self, kind: Kind) -> &'static str {
        match self {
            Field::Lr if kind == Kind::NelderMead => "simplex size",
            Field::Lr if kind == Kind::Annealing => "step size σ",
            Field::Lr if kind == Kind::CmaEs => "initial step σ₀",
            Field::Lr if kind == Kind::Pso => "swarm radius",
            Field::Population if kind == Kind::Pso => "particles",
            Field::Population => "population λ",
            Field::Temperature => "temperature T₀",
            Field::Cooling => "cooling c",
            Field::Lr => "learning rate α",
            Field::Momentum => "momentum μ",
            Field::Dampening => "dampening τ",
            Field::Beta1 => "β₁",
            Field::Beta2 => "β₂",
            Field::Eps => "ε",
            Field::Alpha => "smoothing α",
            Field::Centered => "centered",
            Field::WeightDecay => "weight decay",
            Field::LrDecay => "lr decay",
            Field::Noise => "noise σ",
            Field::Seed => "seed",
            Field::Schedule => "schedule",
            Field::Batch => "batch size B",
            Field::Fd => "finite differences h",
        }
    }

    /// What it is, in torch's words where torch has it.
    pub fn tip(self) -> &'static str {
        match self {
            Field::Lr => "torch `lr`; drag, or click the number to type it",
            Field::Momentum => "torch `momentum`",
            Field::Dampening => "torch `dampening`",
            Field::Beta1 => "torch `betas[0]`: mean of g",
            Field::Beta2 => "torch `betas[1]`: mean of g²",
            Field::Eps => "torch `eps`",
            Field::Alpha => "torch RMSprop `alpha`",
            Field::Centered => "torch RMSprop `centered`",
            Field::WeightDecay => "torch `weight_decay`",
            Field::LrDecay => "torch Adagrad `lr_decay`",
            Field::Noise => "Gaussian noise added to each gradient component",
            Field::Seed => "Same seed, same noise and mini-batches: runs replay exactly",
            Field::Batch => {
                "Rows per gradient: 0 = every row (full batch), 1 = classic SGD; drawn without replacement, reshuffled each epoch"
            }
            Field::Fd => {
                "0 = the exact ∇f; h > 0 = central differences with step h·max(|x|, 1), as for a black box: 4 evaluations a step"
            }
            Field::Population => {
                "Points per generation (each costs one evaluation); 0 = the method's default"
            }
            Field::Temperature => {
                "Start temperature: an uphill move by Δ is taken with probability exp(−Δ/T)"
            }
            Field::Cooling => "T is multiplied by c after every move (geometric cooling)",
            Field::Schedule => {
                "constant · step:EVERY:GAMMA · exp:GAMMA · cosine:PERIOD[:MIN_LR] · warmup:STEPS[:FACTOR]"
            }
        }
    }

    /// How it is edited; [`Hyper::validate`] has the last word on the range.
    pub fn widget(self) -> Widget {
        let unit = Widget::Linear {
            min: 0.0,
            max: 0.999,
        };
        match self {
            Field::Lr => Widget::Log {
                min: 1e-6,
                max: 10.0,
                smallest: 1e-6,
            },
            Field::Momentum | Field::Dampening | Field::Beta1 | Field::Beta2 | Field::Alpha => unit,
            Field::Eps => Widget::Log {
                min: 1e-12,
                max: 1.0,
                smallest: 1e-12,
            },
            Field::Centered => Widget::Switch("subtract the mean gradient"),
            Field::WeightDecay | Field::LrDecay => Widget::Linear { min: 0.0, max: 1.0 },
            Field::Noise => Widget::Log {
                min: 0.0,
                max: 100.0,
                smallest: 1e-3,
            },
            Field::Fd => Widget::Log {
                min: 0.0,
                max: 0.1,
                smallest: 1e-9,
            },
            Field::Temperature => Widget::Log {
                min: 0.0,
                max: 1000.0,
                smallest: 1e-3,
            },
            Field::Cooling => Widget::Linear { min: 0.9, max: 1.0 },
            Field::Seed | Field::Batch | Field::Population => Widget::Whole,
            Field::Schedule => Widget::Text,
        }
    }
}

impl Kind {
    /// The hyperparameters this optimizer reads, in the order torch lists them.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Kind::Gd => &[Lr, WeightDecay, Schedule],
            Kind::Sgd => &[Lr, Noise, Seed, Momentum, Dampening, WeightDecay, Schedule],
            Kind::Momentum => &[Lr, Momentum, Dampening, WeightDecay, Noise, Seed, Schedule],
            Kind::Nesterov => &[Lr, Momentum, WeightDecay, Noise, Seed, Schedule],
            Kind::Adagrad => &[Lr, LrDecay, Eps, WeightDecay, Schedule],
            Kind::RmsProp => &[Lr, Alpha, Eps, Momentum, Centered, WeightDecay, Schedule],
            Kind::Adam | Kind::AdamW | Kind::AmsGrad => {
                &[Lr, Beta1, Beta2, Eps, WeightDecay, Schedule]
            }
            Kind::Newton => &[Lr, Schedule],
            Kind::NelderMead => &[Lr],
            Kind::Annealing => &[Lr, Temperature, Cooling, Seed],
            Kind::CmaEs | Kind::Pso => &[Lr, Population, Seed],
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = HyperError;

    fn from_str(s: &str) -> Result<Kind, HyperError> {
        let s = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or(HyperError::UnknownOptimizer(s))
    }
}

/// Why an optimizer or its settings were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HyperError {
    #[error("{name} must be {want}, got {value}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        want: &'static str,
    },
    #[error("unknown hyperparameter '{0}': use {names}", names = names(Field::NUMERIC.iter().map(|f| f.name())))]
    UnknownName(String),
    #[error("seed must be a whole number ≥ 0, got {0}")]
    Seed(f64),
    #[error("the schedule is text, not a number")]
    ScheduleIsText,
    #[error("batch must be a whole number ≥ 0 (0: every row), got {0}")]
    Batch(f64),
    #[error(
        "population must be a whole number from 2 to {MAX_POPULATION} (0: the method's default), got {0}"
    )]
    Population(f64),
    #[error("unknown optimizer '{0}': choose one of {names}", names = names(Kind::ALL.iter().map(|k| k.name())))]
    UnknownOptimizer(String),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("{0}")]
    Refused(&'static str),
    #[error(
        "'{0}' is a whole number or a switch: a tween would pass through values it cannot take"
    )]
    Untweenable(&'static str),
}

/// Names for a message: `a, b, c`.
fn names<'a>(all: impl Iterator<Item = &'a str>) -> String {
    all.collect::<Vec<_>>().join(", ")
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every hyperparameter, named as in torch.optim. Each optimizer reads the ones it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Hyper {
    /// Learning rate α (torch `lr`). For Nelder–Mead: the initial simplex size.
    pub lr: f64,
    /// SGD / RMSprop momentum μ.
    pub momentum: f64,
    /// SGD dampening τ.
    pub dampening: f64,
    /// Adam β₁, β₂ (torch `betas`).
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// RMSprop smoothing constant (torch `alpha`).
    pub alpha: f64,
    pub weight_decay: f64,
    /// Adagrad `lr_decay`.
    pub lr_decay: f64,
    /// RMSprop `centered`.
    pub centered: bool,
    /// Standard deviation σ of the Gaussian noise SGD adds to each gradient component.
    pub noise: f64,
    /// Seed of the noise and of the mini-batch shuffle, so runs replay identically.
    pub seed: u64,
    pub schedule: Schedule,
    /// Rows per gradient on a data landscape: 0 for every row (full batch), B for a
    /// mini-batch drawn without replacement within an epoch (1: classic SGD).
    pub batch: u64,
    /// Where the gradient comes from: 0 for the exact ∇f, h > 0 for central differences
    /// with step h·max(|xᵢ|, 1) (the probes drawn at each step; the black-box view).
    pub fd: f64,
    /// Points per generation for CMA-ES (λ) and particle swarms; 0 for the method's default.
    pub population: u64,
    /// Simulated annealing's start temperature T₀.
    pub temperature: f64,
    /// Simulated annealing's cooling factor per move.
    pub cooling: f64,
}

/// The largest population a racer may have: every point is drawn each frame.
pub const MAX_POPULATION: u64 = 10_000;

/// The finite-difference step that balances truncation (h²) against rounding (ε/h) for
/// central differences: ε^(1/3).
pub const FD_STEP: f64 = 6.055454452393343e-6;
/// The smallest and largest finite-difference steps: below, the differences are rounding
/// (1e-300 gives a zero or undefined gradient); above, they say nothing about the slope.
pub const FD_MIN: f64 = 1e-12;
pub const FD_MAX: f64 = 10.0;

impl Default for Hyper {
    fn default() -> Hyper {
        Hyper {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            alpha: 0.99,
            weight_decay: 0.0,
            lr_decay: 0.0,
            centered: false,
            noise: 0.0,
            seed: 0,
            schedule: Schedule::Constant,
            batch: 0,
            fd: 0.0,
            population: 0,
            temperature: 10.0,
            cooling: 0.999,
        }
    }
}

impl Hyper {
    /// torch.optim's defaults for this kind. Where torch has no default that makes the
    /// optimizer what its name says (momentum's μ = 0.9, SGD's σ), the conventional value.
    pub fn defaults(kind: Kind) -> Hyper {
        let base = Hyper::default();
        match kind {
            Kind::Gd | Kind::AmsGrad | Kind::Adam => base,
            Kind::Sgd => Hyper { noise: 1.0, ..base },
            Kind::Momentum | Kind::Nesterov => Hyper {
                momentum: 0.9,
                ..base
            },
            Kind::Adagrad => Hyper {
                lr: 1e-2,
                eps: 1e-10,
                ..base
            },
            Kind::RmsProp => Hyper { lr: 1e-2, ..base },
            Kind::AdamW => Hyper {
                weight_decay: 1e-2,
                ..base
            },
            Kind::Newton => Hyper { lr: 1.0, ..base },
            Kind::NelderMead => Hyper { lr: 0.5, ..base },
            // Defaults that make a lecture's point on Rastrigin's 10-unit bumps: annealing
            // that settles in the global basin, and populations large enough to find it
            // (CMA-ES's textbook λ = 6 does from (4, 4) in one seed of ten).
            Kind::Annealing => Hyper { lr: 0.5, ..base },
            Kind::CmaEs => Hyper {
                lr: 2.0,
                population: cmaes::DEFAULT_POPULATION,
                ..base
            },
            Kind::Pso => Hyper {
                lr: 2.0,
                population: pso::DEFAULT_POPULATION,
                ..base
            },
        }
    }

    /// The first problem found, naming the hyperparameter.
    pub fn validate(&self) -> Result<(), HyperError> {
        let check = |name: &'static str, value: f64, ok: bool, want: &'static str| {
            if value.is_finite() && ok {
                Ok(())
            } else {
                Err(HyperError::OutOfRange { name, value, want })
            }
        };
        check("lr", self.lr, self.lr >= 0.0, "a number ≥ 0")?;
        check(
            "momentum",
            self.momentum,
            (0.0..1.0).contains(&self.momentum),
            "in [0, 1)",
        )?;
        check(
            "dampening",
            self.dampening,
            (0.0..=1.0).contains(&self.dampening),
            "in [0, 1]",
        )?;
        check(
            "beta1",
            self.beta1,
            (0.0..1.0).contains(&self.beta1),
            "in [0, 1)",
        )?;
        check(
            "beta2",
            self.beta2,
            (0.0..1.0).contains(&self.beta2),
            "in [0, 1)",
        )?;
        check("eps", self.eps, self.eps >= 0.0, "≥ 0")?;
        check(
            "alpha",
            self.alpha,
            (0.0..1.0).contains(&self.alpha),
            "in [0, 1)",
        )?;
        check(
            "weight_decay",
            self.weight_decay,
            self.weight_decay >= 0.0,
            "≥ 0",
        )?;
        check("lr_decay", self.lr_decay, self.lr_decay >= 0.0, "≥ 0")?;
        check("noise", self.noise, self.noise >= 0.0, "≥ 0")?;
        check(
            "fd",
            self.fd,
            self.fd == 0.0 || (FD_MIN..=FD_MAX).contains(&self.fd),
            "0 (the exact gradient) or a step from 1e-12 to 10",
        )?;
        check(
            "temperature",
            self.temperature,
            self.temperature >= 0.0,
            "≥ 0",
        )?;
        check(
            "cooling",
            self.cooling,
            self.cooling > 0.0 && self.cooling <= 1.0,
            "in (0, 1]",
        )?;
        if self.population == 1 || self.population > MAX_POPULATION {
            return Err(HyperError::Population(self.population as f64));
        }
        Ok(self.schedule.validate()?)
    }

    /// [`Hyper::validate`], and what this optimizer cannot take: torch's refusals (Nesterov
    /// without momentum or with dampening) and finite differences where no gradient is used.
    pub fn validate_for(&self, kind: Kind) -> Result<(), HyperError> {
        self.validate()?;
        if kind == Kind::Nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(HyperError::Refused(
                "Nesterov momentum requires a momentum and zero dampening (torch.optim.SGD's rule)",
            ));
        }
        if self.fd > 0.0 && kind == Kind::Newton {
            return Err(HyperError::Refused(
                "newton takes exact derivatives, its Hessian too: finite differences (fd) do not apply",
            ));
        }
        if self.fd > 0.0 && !kind.uses_gradient() {
            return Err(HyperError::Refused(
                "this optimizer uses no gradient: finite differences (fd) do not apply",
            ));
        }
        Ok(())
    }
}

/// One named quantity of an update, per coordinate, for display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term {
    pub name: &'static str,
    pub value: [f64; 2],
    /// One number, not a pair (a temperature, a step size σ): `value[0]`.
    pub scalar: bool,
}

/// A named quantity of an update.
pub const fn term(name: &'static str, value: [f64; 2]) -> Term {
    Term {
        name,
        value,
        scalar: false,
    }
}

/// A named number of an update.
pub const fn scalar(name: &'static str, value: f64) -> Term {
    Term {
        name,
        value: [value, value],
        scalar: true,
    }
}

/// Most terms one update reports.
const MAX_TERMS: usize = 8;

/// The named quantities of one update, kept inline: stepping allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    items: [Term; MAX_TERMS],
    len: usize,
}

impl Terms {
    pub fn of(terms: &[Term]) -> Terms {
        let mut t = Terms {
            items: [term("", [0.0; 2]); MAX_TERMS],
            len: 0,
        };
        t.extend(terms);
        t
    }

    pub fn push(&mut self, term: Term) {
        // Every optimizer reports at most MAX_TERMS; a longer list keeps its first ones.
        if self.len < MAX_TERMS {
            self.items[self.len] = term;
            self.len += 1;
        }
    }

    pub fn extend(&mut self, terms: &[Term]) {
        for t in terms {
            self.push(*t);
        }
    }
}

impl std::ops::Deref for Terms {
    type Target = [Term];

    fn deref(&self) -> &[Term] {
        &self.items[..self.len]
    }
}

/// What one step did and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub from: [f64; 2],
    pub to: [f64; 2],
    /// The gradient the optimizer saw (noisy for SGD; `[NaN; 2]` for Nelder–Mead).
    pub grad: [f64; 2],
    /// The learning rate after the schedule.
    pub lr: f64,
    /// The rule in symbols, e.g. `x ← x − α·m̂/(√v̂+ε)`.
    pub rule: &'static str,
    /// Something the learner should know about this step (Newton's fallback, say).
    pub note: Option<String>,
    /// The loss the step saw at `from`: its mini-batch's mean, or f itself on a full batch.
    pub seen_loss: f64,
}

impl Update {
    /// A step with nothing more to say than its rule and terms.
    pub fn new(
        from: [f64; 2],
        to: [f64; 2],
        grad: [f64; 2],
        lr: f64,
        rule: &'static str,
    ) -> Update {
        Update {
            from,
            to,
            grad,
            lr,
            rule,
            note: None,
            seen_loss: f64::NAN,
        }
    }

    pub fn delta(&self) -> [f64; 2] {
        [self.to[0] - self.from[0], self.to[1] - self.from[1]]
    }
}

/// Optimizer state: the union of what the families keep between steps.
#[derive(Debug, Clone)]
struct State {
    /// Steps taken (torch's `step`).
    t: u64,
    /// Momentum buffer / Adam's first moment m.
    buf: Option<[f64; 2]>,
    /// Adagrad's sum of squares / RMSprop's and Adam's second moment v.
    sq: [f64; 2],
    /// AMSGrad's running max of v.
    sq_max: [f64; 2],
    /// Centered RMSprop's mean gradient.
    grad_avg: [f64; 2],
    rng: ChaCha8Rng,
    simplex: Option<nelder_mead::Simplex>,
    walker: Option<annealing::Walker>,
    cma: Option<cmaes::Cma>,
    swarm: Option<pso::Swarm>,
    /// The mini-batch sampler, made at the first mini-batch step.
    batches: Option<Batches>,
    /// The rows the last step saw (None: every row).
    last_rows: Option<Vec<u32>>,
    /// Evaluations of f paid so far (see [`Seen`] for the convention).
    evals: u64,
    /// The named quantities of the last step, for display: kept here rather than in each
    /// [`Update`] so that a step moves a small value (the atlas runs millions of them).
    terms: Terms,
}

impl State {
    fn new(seed: u64) -> State {
        State {
            t: 0,
            buf: None,
            sq: [0.0; 2],
            sq_max: [0.0; 2],
            grad_avg: [0.0; 2],
            rng: ChaCha8Rng::seed_from_u64(seed),
            simplex: None,
            walker: None,
            cma: None,
            swarm: None,
            batches: None,
            last_rows: None,
            evals: 0,
            terms: Terms::of(&[]),
        }
    }

    /// This step's rows: a mini-batch of `size` from a sampler seeded by `seed` (made anew when
    /// the data changed size), or None for every row.
    fn deal(&mut self, size: u64, seed: u64, f: &Formula) -> Option<Vec<u32>> {
        let rows = f.data()?.rows();
        // A batch as large as the data is the full batch, summed in row order.
        if size == 0 || size >= rows as u64 {
            return None;
        }
        let fresh = |b: &Batches| b.rows() != rows;
        if self.batches.as_ref().is_none_or(fresh) {
            self.batches = Some(Batches::new(rows, seed));
        }
        let b = self.batches.as_mut()?;
        Some(b.next_batch(size as usize).to_vec())
    }
}

/// What one step sees of f: every row or this step's mini-batch, the exact gradient or
/// central differences; and what it cost, in evaluations of f.
///
/// The cost convention: a value is 1 evaluation; a gradient, exact or not, 4 (what central
/// differences take in 2D); a value, gradient and Hessian 9 (the 3 × 3 stencil).
pub struct Seen<'a> {
    pub f: &'a Formula,
    pub rows: Option<&'a [u32]>,
    /// The finite-difference step (0: exact).
    pub fd: f64,
    pub evals: std::cell::Cell<u64>,
}

impl Seen<'_> {
    fn count(&self, n: u64) {
        self.evals.set(self.evals.get() + n);
    }

    /// f, not counted (what the app shows, not what the optimizer paid for).
    fn peek(&self, x: [f64; 2]) -> f64 {
        match self.rows {
            Some(r) => self.f.value_on(x, r),
            None => self.f.value(x),
        }
    }

    pub fn value(&self, x: [f64; 2]) -> f64 {
        self.count(1);
        self.peek(x)
    }

    /// f and ∇f; with a finite-difference step, f is NaN (central differences never
    /// evaluate the point itself).
    pub fn gradient(&self, x: [f64; 2]) -> (f64, [f64; 2]) {
        self.count(4);
        if self.fd > 0.0 {
            return (f64::NAN, self.differences(x));
        }
        match self.rows {
            Some(r) => self.f.gradient_on(x, r),
            None => self.f.gradient(x),
        }
    }

    /// Central differences: (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ), hᵢ = h·max(|xᵢ|, 1).
    fn differences(&self, x: [f64; 2]) -> [f64; 2] {
        let [lo_x, hi_x, lo_y, hi_y] = probes(x, self.fd);
        let diff = |lo: [f64; 2], hi: [f64; 2], i: usize| {
            (self.peek(hi) - self.peek(lo)) / (hi[i] - lo[i])
        };
        [diff(lo_x, hi_x, 0), diff(lo_y, hi_y, 1)]
    }

    pub fn derivatives(&self, x: [f64; 2]) -> crate::core::expr::Derivatives {
        self.count(9);
        match self.rows {
            Some(r) => self.f.derivatives_on(x, r),
            None => self.f.derivatives(x),
        }
    }
}

/// Where central differences with step `h` look around `x`: x − h₁e₁, x + h₁e₁, x − h₂e₂,
/// x + h₂e₂, with hᵢ = h·max(|xᵢ|, 1).
pub fn probes(x: [f64; 2], h: f64) -> [[f64; 2]; 4] {
    let hx = h * x[0].abs().max(1.0);
    let hy = h * x[1].abs().max(1.0);
    [
        [x[0] - hx, x[1]],
        [x[0] + hx, x[1]],
        [x[0], x[1] - hy],
        [x[0], x[1] + hy],
    ]
}

/// An optimizer: its kind, hyperparameters (editable between steps) and state.
#[derive(Debug, Clone)]
pub struct Optimizer {
    pub kind: Kind,
    pub hyper: Hyper,
    state: State,
}

impl Optimizer {
    pub fn new(kind: Kind, hyper: Hyper) -> Optimizer {
        let state = State::new(hyper.seed);
        Optimizer { kind, hyper, state }
    }

    pub fn with_defaults(kind: Kind) -> Optimizer {
        Optimizer::new(kind, Hyper::defaults(kind))
    }

    /// Forgets all state (moments, step count, noise stream) as if new.
    pub fn reset(&mut self) {
        self.state = State::new(self.hyper.seed);
    }

    /// Steps taken since the last reset.
    pub fn steps(&self) -> u64 {
        self.state.t
    }

    /// The running average of gradients (SGD's momentum buffer b, Adam's first moment m), in
    /// gradient units; `None` before the first step and for methods that keep none.
    pub fn velocity(&self) -> Option<[f64; 2]> {
        self.state.buf
    }

    /// Nelder–Mead's current triangle, for drawing.
    pub fn simplex(&self) -> Option<[[f64; 2]; 3]> {
        self.state.simplex.as_ref().map(|s| s.points)
    }

    /// How wide a derivative-free search still is: the simplex's widest side, CMA-ES's
    /// σ·√(C's largest eigenvalue), the farthest particle from the swarm's mean. None for
    /// the methods that keep no such shape (gradient methods, annealing).
    pub fn spread(&self) -> Option<f64> {
        let s = &self.state;
        if let Some([a, b, c]) = self.simplex() {
            let d = |p: [f64; 2], q: [f64; 2]| (p[0] - q[0]).hypot(p[1] - q[1]);
            return Some(d(a, b).max(d(b, c)).max(d(a, c)));
        }
        s.cma
            .as_ref()
            .map(cmaes::Cma::spread)
            .or_else(|| s.swarm.as_ref().map(pso::Swarm::spread))
    }

    /// The points a population method holds now: CMA-ES's last samples, the particles.
    pub fn population(&self) -> Option<&[[f64; 2]]> {
        let s = &self.state;
        s.cma
            .as_ref()
            .map(|c| c.samples.as_slice())
            .or_else(|| s.swarm.as_ref().map(|w| w.x.as_slice()))
    }

    /// CMA-ES's 1-σ ellipse of N(m, σ²C): centre and its two half-axes.
    pub fn ellipse(&self) -> Option<([f64; 2], [[f64; 2]; 2])> {
        self.state.cma.as_ref().map(|c| (c.mean, c.ellipse()))
    }

    /// Simulated annealing: the temperature of the last move and the share of moves taken.
    pub fn temperature(&self) -> Option<(f64, f64)> {
        self.state
            .walker
            .as_ref()
            .map(|w| (w.temperature, w.accepted as f64 / (w.moves.max(1)) as f64))
    }

    /// Simulated annealing's last proposal.
    pub fn proposal(&self) -> Option<[f64; 2]> {
        self.state.walker.as_ref().map(|w| w.proposal)
    }

    /// One step from `x` on `f`. Hyperparameter edits since the last step take effect here.
    /// On a data landscape with a batch size, the step sees only its mini-batch.
    pub fn step(&mut self, x: [f64; 2], f: &Formula) -> Update {
        self.step_known(x, None, f)
    }

    /// [`Optimizer::step`], given f and the exact ∇f at `x` where the caller has them (a run
    /// does, from its stop rules): an exact full-batch gradient step takes them instead of
    /// evaluating again, and still pays for them. Halves the work of every gradient step.
    pub fn step_known(
        &mut self,
        x: [f64; 2],
        known: Option<(f64, [f64; 2])>,
        f: &Formula,
    ) -> Update {
        let lr = self.hyper.schedule.lr(self.hyper.lr, self.state.t);
        let h = &self.hyper;
        let s = &mut self.state;
        // Taken out while the step borrows the state, put back after.
        let rows = s.deal(h.batch, h.seed, f);
        let seen = Seen {
            f,
            rows: rows.as_deref(),
            fd: h.fd,
            evals: std::cell::Cell::new(0),
        };
        s.t += 1;
        // Newton takes its own derivatives; the derivative-free methods take none.
        let (loss, grad) = if self.kind.uses_gradient() && self.kind != Kind::Newton {
            match known.filter(|_| seen.rows.is_none() && seen.fd == 0.0) {
                Some(k) => {
                    seen.count(4);
                    k
                }
                None => seen.gradient(x),
            }
        } else {
            (f64::NAN, [f64::NAN; 2])
        };
        let mut update = match self.kind {
            Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov => {
                sgd::step(h, s, x, grad, lr, self.kind == Kind::Nesterov)
            }
            Kind::Adagrad => adagrad::step(h, s, x, grad, lr),
            Kind::RmsProp => rmsprop::step(h, s, x, grad, lr),
            Kind::Adam | Kind::AdamW | Kind::AmsGrad => adam::step(h, s, x, grad, lr, self.kind),
            Kind::Newton => newton::step(s, x, &seen, lr),
            Kind::NelderMead => nelder_mead::step(h, s, x, &seen),
            Kind::Annealing => annealing::step(h, s, x, &seen),
            Kind::CmaEs => cmaes::step(h, s, x, &seen),
            Kind::Pso => pso::step(h, s, x, &seen),
        };
        update.seen_loss = if loss.is_nan() { seen.peek(x) } else { loss };
        s.evals += seen.evals.get();
        s.last_rows = rows;
        update
    }

    /// The named quantities of the last step (empty before one), with this step's numbers.
    pub fn terms(&self) -> &[Term] {
        &self.state.terms
    }

    /// Evaluations of f paid since the last reset: a value 1, a gradient 4, a Hessian 9.
    pub fn evals(&self) -> u64 {
        self.state.evals
    }

    /// The rows of the last step's mini-batch (None before one, or on a full batch).
    pub fn last_batch(&self) -> Option<&[u32]> {
        self.state.last_rows.as_deref()
    }

    /// Epochs begun and rows seen by mini-batch steps (None before the first, or on full
    /// batches).
    pub fn epochs(&self) -> Option<(u64, u64)> {
        self.state.batches.as_ref().map(|b| (b.epoch, b.seen))
    }
}

/// Per-coordinate helpers: the math reads like the equations.
fn zip2(a: [f64; 2], b: [f64; 2], f: impl Fn(f64, f64) -> f64) -> [f64; 2] {
    [f(a[0], b[0]), f(a[1], b[1])]
}

fn map2(a: [f64; 2], f: impl Fn(f64) -> f64) -> [f64; 2] {
    [f(a[0]), f(a[1])]
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod blackbox_tests;
