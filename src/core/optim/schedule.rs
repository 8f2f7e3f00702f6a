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

    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "schedule {name} must be a positive number, got {v}"
                ))
            }
        };
        match *self {
            Schedule::Constant => Ok(()),
            Schedule::Step { every, gamma } => {
                if every == 0 {
                    return Err("schedule step: 'every' must be at least 1".into());
                }
                positive("gamma", gamma)
            }
            Schedule::Exponential { gamma } => positive("gamma", gamma),
            Schedule::Cosine { period, min_lr } => {
                if period == 0 {
                    return Err("schedule cosine: the period must be at least 1 step".into());
                }
                if min_lr.is_finite() && min_lr >= 0.0 {
                    Ok(())
                } else {
                    Err(format!("schedule cosine: min_lr must be ≥ 0, got {min_lr}"))
                }
            }
            Schedule::Warmup {
                steps,
                start_factor,
            } => {
                if steps == 0 {
                    return Err("schedule warmup: steps must be at least 1".into());
                }
                positive("start_factor", start_factor)
            }
        }
    }
}

impl std::str::FromStr for Schedule {
    type Err = String;

    /// `constant`, `step:EVERY:GAMMA`, `exp:GAMMA`, `cosine:PERIOD[:MIN_LR]`, `warmup:STEPS[:START_FACTOR]`.
    fn from_str(s: &str) -> Result<Schedule, String> {
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let num = |i: usize| -> Result<f64, String> {
            parts
                .get(i)
                .ok_or(format!("schedule '{s}' is missing a value"))?
                .parse::<f64>()
                .map_err(|_| format!("schedule '{s}': '{}' is not a number", parts[i]))
        };
        let count = |i: usize| -> Result<u64, String> {
            parts
                .get(i)
                .ok_or(format!("schedule '{s}' is missing a value"))?
                .parse::<u64>()
                .map_err(|_| format!("schedule '{s}': '{}' is not a whole number", parts[i]))
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
            _ => {
                return Err(format!(
                    "unknown schedule '{s}': use constant, step:EVERY:GAMMA, exp:GAMMA, cosine:PERIOD[:MIN_LR] or warmup:STEPS[:START_FACTOR]"
                ));
            }
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
                .contains("at least 1")
        );
        assert!(
            "exp:x"
                .parse::<Schedule>()
                .unwrap_err()
                .contains("'x' is not a number")
        );
        assert!(
            "linear"
                .parse::<Schedule>()
                .unwrap_err()
                .starts_with("unknown schedule 'linear'")
        );
    }
}
