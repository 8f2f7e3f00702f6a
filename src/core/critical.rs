//! Finds the stationary points of a landscape in a domain and classifies them by curvature.
//!
//! Newton's method on ∇f = 0 (exact Hessian) from a grid of seeds, with backtracking on ‖∇f‖²
//! so seeds far from any point still make progress; converged points are deduplicated and
//! classified by the Hessian's eigenvalues.

use crate::core::expr::Formula;
use crate::core::surface::Domain;
use nalgebra::{Matrix2, Vector2};
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
    /// False at a kink where ∇f is undefined (Ackley's cusp): a minimum found from values.
    pub smooth: bool,
}

impl CriticalPoint {
    /// The kind as `critical` prints it.
    pub fn kind_name(&self) -> &'static str {
        if self.smooth {
            self.kind.name()
        } else {
            "minimum (non-smooth)"
        }
    }
}

/// Eigenvalues (ascending) of a symmetric 2×2 matrix: Newton's closed form.
pub fn eigenvalues(h: [[f64; 2]; 2]) -> [f64; 2] {
    let (e, _) = crate::core::eigen::eigen2(h[0][0], h[0][1], h[1][1]);
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

/// Up to this many points, every one is labelled.
const LABEL_ALL: usize = 12;

/// Which points get a text label (the rest are drawn as small glyphs): all of them when there
/// are at most a dozen; else the global minimum, the three next lowest minima, and the point
/// nearest each of `near` (the racers) within 5% of the domain's diagonal.
pub fn labelled(points: &[CriticalPoint], near: &[[f64; 2]], domain: Domain) -> Vec<bool> {
    if points.len() <= LABEL_ALL {
        return vec![true; points.len()];
    }
    let mut out = vec![false; points.len()];
    // Sorted by value, so the first minima are the lowest.
    for i in points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == CriticalKind::Minimum)
        .map(|(i, _)| i)
        .take(4)
    {
        out[i] = true;
    }
    let reach = 0.05 * domain.width().hypot(domain.height());
    for q in near {
        let dist = |p: &CriticalPoint| (p.pos[0] - q[0]).hypot(p.pos[1] - q[1]);
        if let Some((i, p)) = points
            .iter()
            .enumerate()
            .min_by(|a, b| dist(a.1).total_cmp(&dist(b.1)))
            && dist(p) <= reach
        {
            out[i] = true;
        }
    }
    out
}

/// Cells per side of the grid on which ∇f is sampled to place seeds.
const CELLS: usize = 512;
/// Cells per side on a data landscape.
const DATA_CELLS: usize = 32;
/// More candidate cells than this means ∇f vanishes on whole regions (a plateau): only the
/// first this many are tried, so the search stays bounded.
const MAX_CANDIDATES: usize = 40_000;

