//! Race line-ups: which optimizers start where, with learning rates fitted to the landscape.
//!
//! A fixed learning rate means nothing across landscapes (0.1 is tiny on a plateau and
//! explosive on Rosenbrock), so the line-ups read the curvature: plain gradient descent on a
//! quadratic with largest Hessian eigenvalue λ converges for α < 2/λ, fastest near α = 1/λ.

use crate::core::critical::{self, CriticalKind, CriticalPoint};
use crate::core::expr::Formula;
use crate::core::landscape::Landscape;
use crate::core::optim::run::{Run, Status};
use crate::core::optim::{Hyper, Kind, Optimizer};
use crate::core::presets;
use crate::core::surface::Domain;

/// One racer to spawn.
#[derive(Debug, Clone, PartialEq)]
pub struct RacerSpec {
    pub kind: Kind,
    pub hyper: Hyper,
    pub start: [f64; 2],
    pub label: String,
    /// On a network: its own initialisation's seed (None: the network's shared start).
    pub init_seed: Option<u64>,
}

impl RacerSpec {
    pub fn new(kind: Kind, hyper: Hyper, start: [f64; 2]) -> RacerSpec {
        RacerSpec {
            kind,
            hyper,
            start,
            label: kind.label().to_string(),
            init_seed: None,
        }
    }
}

/// The race line-ups a teacher picks from the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lineup {
    /// Every optimizer from one start.
    AllOptimizers,
    /// Gradient descent at a too small, a good and a too large learning rate.
    Goldilocks,
    /// One optimizer from a ring of starts around the domain's centre.
    Ring,
    /// Every optimizer from one start, each at the learning rate tuned for the lowest loss
    /// after [`TUNE_STEPS`] steps (a fair race).
    Tuned,
}

/// The race a network opens on: full-batch gradient descent, SGD on mini-batches of 16 and
/// Adam, at rates that learn two moons in a few hundred steps (2-16-16-1, tanh: gradient
/// descent reaches a loss of 0.009, Adam 0.0008, SGD 0.21 in 300 steps).
pub fn network_race(start: [f64; 2]) -> Vec<RacerSpec> {
    // SGD's noise is its mini-batches' alone (the 2D landscapes' SGD adds Gaussian noise).
    let with = |kind: Kind, lr: f64, batch: u64| Hyper {
        lr,
        batch,
        seed: 1,
        noise: 0.0,
        ..Hyper::defaults(kind)
    };
    vec![
        RacerSpec::new(Kind::Gd, with(Kind::Gd, 0.5, 0), start),
        RacerSpec {
            label: "SGD, batch 16".into(),
            ..RacerSpec::new(Kind::Sgd, with(Kind::Sgd, 0.2, 16), start)
        },
        RacerSpec::new(Kind::Adam, with(Kind::Adam, 0.01, 0), start),
    ]
}

/// Steps the "tuned" line-up's rates are tuned for.
pub const TUNE_STEPS: u64 = 300;

impl Lineup {
    pub const ALL: [Lineup; 4] = [
        Lineup::AllOptimizers,
        Lineup::Tuned,
        Lineup::Goldilocks,
        Lineup::Ring,
    ];

    /// The command line's name.
    pub fn name(self) -> &'static str {
        match self {
            Lineup::AllOptimizers => "all",
            Lineup::Goldilocks => "goldilocks",
            Lineup::Ring => "ring",
            Lineup::Tuned => "tuned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Lineup::AllOptimizers => "All optimizers from one point",
            Lineup::Goldilocks => "Learning rate: too small / right / too large",
            Lineup::Ring => "One optimizer from a ring of starts",
            Lineup::Tuned => "All optimizers, each at its tuned rate",
        }
    }
}

/// A line-up name that is none of them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("unknown race '{0}': choose all, tuned, goldilocks or ring")]
pub struct UnknownLineup(pub String);

