//! A run: one optimizer from one start on one formula, with the stop rules that end it.

use super::{Optimizer, Update};
use crate::core::expr::Formula;
use serde::{Deserialize, Serialize};

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    /// ‖∇f‖ fell below the tolerance at a point that is not a saddle.
    Converged,
    StepLimit,
    /// The next point was not finite or left the bound; the run kept its last finite point.
    Diverged(String),
    /// No progress: at a saddle, or on a plateau.
    Stalled(String),
}

impl Status {
    pub fn is_running(&self) -> bool {
        *self == Status::Running
    }

    pub fn label(&self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Converged => "converged",
            Status::StepLimit => "step limit",
            Status::Diverged(_) => "diverged",
            Status::Stalled(_) => "stalled",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Diverged(why) | Status::Stalled(why) => write!(f, "{}: {why}", self.label()),
            _ => f.write_str(self.label()),
        }
    }
}

/// When a run stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopRules {
    /// Converged when ‖∇f‖ ≤ this.
    pub grad_tol: f64,
    /// Stop after this many steps (None: never).
    pub max_steps: Option<u64>,
    /// Diverged when |x| or |y| exceeds this.
    pub bound: f64,
    /// Stalled when the loss improved by less than `stall_tol·(1 + |f|)` over this many steps.
    pub stall_window: u64,
    pub stall_tol: f64,
}

impl Default for StopRules {
    fn default() -> StopRules {
        StopRules {
            grad_tol: 1e-8,
            max_steps: None,
            bound: 1e6,
            stall_window: 500,
            stall_tol: 1e-12,
        }
    }
}

/// One optimizer's progress from its start.
#[derive(Debug, Clone)]
pub struct Run {
    pub optimizer: Optimizer,
    pub start: [f64; 2],
    pub pos: [f64; 2],
    pub loss: f64,
    pub grad: [f64; 2],
    pub steps: u64,
    pub status: Status,
    pub rules: StopRules,
    pub last: Option<Update>,
    /// Loss at the start of the current stall window.
    window_loss: f64,
}

impl Run {
    pub fn new(optimizer: Optimizer, start: [f64; 2], rules: StopRules, f: &Formula) -> Run {
        let mut run = Run {
            optimizer,
            start,
            pos: start,
            loss: f64::NAN,
            grad: [f64::NAN; 2],
            steps: 0,
            status: Status::Running,
            rules,
            last: None,
            window_loss: f64::NAN,
        };
        run.restart(start, f);
        run
    }

    /// Back to `start` with fresh optimizer state (same hyperparameters and seed).
    pub fn restart(&mut self, start: [f64; 2], f: &Formula) {
        self.optimizer.reset();
        self.start = start;
        self.pos = start;
        let (loss, grad) = f.gradient(start);
        self.loss = loss;
        self.grad = grad;
        self.window_loss = loss;
        self.steps = 0;
        self.last = None;
        self.status = if loss.is_finite() && start.iter().all(|v| v.is_finite()) {
            Status::Running
        } else {
            Status::Diverged(format!(
                "f is not defined at the start ({}, {})",
                start[0], start[1]
            ))
        };
    }

    /// One step, unless stopped. Returns the status after it.
    pub fn step(&mut self, f: &Formula) -> &Status {
        if !self.status.is_running() {
            return &self.status;
        }
        let update = self.optimizer.step(self.pos, f);
        self.steps += 1;
        let to = update.to;
        let (loss, grad) = f.gradient(to);
        let out_of_bound = to.iter().any(|v| v.abs() > self.rules.bound);
        if !to.iter().all(|v| v.is_finite()) || !loss.is_finite() || out_of_bound {
            let why = if out_of_bound {
                format!("left the bound |x|, |y| ≤ {:e}", self.rules.bound)
            } else if !loss.is_finite() && to.iter().all(|v| v.is_finite()) {
                format!("f({}, {}) is not finite", to[0], to[1])
            } else {
                "the step was not finite".to_string()
            };
            self.status = Status::Diverged(why);
            self.last = Some(update);
            return &self.status;
        }
        self.pos = to;
        self.loss = loss;
        self.grad = grad;
        self.last = Some(update);
        self.status = self.judge(f);
        &self.status
    }

    /// Applies the stop rules at the current point.
    fn judge(&mut self, f: &Formula) -> Status {
        let gnorm = self.grad[0].hypot(self.grad[1]);
        if self.optimizer.kind.uses_gradient() && gnorm <= self.rules.grad_tol {
            let h = f.derivatives(self.pos).hessian;
            let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
            // A negative determinant means one negative curvature: a saddle, not a minimum.
            if det < 0.0 {
                return Status::Stalled(format!("at a saddle point (‖∇f‖ = {gnorm:.1e})"));
            }
            return Status::Converged;
        }
        if self.rules.max_steps.is_some_and(|m| self.steps >= m) {
            return Status::StepLimit;
        }
        let window = self.rules.stall_window.max(1);
        if self.steps.is_multiple_of(window) {
            let gained = self.window_loss - self.loss;
            self.window_loss = self.loss;
            if gained.abs() < self.rules.stall_tol * (1.0 + self.loss.abs()) {
                return Status::Stalled(format!("loss changed by {gained:.1e} in {window} steps"));
            }
        }
        Status::Running
    }
}
