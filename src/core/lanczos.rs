//! The extreme eigenvalues of a symmetric operator known only through its products H·v (a
//! network's Hessian): Lanczos iteration with full reorthogonalisation, stopped when both
//! extreme Ritz values are certain to a tolerance.
//!
//! After k steps from a unit vector q₁, H·Q_k = Q_k·T_k + β_k·q_{k+1}·e_kᵀ with T_k
//! tridiagonal (α on the diagonal, β beside it). Each eigenpair (θ, s) of T_k is a Ritz pair
//! whose residual ‖H·Q_k·s − θ·Q_k·s‖ is β_k·|s_k|, and some eigenvalue of H lies within that
//! residual of θ (Parlett, *The Symmetric Eigenvalue Problem*, Theorem 4.5.1). The extreme
//! Ritz values approach λ_min and λ_max from inside first, so the iteration stops when both
//! residuals are below `TOLERANCE` times the spectrum's scale (or after n steps, when T_n is
//! H in another basis and its eigenvalues are H's).

use nalgebra::{DMatrix, SymmetricEigen};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// How close the extreme Ritz values are certain to be, relative to max |λ|.
pub const TOLERANCE: f64 = 1e-10;

/// Steps between looks at T's eigenvalues (each look costs O(k³); a step, one product).
const LOOK_EVERY: usize = 4;

/// The most Lanczos steps taken (each keeps a vector of n numbers).
pub const MAX_STEPS: usize = 400;

/// λ_min and λ_max of the symmetric n × n operator `product` (v ↦ H·v, written into its second
/// argument), from a start vector drawn with `seed`. None when a product is not finite or the
/// residuals do not fall below the tolerance within [`MAX_STEPS`] steps.
pub fn extremes(
    n: usize,
    seed: u64,
    mut product: impl FnMut(&[f64], &mut [f64]),
) -> Option<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut q: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
    normalise(&mut q);
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let (mut alpha, mut beta) = (Vec::new(), Vec::new());
    let mut w = vec![0.0; n];
    for k in 0..n.min(MAX_STEPS) {
        product(&q, &mut w);
        if !w.iter().all(|v| v.is_finite()) {
            return None;
        }
        alpha.push(dot(&q, &w));
        basis.push(std::mem::take(&mut q));
        // Full reorthogonalisation, twice ("twice is enough", Kahan–Parlett): w ⟂ every qⱼ.
        for _ in 0..2 {
            for b in &basis {
                let c = dot(b, &w);
                w.iter_mut().zip(b).for_each(|(w, b)| *w -= c * b);
            }
        }
        let norm = dot(&w, &w).sqrt();
        let last = k + 1 == n.min(MAX_STEPS);
        if k % LOOK_EVERY == LOOK_EVERY - 1 || norm == 0.0 || last {
            let ritz = tridiagonal_eigen(&alpha, &beta);
            let scale = ritz.eigenvalues.abs().max().max(f64::MIN_POSITIVE);
            let certain = |i: usize| norm * ritz.eigenvectors[(k, i)].abs() <= TOLERANCE * scale;
            let (lo, hi) = extreme_indices(&ritz.eigenvalues);
            // An invariant subspace (β = 0) or the whole space: T's eigenvalues are H's.
            if norm <= TOLERANCE * scale || k + 1 == n || (certain(lo) && certain(hi)) {
                return Some((ritz.eigenvalues[lo], ritz.eigenvalues[hi]));
            }
        }
        if norm == 0.0 {
            return None;
        }
        beta.push(norm);
        q = w.iter().map(|v| v / norm).collect();
    }
    None
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    crate::core::net::dense::dot(a.len(), |i| a[i] * b[i])
}

fn normalise(v: &mut [f64]) {
    let norm = dot(v, v).sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
}

/// The eigensystem of the tridiagonal matrix with `alpha` on its diagonal and `beta` beside.
fn tridiagonal_eigen(alpha: &[f64], beta: &[f64]) -> SymmetricEigen<f64, nalgebra::Dyn> {
    let k = alpha.len();
    let mut t = DMatrix::zeros(k, k);
    for (i, a) in alpha.iter().enumerate() {
        t[(i, i)] = *a;
    }
    for (i, b) in beta.iter().enumerate() {
        t[(i, i + 1)] = *b;
        t[(i + 1, i)] = *b;
    }
    SymmetricEigen::new(t)
}

/// The positions of the smallest and the largest value.
fn extreme_indices(values: &nalgebra::DVector<f64>) -> (usize, usize) {
    let (mut lo, mut hi) = (0, 0);
    for (i, v) in values.iter().enumerate() {
        if *v < values[lo] {
            lo = i;
        }
        if *v > values[hi] {
            hi = i;
        }
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A symmetric matrix with known eigenvalues: Q·diag(λ)·Qᵀ, Q from a seeded QR.
    fn matrix(lambda: &[f64], seed: u64) -> DMatrix<f64> {
        let n = lambda.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let a = DMatrix::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
        let q = a.qr().q();
        &q * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(lambda)) * q.transpose()
    }

    #[test]
    fn the_extremes_of_matrices_with_known_spectra() {
        let n = 300;
        let spectra: [Vec<f64>; 4] = [
            // Well separated ends.
            (0..n)
                .map(|i| -1.0 + 11.0 * (i as f64 / (n - 1) as f64).powi(3))
                .collect(),
            // Clustered ends, a small gap at the top.
            (0..n).map(|i| (i as f64 * 0.01).sin() * 3.0).collect(),
            // A Hessian's shape: mostly zero, a few outliers of both signs.
            (0..n)
                .map(|i| match i {
                    0 => 40.0,
                    1 => 12.0,
                    2 => -0.5,
                    _ => 0.0,
                })
                .collect(),
            // Large scale.
            (0..n).map(|i| 1e6 * (1.0 + i as f64)).collect(),
        ];
        for (case, lambda) in spectra.iter().enumerate() {
            let h = matrix(lambda, case as u64);
            let want_lo = lambda.iter().copied().fold(f64::INFINITY, f64::min);
            let want_hi = lambda.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let (lo, hi) = extremes(n, 7, |v, out| {
                let hv = &h * nalgebra::DVector::from_column_slice(v);
                out.copy_from_slice(hv.as_slice());
            })
            .unwrap();
            let tol = 1e-9 * want_hi.abs().max(want_lo.abs());
            assert!(
                (lo - want_lo).abs() <= tol,
                "case {case}: λ_min {lo} vs {want_lo}"
            );
            assert!(
                (hi - want_hi).abs() <= tol,
                "case {case}: λ_max {hi} vs {want_hi}"
            );
        }
    }

    #[test]
    fn a_product_that_is_not_finite_gives_none() {
        assert_eq!(extremes(5, 0, |_, out| out.fill(f64::NAN)), None);
    }
}
