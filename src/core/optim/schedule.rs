//! Learning-rate schedules, with torch.optim.lr_scheduler's closed forms.
//!
//! `t` counts the steps already taken (the scheduler's `last_epoch`), so step 0 uses the base rate.
//! - constant:     η_t = η
//! - step:         η_t = η · γ^⌊t / every⌋                      (StepLR)
//! - exponential:  η_t = η · γ^t                                  (ExponentialLR)
//! - cosine:       η_t = η_min + (η − η_min)(1 + cos(π t / T)) / 2  (CosineAnnealingLR: past T
//! ```text
//!             it rises again, as torch's does)
//! ```
//! - warmup:       η_t = η · (s + (1 − s) · min(t, n) / n)      (LinearLR from factor s to 1)

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Schedule {
    #[default]
    Constant,
    Step {
        every: u64,
        gamma: f64,
    },
    Exponential {
        gamma: f64,
    },
    Cosine {
        period: u64,
        min_lr: f64,
    },
    Warmup {
        steps: u64,
        start_factor: f64,
    },
}

/// The schedule as the command line writes it (`step:100:0.5`).
pub fn text(s: &Schedule) -> String {
    match s {
        Schedule::Constant => "constant".into(),
        Schedule::Step { every, gamma } => format!("step:{every}:{gamma}"),
        Schedule::Exponential { gamma } => format!("exp:{gamma}"),
        Schedule::Cosine { period, min_lr } => format!("cosine:{period}:{min_lr}"),
        Schedule::Warmup {
            steps,
            start_factor,
        } => format!("warmup:{steps}:{start_factor}"),
    }
}

impl Schedule {
    pub fn lr(&self, base: f64, t: u64) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { every, gamma } => {
                base * gamma.powi((t / every.max(1)).min(i32::MAX as u64) as i32)
            }
            Schedule::Exponential { gamma } => base * gamma.powf(t as f64),
            Schedule::Cosine { period, min_lr } => {
                let t = t as f64;
                min_lr
                    + (base - min_lr)
                        * (1.0 + (std::f64::consts::PI * t / period.max(1) as f64).cos())
                        / 2.0
            }
            Schedule::Warmup {
                steps,
                start_factor,
            } => {
                let n = steps.max(1) as f64;
                base * (start_factor + (1.0 - start_factor) * (t as f64).min(n) / n)
            }
        }
    }

    pub fn validate(&self) -> Result<(), ScheduleError> {
        let positive = |name: &'static str, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(ScheduleError::NotPositive { name, value })
            }
        };
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if every == 0 {
                    return Err(ScheduleError::StepEvery);
                }
                positive("gamma", gamma)
            }
            Schedule::Exponential { gamma } => positive("gamma", gamma),
            Schedule::Cosine { period, min_lr } => {
                if period == 0 {
                    return Err(ScheduleError::CosinePeriod);
                }
                if min_lr.is_finite() && min_lr >= 0.0 {
                    Ok(())
                } else {
                    Err(ScheduleError::CosineMin(min_lr))
                }
            }
            Schedule::Warmup {
                steps,
                start_factor,
            } => {
                if steps == 0 {
                    return Err(ScheduleError::WarmupSteps);
                }
                positive("start_factor", start_factor)
            }
        }
    }
}

/// Why a schedule was refused: its text, or the value out of range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("schedule {name} must be a positive number, got {value}")]
    NotPositive { name: &'static str, value: f64 },
    #[error("schedule step: 'every' must be at least 1")]
    StepEvery,
    #[error("schedule cosine: the period must be at least 1 step")]
    CosinePeriod,
    #[error("schedule cosine: min_lr must be ≥ 0, got {0}")]
    CosineMin(f64),
    #[error("schedule warmup: steps must be at least 1")]
    WarmupSteps,
    #[error("schedule '{0}' is missing a value")]
    Missing(String),
    #[error("schedule '{text}': '{part}' is not a number")]
    NotNumber { text: String, part: String },
    #[error("schedule '{text}': '{part}' is not a whole number")]
    NotWhole { text: String, part: String },
    #[error(
        "unknown schedule '{0}': use constant, step:EVERY:GAMMA, exp:GAMMA, cosine:PERIOD[:MIN_LR] or warmup:STEPS[:START_FACTOR]"
    )]
    Unknown(String),
}