/// All stationary points found in `domain`, sorted by value.
///
/// What is found: ∇f is sampled on a 513 × 513 grid of nodes. Every cell across whose corners
/// both ∂f/∂x and ∂f/∂y change sign (or touch zero) is quartered twice, keeping the quarters
/// that still show the change, and each seeds Newton's method on ∇f = 0 (exact Hessian,
/// backtracking on ‖∇f‖); so does every node where ‖∇f‖ is smaller than at its eight
/// neighbours. So every stationary point is found whose zero curves of ∂f/∂x and ∂f/∂y cross
/// inside a cell with a sign change at its corners, which holds for every isolated,
/// non-degenerate point of a landscape whose features are wider than a cell (1/512 of the
/// domain) and that is no closer to another than a quarter of a quarter cell (1/2048). Where
/// Newton cannot converge in such a cell because f is not smooth there (a cusp, as Ackley's
/// at the origin), a pattern search on f finds the local minimum, reported as
/// [`CriticalPoint::smooth`] = false.
pub fn find(f: &Formula, domain: Domain) -> Vec<CriticalPoint> {
    let candidates = candidate_cells(f, domain);
    let found: Vec<([f64; 2], bool)> = candidates
        .par_iter()
        .filter_map(|cell| match newton(f, cell.center(), domain) {
            Some(p) => Some((p, true)),
            None if cell.sign_change => cusp_minimum(f, cell, domain).map(|p| (p, false)),
            None => None,
        })
        .collect();
    let tol = 1e-6 * domain.width().hypot(domain.height());
    let mut unique: Vec<([f64; 2], bool)> = Vec::new();
    for (p, smooth) in found {
        if !unique
            .iter()
            .any(|(q, _)| (q[0] - p[0]).hypot(q[1] - p[1]) < tol)
        {
            unique.push((p, smooth));
        }
    }
    let mut points: Vec<CriticalPoint> = unique
        .into_iter()
        .map(|(pos, smooth)| {
            let d = f.derivatives(pos);
            let (kind, eigenvalues, condition) = if smooth {
                classify(d.hessian)
            } else {
                (CriticalKind::Minimum, [f64::NAN; 2], f64::NAN)
            };
            CriticalPoint {
                pos,
                value: f.value(pos),
                kind,
                eigenvalues,
                condition,
                smooth,
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

/// A cell of the seeding grid that may hold a stationary point.
#[derive(Debug, Clone, Copy)]
struct Cell {
    lo: [f64; 2],
    size: [f64; 2],
    /// Both gradient components change sign across its corners (else: a local minimum of ‖∇f‖).
    sign_change: bool,
}

impl Cell {
    fn center(&self) -> [f64; 2] {
        [
            self.lo[0] + 0.5 * self.size[0],
            self.lo[1] + 0.5 * self.size[1],
        ]
    }
}

/// The cells where ∇f changes sign in both components, and those around nodes where ‖∇f‖
/// has a strict local minimum.
fn candidate_cells(f: &Formula, d: Domain) -> Vec<Cell> {
    // Every ∇f over a dataset costs a pass over its rows: a coarser search there (a mean
    // loss is smooth and has few stationary points; most have one).
    let cells = if f.data().is_some() {
        DATA_CELLS
    } else {
        CELLS
    };
    let n = cells + 1;
    let at = |i: usize, j: usize| [d.x_at(i, n), d.y_at(j, n)];
    let grads: Vec<[f64; 2]> = (0..n * n)
        .into_par_iter()
        .map(|k| f.gradient(at(k % n, k / n)).1)
        .collect();
    let g = |i: usize, j: usize| grads[j * n + i];
    let size = [d.width() / cells as f64, d.height() / cells as f64];
    let mut found = Vec::new();
    for j in 0..cells {
        for i in 0..cells {
            let corners = [g(i, j), g(i + 1, j), g(i, j + 1), g(i + 1, j + 1)];
            let finite = corners
                .iter()
                .filter(|v| v[0].is_finite() && v[1].is_finite())
                .count();
            let changes = |c: usize| {
                let (lo, hi) = corners
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v[c]), hi.max(v[c]))
                    });
                lo <= 0.0 && hi >= 0.0
            };
            // A corner where ∇f is undefined next to ones where it is defined may be a cusp
            // (Ackley's origin); a cell undefined all round is a hole.
            let undefined_corner = finite > 0 && finite < 4;
            let cell = Cell {
                lo: at(i, j),
                size,
                sign_change: true,
            };
            if finite == 4 && changes(0) && changes(1) {
                found.extend(refine(f, cell, REFINE));
            } else if undefined_corner {
                found.push(cell);
            }
        }
    }
    let norm = |i: usize, j: usize| {
        let v = g(i, j);
        v[0].hypot(v[1])
    };
    for j in 1..n - 1 {
        for i in 1..n - 1 {
            let here = norm(i, j);
            let lowest = (0..9)
                .filter(|&k| k != 4)
                .all(|k| here < norm(i + k % 3 - 1, j + k / 3 - 1));
            if lowest {
                let p = at(i, j);
                let lo = [p[0] - 0.5 * size[0], p[1] - 0.5 * size[1]];
                found.push(Cell {
                    lo,
                    size,
                    sign_change: false,
                });
            }
        }
    }
    found.truncate(MAX_CANDIDATES);
    found
}

/// Halvings of a sign-change cell, so that two points sharing a cell (Levi has pairs 0.013
/// apart) get a seed each: 1/2048 of the domain at the finest.
const REFINE: u32 = 2;

/// The quarters of `cell` across which ∇f still changes sign in both components, refined
/// `depth` more times; the cell itself when no quarter shows the change.
fn refine(f: &Formula, cell: Cell, depth: u32) -> Vec<Cell> {
    if depth == 0 {
        return vec![cell];
    }
    let half = [cell.size[0] / 2.0, cell.size[1] / 2.0];
    let g: Vec<[f64; 2]> = (0..9)
        .map(|k| {
            let p = [
                cell.lo[0] + half[0] * (k % 3) as f64,
                cell.lo[1] + half[1] * (k / 3) as f64,
            ];
            f.gradient(p).1
        })
        .collect();
    let mut out = Vec::new();
    for (qi, qj) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
        let corners =
            [(qi, qj), (qi + 1, qj), (qi, qj + 1), (qi + 1, qj + 1)].map(|(i, j)| g[j * 3 + i]);
        let changes = |c: usize| {
            let lo = corners.iter().map(|v| v[c]).fold(f64::INFINITY, f64::min);
            let hi = corners
                .iter()
                .map(|v| v[c])
                .fold(f64::NEG_INFINITY, f64::max);
            lo <= 0.0 && hi >= 0.0
        };
        if changes(0) && changes(1) {
            let lo = [
                cell.lo[0] + half[0] * qi as f64,
                cell.lo[1] + half[1] * qj as f64,
            ];
            let quarter = Cell {
                lo,
                size: half,
                sign_change: true,
            };
            out.extend(refine(f, quarter, depth - 1));
        }
    }
    if out.is_empty() {
        out.push(cell);
    }
    out
}

