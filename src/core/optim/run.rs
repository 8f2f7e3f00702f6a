//! A run: one optimizer from one start on one formula, with the stop rules that end it.

use super::{Kind, Optimizer, Update};
use crate::core::expr::Formula;
use crate::core::number::exact_pair;
use serde::{Deserialize, Serialize};

/// Where a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    Running,
    /// At a minimum: ‖∇f‖ below the tolerance where f rises all around (gradient methods),
    /// or the simplex or population collapsed (Nelder–Mead, CMA-ES, particle swarms).
    Converged,
    StepLimit,
    /// The next point was not finite or left the bound; the run kept its last finite point.
    Diverged(String),
    /// No progress: at a maximum, a saddle (degenerate or not), on a plateau, or the loss
    /// stopped changing.
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
    /// How far the last step's gradient was from the exact one at the same point,
    /// ‖g_seen − ∇f‖: a mini-batch's sampling noise (plus any added noise); NaN before a step.
    pub noise: f64,
    /// The exact ∇f where the last step started (what a mini-batch's gradient estimates).
    pub grad_from: [f64; 2],
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
            noise: f64::NAN,
            grad_from: [f64::NAN; 2],
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
        self.status = self.rules.at_start(start, loss);
    }

    /// f and ∇f where the racer stands, again: the surface changed under it (a lesson
    /// morphing a parameter), and the next step must see the new slope, not the old one.
    /// Where the new surface is undefined, the next step finds that out and stops the racer.
    pub fn resample(&mut self, f: &Formula) {
        (self.loss, self.grad) = f.gradient(self.pos);
    }

    /// One step, unless stopped. Returns the status after it.
    pub fn step(&mut self, f: &Formula) -> &Status {
        if !self.status.is_running() {
            return &self.status;
        }
        let known = Some((self.loss, self.grad));
        let update = self.optimizer.step_known(self.pos, known, f);
        // An exact gradient is no noise at all (and saves a hypot on the hot path).
        self.noise = if update.grad == self.grad {
            0.0
        } else {
            (update.grad[0] - self.grad[0]).hypot(update.grad[1] - self.grad[1])
        };
        self.grad_from = self.grad;
        self.steps += 1;
        let to = update.to;
        let (loss, grad) = f.gradient(to);
        if let Some(why) = self.rules.divergence(to, loss) {
            self.status = Status::Diverged(why);
            self.last = Some(update);
            return &self.status;
        }
        self.pos = to;
        self.loss = loss;
        self.grad = grad;
        self.last = Some(update);
        let standing = Standing {
            pos: to,
            loss,
            grad,
            steps: self.steps,
            window_ends: self.rules.window_ends(self.steps),
            window_loss: &mut self.window_loss,
        };
        let (kind, spread) = (self.optimizer.kind, self.optimizer.spread());
        self.status = self.rules.judge(f, kind, spread, standing);
        &self.status
    }
}

/// What the stop rules read of a run after a step that stayed finite.
pub struct Standing<'a> {
    pub pos: [f64; 2],
    pub loss: f64,
    pub grad: [f64; 2],
    pub steps: u64,
    /// Whether this step ends a stall window ([`StopRules::window_ends`]).
    pub window_ends: bool,
    /// The loss at the start of the current stall window, moved on at each window's end.
    pub window_loss: &'a mut f64,
}

impl StopRules {
    /// The status of a run before its first step, f being `loss` at `start`.
    pub fn at_start(&self, start: [f64; 2], loss: f64) -> Status {
        if !(loss.is_finite() && start.iter().all(|v| v.is_finite())) {
            Status::Diverged(format!(
                "f is not defined at the start {}",
                exact_pair(start)
            ))
        } else if self.max_steps == Some(0) {
            Status::StepLimit
        } else {
            Status::Running
        }
    }

    /// Why a step to `to`, where f is `loss`, diverged; None where it stayed finite and in
    /// bounds.
    #[inline]
    pub fn divergence(&self, to: [f64; 2], loss: f64) -> Option<String> {
        let out_of_bound = to.iter().any(|v| v.abs() > self.bound);
        if to.iter().all(|v| v.is_finite()) && loss.is_finite() && !out_of_bound {
            return None;
        }
        Some(self.why_diverged(to, loss, out_of_bound))
    }

    // The messages, out of line: the checks above run every step, these once a run.
    #[cold]
    #[inline(never)]
    fn why_diverged(&self, to: [f64; 2], loss: f64, out_of_bound: bool) -> String {
        if out_of_bound {
            format!("left the bound |x|, |y| ≤ {:e}", self.bound)
        } else if !loss.is_finite() && to.iter().all(|v| v.is_finite()) {
            format!("f{} is not finite", exact_pair(to))
        } else {
            "the step was not finite".to_string()
        }
    }

    /// The status after a step: the rules applied at the run's current point (`spread`: a
    /// derivative-free method's simplex or population width).
    #[inline]
    pub fn judge(&self, f: &Formula, kind: Kind, spread: Option<f64>, s: Standing) -> Status {
        if self.vanished(kind, s.grad) {
            return at_rest(f, s.pos, s.grad);
        }
        if let Some(size) = spread {
            // A derivative-free method has converged when its simplex or population has
            // shrunk to rounding.
            let scale = 1.0 + s.pos[0].abs().max(s.pos[1].abs());
            if size <= SIMPLEX_TOL * scale {
                return Status::Converged;
            }
        }
        if self.step_limit(s.steps) {
            return Status::StepLimit;
        }
        if s.window_ends {
            let gained = *s.window_loss - s.loss;
            *s.window_loss = s.loss;
            if gained.abs() < self.stall_tol * (1.0 + s.loss.abs()) {
                return stalled(gained, self.stall_window.max(1));
            }
        }
        Status::Running
    }

