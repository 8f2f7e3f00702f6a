//! Which optimizer: the kinds, their names in the CLI and scene files, how a person says them,
//! and which hyperparameters each reads.

use super::{Field, HyperError};
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

    /// Whether it is a first-order method: a step from ∇f alone (no Hessian, no values
    /// compared), its state kept per coordinate. These take finite differences, and the atlas
    /// steps many starts of them side by side.
    pub fn is_first_order(self) -> bool {
        self.uses_gradient() && self != Kind::Newton
    }

    /// Whether a step moves a population (drawn as a swarm, its mean the ball).
    pub fn is_population(self) -> bool {
        matches!(self, Kind::CmaEs | Kind::Pso)
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

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
