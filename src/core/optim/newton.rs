//! Damped Newton with the exact Hessian, safe where the Hessian is not positive definite.
//!
//! ```text
//! H positive definite:  x ← x − α·H⁻¹∇f
//! H indefinite:         x ← x − α·|H|⁻¹∇f, |H| = V·|Λ|·Vᵀ  (saddle-free Newton: the
//!                       negative-curvature direction is walked downhill, not toward the saddle)
//! H (nearly) singular:  x ← x − α·∇f  (a plain gradient step)
//! ```
//! The update's note says which case applied. The direction is one function for any
//! dimension: on the stack in 2D, a dense eigendecomposition of the n × n Hessian beyond
//! (O(n³) time and n² numbers of memory, which nalgebra allocates each step: about 0.1 s at
//! n = 1,000).

use super::vector::Search;
use super::{Step, Terms, Update, term, zip2};
use crate::core::objective::Objective;
use nalgebra::allocator::Allocator;
use nalgebra::{
    DMatrix, DVector, DefaultAllocator, DimDiff, DimSub, Matrix2, OMatrix, OVector, SymmetricEigen,
    U1, Vector2,
};

pub(super) fn step(c: Step) -> Update {
    let Step {
        s, x, seen: f, lr, ..
    } = c;
    let d = f.derivatives(x);
    let g = Vector2::new(d.gradient[0], d.gradient[1]);
    let h = Matrix2::new(
        d.hessian[0][0],
        d.hessian[0][1],
        d.hessian[1][0],
        d.hessian[1][1],
    );
    let (direction, note, lambdas) = match h.iter().all(|v| v.is_finite()) {
        false => (
            g,
            Some("Hessian is not finite here: took a gradient step".to_string()),
            [f64::NAN; 2],
        ),
        true => newton_direction(h, g),
    };
    let to = zip2(x, [direction[0], direction[1]], |x, d| x - lr * d);
    s.terms = Terms::of(&[
        term("∇f", d.gradient),
        term("H eigenvalues λ", lambdas),
        term("H⁻¹∇f", [direction[0], direction[1]]),
        term("step", zip2(x, to, |a, b| a - b)),
    ]);
    Update {
        from: x,
        to,
        grad: d.gradient,
        lr,
        rule: "x ← x − α·H⁻¹∇f",
        note,
        seen_loss: f64::NAN,
    }
}

/// The direction, a note when H is not positive definite, and H's extreme eigenvalues.
fn newton_direction<D>(h: OMatrix<f64, D, D>, g: OVector<f64, D>) -> Direction<D>
where
    D: DimSub<U1>,
    DefaultAllocator: Allocator<D, D> + Allocator<D> + Allocator<DimDiff<D, U1>>,
{
    let eig = SymmetricEigen::new(h);
    let l = &eig.eigenvalues;
    let lo = l.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lambdas = [lo, hi];
    let scale = l.abs().max();
    let tiny = 1e-10 * scale.max(1e-300);
    if scale < 1e-12 {
        return (
            g,
            Some("Hessian is zero here (flat): took a gradient step".into()),
            lambdas,
        );
    }
    if l.iter().all(|&v| v > tiny) {
        // Cholesky would also do; the eigenbasis is already at hand.
        let inv = &eig.eigenvectors
            * OMatrix::from_diagonal(&l.map(|v| 1.0 / v))
            * eig.eigenvectors.transpose();
        return (inv * g, None, lambdas);
    }
    let floored = l.map(|v| 1.0 / v.abs().max(1e-3 * scale));
    let inv = &eig.eigenvectors * OMatrix::from_diagonal(&floored) * eig.eigenvectors.transpose();
    let note = format!(
        "Hessian not positive definite (λ = {:.3e}, {:.3e}): used |λ| instead (saddle-free Newton)",
        lambdas[0], lambdas[1]
    );
    (inv * g, Some(note), lambdas)
}

type Direction<D> = (OVector<f64, D>, Option<String>, [f64; 2]);

/// One damped Newton step on n coordinates, `x` moved in place: the Hessian into the
/// search's buffer, the same direction as in 2D. Without a Hessian (a network beyond
/// [`crate::core::net::MAX_HESSIAN`] parameters) or with one not finite, a gradient step.
/// Returns f at the start (NaN if unknown).
pub(super) fn step_n(
    x: &mut [f64],
    lr: f64,
    g: &mut [f64],
    s: &mut Search,
    f: &mut dyn Objective,
) -> f64 {
    let n = x.len();
    let Search::Newton { hessian } = s else {
        *s = Search::Newton {
            hessian: vec![0.0; n * n],
        };
        return step_n(x, lr, g, s, f);
    };
    let loss = match f.hessian(x, g, hessian) {
        Some(v) if hessian.iter().all(|v| v.is_finite()) => Some(v),
        _ => None,
    };
    let exact = loss.is_some();
    let loss = loss.unwrap_or_else(|| f.gradient(x, g));
    let grad = DVector::from_column_slice(g);
    let direction = match exact {
        true => newton_direction(DMatrix::from_row_slice(n, n, hessian), grad).0,
        false => grad,
    };
    for (x, d) in x.iter_mut().zip(direction.iter()) {
        *x -= lr * d;
    }
    loss
}
