//! Maps of the whole dynamics: where every start ends (basins of attraction) and which
//! learning rates work (sweeps and two-hyperparameter phase diagrams).
//!
//! Each cell is one run with the same stop rules as the app's [`Run::step`], so a map agrees
//! with the balls. A basin map steps blocks of starts together where the optimizer allows
//! (the gradient methods: `lanes`), each other start through its own run; blocks and runs go
//! over all cores (rayon), and evaluate the compiled gradient once a step.

use crate::core::critical::CriticalPoint;
use crate::core::expr::Formula;
use crate::core::optim::run::{Run, Status, StopRules};
use crate::core::optim::{Field, Hyper, Kind, Optimizer};
use crate::core::surface::Domain;
use lanes::Settled;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A map's progress and its off switch, shared with the thread that makes it.
#[derive(Debug, Default)]
pub struct Watch {
    /// Raised to stop: the map returns None as soon as the runs under way end.
    pub cancel: AtomicBool,
    /// Starts done so far.
    pub done: AtomicUsize,
}

/// Where one run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct End {
    pub start: [f64; 2],
    /// The last finite point (a diverged run's last point before it left).
    pub end: [f64; 2],
    pub loss: f64,
    pub steps: u64,
    pub status: Status,
    /// Index of the stationary point reached in `critical::find`'s list; None for none.
    pub basin: Option<usize>,
}

/// A G×G grid of starts over the domain, edges included, row by row from the bottom
/// (y = ymin) up; x runs fastest.
pub fn starts(domain: Domain, g: usize) -> Vec<[f64; 2]> {
    let g = g.max(2);
    let at = |[lo, hi]: [f64; 2], i: usize| {
        if i == g - 1 {
            hi
        } else {
            lo + (hi - lo) * i as f64 / (g - 1) as f64
        }
    };
    (0..g)
        .flat_map(|j| (0..g).map(move |i| [at(domain.x, i), at(domain.y, j)]))
        .collect()
}

/// Runs one optimizer from `start` until its stop rules end it.
pub fn settle(f: &Formula, kind: Kind, hyper: &Hyper, start: [f64; 2], rules: &StopRules) -> Run {
    let mut run = Run::new(Optimizer::new(kind, hyper.clone()), start, rules.clone(), f);
    while run.status.is_running() {
        run.step(f);
    }
    run
}

/// The stationary point a run ended at: the nearest within `tol`, unless it diverged.
pub fn basin_of(run: &Run, points: &[CriticalPoint], tol: f64) -> Option<usize> {
    nearest(&run.status, run.pos, points, tol)
}

/// The stationary point nearest to where a run ended (`pos`, with `status`) within `tol`;
/// None for a diverged run.
fn nearest(status: &Status, pos: [f64; 2], points: &[CriticalPoint], tol: f64) -> Option<usize> {
    if matches!(status, Status::Diverged(_)) {
        return None;
    }
    let d = |p: &CriticalPoint| (p.pos[0] - pos[0]).hypot(p.pos[1] - pos[1]);
    points
        .iter()
        .enumerate()
        .map(|(i, p)| (i, d(p)))
        .filter(|&(_, d)| d <= tol)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// How close an end must be to a stationary point to count as reaching it: a thousandth of
/// the domain's larger side.
pub fn reach(domain: Domain) -> f64 {
    1e-3 * domain.width().max(domain.height())
}

/// What a map runs: which optimizer with which settings, and for how long.
#[derive(Debug, Clone)]
pub struct Plan {
    pub kind: Kind,
    pub hyper: Hyper,
    pub rules: StopRules,
}

/// The basins of attraction on a `g`×`g` grid of starts, in [`starts`]' order, counting the
/// starts done in `watch`. Returns None when `watch` was cancelled before every run was done
/// (stale work, say).
pub fn basins(
    f: &Formula,
    domain: Domain,
    points: &[CriticalPoint],
    plan: &Plan,
    g: usize,
    watch: &Watch,
) -> Option<Vec<End>> {
    let tol = reach(domain);
    let blocks: Vec<Option<Vec<End>>> = starts(domain, g)
        .par_chunks(lanes::BLOCK)
        .map(|block| {
            let settled = settle_block(f, plan, block, watch)?;
            let end = |(&start, s): (&[f64; 2], Settled)| End {
                start,
                end: s.pos,
                loss: s.loss,
                steps: s.steps,
                basin: nearest(&s.status, s.pos, points, tol),
                status: s.status,
            };
            Some(block.iter().zip(settled).map(end).collect())
        })
        .collect();
    Some(blocks.into_iter().collect::<Option<Vec<_>>>()?.concat())
}

/// Runs `plan` from a block of starts, counting them in `watch`: stepped together where the
/// block engine fits the plan (the gradient methods), one run per start otherwise.
fn settle_block(
    f: &Formula,
    plan: &Plan,
    block: &[[f64; 2]],
    watch: &Watch,
) -> Option<Vec<Settled>> {
    if lanes::fits(plan, f) {
        let settled = lanes::settle(f, plan, block, None, &watch.cancel)?;
        watch.done.fetch_add(block.len(), Ordering::Relaxed);
        return Some(settled);
    }
    block
        .par_iter()
        .map(|&start| {
            if watch.cancel.load(Ordering::Relaxed) {
                return None;
            }
            let run = settle(f, plan.kind, &plan.hyper, start, &plan.rules);
            watch.done.fetch_add(1, Ordering::Relaxed);
            Some(run.into())
        })
        .collect()
}

/// The colour of the stationary point numbered `i` (its row in `critical`'s list): hues a
/// golden angle apart, so neighbours in the list never look alike.
pub fn basin_rgb(i: usize) -> [f64; 3] {
    let hue = (i as f64 * 137.507_764).rem_euclid(360.0);
    hsv(hue, 0.7, 1.0)
}

/// The map's colour for one start, as the app and `basins --out map.png` draw it: its
/// basin's colour, brighter the fewer of the `max_steps` it took (on a log scale, so fast
/// starts differ as visibly as slow ones); grey where it diverged;
/// near-black where it had not settled by then.
pub fn colour(e: &End, max_steps: u64) -> [u8; 3] {
    let rgb = match (&e.status, e.basin) {
        (Status::Diverged(_), _) => [0.5, 0.5, 0.52],
        (_, None) => [0.08, 0.08, 0.1],
        (_, Some(i)) => {
            let took = (1.0 + e.steps as f64).ln() / (1.0 + max_steps.max(1) as f64).ln();
            basin_rgb(i).map(|c| c * (1.0 - 0.6 * took.clamp(0.0, 1.0)))
        }
    };
    rgb.map(|c| (c * 255.0).round().clamp(0.0, 255.0) as u8)
}

/// HSV (hue in degrees) to RGB in 0..1.
fn hsv(h: f64, s: f64, v: f64) -> [f64; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h / 60.0).rem_euclid(2.0) - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r + m, g + m, b + m]
}

