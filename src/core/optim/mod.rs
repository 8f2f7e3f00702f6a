//! Optimizers with torch.optim's exact update equations, hyperparameter names and defaults.
//!
//! One [`Optimizer`] steps one point; its [`Update`] carries the terms of that step with their
//! numbers so the app can write the rule out ("x ← x − α·m̂/(√v̂+ε)" with this step's values).
//! Families live in their own files, each with its equations in the doc comment.

mod adagrad;
mod adam;
mod annealing;
mod cmaes;
mod hyper;
mod kind;
mod nelder_mead;
mod newton;
mod pso;
mod rmsprop;
pub mod run;
pub mod schedule;
mod sgd;
mod state;
mod update;
pub mod vector;

pub use hyper::{FD_MAX, FD_MIN, FD_STEP, Field, Hyper, HyperError, MAX_POPULATION, Widget};
pub use kind::Kind;
pub use state::{Seen, probes};
pub use update::{Note, Term, Terms, Update, scalar, term};
pub use vector::VectorOptimizer;

use crate::core::expr::{Formula, scalar_reads};
use state::State;

/// What a step of any family is given: the kind, its hyperparameters and state, the point,
/// the gradient there (NaN for the methods that take none), the scheduled rate, and f as
/// this step sees it (its rows, exact or finite differences, counted).
struct Step<'a> {
    kind: Kind,
    h: &'a Hyper,
    s: &'a mut State,
    x: [f64; 2],
    grad: [f64; 2],
    /// The loss the step sees at `x` (its mini-batch's mean), which its update carries.
    loss: f64,
    lr: f64,
    seen: &'a Seen<'a>,
}

impl Step<'_> {
    /// The family's step. One signature for every family; the match is checked for every
    /// kind by the compiler.
    fn take(self) -> Update {
        match self.kind {
            Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov => sgd::step(self),
            Kind::Adagrad => adagrad::step(self),
            Kind::RmsProp => rmsprop::step(self),
            Kind::Adam | Kind::AdamW | Kind::AmsGrad => adam::step(self),
            Kind::Newton => newton::step(self),
            Kind::NelderMead => nelder_mead::step(self),
            Kind::Annealing => annealing::step(self),
            Kind::CmaEs => cmaes::step(self),
            Kind::Pso => pso::step(self),
        }
    }
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
        // Newton takes its own derivatives; the derivative-free methods take none. Every
        // branch writes this one buffer, read back once, one number a load: a gradient
        // returned by value merged in memory at each branch, and a pair read with one wide
        // load over two stores stalled its forward.
        let mut merged = [f64::NAN; 3];
        if self.kind.is_first_order() {
            match known.filter(|_| seen.rows.is_none() && seen.fd == 0.0) {
                Some((loss, [gx, gy])) => {
                    seen.count(4);
                    merged = [loss, gx, gy];
                }
                None => seen.gradient_into(x, &mut merged),
            }
        }
        let [loss, gx, gy] = scalar_reads(&merged);
        let step = Step {
            kind: self.kind,
            h,
            s,
            x,
            grad: [gx, gy],
            // Known before the step (f at x on this step's rows), so that each family
            // builds its update where the caller wants it: setting it on the family's update
            // afterwards copied the whole update through a stalled store forward.
            loss: if loss.is_nan() { seen.peek(x) } else { loss },
            lr,
            seen: &seen,
        };
        let update = step.take();
        let s = &mut self.state;
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
