//! The eigendecomposition of a symmetric n × n matrix in buffers made once, so that an
//! optimizer that needs one every step (Newton's |H|, CMA-ES's C = B·D²·Bᵀ) allocates nothing:
//! Householder reduction to tridiagonal form and the implicit QL algorithm, as EISPACK's
//! `tred2` and `tql2` (Bowdler, Martin, Reinsch & Wilkinson, *Handbook for Automatic
//! Computation* II, 1971). O(n³) time, n² + 2n numbers. And the 2 × 2 case in closed form.

/// The eigensystem of the symmetric 2 × 2 matrix [[a, b], [b, c]] by one Jacobi rotation
/// (Golub & Van Loan, *Matrix Computations*, 4th ed., §8.5.2, `sym.schur2`): λ = (a − t·b,
/// c + t·b) with eigenvectors (cs, −sn) and (sn, cs), where t = sn/cs is the smaller root of
/// t² + 2θt − 1 = 0, θ = (c − a)/2b, taken without cancellation. Closed form, for Newton's 2D
/// step and the critical points' classification: nalgebra's general eigensolver spent most
/// of a 2D Newton step on a 2 × 2.
#[inline]
pub fn eigen2(a: f64, b: f64, c: f64) -> ([f64; 2], [f64; 2]) {
    if b == 0.0 {
        return ([a, c], [1.0, 0.0]);
    }
    // Halved before the difference, so that c − a cannot overflow.
    let theta = (0.5 * c - 0.5 * a) / b;
    let t = match (theta * theta).is_finite() {
        true => theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt()),
        false => 0.5 / theta,
    };
    let cs = 1.0 / (t * t + 1.0).sqrt();
    ([a - t * b, c + t * b], [cs, t * cs])
}

/// A symmetric eigendecomposition A = V·diag(λ)·Vᵀ, eigenvalues ascending.
#[derive(Debug, Clone)]
pub struct SymmetricEigen {
    n: usize,
    /// V, row-major: column j is the eigenvector of λⱼ.
    v: Vec<f64>,
    /// The eigenvalues, ascending.
    d: Vec<f64>,
    /// The off-diagonal while it is reduced.
    e: Vec<f64>,
}

/// QL sweeps allowed per eigenvalue before the decomposition gives up (EISPACK's 30).
const SWEEPS: usize = 30;

impl SymmetricEigen {
    pub fn new(n: usize) -> SymmetricEigen {
        SymmetricEigen {
            n,
            v: vec![0.0; n * n],
            d: vec![0.0; n],
            e: vec![0.0; n],
        }
    }

    /// Decomposes the symmetric `a` (n × n, row-major; only its lower triangle is read).
    /// False when an entry is not finite (the last decomposition then stays) or QL did not
    /// converge (the buffers then hold none).
    pub fn decompose(&mut self, a: &[f64]) -> bool {
        if !a.iter().all(|x| x.is_finite()) {
            return false;
        }
        self.v.copy_from_slice(a);
        self.tridiagonalise();
        self.ql()
    }

    /// The eigenvalues, ascending.
    pub fn values(&self) -> &[f64] {
        &self.d
    }

    /// Component i of eigenvector j.
    pub fn vector(&self, i: usize, j: usize) -> f64 {
        self.v[i * self.n + j]
    }

    /// out = V·diag(scale)·Vᵀ·x, with `tmp` as work space (n numbers each).
    pub fn apply(&self, scale: &[f64], x: &[f64], tmp: &mut [f64], out: &mut [f64]) {
        let n = self.n;
        for (j, t) in tmp.iter_mut().enumerate() {
            *t = scale[j] * (0..n).map(|i| self.vector(i, j) * x[i]).sum::<f64>();
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = (0..n).map(|j| self.vector(i, j) * tmp[j]).sum();
        }
    }

