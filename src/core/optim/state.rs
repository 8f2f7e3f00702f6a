//! What an optimizer keeps between steps (the union of its families' state) and what a step
//! sees of f (every row or a mini-batch, exact or finite differences) and pays for it.

use super::{Terms, annealing, cmaes, nelder_mead, pso};
use crate::core::data::Batches;
use crate::core::expr::{Formula, scalar_reads};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Optimizer state: the union of what the families keep between steps.
#[derive(Debug, Clone)]
pub(super) struct State {
    /// Steps taken (torch's `step`).
    pub(super) t: u64,
    /// Momentum buffer / Adam's first moment m.
    pub(super) buf: Option<[f64; 2]>,
    /// Adagrad's sum of squares / RMSprop's and Adam's second moment v.
    pub(super) sq: [f64; 2],
    /// AMSGrad's running max of v.
    pub(super) sq_max: [f64; 2],
    /// Centered RMSprop's mean gradient.
    pub(super) grad_avg: [f64; 2],
    pub(super) rng: ChaCha8Rng,
    pub(super) simplex: Option<nelder_mead::Simplex>,
    pub(super) walker: Option<annealing::Walker>,
    pub(super) cma: Option<cmaes::Cma>,
    pub(super) swarm: Option<pso::Swarm>,
    /// The mini-batch sampler, made at the first mini-batch step.
    pub(super) batches: Option<Batches>,
    /// The rows the last step saw (None: every row).
    pub(super) last_rows: Option<Vec<u32>>,
    /// Evaluations of f paid so far (see [`Seen`] for the convention).
    pub(super) evals: u64,
    /// The named quantities of the last step, for display: kept here rather than in each
    /// [`Update`] so that a step moves a small value (the atlas runs millions of them).
    pub(super) terms: Terms,
}

impl State {
    pub(super) fn new(seed: u64) -> State {
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
    pub(super) fn deal(&mut self, size: u64, seed: u64, f: &Formula) -> Option<Vec<u32>> {
        let rows = f.data()?.rows();
        // A batch as large as the data is the full batch, summed in row order.
        if crate::core::data::is_full_batch(size, rows) {
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
    #[inline]
    pub(super) fn count(&self, n: u64) {
        self.evals.set(self.evals.get() + n);
    }

    /// f, not counted (what the app shows, not what the optimizer paid for).
    #[inline]
    pub(super) fn peek(&self, x: [f64; 2]) -> f64 {
        match self.rows {
            Some(r) => self.f.value_on(x, r),
            None => self.f.value(x),
        }
    }

    #[inline]
    pub fn value(&self, x: [f64; 2]) -> f64 {
        self.count(1);
        self.peek(x)
    }

    /// f and ∇f; with a finite-difference step, f is NaN (central differences never
    /// evaluate the point itself).
    #[inline(always)]
    pub fn gradient(&self, x: [f64; 2]) -> (f64, [f64; 2]) {
        let mut out = [0.0; 3];
        self.gradient_into(x, &mut out);
        let [v, gx, gy] = scalar_reads(&out);
        (v, [gx, gy])
    }

    /// [`Seen::gradient`] as `[f, ∂x, ∂y]` written to `out`, to be read with `scalar_reads`
    /// (see `Formula::gradient_into`).
    #[inline(always)]
    pub(super) fn gradient_into(&self, x: [f64; 2], out: &mut [f64; 3]) {
        self.count(4);
        if self.fd > 0.0 {
            let [gx, gy] = self.differences(x);
            *out = [f64::NAN, gx, gy];
        } else if let Some(r) = self.rows {
            let (v, [gx, gy]) = self.f.gradient_on(x, r);
            *out = [v, gx, gy];
        } else {
            self.f.gradient_into(x, out);
        }
    }

    /// Central differences: (f(x + hᵢeᵢ) − f(x − hᵢeᵢ)) / (2hᵢ), hᵢ = h·max(|xᵢ|, 1).
    #[inline(never)]
    fn differences(&self, x: [f64; 2]) -> [f64; 2] {
        let [lo_x, hi_x, lo_y, hi_y] = probes(x, self.fd);
        let diff = |lo: [f64; 2], hi: [f64; 2], i: usize| {
            (self.peek(hi) - self.peek(lo)) / (hi[i] - lo[i])
        };
        [diff(lo_x, hi_x, 0), diff(lo_y, hi_y, 1)]
    }

    #[inline]
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
