//! Damped Newton with the exact Hessian, safe where the Hessian is not positive definite.
//!
//! ```text
//! H positive definite:  x ← x − α·H⁻¹∇f
//! H indefinite:         x ← x − α·|H|⁻¹∇f, |H| = V·|Λ|·Vᵀ  (saddle-free Newton: the
//!                       negative-curvature direction is walked downhill, not toward the saddle)
//! H (nearly) singular:  x ← x − α·∇f  (a plain gradient step)
//! ```
//! The update's note says which case applied. One rule on H's eigenvalues ([`factors`]) for
//! any dimension: a closed-form 2 × 2 eigensystem in 2D (`eigen::eigen2`); beyond, a dense
//! eigendecomposition of the n × n Hessian in buffers kept between steps (O(n³) time, n²
//! numbers: about 1.4 s a step at n = 953).

use super::vector::Search;
use super::{Note, Step, Update, term, zip2};
use crate::core::eigen::{SymmetricEigen, eigen2};
use crate::core::objective::Objective;

pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        s, x, seen: f, lr, ..
    } = c;
    let d = f.derivatives(x);
    let g = d.gradient;
    // The lower triangle, as the n-dimensional path (tred2) reads it.
    let [[a, _], [b, c]] = d.hessian;
    let (direction, note, lambdas) = match [a, b, c].iter().all(|v| v.is_finite()) {
        false => (g, Some(Note::HessianNotFinite), [f64::NAN; 2]),
        true => newton_direction(a, b, c, g),
    };
    let to = zip2(x, direction, |x, d| x - lr * d);
    s.terms.set(&[
        term("∇f", g),
        term("H eigenvalues λ", lambdas),
        term("H⁻¹∇f", direction),
        term("step", zip2(x, to, |a, b| a - b)),
    ]);
    Update {
        from: x,
        to,
        grad: g,
        lr,
        rule: "x ← x − α·H⁻¹∇f",
        note,
        seen_loss,
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

/// The 2D direction V·diag(factor)·Vᵀ·∇f for H = [[a, b], [b, c]], a note when H is not
/// positive definite, and H's eigenvalues, ascending.
fn newton_direction(a: f64, b: f64, c: f64, g: [f64; 2]) -> ([f64; 2], Option<Note>, [f64; 2]) {
    let (l, [cs, sn]) = eigen2(a, b, c);
    let lambdas = [l[0].min(l[1]), l[0].max(l[1])];
    let mut f = l;
    let note = match factors(&mut f) {
        None => return (g, Some(Note::HessianFlat), lambdas),
        Some(Curvature::Convex) => None,
        Some(Curvature::SaddleFree) => Some(Note::SaddleFree),
    };
    // Vᵀ·∇f in the eigenbasis, each coordinate scaled by its factor, and back.
    let w = [
        f[0] * (cs * g[0] - sn * g[1]),
        f[1] * (sn * g[0] + cs * g[1]),
    ];
    (
        [cs * w[0] + sn * w[1], cs * w[1] - sn * w[0]],
        note,
        lambdas,
    )
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

#[cfg(test)]
mod tests {
    use super::eigen2;

    /// H·v = λ·v and VᵀV = I to a few roundings of ‖H‖, on matrices of every shape and scale:
    /// diagonal, nearly diagonal, equal diagonals, indefinite, singular, 1e±300.
    #[test]
    fn the_closed_form_2x2_eigensystem_is_one() {
        let mut cases = vec![
            [1.0, 0.0, 2.0],
            [2.0, 1e-300, 1.0],
            [3.0, 1.0, 3.0],
            [-1.0, 2.0, 1.0],
            [1.0, 1.0, 1.0],
            [1e300, 1e300, -1e300],
            [1e-300, -3e-300, 2e-300],
            [1202.0, 600.0, 200.0],
        ];
        let mut z = 0.37f64;
        for _ in 0..200 {
            let mut next = || {
                z = (z * 3.9 * (1.0 - z)).clamp(1e-9, 1.0 - 1e-9);
                z * 2.0 - 1.0
            };
            let scale = 10f64.powf(40.0 * next());
            cases.push([next() * scale, next() * scale, next() * scale]);
        }
        for [a, b, c] in cases {
            let (l, [cs, sn]) = eigen2(a, b, c);
            let norm = a.abs().max(b.abs()).max(c.abs());
            assert!(
                (cs * cs + sn * sn - 1.0).abs() <= 4.0 * f64::EPSILON,
                "{a} {b} {c}"
            );
            for (l, [v0, v1]) in [(l[0], [cs, -sn]), (l[1], [sn, cs])] {
                let r = [a * v0 + b * v1 - l * v0, b * v0 + c * v1 - l * v1];
                let tol = 8.0 * f64::EPSILON * norm;
                assert!(r[0].abs() <= tol && r[1].abs() <= tol, "{a} {b} {c}: {r:?}");
            }
        }
    }
}
