//! Samples a formula on a grid (in parallel) and finds a z-range that one spike cannot flatten.

use crate::core::expr::{Formula, LaneSlots};
use crate::core::number::exact;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// The rectangle of the (x, y) plane a landscape is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub x: [f64; 2],
    pub y: [f64; 2],
}

/// Why a domain cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error(
        "domain must be finite with min < max, got x {}..{}, y {}..{}",
        exact(.0[0]), exact(.0[1]), exact(.0[2]), exact(.0[3])
    )]
    Empty([f64; 4]),
    #[error(
        "the domain is too narrow to draw: {axis} spans {} (at least {} here)",
        exact(*.width), exact(*.need)
    )]
    TooNarrow {
        axis: &'static str,
        width: f64,
        need: f64,
    },
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("a domain is 4 numbers xmin,xmax,ymin,ymax, got {0}")]
    Count(usize),
}

/// The narrowest domain side: its 1024 grid steps stay normal numbers.
pub const MIN_WIDTH: f64 = 1e-290;

impl Domain {
    pub const fn new(xmin: f64, xmax: f64, ymin: f64, ymax: f64) -> Domain {
        Domain {
            x: [xmin, xmax],
            y: [ymin, ymax],
        }
    }

    /// A domain is usable when finite, not empty, and wide enough for its grid to resolve.
    pub fn validate(&self) -> Result<(), DomainError> {
        let ok = |[a, b]: [f64; 2]| a.is_finite() && b.is_finite() && a < b && (b - a).is_finite();
        if !(ok(self.x) && ok(self.y)) {
            return Err(DomainError::Empty([
                self.x[0], self.x[1], self.y[0], self.y[1],
            ]));
        }
        for (axis, [a, b]) in [("x", self.x), ("y", self.y)] {
            // A grid of up to 1024 points needs distinct, normal coordinates.
            let need = (a.abs().max(b.abs()) * 1e-12).max(MIN_WIDTH);
            if b - a < need {
                return Err(DomainError::TooNarrow {
                    axis,
                    width: b - a,
                    need,
                });
            }
        }
        Ok(())
    }

    pub fn width(&self) -> f64 {
        self.x[1] - self.x[0]
    }

    pub fn height(&self) -> f64 {
        self.y[1] - self.y[0]
    }

    pub fn center(&self) -> [f64; 2] {
        [(self.x[0] + self.x[1]) / 2.0, (self.y[0] + self.y[1]) / 2.0]
    }

    pub fn contains(&self, p: [f64; 2]) -> bool {
        (self.x[0]..=self.x[1]).contains(&p[0]) && (self.y[0]..=self.y[1]).contains(&p[1])
    }

    /// Grid coordinate `i` of `n` samples along x.
    pub fn x_at(&self, i: usize, n: usize) -> f64 {
        self.x[0] + self.width() * i as f64 / (n - 1).max(1) as f64
    }

    pub fn y_at(&self, j: usize, n: usize) -> f64 {
        self.y[0] + self.height() * j as f64 / (n - 1).max(1) as f64
    }
}

impl std::str::FromStr for Domain {
    type Err = DomainError;

    /// `xmin,xmax,ymin,ymax`
    fn from_str(s: &str) -> Result<Domain, DomainError> {
        let v: Vec<f64> = s
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .map_err(|_| DomainError::NotANumber(p.trim().to_string()))
            })
            .collect::<Result<_, _>>()?;
        let [xmin, xmax, ymin, ymax] =
            <[f64; 4]>::try_from(v).map_err(|v| DomainError::Count(v.len()))?;
        let d = Domain::new(xmin, xmax, ymin, ymax);
        d.validate()?;
        Ok(d)
    }
}

/// Heights on an `n × n` grid, row-major with x varying fastest. Non-finite cells are holes.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceGrid {
    pub domain: Domain,
    pub n: usize,
    pub z: Vec<f64>,
    /// Exact ∇f per cell, when asked for (mesh normals need it).
    pub gradient: Option<Vec<[f64; 2]>>,
    pub range: ZRange,
}

/// Height statistics over the finite cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZRange {
    pub min: f64,
    pub max: f64,
    /// The range to draw: percentile-clipped at the top and bottom where outliers would
    /// otherwise squash everything else flat. Never narrower than the data in the bulk.
    pub robust: [f64; 2],
    pub holes: usize,
}

impl SurfaceGrid {
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.z[j * self.n + i]
    }
}

/// Values of `formula` on `n × n` points spanning `domain` (corners included), row-major;
/// rows in parallel, each row through the batch interpreter (see [`Formula::grid_rows`]).
pub fn evaluate(formula: &Formula, domain: Domain, n: usize) -> Vec<f64> {
    evaluate_until(formula, domain, n, &AtomicBool::new(false)).expect("never stopped")
}

