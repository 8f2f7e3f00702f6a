//! Fair races: each optimizer's learning rate searched for the lowest loss after a fixed
//! number of steps from one start, so a race compares optimizers at their best rather than
//! at one hand-picked rate.
//!
//! What is minimised: L(α), the mean loss over the last fifth of `steps` steps (a run that
//! stops early holds its last loss; +∞ if it diverges), so a chaotic rate that happens to
//! land low on the last step does not win. The search: L on a grid of
//! α = 10^e for e from −6 to 1 in quarter decades; then a golden-section search on log₁₀ α
//! between the best grid point's neighbours; then the round rates (1, 2, 5 × 10^k) in that
//! bracket, taken when at least as good (so gradient descent on x² + y² is tuned to exactly
//! 0.5, the rate that lands on the minimum in one step).

use crate::core::landscape::Landscape;
use crate::core::optim::run::{Run, Status, StopRules};
use crate::core::optim::{Hyper, Kind, Optimizer};
use rayon::prelude::*;

/// An optimizer at its tuned rate and where that run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Tuned {
    pub kind: Kind,
    pub hyper: Hyper,
    /// The loss where the tuned run ended (+∞ if it diverged).
    pub loss: f64,
    /// What was minimised: the mean loss over the run's last fifth.
    pub score: f64,
    pub steps: u64,
    pub status: Status,
}

/// Grid exponents: 10⁻⁶ to 10¹ in quarter decades.
const GRID: std::ops::RangeInclusive<i32> = -24..=4;
/// Golden-section iterations on log₁₀ α: the bracket shrinks by 0.618⁴⁰ ≈ 4·10⁻⁹.
const GOLDEN: usize = 40;

/// The mean loss over the last fifth of `steps` steps at rate `lr` (+∞ when the run
/// diverges or ends undefined), and the run.
fn trial(
    land: &Landscape,
    kind: Kind,
    base: &Hyper,
    start: [f64; 2],
    steps: u64,
    lr: f64,
) -> (f64, Run) {
    let hyper = Hyper { lr, ..base.clone() };
    let rules = StopRules {
        max_steps: Some(steps),
        ..land.stop_rules()
    };
    let mut run = Run::new(Optimizer::new(kind, hyper), start, rules, &land.formula);
    let tail = steps - steps * 4 / 5;
    let mut sum = 0.0;
    while run.status.is_running() {
        run.step(&land.formula);
        if run.steps > steps - tail {
            sum += run.loss;
        }
    }
    // A run that stopped early (converged, stalled) holds its last loss to the end.
    let held = steps.saturating_sub(run.steps).min(tail);
    sum += held as f64 * run.loss;
    let loss = match run.status {
        Status::Diverged(_) => f64::INFINITY,
        _ if sum.is_finite() && tail > 0 => sum / tail as f64,
        _ if run.loss.is_finite() => run.loss,
        _ => f64::INFINITY,
    };
    (loss, run)
}

/// `kind`'s learning rate (its other settings `base`) for the lowest loss after `steps` steps
/// from `start`.
pub fn tune(land: &Landscape, kind: Kind, base: &Hyper, start: [f64; 2], steps: u64) -> Tuned {
    let loss = |e: f64| trial(land, kind, base, start, steps, 10f64.powf(e)).0;
    let grid: Vec<(f64, f64)> = GRID.map(|q| q as f64 / 4.0).map(|e| (e, loss(e))).collect();
    let best = (0..grid.len())
        .min_by(|&a, &b| grid[a].1.total_cmp(&grid[b].1))
        .unwrap_or(0);
    let (lo, hi) = (
        grid[best.saturating_sub(1)].0,
        grid[(best + 1).min(grid.len() - 1)].0,
    );
    let mut e = golden(&loss, lo, hi);
    // A round rate in the bracket wins when it is at least as good.
    let round = (lo.floor() as i32..=hi.ceil() as i32)
        .flat_map(|k| [1.0, 2.0, 5.0].map(|m| (m * 10f64.powi(k)).log10()))
        .filter(|r| (lo..=hi).contains(r));
    let mut best_loss = loss(e);
    if grid[best].1 < best_loss {
        (e, best_loss) = grid[best];
    }
    // The optimizer's own default rate is a candidate too: tuning never does worse.
    let own = base.lr.log10();
    for r in round.chain(std::iter::once(own).filter(|e| e.is_finite())) {
        let l = loss(r);
        if l <= best_loss {
            (e, best_loss) = (r, l);
        }
    }
    let lr = 10f64.powf(e);
    let (score, run) = trial(land, kind, base, start, steps, lr);
    let loss = match run.status {
        Status::Diverged(_) => f64::INFINITY,
        _ => run.loss,
    };
    Tuned {
        kind,
        hyper: run.optimizer.hyper.clone(),
        loss,
        score,
        steps: run.steps,
        status: run.status,
    }
}