/// A non-smooth local minimum in (or next to) a cell where ∇f changes sign but Newton failed:
/// compass search on f from the cell's centre, steps halving from the cell size to rounding.
fn cusp_minimum(f: &Formula, cell: &Cell, domain: Domain) -> Option<[f64; 2]> {
    let c = cell.center();
    let near = |p: [f64; 2]| {
        (p[0] - c[0]).abs() <= 1.5 * cell.size[0] && (p[1] - c[1]).abs() <= 1.5 * cell.size[1]
    };
    let (mut p, mut fp) = (c, f.value(c));
    let mut step = cell.size[0].max(cell.size[1]);
    let floor = 1e-13 * (domain.width().max(domain.height()) + c[0].abs().max(c[1].abs()));
    // Each step either moves or halves; a slope that keeps falling leaves the neighbourhood,
    // and the count bounds the rest.
    for _ in 0..2000 {
        if !(step > floor && fp.is_finite() && near(p)) {
            break;
        }
        let better = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
            .iter()
            .map(|d| [p[0] + step * d[0], p[1] + step * d[1]])
            .map(|q| (q, f.value(q)))
            .filter(|(_, v)| *v < fp)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        match better {
            Some((q, v)) => (p, fp) = (q, v),
            None => step *= 0.5,
        }
    }
    // It must end, near the cell, at a true minimum where the slope does not vanish (a
    // smooth one is Newton's to find).
    let slope = f.gradient(p).1;
    let steep = slope[0].hypot(slope[1]);
    let kinked = steep > 1e-6 || steep.is_nan() || slope.iter().any(|v| v.is_nan());
    let minimum = crate::core::optim::run::stationary_kind_by_values(f, p)
        == crate::core::optim::run::PointKind::Minimum;
    (step <= floor && near(p) && kinked && minimum && domain.contains(p)).then_some(p)
}