/// [`evaluate`], or None once `stop` is raised: it is read before each row, so a stale
/// surface over a dataset or a network ends within a row's work.
pub fn evaluate_until(
    formula: &Formula,
    domain: Domain,
    n: usize,
    stop: &AtomicBool,
) -> Option<Vec<f64>> {
    let n = n.max(2);
    let xs: Vec<f64> = (0..n).map(|i| domain.x_at(i, n)).collect();
    let rows = formula.grid_rows(&xs);
    let mut z = vec![0.0; n * n];
    z.par_chunks_mut(n)
        .enumerate()
        .for_each_init(LaneSlots::default, |scratch, (j, row)| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            rows.row(domain.y_at(j, n), row, scratch);
        });
    (!stop.load(Ordering::Relaxed)).then_some(z)
}

/// Samples `formula` on `n × n` points: values, optionally exact gradients, and the z-range.
pub fn sample(formula: &Formula, domain: Domain, n: usize, with_gradient: bool) -> SurfaceGrid {
    sample_until(formula, domain, n, with_gradient, &AtomicBool::new(false)).expect("never stopped")
}

/// [`sample`], or None once `stop` is raised (read per row over a dataset or a network,
/// where each node is a pass over every row; a formula's grid takes milliseconds).
pub fn sample_until(
    formula: &Formula,
    domain: Domain,
    n: usize,
    with_gradient: bool,
    stop: &AtomicBool,
) -> Option<SurfaceGrid> {
    let n = n.max(2);
    let (z, gradient) = if with_gradient && !formula.averages() {
        let (z, g) = values_and_gradients(formula, domain, n);
        (z, Some(g))
    } else {
        let z = evaluate_until(formula, domain, n, stop)?;
        // Over a dataset or a network an exact ∇f is a pass over every row per node: the grid's own
        // differences are close enough to light the mesh.
        let g = with_gradient.then(|| grid_gradient(&z, domain, n));
        (z, g)
    };
    let range = z_range(&z);
    Some(SurfaceGrid {
        domain,
        n,
        z,
        gradient,
        range,
    })
}

/// f and the exact ∇f at every node, a row per call of the compiled gradient's loop (its
/// values are the batch interpreter's, bit for bit).
fn values_and_gradients(formula: &Formula, domain: Domain, n: usize) -> (Vec<f64>, Vec<[f64; 2]>) {
    let mut z = vec![0.0; n * n];
    let mut g = vec![[0.0; 2]; n * n];
    z.par_chunks_mut(n)
        .zip(g.par_chunks_mut(n))
        .enumerate()
        .for_each_init(
            || (vec![0.0; 2 * n], vec![0.0; 3 * n]),
            |(xy, jets), (j, (z, g))| {
                let y = domain.y_at(j, n);
                for (i, p) in xy.chunks_exact_mut(2).enumerate() {
                    p.copy_from_slice(&[domain.x_at(i, n), y]);
                }
                formula.gradients(xy, jets);
                for ((z, g), jet) in z.iter_mut().zip(g).zip(jets.chunks_exact(3)) {
                    (*z, *g) = (jet[0], [jet[1], jet[2]]);
                }
            },
        );
    (z, g)
}

/// ∇f from the sampled values: central differences inside, one-sided at the edges.
fn grid_gradient(z: &[f64], d: Domain, n: usize) -> Vec<[f64; 2]> {
    let (hx, hy) = (d.width() / (n - 1) as f64, d.height() / (n - 1) as f64);
    let diff = |lo: usize, hi: usize, a: f64, b: f64, h: f64| (b - a) / ((hi - lo) as f64 * h);
    (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            let (i0, i1) = (i.saturating_sub(1), (i + 1).min(n - 1));
            let (j0, j1) = (j.saturating_sub(1), (j + 1).min(n - 1));
            [
                diff(i0, i1, z[j * n + i0], z[j * n + i1], hx),
                diff(j0, j1, z[j0 * n + i], z[j1 * n + i], hy),
            ]
        })
        .collect()
}