impl std::str::FromStr for Lineup {
    type Err = UnknownLineup;

    fn from_str(s: &str) -> Result<Lineup, UnknownLineup> {
        Lineup::ALL
            .into_iter()
            .find(|l| l.name() == s.trim())
            .ok_or_else(|| UnknownLineup(s.into()))
    }
}

/// Largest curvature |λ|max that sets the learning-rate scale: at the lowest minimum found,
/// else at `start`; 1 when the landscape is flat there.
pub fn curvature(f: &Formula, domain: Domain, start: [f64; 2]) -> f64 {
    curvature_among(&critical::find(f, domain), f, start)
}

/// [`curvature`] from stationary points already found.
pub fn curvature_among(points: &[CriticalPoint], f: &Formula, start: [f64; 2]) -> f64 {
    let at_min = points
        .iter()
        // A kink (Ackley's cusp) has no curvature to read: the lowest smooth minimum.
        .find(|p| p.kind == CriticalKind::Minimum && p.smooth)
        .map(|p| p.eigenvalues[0].abs().max(p.eigenvalues[1].abs()));
    let lambda = at_min.unwrap_or_else(|| {
        let h = f.derivatives(start).hessian;
        let e = critical::eigenvalues(h);
        e[0].abs().max(e[1].abs())
    });
    if lambda.is_finite() && lambda > 1e-9 {
        lambda
    } else {
        1.0
    }
}

/// A learning rate for `kind` on a landscape of curvature `lambda` over a domain of size
/// `size`: 1/λ for the gradient-scaled methods; for the adaptive ones, whose steps have the
/// size of α in x whatever the gradient, a small fraction of the domain.
pub fn fitted_lr(kind: Kind, lambda: f64, size: f64) -> f64 {
    match kind {
        Kind::Gd | Kind::Sgd | Kind::Momentum | Kind::Nesterov => 1.0 / lambda,
        // Their first steps are α/√(1−α_rms) = 10α and α.
        Kind::RmsProp => 0.002 * size,
        Kind::Adagrad => 0.05 * size,
        Kind::Adam | Kind::AdamW | Kind::AmsGrad => 0.01 * size,
        Kind::Newton => 1.0,
        Kind::NelderMead => 0.05 * size,
        // Their step is a spread in x: a proposal's, the first samples', the swarm's.
        Kind::Annealing => 0.05 * size,
        Kind::CmaEs | Kind::Pso => 0.2 * size,
    }
}

/// Settings for a racer joining a network's race: the gradient-scaled methods at 1/λ_max of
/// the loss at the start (the stable rate's half), the adaptive ones at their network rates
/// (Adam 0.01), SGD on mini-batches of 16 with no added noise.
pub fn network_hyper(kind: Kind, stage: &crate::core::net::stage::Stage) -> Hyper {
    let lambda = stage
        .net
        .extremes(&stage.init, &stage.rows, None)
        .map_or(1.0, |(_, top)| top.max(1e-3));
    let mut hyper = Hyper::defaults(kind);
    hyper.lr = fitted_lr(kind, lambda, 1.0);
    if kind == Kind::Sgd {
        (hyper.noise, hyper.batch, hyper.seed) = (0.0, 16, 1);
    }
    hyper
}

fn fitted(kind: Kind, lambda: f64, domain: Domain) -> Hyper {
    let size = domain.width().max(domain.height());
    let mut hyper = Hyper::defaults(kind);
    hyper.lr = fitted_lr(kind, lambda, size);
    if kind == Kind::Sgd {
        // Noise that jitters each step by about 0.5% of the domain: visible, yet it settles.
        hyper.noise = 0.005 * size * lambda;
    }
    hyper
}