/// Golden-section search for the minimum of `f` on [a, b].
fn golden(f: &impl Fn(f64) -> f64, mut a: f64, mut b: f64) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..GOLDEN {
        if fc <= fd {
            (b, d, fd) = (d, c, fc);
            c = b - g * (b - a);
            fc = f(c);
        } else {
            (a, c, fc) = (c, d, fd);
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    if fc <= fd { c } else { d }
}

/// Every optimizer in `kinds` tuned, in parallel, each from its torch defaults.
pub fn tune_all(land: &Landscape, kinds: &[Kind], start: [f64; 2], steps: u64) -> Vec<Tuned> {
    kinds
        .par_iter()
        .map(|&k| tune(land, k, &Hyper::defaults(k), start, steps))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::landscape::LandscapeSpec;

    fn formula(f: &str, domain: &str) -> Landscape {
        Landscape::new(&LandscapeSpec {
            formula: Some(f),
            domain: Some(domain.parse().unwrap()),
            ..LandscapeSpec::default()
        })
        .unwrap()
    }

    #[test]
    fn gradient_descent_on_a_round_bowl_is_tuned_to_one_half() {
        // x ← x − α·2x: α = ½ lands on the minimum in one step; any other rate does not.
        let land = formula("x^2 + y^2", "-2,2,-2,2");
        let t = tune(&land, Kind::Gd, &Hyper::defaults(Kind::Gd), [1.5, -1.0], 50);
        assert_eq!(t.hyper.lr, 0.5);
        assert_eq!((t.loss, t.steps, t.status), (0.0, 1, Status::Converged));
    }

    #[test]
    fn a_tuned_rate_beats_every_rate_of_the_grid() {
        // An ill-conditioned bowl: GD's best fixed rate over 100 steps is 2/(λmin + λmax)
        // = 2/(2 + 20) for f = x² + 10y², the rate that balances both directions.
        let land = formula("x^2 + 10*y^2", "-2,2,-2,2");
        let t = tune(&land, Kind::Gd, &Hyper::defaults(Kind::Gd), [1.5, 1.0], 100);
        let base = Hyper::defaults(Kind::Gd);
        for e in GRID {
            let (l, _) = trial(
                &land,
                Kind::Gd,
                &base,
                [1.5, 1.0],
                100,
                10f64.powf(e as f64 / 4.0),
            );
            assert!(
                t.score <= l,
                "10^{} gives {l} < {}",
                e as f64 / 4.0,
                t.score
            );
        }
        assert!((t.hyper.lr - 2.0 / 22.0).abs() < 0.01, "{}", t.hyper.lr);
    }

    #[test]
    fn every_optimizer_is_tuned_and_none_diverges() {
        let land = formula("(1-x)^2 + 100*(y-x^2)^2", "-2,2,-1,3");
        let all = tune_all(&land, &Kind::ALL, [-1.5, 2.0], 300);
        assert_eq!(all.len(), Kind::ALL.len());
        for t in &all {
            assert!(
                t.loss.is_finite() && !matches!(t.status, Status::Diverged(_)),
                "{t:?}"
            );
        }
        // Tuning never does worse than the torch default rate.
        for t in &all {
            let d = Hyper::defaults(t.kind);
            let (at_default, _) = trial(&land, t.kind, &d, [-1.5, 2.0], 300, d.lr);
            assert!(
                t.loss <= at_default,
                "{:?}: {} > {at_default}",
                t.kind,
                t.loss
            );
        }
    }
}
