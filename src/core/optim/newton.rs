//! Damped Newton with the exact Hessian, safe where the Hessian is not positive definite.
//!
//! ```text
//! H positive definite:  x ← x − α·H⁻¹∇f
//! H indefinite:         x ← x − α·|H|⁻¹∇f, |H| = V·|Λ|·Vᵀ  (saddle-free Newton: the
//!                       negative-curvature direction is walked downhill, not toward the saddle)
//! H (nearly) singular:  x ← x − α·∇f  (a plain gradient step)
//! ```
//! The update's note says which case applied. One rule on H's eigenvalues ([`factors`]) for
//! any dimension: nalgebra's 2 × 2 eigensystem on the stack in 2D; beyond, a dense
//! eigendecomposition of the n × n Hessian in buffers kept between steps (O(n³) time, n²
//! numbers: about 1.4 s a step at n = 953).

use super::vector::Search;
use super::{Step, Update, term, zip2};
use crate::core::eigen::SymmetricEigen;
use crate::core::objective::Objective;
use nalgebra::{Matrix2, Vector2};

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
    s.terms.set(&[
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

/// How H's eigenvalues λ become the factors of the direction V·diag(factor)·Vᵀ·∇f, in place:
/// 1/λ when every λ is above 1e-10 of the largest |λ| (positive definite), else
/// 1/max(|λ|, 1e-3·scale) (saddle-free). None when H is flat (a gradient step instead).
fn factors(l: &mut [f64]) -> Option<Curvature> {
    let scale = l.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let tiny = 1e-10 * scale.max(1e-300);
    if scale < 1e-12 {
        return None;
    }
    if l.iter().all(|&v| v > tiny) {
        l.iter_mut().for_each(|v| *v = 1.0 / *v);
        return Some(Curvature::Convex);
    }
    l.iter_mut()
        .for_each(|v| *v = 1.0 / v.abs().max(1e-3 * scale));
    Some(Curvature::SaddleFree)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Curvature {
    Convex,
    SaddleFree,
}

/// The 2D direction, a note when H is not positive definite, and H's eigenvalues.
fn newton_direction(h: Matrix2<f64>, g: Vector2<f64>) -> (Vector2<f64>, Option<String>, [f64; 2]) {
    let eig = nalgebra::SymmetricEigen::new(h);
    let l = eig.eigenvalues;
    let lambdas = [l[0].min(l[1]), l[0].max(l[1])];
    let mut f = [l[0], l[1]];
    let note = match factors(&mut f) {
        None => {
            let note = "Hessian is zero here (flat): took a gradient step";
            return (g, Some(note.into()), lambdas);
        }
        Some(Curvature::Convex) => None,
        Some(Curvature::SaddleFree) => Some(format!(
            "Hessian not positive definite (λ = {:.3e}, {:.3e}): used |λ| instead (saddle-free Newton)",
            lambdas[0], lambdas[1]
        )),
    };
    let diagonal = Matrix2::from_diagonal(&Vector2::new(f[0], f[1]));
    let inv = eig.eigenvectors * diagonal * eig.eigenvectors.transpose();
    (inv * g, note, lambdas)
}

/// What Newton keeps on n coordinates: the Hessian, its eigendecomposition and the factors,
/// made at the first step.
#[derive(Debug, Clone)]
pub(super) struct Dense {
    hessian: Vec<f64>,
    eigen: SymmetricEigen,
    factors: Vec<f64>,
    direction: Vec<f64>,
    tmp: Vec<f64>,
}

/// One damped Newton step on n coordinates, `x` moved in place, with the 2D step's rule
/// ([`factors`]). Without a Hessian, with one not finite, or on a flat one, a gradient step.
/// Returns f at the start (NaN if unknown).
pub(super) fn step_n(
    x: &mut [f64],
    lr: f64,
    g: &mut [f64],
    s: &mut Search,
    f: &mut dyn Objective,
) -> f64 {
    let n = x.len();
    let Search::Newton(d) = s else {
        *s = Search::Newton(Box::new(Dense {
            hessian: vec![0.0; n * n],
            eigen: SymmetricEigen::new(n),
            factors: vec![0.0; n],
            direction: vec![0.0; n],
            tmp: vec![0.0; n],
        }));
        return step_n(x, lr, g, s, f);
    };
    let (loss, newton) = match f.hessian(x, g, &mut d.hessian) {
        Some(v) if d.eigen.decompose(&d.hessian) => {
            d.factors.copy_from_slice(d.eigen.values());
            (v, factors(&mut d.factors).is_some())
        }
        _ => (f.gradient(x, g), false),
    };
    match newton {
        true => d.eigen.apply(&d.factors, g, &mut d.tmp, &mut d.direction),
        false => d.direction.copy_from_slice(g),
    }
    for (x, d) in x.iter_mut().zip(&d.direction) {
        *x -= lr * d;
    }
    loss
}