    /// Householder reduction of V to tridiagonal form (diagonal in d, off-diagonal in
    /// e[1..]), V becoming the accumulated orthogonal transformation.
    fn tridiagonalise(&mut self) {
        let n = self.n;
        let (v, d, e) = (&mut self.v, &mut self.d, &mut self.e);
        let at = |i: usize, j: usize| i * n + j;
        d.copy_from_slice(&v[at(n - 1, 0)..at(n - 1, 0) + n]);
        for i in (1..n).rev() {
            // Scaled, so that the squares neither overflow nor underflow.
            let scale: f64 = d[..i].iter().map(|x| x.abs()).sum();
            let mut h = 0.0;
            if scale == 0.0 {
                e[i] = d[i - 1];
                for j in 0..i {
                    d[j] = v[at(i - 1, j)];
                    v[at(i, j)] = 0.0;
                    v[at(j, i)] = 0.0;
                }
            } else {
                for x in &mut d[..i] {
                    *x /= scale;
                    h += *x * *x;
                }
                let f = d[i - 1];
                let g = if f > 0.0 { -h.sqrt() } else { h.sqrt() };
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                e[..i].fill(0.0);
                for j in 0..i {
                    let f = d[j];
                    v[at(j, i)] = f;
                    let mut g = e[j] + v[at(j, j)] * f;
                    for k in j + 1..i {
                        g += v[at(k, j)] * d[k];
                        e[k] += v[at(k, j)] * f;
                    }
                    e[j] = g;
                }
                let mut f = 0.0;
                for j in 0..i {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                let hh = f / (h + h);
                for j in 0..i {
                    e[j] -= hh * d[j];
                }
                for j in 0..i {
                    let (f, g) = (d[j], e[j]);
                    for k in j..i {
                        v[at(k, j)] -= f * e[k] + g * d[k];
                    }
                    d[j] = v[at(i - 1, j)];
                    v[at(i, j)] = 0.0;
                }
            }
            d[i] = h;
        }
        self.accumulate();
    }

    /// V ← the product of the Householder reflections `tridiagonalise` left in it; d and e
    /// become the tridiagonal's diagonal and off-diagonal.
    fn accumulate(&mut self) {
        let n = self.n;
        let (v, d, e) = (&mut self.v, &mut self.d, &mut self.e);
        let at = |i: usize, j: usize| i * n + j;
        for i in 0..n - 1 {
            v[at(n - 1, i)] = v[at(i, i)];
            v[at(i, i)] = 1.0;
            let h = d[i + 1];
            if h != 0.0 {
                for k in 0..=i {
                    d[k] = v[at(k, i + 1)] / h;
                }
                for j in 0..=i {
                    let g: f64 = (0..=i).map(|k| v[at(k, i + 1)] * v[at(k, j)]).sum();
                    for k in 0..=i {
                        v[at(k, j)] -= g * d[k];
                    }
                }
            }
            for k in 0..=i {
                v[at(k, i + 1)] = 0.0;
            }
        }
        for j in 0..n {
            d[j] = v[at(n - 1, j)];
            v[at(n - 1, j)] = 0.0;
        }
        v[at(n - 1, n - 1)] = 1.0;
        e[0] = 0.0;
    }

    /// The implicit QL algorithm on the tridiagonal (d, e), rotating V along; then the
    /// eigenvalues sorted ascending with their vectors. False if a value did not converge.
    fn ql(&mut self) -> bool {
        let n = self.n;
        let (v, d, e) = (&mut self.v, &mut self.d, &mut self.e);
        let at = |i: usize, j: usize| i * n + j;
        e.copy_within(1.., 0);
        e[n - 1] = 0.0;
        let (mut f, mut largest) = (0.0f64, 0.0f64);
        for l in 0..n {
            largest = largest.max(d[l].abs() + e[l].abs());
            let small = |x: f64| x.abs() <= f64::EPSILON * largest;
            let m = (l..n).find(|&m| small(e[m])).unwrap_or(n - 1);
            let mut sweeps = 0;
            while m > l && !small(e[l]) {
                sweeps += 1;
                if sweeps > SWEEPS {
                    return false;
                }
                // The implicit shift from the leading 2 × 2 block.
                let g = d[l];
                let p = (d[l + 1] - g) / (2.0 * e[l]);
                let r = if p < 0.0 { -p.hypot(1.0) } else { p.hypot(1.0) };
                d[l] = e[l] / (p + r);
                d[l + 1] = e[l] * (p + r);
                let dl1 = d[l + 1];
                let h = g - d[l];
                for x in &mut d[l + 2..] {
                    *x -= h;
                }
                f += h;
                // One implicit QL sweep of plane rotations from m up to l.
                let mut p = d[m];
                let (mut c, mut c2, mut c3) = (1.0, 1.0, 1.0);
                let el1 = e[l + 1];
                let (mut s, mut s2) = (0.0, 0.0);
                for i in (l..m).rev() {
                    c3 = c2;
                    c2 = c;
                    s2 = s;
                    let g = c * e[i];
                    let h = c * p;
                    let r = p.hypot(e[i]);
                    e[i + 1] = s * r;
                    s = e[i] / r;
                    c = p / r;
                    p = c * d[i] - s * g;
                    d[i + 1] = h + s * (c * g + s * d[i]);
                    for k in 0..n {
                        let h = v[at(k, i + 1)];
                        v[at(k, i + 1)] = s * v[at(k, i)] + c * h;
                        v[at(k, i)] = c * v[at(k, i)] - s * h;
                    }
                }
                p = -s * s2 * c3 * el1 * e[l] / dl1;
                e[l] = s * p;
                d[l] = c * p;
            }
            d[l] += f;
            e[l] = 0.0;
        }
        // Ascending, by selection (n swaps at most), each vector with its value.
        for i in 0..n.saturating_sub(1) {
            let k = (i..n).fold(i, |k, j| if d[j] < d[k] { j } else { k });
            if k != i {
                d.swap(i, k);
                for j in 0..n {
                    v.swap(at(j, i), at(j, k));
                }
            }
        }
        d.iter().all(|x| x.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn decomposes_matrices_of_known_spectra_and_rebuilds_them() {
        for (n, seed) in [(1, 0), (2, 1), (5, 2), (40, 3), (120, 4)] {
            // Q·diag(λ)·Qᵀ with Q from a seeded QR, λ with a repeated value and both signs.
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let a = DMatrix::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
            let q = a.qr().q();
            let lambda: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 7 == 3 {
                        2.0
                    } else {
                        (i as f64 - 0.4 * n as f64) * 1.3
                    }
                })
                .collect();
            let m = &q
                * DMatrix::from_diagonal(&nalgebra::DVector::from_column_slice(&lambda))
                * q.transpose();
            let row_major: Vec<f64> = (0..n * n).map(|k| m[(k / n, k % n)]).collect();
            let mut eig = SymmetricEigen::new(n);
            assert!(eig.decompose(&row_major));
            let mut want = lambda.clone();
            want.sort_by(f64::total_cmp);
            let scale = want.iter().fold(1.0f64, |s, x| s.max(x.abs()));
            for (got, want) in eig.values().iter().zip(&want) {
                assert!(
                    (got - want).abs() <= 1e-12 * scale,
                    "n {n}: {got} vs {want}"
                );
            }
            // V·diag(λ)·Vᵀ is A, and V is orthogonal.
            for i in 0..n {
                for j in 0..n {
                    let rebuilt: f64 = (0..n)
                        .map(|k| eig.vector(i, k) * eig.values()[k] * eig.vector(j, k))
                        .sum();
                    let dot: f64 = (0..n).map(|k| eig.vector(k, i) * eig.vector(k, j)).sum();
                    assert!(
                        (rebuilt - m[(i, j)]).abs() <= 1e-12 * scale,
                        "n {n} ({i}, {j})"
                    );
                    assert!((dot - f64::from(u8::from(i == j))).abs() <= 1e-12, "n {n}");
                }
            }
        }
    }

    #[test]
    fn a_matrix_that_is_not_finite_is_refused() {
        let mut eig = SymmetricEigen::new(2);
        assert!(!eig.decompose(&[1.0, f64::NAN, f64::NAN, 1.0]));
        assert!(eig.decompose(&[0.0; 4]));
        assert_eq!(eig.values(), &[0.0, 0.0]);
    }
}
