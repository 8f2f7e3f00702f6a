//! Every optimizer on a vector of any length n (a network's θ), stepping an [`Objective`]:
//! the gradient methods with the same equations as the 2D steps, coordinate by coordinate
//! (each family's file holds them once, and both call them), their state in buffers made
//! once so a step allocates nothing; Newton, Nelder–Mead, annealing, CMA-ES and PSO by their
//! families' n-dimensional steps (each in its family's file). At two coordinates the
//! gradient methods, annealing and PSO walk exactly the 2D path (tested bit for bit);
//! Newton, Nelder–Mead and CMA-ES agree with it to rounding.

use super::{
    Hyper, HyperError, Kind, adagrad, adam, annealing, cmaes, nelder_mead, newton, pso, rmsprop,
    sgd,
};
use crate::core::objective::Objective;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// An optimizer over n coordinates.
#[derive(Debug, Clone)]
pub struct VectorOptimizer {
    pub kind: Kind,
    pub hyper: Hyper,
    /// Steps taken (torch's `step`).
    t: u64,
    /// Momentum buffer / Adam's first moment; `started` once it holds a value.
    buf: Vec<f64>,
    started: bool,
    /// Adagrad's sum of squares / RMSprop's and Adam's second moment.
    sq: Vec<f64>,
    /// AMSGrad's running max of the second moment.
    sq_max: Vec<f64>,
    /// Centered RMSprop's mean gradient.
    avg: Vec<f64>,
    /// The gradient as this step uses it (noise, decay, momentum applied).
    g: Vec<f64>,
    rng: ChaCha8Rng,
    /// What Newton and the derivative-free methods keep, made at their first step.
    search: Search,
    /// Each coordinate's own base learning rate, where they differ (a sweep's starts side by
    /// side), and the rates scheduled for this step; empty otherwise.
    rates: Vec<f64>,
    scheduled: Vec<f64>,
}

/// A step's learning rate: one for every coordinate, or one each.
trait Rates: Copy {
    fn at(self, i: usize) -> f64;
}

impl Rates for f64 {
    #[inline(always)]
    fn at(self, _: usize) -> f64 {
        self
    }
}

impl Rates for &[f64] {
    #[inline(always)]
    fn at(self, i: usize) -> f64 {
        self[i]
    }
}

/// The state of the methods that keep more than per-coordinate buffers.
#[derive(Debug, Clone)]
pub(super) enum Search {
    None,
    Newton(Box<newton::Dense>),
    Simplex(nelder_mead::SimplexN),
    Walker(annealing::WalkerN),
    Cma(Box<cmaes::CmaN>),
    Swarm(pso::SwarmN),
}

impl VectorOptimizer {
    /// An optimizer for `n` coordinates; refused for settings the kind refuses (as
    /// [`Hyper::validate_for`]).
    pub fn new(kind: Kind, hyper: Hyper, n: usize) -> Result<VectorOptimizer, HyperError> {
        hyper.validate_for(kind)?;
        let zeros = vec![0.0; n];
        Ok(VectorOptimizer {
            kind,
            rng: ChaCha8Rng::seed_from_u64(hyper.seed),
            hyper,
            t: 0,
            buf: zeros.clone(),
            started: false,
            sq: zeros.clone(),
            sq_max: zeros.clone(),
            avg: zeros.clone(),
            g: zeros,
            search: Search::None,
            rates: Vec::new(),
            scheduled: Vec::new(),
        })
    }

