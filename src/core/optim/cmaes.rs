//! CMA-ES: the covariance matrix adaptation evolution strategy, one generation a step.
//!
//! Written from Hansen, "The CMA Evolution Strategy: A Tutorial" (2016), in the form of its
//! reference code `cma.purecma` (whose `tell` a test feeds the same samples to compare every
//! number). With n = 2, population λ, parents μ = ⌊λ/2⌋, weights wᵢ ∝ ln(λ/2 + ½) − ln i
//! (Σwᵢ = 1, μ_eff = 1/Σwᵢ²), mean m, step size σ and covariance C = B·D²·Bᵀ:
//!
//! ```text
//! x_k = m + σ·B·D·z_k,  z_k ~ N(0, I)                       k = 1…λ (ask)
//! m' = Σᵢ wᵢ·x_{i:λ}                                         the best μ, ranked by f
//! y = m' − m
//! p_σ ← (1 − c_σ)·p_σ + √(c_σ(2 − c_σ)μ_eff)/σ · C^(−½)·y
//! h_σ = [‖p_σ‖²/n / (1 − (1 − c_σ)^(2·evals/λ)) < 2 + 4/(n + 1)]
//! p_c ← (1 − c_c)·p_c + h_σ·√(c_c(2 − c_c)μ_eff)/σ · y
//! C ← (1 − c₁ₐ − c_μ)·C + c₁·p_c·p_cᵀ + c_μ·Σᵢ wᵢ·(x_{i:λ} − m)(x_{i:λ} − m)ᵀ/σ²
//!        c₁ₐ = c₁·(1 − (1 − h_σ)·c_c(2 − c_c))
//! σ ← σ·exp(min(1, (c_σ/d_σ)·(‖p_σ‖²/n − 1)/2))
//! ```
//!
//! with c_c = (4 + μ_eff/n)/(n + 4 + 2μ_eff/n), c_σ = (μ_eff + 2)/(n + μ_eff + 5),
//! c₁ = 2/((n + 1.3)² + μ_eff), c_μ = min(1 − c₁, 2(μ_eff − 2 + 1/μ_eff)/((n + 2)² + μ_eff)),
//! d_σ = 2μ_eff/λ + 0.3 + c_σ. The racer's ball is the mean m; the first step starts at the
//! racer's point with σ = `lr` and C = I. Undefined values rank last.

use super::{Step, Terms, Update, scalar, term};
use rand_distr::{Distribution, StandardNormal};

/// The strategy's constants for a population of λ in two dimensions.
#[derive(Debug, Clone)]
struct Params {
    lambda: usize,
    weights: Vec<f64>,
    mueff: f64,
    cc: f64,
    cs: f64,
    c1: f64,
    cmu: f64,
    damps: f64,
}

const N: f64 = 2.0;