/// Min, max and a robust drawing range of the finite values in `z`.
pub fn z_range(z: &[f64]) -> ZRange {
    let mut finite: Vec<f64> = z.iter().copied().filter(|v| v.is_finite()).collect();
    let holes = z.len() - finite.len();
    if finite.is_empty() {
        return ZRange {
            min: 0.0,
            max: 1.0,
            robust: [0.0, 1.0],
            holes,
        };
    }
    let (min, max) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let q = |finite: &mut Vec<f64>, p: f64| {
        let k = ((finite.len() - 1) as f64 * p).round() as usize;
        *finite.select_nth_unstable_by(k, f64::total_cmp).1
    };
    // Percentiles from at most ~65k evenly spaced cells: the same answer to the eye, and a
    // 1024² grid does not pay for sorting a million values on every rebuild.
    let stride = (finite.len() / 65_536).max(1);
    if stride > 1 {
        finite = finite.into_iter().step_by(stride).collect();
    }
    let (q01, q99) = (q(&mut finite, 0.01), q(&mut finite, 0.99));
    // Allow generous slack beyond the 1st–99th percentiles so smooth surfaces keep their true
    // extremes; only isolated spikes (1/x, ln x near 0) are cut.
    let slack = 0.5 * (q99 - q01);
    let mut lo = min.max(q01 - slack);
    let mut hi = max.min(q99 + slack);
    if hi - lo <= f64::EPSILON * (1.0 + lo.abs()) {
        // A flat landscape still needs a visible, non-degenerate range.
        lo -= 0.5;
        hi += 0.5;
    }
    ZRange {
        min,
        max,
        robust: [lo, hi],
        holes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_match_point_values() {
        let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let d = Domain::new(-2.0, 2.0, -1.0, 3.0);
        let g = sample(&f, d, 33, true);
        assert_eq!(g.z.len(), 33 * 33);
        assert_eq!(g.at(0, 0), f.value([-2.0, -1.0]));
        assert_eq!(g.at(32, 32), f.value([2.0, 3.0]));
        assert_eq!(g.at(16, 8), f.value([0.0, 0.0]));
        let grad = g.gradient.as_ref().unwrap();
        assert_eq!(grad[8 * 33 + 16], f.gradient([0.0, 0.0]).1);
        assert_eq!(g.range.min, 0.0, "the minimum (1,1) is a grid point");
        assert_eq!(g.range.holes, 0);
    }

    /// The surface with gradients takes its values from the compiled gradient's loop: they
    /// must be the batch interpreter's bit for bit (holes included), and the gradients the
    /// single-point ones.
    #[test]
    fn a_surface_with_gradients_has_the_same_values_as_one_without() {
        let d = Domain::new(-2.0, 2.0, -1.5, 3.0);
        let bits = |z: &[f64]| z.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for src in [
            "(1-x)^2 + 100*(y-x^2)^2",
            "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
            "ln(x) + sqrt(y) + atan2(y, x) + abs(x*y)^1.5",
        ] {
            let f = Formula::parse(src).unwrap();
            let with = sample(&f, d, 37, true);
            assert_eq!(bits(&with.z), bits(&evaluate(&f, d, 37)), "{src}");
            assert_eq!(with.range, sample(&f, d, 37, false).range, "{src}");
            let grad = with.gradient.unwrap();
            for (k, g) in grad.iter().enumerate() {
                let p = [d.x_at(k % 37, 37), d.y_at(k / 37, 37)];
                assert_eq!(bits(g), bits(&f.gradient(p).1), "{src} at {p:?}");
            }
        }
    }

    #[test]
    fn holes_are_counted_and_ranges_stay_finite() {
        let f = Formula::parse("ln(x)").unwrap();
        let g = sample(&f, Domain::new(-1.0, 1.0, -1.0, 1.0), 21, false);
        // x ≤ 0 on 11 of 21 columns: ln is NaN or -inf there.
        assert_eq!(g.range.holes, 11 * 21);
        assert!(g.range.robust.iter().all(|v| v.is_finite()));
        assert_eq!(g.range.max, 0.0);
    }

    #[test]
    fn one_spike_does_not_flatten_the_range() {
        let mut z: Vec<f64> = (0..1000).map(|i| (i as f64 / 100.0).sin()).collect();
        z[500] = 1e9;
        let r = z_range(&z);
        assert_eq!(r.max, 1e9);
        assert!(r.robust[1] < 5.0, "robust top {:?}", r.robust);
        assert!(r.robust[0] <= -0.99);
    }

    #[test]
    fn large_grids_use_a_strided_sample_for_percentiles() {
        let mut z: Vec<f64> = (0..300_000).map(|i| (i as f64 / 1000.0).sin()).collect();
        z[123_457] = -1e12;
        let r = z_range(&z);
        assert_eq!(r.min, -1e12);
        assert!(
            r.robust[0] > -5.0 && r.robust[1] >= 0.99 && r.robust[1] < 5.0,
            "{:?}",
            r.robust
        );
    }

    #[test]
    fn smooth_surfaces_keep_their_extremes() {
        let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
        let g = sample(&f, Domain::new(-2.0, 2.0, -1.0, 3.0), 64, false);
        assert_eq!(g.range.robust, [g.range.min, g.range.max]);
    }

    #[test]
    fn flat_landscape_gets_a_range() {
        let r = z_range(&[3.0; 10]);
        assert_eq!(r.robust, [2.5, 3.5]);
    }

    #[test]
    fn domains_parse_and_validate() {
        assert_eq!(
            "-2, 2,-1,3".parse::<Domain>(),
            Ok(Domain::new(-2.0, 2.0, -1.0, 3.0))
        );
        assert!(
            "1,0,0,1"
                .parse::<Domain>()
                .unwrap_err()
                .to_string()
                .contains("min < max")
        );
        let three = "1,2,3".parse::<Domain>().unwrap_err();
        assert!(three.to_string().contains("got 3") && three == DomainError::Count(3));
        assert!(
            "a,2,3,4"
                .parse::<Domain>()
                .unwrap_err()
                .to_string()
                .contains("'a' is not a number")
        );
    }
}