impl std::str::FromStr for Schedule {
    type Err = ScheduleError;

    /// `constant`, `step:EVERY:GAMMA`, `exp:GAMMA`, `cosine:PERIOD[:MIN_LR]`, `warmup:STEPS[:START_FACTOR]`.
    fn from_str(s: &str) -> Result<Schedule, ScheduleError> {
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let part = |i: usize| parts.get(i).ok_or(ScheduleError::Missing(s.into()));
        let num = |i: usize| -> Result<f64, ScheduleError> {
            let p = part(i)?;
            p.parse::<f64>().map_err(|_| ScheduleError::NotNumber {
                text: s.into(),
                part: p.to_string(),
            })
        };
        let count = |i: usize| -> Result<u64, ScheduleError> {
            let p = part(i)?;
            p.parse::<u64>().map_err(|_| ScheduleError::NotWhole {
                text: s.into(),
                part: p.to_string(),
            })
        };
        let schedule = match parts[0] {
            "constant" if parts.len() == 1 => Schedule::Constant,
            "step" if parts.len() == 3 => Schedule::Step {
                every: count(1)?,
                gamma: num(2)?,
            },
            "exp" if parts.len() == 2 => Schedule::Exponential { gamma: num(1)? },
            "cosine" if matches!(parts.len(), 2 | 3) => Schedule::Cosine {
                period: count(1)?,
                min_lr: if parts.len() == 3 { num(2)? } else { 0.0 },
            },
            "warmup" if matches!(parts.len(), 2 | 3) => Schedule::Warmup {
                steps: count(1)?,
                start_factor: if parts.len() == 3 { num(2)? } else { 1.0 / 3.0 },
            },
            _ => return Err(ScheduleError::Unknown(s.into())),
        };
        schedule.validate()?;
        Ok(schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert_eq!(Schedule::Constant.lr(0.1, 1000), 0.1);
        let step = Schedule::Step {
            every: 10,
            gamma: 0.5,
        };
        assert_eq!(
            [
                step.lr(1.0, 0),
                step.lr(1.0, 9),
                step.lr(1.0, 10),
                step.lr(1.0, 25)
            ],
            [1.0, 1.0, 0.5, 0.25]
        );
        assert_eq!(
            Schedule::Exponential { gamma: 0.9 }.lr(2.0, 2),
            2.0 * 0.9 * 0.9
        );
        let cos = Schedule::Cosine {
            period: 100,
            min_lr: 0.0,
        };
        assert_eq!(cos.lr(1.0, 0), 1.0);
        assert!((cos.lr(1.0, 50) - 0.5).abs() < 1e-15);
        assert!(cos.lr(1.0, 100).abs() < 1e-15);
        assert!(
            (cos.lr(1.0, 150) - 0.5).abs() < 1e-15,
            "past the period the cosine rises again, as in torch"
        );
        let warm = Schedule::Warmup {
            steps: 4,
            start_factor: 0.2,
        };
        for (t, want) in [(0, 0.2), (2, 0.6), (4, 1.0), (9, 1.0)] {
            assert!((warm.lr(1.0, t) - want).abs() < 1e-15, "warmup at {t}");
        }
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            "step:100:0.5".parse(),
            Ok(Schedule::Step {
                every: 100,
                gamma: 0.5
            })
        );
        assert_eq!(
            "cosine:300".parse(),
            Ok(Schedule::Cosine {
                period: 300,
                min_lr: 0.0
            })
        );
        assert!(
            "step:0:0.5"
                .parse::<Schedule>()
                .unwrap_err()
                .to_string()
                .contains("at least 1")
        );
        assert!(
            "exp:x"
                .parse::<Schedule>()
                .unwrap_err()
                .to_string()
                .contains("'x' is not a number")
        );
        assert!(
            "linear"
                .parse::<Schedule>()
                .unwrap_err()
                .to_string()
                .starts_with("unknown schedule 'linear'")
        );
    }
}
