//! The atlas: Himmelblau's four basins, the bowl's learning-rate boundary at exactly 1,
//! cancelled maps, and the grid and spacing the CLI promises.

use super::*;
use crate::core::critical::{self, CriticalKind};
use crate::core::optim::schedule::Schedule;

const HIMMELBLAU: &str = "(x^2+y-11)^2 + (x+y^2-7)^2";

fn gd(lr: f64, steps: u64) -> Plan {
    Plan {
        kind: Kind::Gd,
        hyper: Hyper {
            lr,
            ..Hyper::defaults(Kind::Gd)
        },
        rules: StopRules {
            max_steps: Some(steps),
            ..StopRules::default()
        },
    }
}

#[test]
fn starts_cover_the_domain_edges_included_row_by_row_from_the_bottom() {
    let s = starts(Domain::new(-1.0, 1.0, 0.0, 4.0), 3);
    assert_eq!(s.len(), 9);
    assert_eq!(s[0], [-1.0, 0.0]);
    assert_eq!(s[1], [0.0, 0.0]);
    assert_eq!(s[2], [1.0, 0.0]);
    assert_eq!(s[3], [-1.0, 2.0]);
    assert_eq!(s[8], [1.0, 4.0]);
}

#[test]
fn spacing_ends_exactly_at_both_ends_and_is_even_in_its_scale() {
    let log = spaced(1e-3, 10.0, 5, true);
    assert_eq!((log[0], log[4]), (1e-3, 10.0));
    for w in log.windows(2) {
        assert!((w[1] / w[0] - 10.0).abs() < 1e-12, "{log:?}");
    }
    let lin = spaced(0.0, 0.9, 4, false);
    assert_eq!((lin[0], lin[3]), (0.0, 0.9));
    assert!(
        (lin[1] - 0.3).abs() < 1e-15 && (lin[2] - 0.6).abs() < 1e-15,
        "{lin:?}"
    );
    assert_eq!(spaced(2.0, 3.0, 1, true), [2.0]);
}

#[test]
fn himmelblau_has_four_basins_and_each_minimum_is_reached_from_beside_it() {
    let f = Formula::parse(HIMMELBLAU).unwrap();
    let domain = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let points = critical::find(&f, domain);
    let plan = gd(0.01, 2000);
    let never = Watch::default();
    let ends = basins(&f, domain, &points, &plan, 41, &never).unwrap();
    assert_eq!(ends.len(), 41 * 41);
    let mut reached: Vec<usize> = ends
        .iter()
        .filter(|e| e.status == Status::Converged)
        .filter_map(|e| e.basin)
        .collect();
    reached.sort();
    reached.dedup();
    assert_eq!(reached.len(), 4, "{reached:?}");
    for &i in &reached {
        assert_eq!(points[i].kind, CriticalKind::Minimum);
        assert!(points[i].value.abs() < 1e-9);
    }
    // A start a little off each known minimum ends in that minimum's basin.
    for m in [
        [3.0, 2.0],
        [-2.805118, 3.131312],
        [-3.779310, -3.283186],
        [3.584428, -1.848126],
    ] {
        let run = settle(
            &f,
            Kind::Gd,
            &plan.hyper,
            [m[0] + 0.2, m[1] - 0.2],
            &plan.rules,
        );
        let i = basin_of(&run, &points, reach(domain)).unwrap();
        assert!((points[i].pos[0] - m[0]).abs() < 1e-5 && (points[i].pos[1] - m[1]).abs() < 1e-5);
    }
    // Every cell of a basin is coloured alike but for brightness; diverged cells are grey.
    let c = ends.iter().find(|e| e.basin == Some(reached[0])).unwrap();
    let rgb = colour(c, 2000);
    let hue = basin_rgb(reached[0]);
    let scale = f64::from(rgb[0].max(rgb[1]).max(rgb[2])) / 255.0;
    for (got, want) in rgb.iter().zip(hue) {
        assert!(
            (f64::from(*got) / 255.0 - want * scale).abs() < 0.01,
            "{rgb:?} vs {hue:?}"
        );
    }
}

