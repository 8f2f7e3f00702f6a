//! The hyperparameters: one table (`Field`) that the panel, scene files and the command line
//! read and write through, each field with its torch name, label, widget and valid values;
//! `Hyper`, their values, with torch's defaults per optimizer.

use super::schedule::{Schedule, ScheduleError};
use super::{Kind, cmaes, pso};
use serde::{Deserialize, Serialize};

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

/// A field's valid values: the test, and the words a refusal says.
type Range = (fn(f64) -> bool, &'static str);

impl Field {
    /// The values a real-valued field takes, as a test and in words for the message; None
    /// for those whose every value is checked where it is set (whole numbers, the switch, the
    /// schedule's text) or, for the population, by its own rule.
    fn valid(self) -> Option<Range> {
        let unit_open: Range = (|v| (0.0..1.0).contains(&v), "in [0, 1)");
        let nonnegative: Range = (|v| v >= 0.0, "≥ 0");
        Some(match self {
            Field::Lr => (|v| v >= 0.0, "a number ≥ 0"),
            Field::Momentum | Field::Beta1 | Field::Beta2 | Field::Alpha => unit_open,
            Field::Dampening => (|v| (0.0..=1.0).contains(&v), "in [0, 1]"),
            Field::Eps
            | Field::WeightDecay
            | Field::LrDecay
            | Field::Noise
            | Field::Temperature => nonnegative,
            Field::Fd => (
                |v| v == 0.0 || (FD_MIN..=FD_MAX).contains(&v),
                "0 (the exact gradient) or a step from 1e-12 to 10",
            ),
            Field::Cooling => (|v| v > 0.0 && v <= 1.0, "in (0, 1]"),
            Field::Centered | Field::Seed | Field::Batch | Field::Population | Field::Schedule => {
                return None;
            }
        })
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
        for field in Field::NUMERIC {
            let Some((ok, want)) = field.valid() else {
                continue;
            };
            let value = field.get(self);
            if !(value.is_finite() && ok(value)) {
                let name = field.name();
                return Err(HyperError::OutOfRange { name, value, want });
            }
        }
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