/// The racers of a line-up on `f`. `template` is the optimizer the ring repeats.
pub fn lineup(
    which: Lineup,
    f: &Formula,
    domain: Domain,
    start: [f64; 2],
    template: (Kind, &Hyper),
) -> Vec<RacerSpec> {
    let lambda = curvature(f, domain, start);
    match which {
        Lineup::AllOptimizers => Kind::ALL
            .iter()
            .map(|&k| RacerSpec::new(k, fitted(k, lambda, domain), start))
            .collect(),
        Lineup::Goldilocks => [(0.1, "too small"), (1.0, "about right"), (2.2, "too large")]
            .iter()
            .map(|&(k, words)| {
                let hyper = Hyper {
                    lr: k / lambda,
                    ..Hyper::defaults(Kind::Gd)
                };
                RacerSpec {
                    label: format!(
                        "GD α = {} ({words})",
                        crate::core::number::short(hyper.lr, 3)
                    ),
                    ..RacerSpec::new(Kind::Gd, hyper, start)
                }
            })
            .collect(),
        Lineup::Tuned => {
            let land = Landscape {
                formula: f.clone(),
                domain,
                preset: None,
                data: None,
            };
            crate::core::tune::tune_all(&land, &Kind::ALL, start, TUNE_STEPS)
                .into_iter()
                .map(|t| RacerSpec {
                    label: format!(
                        "{} α = {}",
                        t.kind.label(),
                        crate::core::number::short(t.hyper.lr, 3)
                    ),
                    ..RacerSpec::new(t.kind, t.hyper, start)
                })
                .collect()
        }
        Lineup::Ring => {
            let [cx, cy] = domain.center();
            let r = 0.35 * domain.width().min(domain.height());
            (0..8)
                .map(|i| {
                    let a = std::f64::consts::TAU * i as f64 / 8.0;
                    let p = [cx + r * a.cos(), cy + r * a.sin()];
                    RacerSpec {
                        label: format!("{} {}/8", template.0.label(), i + 1),
                        ..RacerSpec::new(template.0, template.1.clone(), p)
                    }
                })
                .collect()
        }
    }
}

/// Steps an opening racer must survive before the race is shown.
pub const TAME_STEPS: u64 = 3000;

/// The race a landscape opens on, in the app and in `gradscape race`: the preset's own
/// entrants (see [`presets::Preset::race`]), else gradient descent, Momentum and Adam from the default
/// start; or the line-up asked for. Fitted learning rates are checked by running them: one
/// that diverges within [`TAME_STEPS`] steps is halved until it does not (at most ten times),
/// so divergence happens only where a preset chose its rate for the lesson.
pub fn opening(land: &Landscape, which: Option<Lineup>) -> Vec<RacerSpec> {
    // A network's plane is not searched for stationary points (thousands of passes).
    if land.formula.stage().is_some() {
        return network_race(land.default_start());
    }
    opening_among(land, which, &critical::find(&land.formula, land.domain))
}

/// [`opening`] with the landscape's stationary points already found (the app has them from
/// building the surface).
pub fn opening_among(
    land: &Landscape,
    which: Option<Lineup>,
    points: &[CriticalPoint],
) -> Vec<RacerSpec> {
    let first = land.default_start();
    if land.formula.stage().is_some() {
        return network_race(first);
    }
    let lambda = curvature_among(points, &land.formula, first);
    if which.is_none() && land.data.is_some() {
        return batch_race(land, lambda, first);
    }
    let entrants = land.preset.map_or(presets::GMA, |p| p.race);
    let specs: Vec<RacerSpec> = entrants
        .iter()
        .map(|e| {
            let start = land
                .preset
                .and_then(|p| p.starts.get(e.start).copied())
                .unwrap_or(first);
            // Several racers of one kind are told apart by where they start.
            let twins = entrants.iter().filter(|o| o.kind == e.kind).count() > 1;
            let label = if twins {
                let at = crate::core::number::exact_pair(start);
                format!("{} from {at}", e.kind.label())
            } else {
                e.kind.label().to_string()
            };
            let spec = match e.lr {
                Some(lr) => RacerSpec::new(
                    e.kind,
                    Hyper {
                        lr,
                        ..Hyper::defaults(e.kind)
                    },
                    start,
                ),
                None => tame(
                    RacerSpec::new(e.kind, fitted(e.kind, lambda, land.domain), start),
                    land,
                ),
            };
            RacerSpec { label, ..spec }
        })
        .collect();
    match (which, specs.first()) {
        (Some(which), Some(lead)) => {
            let template = (lead.kind, &lead.hyper);
            lineup(which, &land.formula, land.domain, lead.start, template)
        }
        _ => specs,
    }
}