/// `k` values from `a` to `b`, evenly spaced on a log scale (`log`) or a linear one; the ends
/// exactly `a` and `b`.
pub fn spaced(a: f64, b: f64, k: usize, log: bool) -> Vec<f64> {
    let k = k.max(1);
    (0..k)
        .map(|i| {
            let t = if k == 1 {
                0.0
            } else {
                i as f64 / (k - 1) as f64
            };
            match (i, log) {
                (0, _) => a,
                (i, _) if i == k - 1 => b,
                (_, true) => (a.ln() + t * (b.ln() - a.ln())).exp(),
                (_, false) => a + t * (b - a),
            }
        })
        .collect()
}

/// One cell of a sweep: the hyperparameters tried and where the run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub lr: f64,
    /// The second hyperparameter's value, for a phase diagram.
    pub second: Option<f64>,
    pub loss: f64,
    pub steps: u64,
    pub status: Status,
}

/// Runs `plan` from `start` at every learning rate in `lrs` (and, with `second`, at every
/// value of that hyperparameter too: lr fastest). A value the hyperparameter table refuses
/// is an error naming it.
pub fn sweep(
    f: &Formula,
    plan: &Plan,
    start: [f64; 2],
    lrs: &[f64],
    second: Option<(Field, &[f64])>,
) -> Result<Vec<Trial>, crate::core::optim::HyperError> {
    let seconds: Vec<Option<f64>> = match second {
        Some((_, values)) => values.iter().copied().map(Some).collect(),
        None => vec![None],
    };
    let mut cells = Vec::with_capacity(lrs.len() * seconds.len());
    for s in &seconds {
        for &lr in lrs {
            let mut hyper = Hyper {
                lr,
                ..plan.hyper.clone()
            };
            if let (Some((field, _)), Some(v)) = (second, s) {
                field.set(&mut hyper, *v)?;
            }
            hyper.validate_for(plan.kind)?;
            cells.push((lr, *s, hyper));
        }
    }
    // A row of cells differs only in the learning rate: its runs step side by side, each at
    // its own rate, where the block engine fits the plan; one run per cell otherwise.
    let rows = cells.par_chunks(lrs.len().max(1)).flat_map_iter(|row| {
        let hyper = row[0].2.clone();
        let plan = Plan {
            hyper,
            ..plan.clone()
        };
        let rates: Vec<f64> = row.iter().map(|c| c.2.lr).collect();
        let never = AtomicBool::new(false);
        let together = lanes::settle(f, &plan, &vec![start; row.len()], Some(&rates), &never);
        let settled = together.unwrap_or_else(|| {
            (row.iter())
                .map(|(_, _, hyper)| settle(f, plan.kind, hyper, start, &plan.rules).into())
                .collect()
        });
        (row.iter().zip(settled)).map(|(&(lr, second, _), s)| Trial {
            lr,
            second,
            loss: s.loss,
            steps: s.steps,
            status: s.status,
        })
    });
    Ok(rows.collect())
}

pub mod lanes;
#[cfg(test)]
mod tests;
