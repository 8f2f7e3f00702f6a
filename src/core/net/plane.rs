//! A plane through a network's parameter space, θ + α·δ + β·η (Li et al., *Visualizing the
//! Loss Landscape of Neural Nets*, 2018), and the loss on a grid over it: the directions
//! random and filter-normalised, the first two principal components of a trajectory, or given.

use super::{Net, Rows};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Two directions through an origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Plane {
    pub origin: Vec<f64>,
    pub directions: [Vec<f64>; 2],
}

impl Plane {
    /// θ = origin + α·δ + β·η into `theta`: the one formula for a point of the plane, so the
    /// app's surface and `slice` agree bit for bit.
    pub fn point(&self, alpha: f64, beta: f64, theta: &mut [f64]) {
        let [d, e] = &self.directions;
        for (i, t) in theta.iter_mut().enumerate() {
            *t = self.origin[i] + alpha * d[i] + beta * e[i];
        }
    }
}

impl Net {
    /// A Gaussian direction, filter-normalised: each neuron's incoming weights rescaled to the
    /// norm of that neuron's weights in θ; the biases' directions zero.
    pub fn filter_normalised(&self, theta: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        let mut d = vec![0.0; theta.len()];
        for (n_in, n_out, at) in self.layers() {
            for o in 0..n_out {
                let row = at + o * n_in..at + (o + 1) * n_in;
                for v in &mut d[row.clone()] {
                    *v = StandardNormal.sample(rng);
                }
                let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
                let (want, got) = (norm(&theta[row.clone()]), norm(&d[row.clone()]));
                if got > 0.0 {
                    for v in &mut d[row] {
                        *v *= want / got;
                    }
                }
            }
        }
        d
    }

    /// The plane through θ along two filter-normalised Gaussian directions from `seed`.
    pub fn random_plane(&self, theta: &[f64], seed: u64) -> Plane {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let first = self.filter_normalised(theta, &mut rng);
        let second = self.filter_normalised(theta, &mut rng);
        Plane {
            origin: theta.to_vec(),
            directions: [first, second],
        }
    }

    /// The mean loss over every row at each of `grid` × `grid` points of the plane, α and β
    /// from −span to +span with both ends included: (α, β, loss), β varying fastest.
    /// `done` is told of each point as it is computed (from any thread), for progress.
    pub fn slice(
        &self,
        data: &Rows,
        plane: &Plane,
        span: f64,
        grid: usize,
        done: &(dyn Fn() + Sync),
    ) -> Vec<[f64; 3]> {
        let at = |k: usize| {
            if grid < 2 {
                0.0
            } else {
                -span + 2.0 * span * k as f64 / (grid - 1) as f64
            }
        };
        (0..grid * grid)
            .into_par_iter()
            .map_init(
                || (self.work(), vec![0.0; plane.origin.len()]),
                |(work, theta), k| {
                    let (alpha, beta) = (at(k / grid), at(k % grid));
                    plane.point(alpha, beta, theta);
                    let loss = self.loss(theta, data, None, work).0;
                    done();
                    [alpha, beta, loss]
                },
            )
            .collect()
    }
}

/// The first two principal components of a trajectory of parameter vectors (Li et al.'s
/// view of an optimizer's path): the directions of largest spread of the points about their
/// mean, by the power method on their covariance, each of unit length, the second orthogonal
/// to the first. None for fewer than 3 points or points that do not spread in two directions.
pub fn principal_directions(points: &[Vec<f64>]) -> Option<[Vec<f64>; 2]> {
    let n = points.first()?.len();
    if points.len() < 3 || points.iter().any(|p| p.len() != n) {
        return None;
    }
    let count = points.len() as f64;
    let mean: Vec<f64> = (0..n)
        .map(|i| points.iter().map(|p| p[i]).sum::<f64>() / count)
        .collect();
    let centred: Vec<Vec<f64>> = points
        .iter()
        .map(|p| p.iter().zip(&mean).map(|(a, m)| a - m).collect())
        .collect();
    // C·v = Σ_k x_k (x_k · v), without forming the n × n covariance.
    let apply = |v: &[f64]| {
        let mut out = vec![0.0; n];
        for x in &centred {
            let dot: f64 = x.iter().zip(v).map(|(a, b)| a * b).sum();
            for (o, a) in out.iter_mut().zip(x) {
                *o += dot * a;
            }
        }
        out
    };
    let first = power(&apply, None, n)?;
    let second = power(&apply, Some(&first), n)?;
    // The spread along each (Rayleigh quotient): a second one at rounding's level is none,
    // and so is one that rounding turned back onto the first.
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let spread = |v: &[f64]| dot(&apply(v), v);
    let distinct = dot(&first, &second).abs() < 1e-6;
    (distinct && spread(&second) > 1e-12 * spread(&first)).then_some([first, second])
}

/// The dominant unit eigenvector of `apply` (orthogonal to `against`), from a fixed start.
fn power(
    apply: &dyn Fn(&[f64]) -> Vec<f64>,
    against: Option<&[f64]>,
    n: usize,
) -> Option<Vec<f64>> {
    let project = |v: &mut Vec<f64>| {
        if let Some(u) = against {
            let dot: f64 = v.iter().zip(u).map(|(a, b)| a * b).sum();
            for (x, u) in v.iter_mut().zip(u) {
                *x -= dot * u;
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        (norm > 0.0 && norm.is_finite()).then(|| v.iter_mut().for_each(|x| *x /= norm))
    };
    let mut v: Vec<f64> = (0..n).map(|i| 1.0 + (i as f64 * 0.618).sin()).collect();
    project(&mut v)?;
    for _ in 0..1000 {
        let mut next = apply(&v);
        project(&mut next)?;
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if change < 1e-13 * n as f64 {
            break;
        }
    }
    Some(v)
}