    /// Whether a run stops at its step numbered `steps` for its step count alone.
    #[inline]
    pub fn step_limit(&self, steps: u64) -> bool {
        self.max_steps.is_some_and(|m| steps >= m)
    }

    /// Whether a step to `to` (f = `loss`, ∇f = `grad`) passes every test of one point:
    /// finite, inside the bound, the gradient not vanished. What [`StopRules::divergence`]
    /// and [`StopRules::judge`] test first; the atlas asks it of a whole block of starts at
    /// once and judges them one by one only where one fails it (or a window or the step
    /// limit ends).
    #[inline]
    pub fn passes(&self, kind: Kind, to: [f64; 2], loss: f64, grad: [f64; 2]) -> bool {
        // `&`, not `&&`: no branch per test, so a block's lanes are tested in a straight line.
        let inside = |v: f64| v.is_finite() & (v.abs() <= self.bound);
        inside(to[0]) & inside(to[1]) & loss.is_finite() & !self.vanished(kind, grad)
    }

    /// Whether a gradient method's gradient has vanished: ‖∇f‖ ≤ tol, as a comparison of
    /// squares (no hypot on every step).
    #[inline]
    fn vanished(&self, kind: Kind, [gx, gy]: [f64; 2]) -> bool {
        let tol = self.grad_tol;
        kind.uses_gradient() & (tol >= 0.0) & (gx * gx + gy * gy <= tol * tol)
    }

    /// Whether the step numbered `steps` ends a stall window: a division, which the atlas
    /// makes once for a whole block of starts (its starts step together).
    #[inline]
    pub fn window_ends(&self, steps: u64) -> bool {
        steps.is_multiple_of(self.stall_window.max(1))
    }
}

/// Where the gradient vanished: converged at a minimum, stalled anywhere else.
#[cold]
#[inline(never)]
fn at_rest(f: &Formula, pos: [f64; 2], [gx, gy]: [f64; 2]) -> Status {
    let gnorm = gx.hypot(gy);
    match stationary_kind(f, pos) {
        PointKind::Minimum => Status::Converged,
        kind => Status::Stalled(format!("{} (‖∇f‖ = {gnorm:.1e})", kind.phrase())),
    }
}

#[cold]
#[inline(never)]
fn stalled(gained: f64, window: u64) -> Status {
    Status::Stalled(format!("loss changed by {gained:.1e} in {window} steps"))
}

/// A simplex or population whose width is below this (relative to 1 + |x|) has collapsed.
const SIMPLEX_TOL: f64 = 1e-10;

/// What a stationary point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    Minimum,
    Maximum,
    Saddle,
    /// Zero curvature in some direction and f falling in one direction, rising in another
    /// (a monkey saddle, x³ − 3xy²).
    DegenerateSaddle,
    /// f does not change around the point.
    Plateau,
}

impl PointKind {
    pub fn phrase(self) -> &'static str {
        match self {
            PointKind::Minimum => "at a minimum",
            PointKind::Maximum => "at a maximum",
            PointKind::Saddle => "at a saddle point",
            PointKind::DegenerateSaddle => "at a degenerate saddle point",
            PointKind::Plateau => "on a plateau",
        }
    }
}

/// Classifies a point where ∇f ≈ 0: by the Hessian's eigenvalues where they decide, else
/// (a zero eigenvalue: x⁴ + y⁴, x³ − 3xy², a flat plateau) by the values on circles around it.
pub fn stationary_kind(f: &Formula, p: [f64; 2]) -> PointKind {
    let h = f.derivatives(p).hessian;
    let (mean, diff) = ((h[0][0] + h[1][1]) / 2.0, (h[0][0] - h[1][1]) / 2.0);
    let radius = diff.hypot(h[0][1]);
    let (lo, hi) = (mean - radius, mean + radius);
    // Curvatures this small against the larger one are zero to rounding.
    let zero = 1e-9 * lo.abs().max(hi.abs()).max(1e-300);
    if lo.is_finite() && hi.is_finite() {
        if lo > zero {
            return PointKind::Minimum;
        }
        if hi < -zero {
            return PointKind::Maximum;
        }
        if lo < -zero && hi > zero {
            return PointKind::Saddle;
        }
    }
    stationary_kind_by_values(f, p)
}

/// Classifies a point by comparing f there with f on circles of three radii around it,
/// 16 directions each: for points where the Hessian cannot decide or does not exist.
pub fn stationary_kind_by_values(f: &Formula, p: [f64; 2]) -> PointKind {
    let f0 = f.value(p);
    let scale = 1.0 + p[0].abs().max(p[1].abs());
    let tol = 1e-14 * (1.0 + f0.abs());
    let (mut above, mut below) = (false, false);
    for r in [1e-4, 1e-3, 1e-2] {
        for k in 0..16 {
            let t = std::f64::consts::TAU * f64::from(k) / 16.0;
            let q = [p[0] + r * scale * t.cos(), p[1] + r * scale * t.sin()];
            let d = f.value(q) - f0;
            above |= d > tol;
            below |= d < -tol;
        }
    }
    match (above, below) {
        (true, false) => PointKind::Minimum,
        (false, true) => PointKind::Maximum,
        (true, true) => PointKind::DegenerateSaddle,
        (false, false) => PointKind::Plateau,
    }
}