/// Batch sizes of a data landscape's opening race: every row, a mini-batch, one row.
pub const BATCHES: [u64; 3] = [0, 16, 1];

/// A data landscape opens on one lesson: the same SGD at the same rate, its gradients from
/// every row, from mini-batches of 16, and from single rows (seeded, so it replays). The only
/// noise is the sampling's: no added Gaussian noise.
fn batch_race(land: &Landscape, lambda: f64, start: [f64; 2]) -> Vec<RacerSpec> {
    let hyper = Hyper {
        noise: 0.0,
        ..fitted(Kind::Sgd, lambda, land.domain)
    };
    // Tamed with single rows, the noisiest: one rate at which all three survive.
    let single = Hyper { batch: 1, ..hyper };
    let full = tame(RacerSpec::new(Kind::Sgd, single, start), land);
    let rows = land.formula.data().map_or(0, |d| d.rows());
    BATCHES
        .iter()
        .map(|&batch| RacerSpec {
            label: batch_label(batch, rows),
            hyper: Hyper {
                batch,
                ..full.hyper.clone()
            },
            ..full.clone()
        })
        .collect()
}

/// A batch-size racer's name, saying so where the batch holds every one of the `rows` (a
/// "Batch 16" on five rows is the full batch, and its path the full batch's).
pub fn batch_label(batch: u64, rows: usize) -> String {
    match batch {
        0 => "Full batch".to_string(),
        b if crate::core::data::is_full_batch(b, rows) => {
            format!("Batch {b} = full batch ({rows} rows)")
        }
        1 => "Batch 1 (classic SGD)".to_string(),
        b => format!("Batch {b}"),
    }
}

/// Row-steps a data landscape's taming may take: each step is a pass over every row (for the
/// exact loss), so a large dataset is tamed over fewer steps.
const TAME_ROW_STEPS: u64 = 20_000_000;