/// Newton on ∇f = 0 from `x`; the point if it converged inside the domain.
fn newton(f: &Formula, mut x: [f64; 2], domain: Domain) -> Option<[f64; 2]> {
    let scale = domain.width().max(domain.height());
    let margin = 1e-9 * scale;
    // ‖∇f‖ (a hypotenuse, which does not overflow where ‖∇f‖² would).
    let merit = |p: [f64; 2]| {
        let g = f.gradient(p).1;
        g[0].hypot(g[1])
    };
    let mut moved = f64::INFINITY;
    for _ in 0..100 {
        let d = f.derivatives(x);
        let g = Vector2::from(d.gradient);
        let gn = d.gradient[0].hypot(d.gradient[1]);
        if !gn.is_finite() {
            return None;
        }
        if gn == 0.0 {
            moved = 0.0;
            break;
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
        // Backtrack on ‖∇f‖ so the iteration cannot fling a seed far away.
        let mut t = 1.0;
        let mut next = [x[0] - dx[0], x[1] - dx[1]];
        while merit(next).partial_cmp(&gn) != Some(std::cmp::Ordering::Less) && t > 1e-4 {
            t *= 0.5;
            next = [x[0] - t * dx[0], x[1] - t * dx[1]];
        }
        moved = (next[0] - x[0]).hypot(next[1] - x[1]);
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
    // Converged: ∇f small against f, or Newton's steps shrunk to rounding of the domain.
    let converged = g[0].hypot(g[1]) <= 1e-8 * value || moved <= 1e-12 * scale;
    let inside = x[0] >= domain.x[0] - margin
        && x[0] <= domain.x[1] + margin
        && x[1] >= domain.y[0] - margin
        && x[1] <= domain.y[1] + margin;
    (converged && inside && g.iter().all(|v| v.is_finite())).then_some(x)
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

    fn preset_points(name: &str) -> Vec<CriticalPoint> {
        let p = crate::core::presets::find(name).unwrap();
        let mut f = Formula::parse(p.formula).unwrap();
        for (n, v) in p.params {
            f.set_param(n, *v);
        }
        find(&f, p.domain)
    }

    fn has(points: &[CriticalPoint], at: [f64; 2], kind: CriticalKind, tol: f64) -> bool {
        points
            .iter()
            .any(|p| p.kind == kind && (p.pos[0] - at[0]).hypot(p.pos[1] - at[1]) < tol)
    }

    /// Rastrigin: f is separable, ∂f/∂x = 2x + 20π sin(2πx) = 0 has 21 roots in [-5.12, 5.12]
    /// (x = 0 and one near each ±k/2, k = 1..10, found here by bisection), so there are
    /// 21 × 21 = 441 stationary points; the minima are where both roots are near integers.
    #[test]
    fn rastrigin_has_all_441_stationary_points_including_the_axes() {
        let dfx =
            |x: f64| 2.0 * x + 20.0 * std::f64::consts::PI * (2.0 * std::f64::consts::PI * x).sin();
        let mut roots = vec![0.0];
        for k in 1..=10 {
            // Each root lies within a quarter period of k/2, where dfx changes sign.
            let (mut lo, mut hi) = (k as f64 / 2.0 - 0.2, k as f64 / 2.0 + 0.2);
            assert!(dfx(lo) * dfx(hi) < 0.0, "bracket for k = {k}");
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if dfx(lo) * dfx(mid) <= 0.0 {
                    hi = mid
                } else {
                    lo = mid
                }
            }
            roots.extend([lo, -lo]);
        }
        assert_eq!(roots.len(), 21);
        let points = preset_points("rastrigin");
        assert_eq!(points.len(), 441);
        for &x in &roots {
            for &y in &roots {
                assert!(
                    points
                        .iter()
                        .any(|p| (p.pos[0] - x).abs() < 1e-9 && (p.pos[1] - y).abs() < 1e-9),
                    "({x}, {y}) missing"
                );
            }
        }
        let at_origin = points[0].pos.iter().all(|v| v.abs() < 1e-12);
        assert!(at_origin, "the global minimum comes first: {:?}", points[0]);
        assert_eq!(points[0].value, 0.0);
        assert_eq!(count(&points, CriticalKind::Minimum), 121);
    }

    #[test]
    fn ackley_has_its_cusp_and_the_lowest_smooth_minima() {
        let points = preset_points("ackley");
        let first = &points[0];
        assert!(
            !first.smooth && first.kind == CriticalKind::Minimum,
            "{first:?}"
        );
        assert!(
            first.pos[0].abs() < 1e-9 && first.pos[1].abs() < 1e-9,
            "{first:?}"
        );
        assert!(first.value.abs() < 1e-9);
        // The four nearest smooth minima, on the axes near (±0.952, 0) and (0, ±0.952).
        for at in [[0.952, 0.0], [-0.952, 0.0], [0.0, 0.952], [0.0, -0.952]] {
            assert!(has(&points, at, CriticalKind::Minimum, 1e-3), "{at:?}");
        }
        assert!(points.len() > 400, "{}", points.len());
    }

    #[test]
    fn levi_finds_its_next_lowest_minima() {
        let points = preset_points("levi");
        assert!(has(&points, [1.0, 1.0], CriticalKind::Minimum, 1e-8));
        assert!(points[0].value.abs() < 1e-20);
        for at in [[0.670, 1.0], [1.330, 1.0]] {
            assert!(has(&points, at, CriticalKind::Minimum, 2e-3), "{at:?}");
        }
        // scipy.optimize.root from a 500 × 500 grid of starts finds 2,109 (26 of them in pairs
        // closer than a seeding cell).
        assert_eq!(points.len(), 2109);
    }

    #[test]
    fn extreme_domains_find_the_one_minimum() {
        let f = Formula::parse("x^2+y^2").unwrap();
        for s in [1e-170, 1e160] {
            let points = find(&f, Domain::new(-s, s, -s, s));
            assert_eq!(points.len(), 1, "±{s}: {points:?}");
            assert_eq!(points[0].kind, CriticalKind::Minimum);
            assert!(points[0].pos[0].abs() <= 1e-6 * s);
        }
    }

    #[test]
    fn only_the_points_that_matter_are_labelled() {
        let points = preset_points("rastrigin");
        let d = crate::core::presets::find("rastrigin").unwrap().domain;
        let racer = [2.02, -3.01];
        let l = labelled(&points, &[racer], d);
        assert_eq!(l.len(), 441);
        assert!(l[0], "the global minimum");
        let near = points
            .iter()
            .position(|p| (p.pos[0] - 1.99).abs() < 0.05 && (p.pos[1] + 2.98).abs() < 0.05)
            .unwrap();
        assert!(l[near], "the point next to the racer");
        assert_eq!(
            l.iter().filter(|b| **b).count(),
            5,
            "4 lowest minima + 1 near the racer"
        );
        // Few points: all labelled.
        let bowl = find(&Formula::parse("x^2 - y^2").unwrap(), d);
        assert_eq!(labelled(&bowl, &[], d), [true]);
    }
}
