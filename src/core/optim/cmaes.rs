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

use super::vector::Search;
use super::{Hyper, Step, Update, scalar, term};
use crate::core::eigen::SymmetricEigen;
use crate::core::objective::Objective;
use rand_distr::{Distribution, StandardNormal};

/// The strategy's constants for a population of λ in n dimensions.
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

/// The dimension of the 2D strategy.
const N: f64 = 2.0;

impl Params {
    fn new(lambda: usize, n: usize) -> Params {
        let n = n as f64;
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| (lambda as f64 / 2.0 + 0.5).ln() - ((i + 1) as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mueff =
            weights.iter().sum::<f64>().powi(2) / weights.iter().map(|w| w * w).sum::<f64>();
        let cc = (4.0 + mueff / n) / (n + 4.0 + 2.0 * mueff / n);
        let cs = (mueff + 2.0) / (n + mueff + 5.0);
        let c1 = 2.0 / ((n + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((n + 2.0).powi(2) + mueff));
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
            params: Params::new(lambda.max(2), 2),
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
    let seen_loss = c.loss;
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
    s.terms.set(&[
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
        seen_loss,
    }
}

/// The strategy on n coordinates: the same equations with C a full n × n matrix, sampled
/// through its eigendecomposition C = B·D²·Bᵀ made once a generation (O(n³), the strategy's
/// own cost) in buffers made once.
#[derive(Debug, Clone)]
pub(super) struct CmaN {
    params: Params,
    pub mean: Vec<f64>,
    pub sigma: f64,
    /// C, row-major.
    pub c: Vec<f64>,
    ps: Vec<f64>,
    pc: Vec<f64>,
    told: u64,
    /// C's eigenvectors B (columns) and the square roots D of its eigenvalues.
    b: SymmetricEigen,
    d: Vec<f64>,
    /// This generation's samples (λ rows of n), their values and ranking; work space.
    samples: Vec<f64>,
    values: Vec<f64>,
    order: Vec<usize>,
    next: Vec<f64>,
    y: Vec<f64>,
    z: Vec<f64>,
}

impl CmaN {
    pub fn new(mean: &[f64], sigma: f64, lambda: usize) -> CmaN {
        let (n, lambda) = (mean.len(), lambda.max(2));
        let mut cma = CmaN {
            params: Params::new(lambda, n),
            mean: mean.to_vec(),
            sigma,
            c: (0..n * n)
                .map(|k| f64::from(u8::from(k % (n + 1) == 0)))
                .collect(),
            ps: vec![0.0; n],
            pc: vec![0.0; n],
            told: 0,
            b: SymmetricEigen::new(n),
            d: vec![1.0; n],
            samples: vec![0.0; lambda * n],
            values: vec![0.0; lambda],
            order: (0..lambda).collect(),
            next: vec![0.0; n],
            y: vec![0.0; n],
            z: vec![0.0; n],
        };
        cma.decompose();
        cma
    }

    /// λ samples of N(m, σ²C) into `samples`: x = m + σ·B·(D ⊙ z).
    fn ask(&mut self, rng: &mut impl rand::Rng) {
        let n = self.mean.len();
        for k in 0..self.params.lambda {
            for (z, d) in self.z.iter_mut().zip(&self.d) {
                let draw: f64 = StandardNormal.sample(rng);
                *z = d * draw;
            }
            let x = &mut self.samples[k * n..(k + 1) * n];
            for (i, x) in x.iter_mut().enumerate() {
                let bz: f64 = (0..n).map(|j| self.b.vector(i, j) * self.z[j]).sum();
                *x = self.mean[i] + self.sigma * bz;
            }
        }
    }

    /// Moves the distribution towards the best of `samples` (λ rows of n) given their values.
    pub fn tell(&mut self, samples: &[f64], values: &[f64]) {
        let (p, n) = (&self.params, self.mean.len());
        let nf = n as f64;
        self.told += values.len() as u64;
        self.order.clear();
        self.order.extend(0..values.len());
        // Stable, as the reference's sort; undefined values rank last.
        self.order
            .sort_unstable_by(|&i, &j| rank(values[i]).total_cmp(&rank(values[j])).then(i.cmp(&j)));
        let x = |i: usize| &samples[i * n..(i + 1) * n];
        // m' = the weighted mean of the best μ; y = m' − m.
        self.next.fill(0.0);
        for (w, &i) in p.weights.iter().zip(&self.order) {
            self.next
                .iter_mut()
                .zip(x(i))
                .for_each(|(m, v)| *m += w * v);
        }
        for ((y, next), old) in self.y.iter_mut().zip(&self.next).zip(&self.mean) {
            *y = next - old;
        }
        // z = C^(−½)·y = B·D⁻¹·Bᵀ·y.
        for (j, z) in self.z.iter_mut().enumerate() {
            *z = (0..n).map(|i| self.b.vector(i, j) * self.y[i]).sum::<f64>() / self.d[j];
        }
        let csn = (p.cs * (2.0 - p.cs) * p.mueff).sqrt() / self.sigma;
        for (i, ps) in self.ps.iter_mut().enumerate() {
            let bz: f64 = (0..n).map(|j| self.b.vector(i, j) * self.z[j]).sum();
            *ps = (1.0 - p.cs) * *ps + csn * bz;
        }
        let ps2: f64 = self.ps.iter().map(|v| v * v).sum();
        let fresh = 1.0 - (1.0 - p.cs).powf(2.0 * self.told as f64 / p.lambda as f64);
        let hsig = f64::from(u8::from(ps2 / nf / fresh < 2.0 + 4.0 / (nf + 1.0)));
        let ccn = (p.cc * (2.0 - p.cc) * p.mueff).sqrt() / self.sigma;
        for (pc, y) in self.pc.iter_mut().zip(&self.y) {
            *pc = (1.0 - p.cc) * *pc + ccn * hsig * y;
        }
        let c1a = p.c1 * (1.0 - (1.0 - hsig * hsig) * p.cc * (2.0 - p.cc));
        let keep = 1.0 - c1a - p.cmu * p.weights.iter().sum::<f64>();
        let scale = p.cmu / (self.sigma * self.sigma);
        let (mean, c, pc) = (&self.mean, &mut self.c, &self.pc);
        for i in 0..n {
            for j in i..n {
                let mut v = keep * c[i * n + j] + p.c1 * pc[i] * pc[j];
                for (w, &k) in p.weights.iter().zip(&self.order) {
                    let xk = x(k);
                    v += w * scale * (xk[i] - mean[i]) * (xk[j] - mean[j]);
                }
                c[i * n + j] = v;
                c[j * n + i] = v;
            }
        }
        self.sigma *= ((p.cs / p.damps) * (ps2 / nf - 1.0) / 2.0).min(1.0).exp();
        self.mean.copy_from_slice(&self.next);
        self.decompose();
    }

    /// B and D of the new C (the last good ones kept if C is no longer finite).
    fn decompose(&mut self) {
        if self.b.decompose(&self.c) {
            for (d, l) in self.d.iter_mut().zip(self.b.values()) {
                *d = l.max(0.0).sqrt();
            }
        }
    }
}

/// One generation on n coordinates; the racer's point becomes the mean. Returns the best
/// value of the generation.
pub(super) fn step_n(
    x: &mut [f64],
    h: &Hyper,
    rng: &mut impl rand::Rng,
    s: &mut Search,
    f: &mut dyn Objective,
) -> f64 {
    let Search::Cma(cma) = s else {
        let lambda = match h.population {
            0 => DEFAULT_POPULATION,
            p => p,
        } as usize;
        *s = Search::Cma(Box::new(CmaN::new(x, h.lr, lambda)));
        return step_n(x, h, rng, s, f);
    };
    cma.ask(rng);
    let n = x.len();
    let (samples, values) = (std::mem::take(&mut cma.samples), &mut cma.values);
    for (v, p) in values.iter_mut().zip(samples.chunks(n)) {
        *v = f.value(p);
    }
    let values = std::mem::take(&mut cma.values);
    cma.tell(&samples, &values);
    let best = values
        .iter()
        .map(|&v| rank(v))
        .fold(f64::INFINITY, f64::min);
    (cma.samples, cma.values) = (samples, values);
    x.copy_from_slice(&cma.mean);
    best
}