impl Params {
    fn new(lambda: usize) -> Params {
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| (lambda as f64 / 2.0 + 0.5).ln() - ((i + 1) as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mueff =
            weights.iter().sum::<f64>().powi(2) / weights.iter().map(|w| w * w).sum::<f64>();
        let cc = (4.0 + mueff / N) / (N + 4.0 + 2.0 * mueff / N);
        let cs = (mueff + 2.0) / (N + mueff + 5.0);
        let c1 = 2.0 / ((N + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((N + 2.0).powi(2) + mueff));
        let damps = 2.0 * mueff / lambda as f64 + 0.3 + cs;
        Params {
            lambda,
            weights,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
        }
    }
}

/// The search distribution N(m, σ²C) and its evolution paths.
#[derive(Debug, Clone)]
pub(super) struct Cma {
    params: Params,
    pub mean: [f64; 2],
    pub sigma: f64,
    /// C as [c₁₁, c₁₂, c₂₂].
    pub c: [f64; 3],
    ps: [f64; 2],
    pc: [f64; 2],
    /// Evaluations told so far (the h_σ correction reads them).
    told: u64,
    /// The last generation's samples, for drawing.
    pub samples: Vec<[f64; 2]>,
}

/// The eigen-decomposition of a symmetric 2 × 2 matrix [a, b, c]: eigenvalues (larger first)
/// and the unit eigenvector of the larger (the other is it turned by 90°).
pub(super) fn eigen(m: [f64; 3]) -> ([f64; 2], [f64; 2]) {
    let [a, b, c] = m;
    let (mean, half) = ((a + c) / 2.0, (a - c) / 2.0);
    let r = half.hypot(b);
    let theta = 0.5 * (2.0 * b).atan2(a - c);
    ([mean + r, mean - r], [theta.cos(), theta.sin()])
}

impl Cma {
    pub fn new(mean: [f64; 2], sigma: f64, lambda: usize) -> Cma {
        Cma {
            params: Params::new(lambda.max(2)),
            mean,
            sigma,
            c: [1.0, 0.0, 1.0],
            ps: [0.0; 2],
            pc: [0.0; 2],
            told: 0,
            samples: Vec::with_capacity(lambda),
        }
    }

    /// λ samples of N(m, σ²C).
    pub fn ask(&self, rng: &mut impl rand::Rng) -> Vec<[f64; 2]> {
        let ([d1, d2], [ux, uy]) = eigen(self.c);
        let (s1, s2) = (
            self.sigma * d1.max(0.0).sqrt(),
            self.sigma * d2.max(0.0).sqrt(),
        );
        (0..self.params.lambda)
            .map(|_| {
                let z1: f64 = StandardNormal.sample(rng);
                let z2: f64 = StandardNormal.sample(rng);
                let (a, b) = (s1 * z1, s2 * z2);
                [
                    self.mean[0] + ux * a - uy * b,
                    self.mean[1] + uy * a + ux * b,
                ]
            })
            .collect()
    }

    /// Moves the distribution towards the best of `samples` (their values in `values`).
    pub fn tell(&mut self, samples: &[[f64; 2]], values: &[f64]) {
        let p = &self.params;
        self.told += samples.len() as u64;
        let mut order: Vec<usize> = (0..samples.len()).collect();
        // A stable sort, as the reference's; undefined values rank last.
        order.sort_by(|&i, &j| rank(values[i]).total_cmp(&rank(values[j])));
        let old = self.mean;
        let mut mean = [0.0; 2];
        for (w, &i) in p.weights.iter().zip(&order) {
            mean[0] += w * samples[i][0];
            mean[1] += w * samples[i][1];
        }
        let y = [mean[0] - old[0], mean[1] - old[1]];
        let z = inv_sqrt_times(self.c, y);
        let csn = (p.cs * (2.0 - p.cs) * p.mueff).sqrt() / self.sigma;
        self.ps = [
            (1.0 - p.cs) * self.ps[0] + csn * z[0],
            (1.0 - p.cs) * self.ps[1] + csn * z[1],
        ];
        let ps2 = self.ps[0] * self.ps[0] + self.ps[1] * self.ps[1];
        let fresh = 1.0 - (1.0 - p.cs).powf(2.0 * self.told as f64 / p.lambda as f64);
        let hsig = if ps2 / N / fresh < 2.0 + 4.0 / (N + 1.0) {
            1.0
        } else {
            0.0
        };
        let ccn = (p.cc * (2.0 - p.cc) * p.mueff).sqrt() / self.sigma;
        self.pc = [
            (1.0 - p.cc) * self.pc[0] + ccn * hsig * y[0],
            (1.0 - p.cc) * self.pc[1] + ccn * hsig * y[1],
        ];
        let c1a = p.c1 * (1.0 - (1.0 - hsig * hsig) * p.cc * (2.0 - p.cc));
        let keep = 1.0 - c1a - p.cmu * p.weights.iter().sum::<f64>();
        let mut c = self.c.map(|v| v * keep);
        add_outer(&mut c, self.pc, p.c1);
        for (w, &i) in p.weights.iter().zip(&order) {
            let d = [samples[i][0] - old[0], samples[i][1] - old[1]];
            add_outer(&mut c, d, w * p.cmu / (self.sigma * self.sigma));
        }
        self.c = c;
        self.sigma *= ((p.cs / p.damps) * (ps2 / N - 1.0) / 2.0).min(1.0).exp();
        self.mean = mean;
    }

    /// The search's width: σ times the standard deviation along C's long axis.
    pub fn spread(&self) -> f64 {
        self.sigma * eigen(self.c).0[0].max(0.0).sqrt()
    }

    /// The 1-σ ellipse of N(m, σ²C): its half-axes as vectors.
    pub fn ellipse(&self) -> [[f64; 2]; 2] {
        let ([d1, d2], [ux, uy]) = eigen(self.c);
        let (a, b) = (
            self.sigma * d1.max(0.0).sqrt(),
            self.sigma * d2.max(0.0).sqrt(),
        );
        [[a * ux, a * uy], [-b * uy, b * ux]]
    }
}

fn rank(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

/// C += w·v·vᵀ on [c₁₁, c₁₂, c₂₂].
fn add_outer(c: &mut [f64; 3], v: [f64; 2], w: f64) {
    c[0] += w * v[0] * v[0];
    c[1] += w * v[0] * v[1];
    c[2] += w * v[1] * v[1];
}

/// C^(−½)·y = B·D⁻¹·Bᵀ·y.
fn inv_sqrt_times(c: [f64; 3], y: [f64; 2]) -> [f64; 2] {
    let ([d1, d2], [ux, uy]) = eigen(c);
    let (a, b) = (
        (ux * y[0] + uy * y[1]) / d1.sqrt(),
        (-uy * y[0] + ux * y[1]) / d2.sqrt(),
    );
    [ux * a - uy * b, uy * a + ux * b]
}

/// The population CMA-ES uses when none is set: see `Hyper::defaults`.
pub const DEFAULT_POPULATION: u64 = 100;

pub(super) fn step(c: Step) -> Update {
    let Step {
        h, s, x, seen: f, ..
    } = c;
    let lambda = match h.population {
        0 => DEFAULT_POPULATION,
        p => p,
    } as usize;
    let cma = s.cma.get_or_insert_with(|| Cma::new(x, h.lr, lambda));
    let samples = cma.ask(&mut s.rng);
    let values: Vec<f64> = samples.iter().map(|&p| f.value(p)).collect();
    let best = (0..samples.len())
        .min_by(|&i, &j| rank(values[i]).total_cmp(&rank(values[j])))
        .map_or(x, |i| samples[i]);
    cma.tell(&samples, &values);
    cma.samples = samples;
    let [a, _] = cma.ellipse();
    s.terms = Terms::of(&[
        term("best sample", best),
        scalar("step size σ", cma.sigma),
        term("long axis σ·√d₁·b₁", a),
    ]);
    Update {
        from: x,
        to: cma.mean,
        grad: [f64::NAN; 2],
        lr: cma.sigma,
        rule: "m ← Σ wᵢ·x_i:λ  (the best half of λ samples of N(m, σ²C))",
        note: None,
        seen_loss: f64::NAN,
    }
}