#[test]
fn the_bowl_sweep_turns_from_converging_to_diverging_exactly_at_lr_1() {
    // On x² + y² a gradient step multiplies x by 1 − 2α: it shrinks for α < 1, flips with
    // |x| kept at α = 1, and grows for α > 1.
    let f = Formula::parse("x^2 + y^2").unwrap();
    let lrs = spaced(0.1, 10.0, 81, true);
    let trials = sweep(&f, &gd(0.0, 1000), [1.0, 1.0], &lrs, None).unwrap();
    for t in &trials {
        let lr = t.lr;
        if lr < 0.97 {
            assert_eq!(t.status, Status::Converged, "α = {lr}");
        } else if lr > 1.03 {
            assert!(
                matches!(t.status, Status::Diverged(_)),
                "α = {lr}: {}",
                t.status
            );
        } else if lr < 1.0 {
            assert!(t.loss < 2.0, "α = {lr} still shrinks: {}", t.loss);
        } else if lr > 1.0 {
            assert!(t.loss > 2.0, "α = {lr} already grows: {}", t.loss);
        }
    }
    let at_one = sweep(&f, &gd(0.0, 1000), [1.0, 1.0], &[1.0], None).unwrap();
    assert_eq!(at_one[0].loss, 2.0);
    assert!(
        matches!(at_one[0].status, Status::Stalled(_)),
        "{}",
        at_one[0].status
    );
}

#[test]
fn a_phase_diagram_sweeps_the_second_hyperparameter_and_refuses_bad_values() {
    let f = Formula::parse("x^2 + 10*y^2").unwrap();
    let plan = Plan {
        kind: Kind::Momentum,
        ..gd(0.0, 500)
    };
    let lrs = [0.01, 0.05];
    let mus = [0.0, 0.5, 0.9];
    let t = sweep(&f, &plan, [1.0, 1.0], &lrs, Some((Field::Momentum, &mus))).unwrap();
    assert_eq!(t.len(), 6);
    assert_eq!((t[1].lr, t[1].second), (0.05, Some(0.0)));
    assert_eq!((t[4].lr, t[4].second), (0.01, Some(0.9)));
    // Heavy ball on a quadratic of curvature λ converges iff 0 ≤ μ < 1 and α·λ < 2(1 + μ):
    // with λ = 20, α = 0.15 diverges without momentum and converges with μ = 0.9.
    let t = sweep(
        &f,
        &plan,
        [1.0, 1.0],
        &[0.15],
        Some((Field::Momentum, &[0.0, 0.9])),
    )
    .unwrap();
    assert!(
        matches!(t[0].status, Status::Diverged(_)),
        "{}",
        t[0].status
    );
    assert!(t[1].loss < 1e-6, "{}", t[1].loss);
    let e = sweep(&f, &plan, [1.0, 1.0], &lrs, Some((Field::Momentum, &[1.5]))).unwrap_err();
    assert_eq!(e.to_string(), "momentum must be in [0, 1), got 1.5");
}

#[test]
fn a_cancelled_map_stops_and_says_so() {
    let f = Formula::parse(HIMMELBLAU).unwrap();
    let domain = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let cancelled = Watch::default();
    cancelled.cancel.store(true, Ordering::Relaxed);
    assert!(basins(&f, domain, &[], &gd(0.01, 1000), 64, &cancelled).is_none());
    let watched = Watch::default();
    assert!(basins(&f, domain, &[], &gd(0.01, 1000), 8, &watched).is_some());
    assert_eq!(watched.done.load(Ordering::Relaxed), 64);
}

/// Every gradient method's settings the block engine takes: momentum, Nesterov, decay,
/// schedules, centred RMSprop, AdamW, AMSGrad, and noise-free SGD.
fn block_plans() -> Vec<Plan> {
    let rules = StopRules {
        max_steps: Some(400),
        stall_window: 60,
        stall_tol: 1e-9,
        bound: 1e3,
        ..StopRules::default()
    };
    let plan = |kind: Kind, lr: f64, edit: &dyn Fn(&mut Hyper)| {
        let mut hyper = Hyper {
            lr,
            ..Hyper::defaults(kind)
        };
        edit(&mut hyper);
        Plan {
            kind,
            hyper,
            rules: rules.clone(),
        }
    };
    let none = |_: &mut Hyper| {};
    vec![
        plan(Kind::Gd, 0.01, &none),
        plan(Kind::Gd, 0.04, &|h| {
            h.schedule = Schedule::Cosine {
                period: 150,
                min_lr: 1e-3,
            }
        }),
        plan(Kind::Sgd, 0.01, &|h| h.noise = 0.0),
        plan(Kind::Momentum, 0.005, &|h| h.weight_decay = 0.01),
        plan(Kind::Nesterov, 0.005, &none),
        plan(Kind::Adagrad, 0.5, &|h| h.lr_decay = 0.01),
        plan(Kind::RmsProp, 0.02, &|h| {
            h.centered = true;
            h.momentum = 0.5;
        }),
        plan(Kind::Adam, 0.1, &|h| {
            h.schedule = Schedule::Step {
                every: 50,
                gamma: 0.5,
            }
        }),
        plan(Kind::AdamW, 0.1, &|h| h.weight_decay = 0.05),
        plan(Kind::AmsGrad, 0.2, &none),
    ]
}