/// Halves the learning rate until the racer survives [`TAME_STEPS`] steps (fewer on a large
/// dataset, at least 20).
fn tame(mut spec: RacerSpec, land: &Landscape) -> RacerSpec {
    let rows = land.formula.data().map_or(1, |d| d.rows() as u64);
    let steps = TAME_STEPS.min(TAME_ROW_STEPS / rows).max(20);
    for _ in 0..10 {
        let optimizer = Optimizer::new(spec.kind, spec.hyper.clone());
        let mut run = Run::new(optimizer, spec.start, land.stop_rules(), &land.formula);
        while run.status.is_running() && run.steps < steps {
            run.step(&land.formula);
        }
        if !matches!(run.status, Status::Diverged(_)) {
            break;
        }
        spec.hyper.lr /= 2.0;
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tuned_line_up_races_every_optimizer_at_its_best_rate() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let specs = lineup(
            Lineup::Tuned,
            &f,
            d,
            [1.5, -1.0],
            (Kind::Gd, &Hyper::default()),
        );
        assert_eq!(specs.len(), Kind::ALL.len());
        let gd = specs.iter().find(|s| s.kind == Kind::Gd).unwrap();
        assert_eq!(
            (gd.hyper.lr, gd.label.as_str()),
            (0.5, "Gradient descent α = 0.500")
        );
        assert!(specs.iter().all(|s| s.start == [1.5, -1.0]));
        assert_eq!("tuned".parse::<Lineup>(), Ok(Lineup::Tuned));
    }
    use crate::core::optim::Optimizer;
    use crate::core::optim::run::{Run, Status, StopRules};

    fn race(f: &Formula, specs: &[RacerSpec], steps: usize) -> Vec<Run> {
        specs
            .iter()
            .map(|s| {
                let rules = StopRules {
                    bound: 1e3,
                    ..StopRules::default()
                };
                let mut run = Run::new(Optimizer::new(s.kind, s.hyper.clone()), s.start, rules, f);
                for _ in 0..steps {
                    run.step(f);
                }
                run
            })
            .collect()
    }

    #[test]
    fn goldilocks_learning_rates_crawl_converge_and_blow_up() {
        // λmax = 20 at the minimum: 1/λ = 0.05, and GD diverges beyond 2/λ = 0.1.
        let f = Formula::parse("x^2 + 10*y^2").unwrap();
        let domain: Domain = "-3,3,-3,3".parse().unwrap();
        let specs = lineup(
            Lineup::Goldilocks,
            &f,
            domain,
            [-2.5, 2.0],
            (Kind::Gd, &Hyper::default()),
        );
        let lrs: Vec<f64> = specs.iter().map(|s| s.hyper.lr).collect();
        for (lr, want) in lrs.iter().zip([0.005, 0.05, 0.11]) {
            assert!((lr - want).abs() < 1e-9, "{lrs:?}");
        }
        assert_eq!(specs[1].label, "GD α = 0.0500 (about right)");
        let runs = race(&f, &specs, 200);
        assert!(
            runs[0].status.is_running() && runs[0].loss > 0.1,
            "too small still crawling"
        );
        assert_eq!(runs[1].status, Status::Converged);
        assert!(
            matches!(runs[2].status, Status::Diverged(_)),
            "{}",
            runs[2].status
        );
    }

    #[test]
    fn all_optimizers_race_from_one_start_and_most_get_down() {
        let f = Formula::parse("(x - 1)^2 + 3*(y + 0.5)^2").unwrap();
        let domain: Domain = "-3,3,-3,3".parse().unwrap();
        let specs = lineup(
            Lineup::AllOptimizers,
            &f,
            domain,
            [-2.0, 2.0],
            (Kind::Gd, &Hyper::default()),
        );
        assert_eq!(specs.len(), Kind::ALL.len());
        assert!(
            specs
                .iter()
                .all(|s| s.start == [-2.0, 2.0] && s.hyper.validate().is_ok())
        );
        let runs = race(&f, &specs, 3000);
        for (s, r) in specs.iter().zip(&runs) {
            // Every racer makes real progress from f = 24.75; none blows up.
            assert!(
                !matches!(r.status, Status::Diverged(_)),
                "{}: {}",
                s.label,
                r.status
            );
            assert!(r.loss < 0.5, "{} ended at f = {}", s.label, r.loss);
        }
    }

    #[test]
    fn a_ring_repeats_one_optimizer_around_the_centre() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let domain: Domain = "0,4,-1,1".parse().unwrap();
        let adam = Hyper {
            lr: 0.03,
            ..Hyper::defaults(Kind::Adam)
        };
        let specs = lineup(Lineup::Ring, &f, domain, [0.0; 2], (Kind::Adam, &adam));
        assert_eq!(specs.len(), 8);
        for s in &specs {
            let r = (s.start[0] - 2.0).hypot(s.start[1]);
            assert!((r - 0.7).abs() < 1e-12 && s.kind == Kind::Adam && s.hyper == adam);
        }
        assert_eq!(specs[2].label, "Adam 3/8");
    }

    fn preset(name: &str) -> Landscape {
        use crate::core::landscape::LandscapeSpec;
        Landscape::new(&LandscapeSpec {
            preset: Some(name),
            ..Default::default()
        })
        .unwrap()
    }

    fn run_opening(land: &Landscape, steps: u64) -> Vec<(RacerSpec, Run)> {
        opening(land, None)
            .into_iter()
            .map(|s| {
                let optimizer = Optimizer::new(s.kind, s.hyper.clone());
                let mut run = Run::new(optimizer, s.start, land.stop_rules(), &land.formula);
                while run.status.is_running() && run.steps < steps {
                    run.step(&land.formula);
                }
                (s, run)
            })
            .collect()
    }

    #[test]
    fn every_preset_opens_on_a_race_that_does_not_explode() {
        // Only where the landscape falls away without bound is leaving the lesson.
        let falls_away = ["saddle", "monkey-saddle"];
        for p in presets::PRESETS {
            let land = preset(p.name);
            let runs = run_opening(&land, 1000);
            assert_eq!(runs.len(), p.race.len(), "{}", p.name);
            for (spec, run) in &runs {
                if !falls_away.contains(&p.name) {
                    // Nor does it wander off: it ends within the domain (half again around).
                    let d = land.domain;
                    let (mx, my) = (d.width() / 2.0, d.height() / 2.0);
                    let near = Domain::new(d.x[0] - mx, d.x[1] + mx, d.y[0] - my, d.y[1] + my);
                    assert!(
                        near.contains(run.pos),
                        "{}: {} ended at {:?}",
                        p.name,
                        spec.label,
                        run.pos
                    );
                    assert!(
                        !matches!(run.status, Status::Diverged(_)),
                        "{}: {} at lr {} diverged after {} steps: {}",
                        p.name,
                        spec.label,
                        spec.hyper.lr,
                        run.steps,
                        run.status
                    );
                }
            }
            assert!(!p.race_note.is_empty());
        }
    }

    #[test]
    fn the_learning_rate_scale_comes_from_a_smooth_minimum() {
        // Ackley's lowest minimum is a cusp with no Hessian; the scale must come from the
        // smooth minima beside it (curvature ≈ 55 there), not fall back to 1.
        let land = preset("ackley");
        let lambda = curvature(&land.formula, land.domain, land.default_start());
        assert!((40.0..70.0).contains(&lambda), "{lambda}");
        let gd = &opening(&land, None)[0];
        assert!(gd.hyper.lr < 0.05, "{}", gd.hyper.lr);
    }

    #[test]
    fn opening_races_teach_what_their_notes_say() {
        // Two wells: GD and Adam stop in the shallow well, Momentum reaches the deep one.
        let land = preset("two-wells");
        let runs = run_opening(&land, 3000);
        let ends: Vec<f64> = runs.iter().map(|(_, r)| r.pos[0]).collect();
        assert!(
            ends[0] < 0.0 && ends[2] < 0.0,
            "GD, Adam near x = -1.38: {ends:?}"
        );
        assert!(
            (ends[1] - 1.904).abs() < 0.05,
            "Momentum near x = 1.90: {ends:?}"
        );
        // Himmelblau: three starts, three different minima.
        let land = preset("himmelblau");
        let mut ends: Vec<[i64; 2]> = run_opening(&land, 3000)
            .iter()
            .map(|(_, r)| [r.pos[0].round() as i64, r.pos[1].round() as i64])
            .collect();
        ends.sort();
        ends.dedup();
        assert_eq!(ends.len(), 3, "{ends:?}");
        // Plateau: Adam's normalised steps reach the well (f < 0.01) before gradient descent.
        let runs = run_opening(&preset("plateau"), 3000);
        let first_below = |k: usize| {
            let (spec, _) = &runs[k];
            let land = preset("plateau");
            let optimizer = Optimizer::new(spec.kind, spec.hyper.clone());
            let mut run = Run::new(optimizer, spec.start, land.stop_rules(), &land.formula);
            while run.loss >= 0.01 && run.steps < 3000 {
                run.step(&land.formula);
            }
            run.steps
        };
        assert!(
            first_below(2) < first_below(0),
            "Adam {} vs GD {}",
            first_below(2),
            first_below(0)
        );
        // Bumpy bowl: Momentum ends lower than gradient descent, which stops in a dent.
        let runs = run_opening(&preset("bumpy-bowl"), 3000);
        assert!(
            runs[2].1.loss < runs[0].1.loss - 0.3,
            "{} vs {}",
            runs[2].1.loss,
            runs[0].1.loss
        );
        // Rastrigin: gradient descent stops in a dimple far above the global minimum 0.
        let runs = run_opening(&preset("rastrigin"), 3000);
        assert!(runs[0].1.status == Status::Converged && runs[0].1.loss > 1.0);
        // Saddle: on the ridge GD stalls at the saddle; a hair off it, it leaves.
        let runs = run_opening(&preset("saddle"), 3000);
        assert!(
            runs[0].1.status.to_string().contains("saddle"),
            "{}",
            runs[0].1.status
        );
        assert!(matches!(runs[1].1.status, Status::Diverged(_)));
    }

    #[test]
    fn a_fitted_rate_that_diverges_is_halved_until_it_does_not() {
        use crate::core::landscape::LandscapeSpec;
        // x⁴ + x² + y²: curvature 2 at the minimum gives α = 1/2, but at the start (-1.4, 1.4)
        // the x-curvature is 12·1.96 + 2 ≈ 25.5, and α = 1/2 throws the ball out at once.
        let land = Landscape::new(&LandscapeSpec {
            formula: Some("x^4 + x^2 + y^2"),
            ..Default::default()
        })
        .unwrap();
        let gd = &opening(&land, None)[0];
        let diverges = |lr: f64| {
            let hyper = Hyper {
                lr,
                ..gd.hyper.clone()
            };
            let mut run = Run::new(
                Optimizer::new(Kind::Gd, hyper),
                gd.start,
                land.stop_rules(),
                &land.formula,
            );
            while run.status.is_running() && run.steps < TAME_STEPS {
                run.step(&land.formula);
            }
            matches!(run.status, Status::Diverged(_))
        };
        assert!(diverges(0.5), "the untamed rate");
        assert!(
            gd.hyper.lr < 0.5 && !diverges(gd.hyper.lr),
            "{}",
            gd.hyper.lr
        );
        assert!(
            diverges(2.0 * gd.hyper.lr),
            "the largest halving that survives"
        );
    }

    /// On five rows a batch of 16 is the full batch: its name says so, and its path is the
    /// full batch's, step for step.
    #[test]
    fn a_batch_as_large_as_the_data_is_named_and_walks_as_the_full_batch() {
        use crate::core::landscape::{DataSource, DataSpec, LandscapeSpec};
        let dir = std::env::temp_dir().join(format!("gradscape-batch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("five.csv");
        std::fs::write(&csv, "x,y\n0,1.2\n1,2.9\n2,5.1\n3,7.0\n4,8.8\n").unwrap();
        let land = Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::Csv(csv),
                loss: Some("(w*x + b - y)^2"),
                axes: Some(["w", "b"]),
            }),
            ..Default::default()
        })
        .unwrap();
        let race = opening(&land, None);
        let labels: Vec<&str> = race.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Full batch",
                "Batch 16 = full batch (5 rows)",
                "Batch 1 (classic SGD)"
            ]
        );
        let path = |spec: &RacerSpec| {
            let optimizer = Optimizer::new(spec.kind, spec.hyper.clone());
            let mut run = Run::new(optimizer, spec.start, land.stop_rules(), &land.formula);
            (0..50)
                .map(|_| {
                    run.step(&land.formula);
                    run.pos
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(path(&race[1]), path(&race[0]));
        assert_ne!(path(&race[2]), path(&race[0]));
        assert_eq!(batch_label(16, 10_000), "Batch 16");
    }
}
