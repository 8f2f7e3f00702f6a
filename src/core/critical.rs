//! Finds the stationary points of a landscape in a domain and classifies them by curvature.
//!
//! Newton's method on ∇f = 0 (exact Hessian) from a grid of seeds, with backtracking on ‖∇f‖²
//! so seeds far from any point still make progress; converged points are deduplicated and
//! classified by the Hessian's eigenvalues.

use crate::core::expr::Formula;
use crate::core::surface::Domain;
use nalgebra::{Matrix2, SymmetricEigen, Vector2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CriticalKind {
    Minimum,
    Maximum,
    Saddle,
    /// A singular Hessian: flat in some direction (monkey saddle, plateau); curvature cannot tell.
    Degenerate,
}

impl CriticalKind {
    pub fn name(self) -> &'static str {
        match self {
            CriticalKind::Minimum => "minimum",
            CriticalKind::Maximum => "maximum",
            CriticalKind::Saddle => "saddle",
            CriticalKind::Degenerate => "degenerate",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPoint {
    pub pos: [f64; 2],
    pub value: f64,
    pub kind: CriticalKind,
    /// Hessian eigenvalues, smaller first.
    pub eigenvalues: [f64; 2],
    /// |λ|max / |λ|min: how elongated the bowl (or saddle) is; infinite when singular.
    pub condition: f64,
}

/// Eigenvalues (ascending) of a symmetric 2×2 matrix.
pub fn eigenvalues(h: [[f64; 2]; 2]) -> [f64; 2] {
    let e = SymmetricEigen::new(Matrix2::new(h[0][0], h[0][1], h[1][0], h[1][1])).eigenvalues;
    [e[0].min(e[1]), e[0].max(e[1])]
}

/// Curvature class and condition number of a Hessian.
pub fn classify(h: [[f64; 2]; 2]) -> (CriticalKind, [f64; 2], f64) {
    let l = eigenvalues(h);
    let scale = l[0].abs().max(l[1].abs());
    let tol = 1e-7 * scale.max(1e-12);
    let kind = if scale < 1e-12 || l[0].abs() <= tol || l[1].abs() <= tol {
        CriticalKind::Degenerate
    } else if l[0] > 0.0 {
        CriticalKind::Minimum
    } else if l[1] < 0.0 {
        CriticalKind::Maximum
    } else {
        CriticalKind::Saddle
    };
    let small = l[0].abs().min(l[1].abs());
    let condition = if small > 0.0 {
        scale / small
    } else {
        f64::INFINITY
    };
    (kind, l, condition)
}

/// Seeds per side of the grid.
const SEEDS: usize = 24;

/// All stationary points found in `domain`, sorted by value.
pub fn find(f: &Formula, domain: Domain) -> Vec<CriticalPoint> {
    let seeds: Vec<[f64; 2]> = (0..SEEDS * SEEDS)
        .map(|k| {
            // Cell centres, so symmetric domains do not seed exactly on symmetry lines only.
            let (i, j) = (k % SEEDS, k / SEEDS);
            [
                domain.x[0] + domain.width() * (i as f64 + 0.5) / SEEDS as f64,
                domain.y[0] + domain.height() * (j as f64 + 0.5) / SEEDS as f64,
            ]
        })
        .collect();
    let found: Vec<[f64; 2]> = seeds
        .par_iter()
        .filter_map(|&s| newton(f, s, domain))
        .collect();
    let tol = 1e-6 * domain.width().hypot(domain.height());
    let mut unique: Vec<[f64; 2]> = Vec::new();
    for p in found {
        if !unique
            .iter()
            .any(|q| (q[0] - p[0]).hypot(q[1] - p[1]) < tol)
        {
            unique.push(p);
        }
    }
    let mut points: Vec<CriticalPoint> = unique
        .into_iter()
        .map(|pos| {
            let d = f.derivatives(pos);
            let (kind, eigenvalues, condition) = classify(d.hessian);
            CriticalPoint {
                pos,
                value: d.value,
                kind,
                eigenvalues,
                condition,
            }
        })
        .collect();
    points.sort_by(|a, b| {
        a.value
            .total_cmp(&b.value)
            .then(a.pos[0].total_cmp(&b.pos[0]))
    });
    points
}

/// Newton on ∇f = 0 from `x`; the point if it converged inside the domain.
fn newton(f: &Formula, mut x: [f64; 2], domain: Domain) -> Option<[f64; 2]> {
    let scale = domain.width().max(domain.height());
    let margin = 1e-9 * scale;
    let merit = |p: [f64; 2]| {
        let g = f.gradient(p).1;
        g[0] * g[0] + g[1] * g[1]
    };
    for _ in 0..100 {
        let d = f.derivatives(x);
        let g = Vector2::from(d.gradient);
        let gg = g.norm_squared();
        if !gg.is_finite() {
            return None;
        }
        let h = Matrix2::new(
            d.hessian[0][0],
            d.hessian[0][1],
            d.hessian[1][0],
            d.hessian[1][1],
        );
        let dx = h.lu().solve(&g)?;
        if !dx.iter().all(|v| v.is_finite()) {
            return None;
        }
        // Backtrack on ‖∇f‖² so the iteration cannot fling a seed far away.
        let mut t = 1.0;
        let mut next = [x[0] - dx[0], x[1] - dx[1]];
        while merit(next).partial_cmp(&gg) != Some(std::cmp::Ordering::Less) && t > 1e-4 {
            t *= 0.5;
            next = [x[0] - t * dx[0], x[1] - t * dx[1]];
        }
        let moved = (next[0] - x[0]).hypot(next[1] - x[1]);
        x = next;
        if !domain_with_margin(domain, 0.05 * scale).contains(x) {
            return None;
        }
        if moved <= 1e-14 * scale.max(x[0].abs().max(x[1].abs())) {
            break;
        }
    }
    let g = f.gradient(x).1;
    let value = f.value(x).abs().max(1.0);
    let converged = g[0].hypot(g[1]) <= 1e-8 * value;
    let inside = x[0] >= domain.x[0] - margin
        && x[0] <= domain.x[1] + margin
        && x[1] >= domain.y[0] - margin
        && x[1] <= domain.y[1] + margin;
    (converged && inside).then_some(x)
}

fn domain_with_margin(d: Domain, m: f64) -> Domain {
    Domain::new(d.x[0] - m, d.x[1] + m, d.y[0] - m, d.y[1] + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(points: &[CriticalPoint], kind: CriticalKind) -> usize {
        points.iter().filter(|p| p.kind == kind).count()
    }

    #[test]
    fn himmelblau_has_nine_stationary_points() {
        let f = Formula::parse("(x^2+y-11)^2 + (x+y^2-7)^2").unwrap();
        let points = find(&f, Domain::new(-5.0, 5.0, -5.0, 5.0));
        assert_eq!(points.len(), 9, "{points:#?}");
        assert_eq!(count(&points, CriticalKind::Minimum), 4);
        assert_eq!(count(&points, CriticalKind::Maximum), 1);
        assert_eq!(count(&points, CriticalKind::Saddle), 4);
        let minima = [
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.283_185_991_286_17],
            [3.584428340330492, -1.848126526964404],
        ];
        for m in minima {
            let hit = points
                .iter()
                .find(|p| (p.pos[0] - m[0]).hypot(p.pos[1] - m[1]) < 1e-8);
            let hit = hit.unwrap_or_else(|| panic!("minimum {m:?} not found to 1e-8"));
            assert_eq!(hit.kind, CriticalKind::Minimum);
            assert!(hit.value.abs() < 1e-20);
        }
        let max = points
            .iter()
            .find(|p| p.kind == CriticalKind::Maximum)
            .unwrap();
        assert!(
            (max.pos[0] + 0.270844590667).abs() < 1e-8
                && (max.pos[1] + 0.923038556480).abs() < 1e-8,
            "{max:?}"
        );
        assert!((max.value - 181.616522).abs() < 1e-5);
    }

    #[test]
    fn six_hump_camel_global_minima() {
        let f = Formula::parse("(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2").unwrap();
        let points = find(&f, Domain::new(-3.0, 3.0, -2.0, 2.0));
        let best: Vec<_> = points.iter().take(2).collect();
        for p in &best {
            assert_eq!(p.kind, CriticalKind::Minimum);
            assert!((p.value + 1.031628453489877).abs() < 1e-12, "{p:?}");
            assert!((p.pos[0].abs() - 0.089842008935272).abs() < 1e-8, "{p:?}");
            assert!((p.pos[1].abs() - 0.712656403020058).abs() < 1e-8, "{p:?}");
        }
        assert!(
            best[0].pos[0] * best[1].pos[0] < 0.0,
            "the two minima mirror each other"
        );
    }

    #[test]
    fn saddle_at_the_origin() {
        let f = Formula::parse("x^2 - y^2").unwrap();
        let points = find(&f, Domain::new(-2.0, 2.0, -2.0, 2.0));
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].kind, CriticalKind::Saddle);
        assert!(points[0].pos[0].abs() < 1e-8 && points[0].pos[1].abs() < 1e-8);
        assert_eq!(points[0].eigenvalues, [-2.0, 2.0]);
        assert_eq!(points[0].condition, 1.0);
    }

    #[test]
    fn monkey_saddle_is_degenerate() {
        let (kind, ..) = classify(
            Formula::parse("x^3 - 3*x*y^2")
                .unwrap()
                .derivatives([0.0, 0.0])
                .hessian,
        );
        assert_eq!(kind, CriticalKind::Degenerate);
    }

    #[test]
    fn condition_number_of_an_ill_conditioned_bowl() {
        let mut f = Formula::parse("(x^2 + kappa*y^2)/2").unwrap();
        f.set_param("kappa", 50.0);
        let p = find(&f, Domain::new(-1.0, 1.0, -1.0, 1.0));
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].kind, p[0].condition), (CriticalKind::Minimum, 50.0));
    }
}