#[test]
fn blocks_of_starts_end_exactly_where_each_start_alone_ends() {
    // Runs that converge, hit the step limit, stall at a saddle, leave the bound, step where f
    // is undefined and start where it is undefined.
    let formulas = [HIMMELBLAU, "x^2 - y^2 + 0.1*x*y", "sqrt(x + 4) + (y - 1)^2"];
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut statuses = std::collections::BTreeSet::new();
    for src in formulas {
        let f = Formula::parse(src).unwrap();
        let mut block = starts(Domain::new(-6.0, 6.0, -6.0, 6.0), 9);
        block.push([0.0, 3.0]);
        for plan in block_plans() {
            assert!(lanes::fits(&plan, &f), "{:?}", plan.kind);
            let together = lanes::settle(&f, &plan, &block, None, &never).unwrap();
            for (start, got) in block.iter().zip(&together) {
                let run = settle(&f, plan.kind, &plan.hyper, *start, &plan.rules);
                let bits = |p: [f64; 2], l: f64| [p[0].to_bits(), p[1].to_bits(), l.to_bits()];
                let what = format!("{src}, {:?} from {start:?}", plan.kind);
                assert_eq!(bits(got.pos, got.loss), bits(run.pos, run.loss), "{what}");
                assert_eq!((got.steps, &got.status), (run.steps, &run.status), "{what}");
                statuses.insert(got.status.label());
            }
        }
    }
    assert_eq!(statuses.len(), 4, "every way a run ends: {statuses:?}");
}

#[test]
fn a_basin_map_is_the_same_through_blocks_and_through_runs() {
    let f = Formula::parse(HIMMELBLAU).unwrap();
    let domain = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let points = critical::find(&f, domain);
    let plan = gd(0.01, 500);
    assert!(lanes::fits(&plan, &f));
    let map = basins(&f, domain, &points, &plan, 24, &Watch::default()).unwrap();
    for e in &map {
        let run = settle(&f, plan.kind, &plan.hyper, e.start, &plan.rules);
        assert_eq!(
            (e.end, e.steps, &e.status),
            (run.pos, run.steps, &run.status)
        );
        assert_eq!(e.basin, basin_of(&run, &points, reach(domain)));
    }
    // Noisy SGD draws from one generator per run: it takes the per-start path, and its map
    // is each start's own run all the same.
    let noisy = Plan {
        kind: Kind::Sgd,
        hyper: Hyper {
            lr: 0.01,
            noise: 0.5,
            ..Hyper::defaults(Kind::Sgd)
        },
        rules: plan.rules.clone(),
    };
    assert!(!lanes::fits(&noisy, &f));
    let map = basins(&f, domain, &points, &noisy, 6, &Watch::default()).unwrap();
    for e in &map {
        let run = settle(&f, noisy.kind, &noisy.hyper, e.start, &noisy.rules);
        assert_eq!(
            (e.end, e.steps, &e.status),
            (run.pos, run.steps, &run.status)
        );
    }
}

#[test]
fn sweeps_and_phase_diagrams_step_their_cells_side_by_side_as_each_alone() {
    // Each row of cells runs together at its own rates: every cell must end where its own run
    // ends, for every gradient method (schedules, centring, decay) and across a second
    // hyperparameter, including cells that diverge, stall and converge.
    let f = Formula::parse("x^2 - y^2 + 0.1*x*y + 0.05*y^4").unwrap();
    let start = [0.7, -0.4];
    let lrs = spaced(1e-3, 3.0, 9, true);
    let mut statuses = std::collections::BTreeSet::new();
    for plan in block_plans() {
        let second = match plan.kind {
            Kind::Momentum => Some((Field::Momentum, &[0.0, 0.5, 0.95][..])),
            Kind::Nesterov => Some((Field::Momentum, &[0.5, 0.95][..])),
            Kind::Adam | Kind::AdamW | Kind::AmsGrad => Some((Field::Beta1, &[0.5, 0.9][..])),
            _ => None,
        };
        let trials = sweep(&f, &plan, start, &lrs, second).unwrap();
        for t in &trials {
            let mut hyper = Hyper {
                lr: t.lr,
                ..plan.hyper.clone()
            };
            if let (Some((field, _)), Some(v)) = (second, t.second) {
                field.set(&mut hyper, v).unwrap();
            }
            let run = settle(&f, plan.kind, &hyper, start, &plan.rules);
            let what = format!("{:?} at lr {} and {:?}", plan.kind, t.lr, t.second);
            assert_eq!(t.loss.to_bits(), run.loss.to_bits(), "{what}");
            assert_eq!((t.steps, &t.status), (run.steps, &run.status), "{what}");
            statuses.insert(t.status.label());
        }
    }
    assert!(statuses.len() >= 3, "ways the cells end: {statuses:?}");
}