    /// The same optimizer with a base learning rate per coordinate (`rates`, one per
    /// coordinate, each as `hyper.lr` would be): coordinate i steps as it would alone with
    /// its own rate. For the gradient methods' [`VectorOptimizer::descend`].
    pub fn with_rates(mut self, rates: Vec<f64>) -> VectorOptimizer {
        self.scheduled = rates.clone();
        self.rates = rates;
        self
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One step on `f`: `x` moves in place. Returns f as this step saw it (at `x` before the
    /// step for the gradient methods and Newton; the best value the derivative-free methods
    /// know after it).
    pub fn step(&mut self, x: &mut [f64], f: &mut dyn Objective) -> f64 {
        let lr = self.hyper.schedule.lr(self.hyper.lr, self.t);
        self.t += 1;
        let (h, s, rng) = (&self.hyper, &mut self.search, &mut self.rng);
        match self.kind {
            Kind::Gd
            | Kind::Sgd
            | Kind::Momentum
            | Kind::Nesterov
            | Kind::Adagrad
            | Kind::RmsProp
            | Kind::Adam
            | Kind::AdamW
            | Kind::AmsGrad => {
                let seen = f.gradient(x, &mut self.g);
                self.update(x, lr);
                seen
            }
            Kind::Newton => newton::step_n(x, lr, &mut self.g, s, f),
            Kind::NelderMead => nelder_mead::step_n(x, h.lr, s, f),
            Kind::Annealing => annealing::step_n(x, h, rng, s, f),
            Kind::CmaEs => cmaes::step_n(x, h, rng, s, f),
            Kind::Pso => pso::step_n(x, h, rng, s, f),
        }
    }

    /// A gradient method's step from a gradient the caller has already evaluated (`grad`,
    /// one number per coordinate): `x` moves exactly as [`VectorOptimizer::step`] would
    /// move it. False, and nothing moved, for the kinds that are not gradient methods. The
    /// atlas steps many starts this way, their coordinates side by side.
    pub fn descend(&mut self, x: &mut [f64], grad: &[f64]) -> bool {
        if !self.kind.is_first_order() {
            return false;
        }
        let (schedule, t) = (self.hyper.schedule, self.t);
        self.t += 1;
        self.g.copy_from_slice(grad);
        if self.rates.is_empty() {
            self.update(x, schedule.lr(self.hyper.lr, t));
        } else {
            let mut scheduled = std::mem::take(&mut self.scheduled);
            for (s, &base) in scheduled.iter_mut().zip(&self.rates) {
                *s = schedule.lr(base, t);
            }
            self.update(x, &scheduled[..]);
            self.scheduled = scheduled;
        }
        true
    }

    /// A first-order method's update of `x` from the gradient in `self.g` (the other kinds
    /// step through their own families and never come here).
    fn update(&mut self, x: &mut [f64], lr: impl Rates) {
        match self.kind {
            Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov => self.sgd(x, lr),
            Kind::Adagrad => self.adagrad(x, lr),
            Kind::RmsProp => self.rmsprop(x, lr),
            Kind::Adam | Kind::AdamW | Kind::AmsGrad => self.adam(x, lr),
            Kind::Newton | Kind::NelderMead | Kind::Annealing | Kind::CmaEs | Kind::Pso => {}
        }
    }

    /// Keeps the coordinates where `keep` is true, with their state, in order; the others
    /// are dropped (the atlas's finished starts). Only for the gradient methods, whose state
    /// is per coordinate.
    pub fn retain(&mut self, keep: &[bool]) {
        for v in [
            &mut self.buf,
            &mut self.sq,
            &mut self.sq_max,
            &mut self.avg,
            &mut self.g,
            &mut self.rates,
            &mut self.scheduled,
        ] {
            let mut k = keep.iter();
            v.retain(|_| k.next().copied().unwrap_or(false));
        }
    }

    fn sgd(&mut self, x: &mut [f64], lr: impl Rates) {
        let h = &self.hyper;
        if h.noise > 0.0 {
            for g in &mut self.g {
                let xi: f64 = StandardNormal.sample(&mut self.rng);
                *g = sgd::noisy(h, *g, xi);
            }
        }
        if h.weight_decay != 0.0 {
            for (g, x) in self.g.iter_mut().zip(x.iter()) {
                *g = sgd::l2(h, *g, *x);
            }
        }
        if h.momentum != 0.0 {
            let nesterov = self.kind == Kind::Nesterov;
            for (g, b) in self.g.iter_mut().zip(&mut self.buf) {
                // torch starts the buffer at the first gradient.
                *b = if self.started {
                    sgd::buffer(h, *b, *g)
                } else {
                    *g
                };
                *g = if nesterov {
                    sgd::look_ahead(h, *g, *b)
                } else {
                    *b
                };
            }
            self.started = true;
        }
        for (i, (x, g)) in x.iter_mut().zip(&self.g).enumerate() {
            *x = sgd::descend(*x, lr.at(i), *g);
        }
    }

    fn adagrad(&mut self, x: &mut [f64], lr: impl Rates) {
        let (h, t) = (&self.hyper, self.t);
        // Loop-invariant for one shared rate (hoisted by the compiler); one each otherwise.
        for (i, ((x, g), sum)) in x.iter_mut().zip(&self.g).zip(&mut self.sq).enumerate() {
            let clr = adagrad::rate(h, lr.at(i), t);
            let g = sgd::l2(h, *g, *x);
            *sum = adagrad::accumulate(*sum, g);
            *x = adagrad::scaled(*x, clr, g, adagrad::root(h, *sum));
        }
    }

    fn rmsprop(&mut self, x: &mut [f64], lr: impl Rates) {
        let h = &self.hyper;
        let a = h.alpha;
        for (i, x) in x.iter_mut().enumerate() {
            let g = sgd::l2(h, self.g[i], *x);
            self.sq[i] = rmsprop::square_mean(a, self.sq[i], g);
            let d = if h.centered {
                self.avg[i] = rmsprop::mean(a, self.avg[i], g);
                rmsprop::centered(h, self.sq[i], self.avg[i])
            } else {
                adagrad::root(h, self.sq[i])
            };
            let direction = if h.momentum > 0.0 {
                self.buf[i] = rmsprop::velocity(h, self.buf[i], g / d);
                self.buf[i]
            } else {
                g / d
            };
            *x = sgd::descend(*x, lr.at(i), direction);
        }
    }

    /// Adam's update, with AVX2's lanes where the processor has them (found at run time;
    /// the same numbers either way: no fused multiply-add).
    fn adam(&mut self, x: &mut [f64], lr: impl Rates) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { self.adam_avx2(x, lr) };
            return;
        }
        self.adam_each(x, lr);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn adam_avx2(&mut self, x: &mut [f64], lr: impl Rates) {
        self.adam_each(x, lr);
    }

    #[inline(always)]
    fn adam_each(&mut self, x: &mut [f64], lr: impl Rates) {
        let h = &self.hyper;
        let (bias1, bias2) = adam::biases(h, self.t);
        let (decoupled, ams) = (self.kind == Kind::AdamW, self.kind == Kind::AmsGrad);
        let state = self.buf.iter_mut().zip(&mut self.sq).zip(&mut self.sq_max);
        for (i, ((x, g), ((m, v), v_max))) in x.iter_mut().zip(&self.g).zip(state).enumerate() {
            let (lr, mut g) = (lr.at(i), *g);
            let step_size = lr / bias1;
            if decoupled {
                *x = adam::decoupled(h, lr, *x);
            } else if h.weight_decay != 0.0 {
                g = sgd::l2(h, g, *x);
            }
            *m = adam::first(h, *m, g);
            *v = adam::second(h, *v, g);
            let v = if ams {
                *v_max = v_max.max(*v);
                *v_max
            } else {
                *v
            };
            let d = adam::denominator(h, bias2, v);
            *x = adam::adapted(*x, step_size, *m, d);
        }
    }
}
