//! Damped Newton with the exact Hessian, safe where the Hessian is not positive definite.
//!
//! ```text
//! H positive definite:  x ← x − α·H⁻¹∇f
//! H indefinite:         x ← x − α·|H|⁻¹∇f, |H| = V·|Λ|·Vᵀ  (saddle-free Newton: the
//!                       negative-curvature direction is walked downhill, not toward the saddle)
//! H (nearly) singular:  x ← x − α·∇f  (a plain gradient step)
//! ```
//! The update's note says which case applied.

use super::{Step, Terms, Update, term, zip2};
use nalgebra::{Matrix2, SymmetricEigen, Vector2};

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

fn newton_direction(h: Matrix2<f64>, g: Vector2<f64>) -> (Vector2<f64>, Option<String>, [f64; 2]) {
    let eig = SymmetricEigen::new(h);
    let l = eig.eigenvalues;
    let lambdas = [l[0].min(l[1]), l[0].max(l[1])];
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
        let inv = eig.eigenvectors
            * Matrix2::from_diagonal(&l.map(|v| 1.0 / v))
            * eig.eigenvectors.transpose();
        return (inv * g, None, lambdas);
    }
    let floored = l.map(|v| 1.0 / v.abs().max(1e-3 * scale));
    let inv = eig.eigenvectors * Matrix2::from_diagonal(&floored) * eig.eigenvectors.transpose();
    let note = format!(
        "Hessian not positive definite (λ = {:.3e}, {:.3e}): used |λ| instead (saddle-free Newton)",
        lambdas[0], lambdas[1]
    );
    (inv * g, Some(note), lambdas)
}
