//! ECS tests of the race under `MinimalPlugins` with manual time.

use super::*;
use crate::app::balls::{BALL_RADIUS, Contact, shown_point};
use crate::app::{headless, taps_in_one_frame};
use crate::core::landscape::Landscape as Launched;
use crate::core::optim::run::{Status, StopRules};
use crate::core::optim::{Hyper, Kind};
use bevy::time::TimeUpdateStrategy;
use std::time::Duration;

fn launched(preset: &str) -> Launched {
    Launched::of_preset(preset).unwrap()
}

fn formula_landscape(formula: &str, domain: &str) -> Launched {
    Launched::of_formula(formula, Some(domain.parse().unwrap())).unwrap()
}

/// A run stepped by core alone (as `gradscape trace` and `race` step it), until it stops or
/// takes `steps` steps: each point's step, x, y and loss.
fn core_path(
    land: &Launched,
    spec: &RacerSpec,
    rules: StopRules,
    steps: u64,
) -> (Run, Vec<[f64; 4]>) {
    let rules = StopRules {
        max_steps: Some(steps),
        ..rules
    };
    let optimizer = crate::core::optim::Optimizer::new(spec.kind, spec.hyper.clone());
    let mut run = Run::new(optimizer, spec.start, rules, &land.formula);
    let mut rows = vec![[0.0, run.pos[0], run.pos[1], run.loss]];
    while run.status.is_running() {
        run.step(&land.formula);
        if run.last.as_ref().is_some_and(|u| u.to == run.pos) {
            rows.push([run.steps as f64, run.pos[0], run.pos[1], run.loss]);
        }
    }
    (run, rows)
}

/// A headless race of `specs`, spawned and not yet stepped, then `per_frame` steps per update.
fn race(land: Launched, specs: Vec<RacerSpec>, per_frame: u32) -> App {
    let mut app = headless(land);
    app.insert_resource(Sim {
        playing: false,
        ..Sim::fixed(per_frame)
    });
    app.world_mut().write_message(NewRace(specs));
    app.update();
    app.world_mut().resource_mut::<Sim>().playing = true;
    app
}

/// Each racer's entity, run, trail and transform, in line-up order.
fn racers(app: &mut App) -> Vec<(Entity, Run, Vec<Sample>, Transform)> {
    let mut q = app
        .world_mut()
        .query::<(Entity, &Racer, &Trail, &Transform)>();
    let mut v: Vec<(usize, _)> = q
        .iter(app.world())
        .map(|(e, r, t, tf)| (r.slot, (e, r.run.clone(), t.points.clone(), *tf)))
        .collect();
    v.sort_by_key(|(slot, _)| *slot);
    v.into_iter().map(|(_, r)| r).collect()
}

fn spec(kind: Kind, lr: f64, start: [f64; 2]) -> RacerSpec {
    RacerSpec::new(
        kind,
        Hyper {
            lr,
            ..Hyper::defaults(kind)
        },
        start,
    )
}

#[test]
fn a_racers_path_is_exactly_what_gradscape_trace_prints() {
    // What `trace --preset rosenbrock --optimizer adam --lr 0.02 --start -1.5,2 --steps 300`
    // prints, stepped by core with trace's stop rules.
    let land = launched("rosenbrock");
    let (_, rows) = core_path(
        &land,
        &spec(Kind::Adam, 0.02, [-1.5, 2.0]),
        StopRules::default(),
        300,
    );
    assert_eq!(rows.len(), 301);

    // 3 steps per frame: 100 frames after the one that spawns the racer.
    let mut app = race(
        launched("rosenbrock"),
        vec![spec(Kind::Adam, 0.02, [-1.5, 2.0])],
        3,
    );
    assert_eq!(racers(&mut app)[0].1.steps, 0);
    for _ in 0..100 {
        app.update();
    }
    let (_, run, trail, _) = racers(&mut app).remove(0);
    assert_eq!(run.steps, 300);
    let path: Vec<[f64; 4]> = trail
        .iter()
        .map(|s| [s.step as f64, s.pos[0], s.pos[1], s.f])
        .collect();
    // The CSV prints shortest round-trip numbers, so equality is exact.
    assert_eq!(path, rows);
}

#[test]
fn paused_races_move_only_when_stepped_and_reset_goes_back_to_the_start() {
    let start = [-3.5, 2.0];
    let mut app = race(
        launched("two-wells"),
        vec![spec(Kind::Momentum, 0.1, start)],
        1,
    );
    app.world_mut().resource_mut::<Sim>().playing = false;
    for _ in 0..5 {
        app.update();
    }
    let steps = |app: &mut App| racers(app)[0].1.steps;
    assert_eq!(steps(&mut app), 0, "paused");
    app.world_mut().resource_mut::<Sim>().step_once();
    app.update();
    app.update();
    assert_eq!(steps(&mut app), 1, "one step, then paused again");
    app.world_mut().resource_mut::<Sim>().pending = 3;
    app.update();
    assert_eq!(steps(&mut app), 4);
    let (_, run, trail, _) = racers(&mut app).remove(0);
    assert_ne!(run.pos, start);
    assert_eq!(trail.len(), 5);

    app.world_mut().write_message(Restart(None));
    app.update();
    let (e, run, trail, tf) = racers(&mut app).remove(0);
    assert_eq!((run.steps, run.pos, trail.len()), (0, start, 1));
    let surface = app.world().resource::<Surface>();
    let w = Vec3::from(surface.map.world_from_landscape(start, run.loss).unwrap());
    let contact = app.world().get::<Contact>(e).unwrap().0;
    assert_eq!(
        contact, w,
        "the ball touches the surface at (x, y, f) of the start"
    );
    let n = Vec3::from(surface.map.normal(run.loss, run.grad));
    assert!(
        (tf.translation - (w + n * BALL_RADIUS)).length() < 1e-6,
        "resting on it"
    );

    // A new common start moves every racer there.
    app.world_mut().write_message(Restart(Some([1.0, -1.0])));
    app.update();
    assert_eq!(racers(&mut app)[0].1.start, [1.0, -1.0]);
}

#[test]
fn the_speed_is_steps_per_second_whatever_the_frame_rate() {
    let specs = || vec![spec(Kind::Adam, 0.05, [-3.5, 2.0])];
    let mut after_one_second = Vec::new();
    // Down to one frame a second (software rendering), the wall clock is the race's.
    for fps in [1.0, 2.0, 7.0, 60.0, 144.0] {
        let mut app = headless(launched("two-wells"));
        app.insert_resource(Sim {
            steps_per_second: 40.0,
            ..Sim::default()
        })
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / fps,
        )));
        app.world_mut().write_message(NewRace(specs()));
        let frames = fps as usize;
        for _ in 0..=frames {
            app.update();
        }
        let elapsed = app.world().resource::<Time>().elapsed_secs_f64();
        let (_, run, trail, _) = racers(&mut app).remove(0);
        let expected = (elapsed * 40.0).floor() as u64;
        assert!(
            run.steps.abs_diff(expected) <= 1 && (0.99..1.2).contains(&elapsed),
            "{fps} fps: {} steps in {elapsed} s",
            run.steps
        );
        after_one_second.push((run.steps, trail.last().copied()));
    }
    // Whatever the frame rate, step k is the same point.
    let mut app = race(launched("two-wells"), specs(), 1);
    for _ in 0..60 {
        app.update();
    }
    let trail = racers(&mut app).remove(0).2;
    for (steps, last) in after_one_second {
        assert_eq!(Some(trail[steps as usize]), last);
    }
}

#[test]
fn diverged_racers_stop_with_finite_transforms_inside_the_box() {
    let land = formula_landscape("x^2 + y^2", "-2,2,-2,2");
    let specs = vec![
        spec(Kind::Gd, 1.5, [1.0, 1.0]),
        spec(Kind::Gd, 0.1, [1.0, 1.0]),
    ];
    let mut app = race(land, specs, 10);
    for _ in 0..20 {
        app.update();
    }
    let rs = racers(&mut app);
    let (e, wild, trail, tf) = &rs[0];
    assert!(
        matches!(wild.status, Status::Diverged(_)),
        "{}",
        wild.status
    );
    let steps = wild.steps;
    assert!(tf.translation.is_finite());
    // Inside the drawn box: 10 world units wide, at most the drawn height tall.
    assert!(
        tf.translation.abs().max_element() <= 5.0 + 1e-4,
        "{}",
        tf.translation
    );
    // Shown where it left: GD at α = 1.5 flips x ← −2x, so it leaves (−2, 2)² from (−1, −1)
    // towards (2, 2) through the corner… first crossing the edge on the way to (2, 2).
    let contact = app.world().get::<Contact>(*e).unwrap().0;
    let surface = app.world().resource::<Surface>();
    let left = surface.map.landscape_from_world(contact.to_array());
    assert!(left.iter().all(|v| v.abs() <= 2.0 + 1e-5), "{left:?}");
    assert!(
        left.iter().any(|v| (v.abs() - 2.0).abs() < 1e-5),
        "on the edge: {left:?}"
    );
    assert!(
        trail
            .iter()
            .all(|s| s.pos.iter().all(|v| v.is_finite()) && s.f.is_finite())
    );
    assert!(matches!(
        rs[1].1.status,
        Status::Running | Status::Converged
    ));
    app.update();
    assert_eq!(
        racers(&mut app)[0].1.steps,
        steps,
        "a diverged racer takes no more steps"
    );
}

#[test]
fn moving_one_start_restarts_only_that_racer() {
    let specs = vec![
        spec(Kind::Gd, 0.1, [-3.5, 2.0]),
        spec(Kind::Adam, 0.1, [-3.5, 2.0]),
    ];
    let mut app = race(launched("two-wells"), specs, 2);
    for _ in 0..10 {
        app.update();
    }
    let first = racers(&mut app)[0].0;
    app.world_mut().write_message(MoveStart(first, [2.0, 1.0]));
    app.update();
    let rs = racers(&mut app);
    assert_eq!((rs[0].1.start, rs[0].1.steps), ([2.0, 1.0], 2));
    assert_eq!((rs[1].1.start, rs[1].1.steps), ([-3.5, 2.0], 22));
}

#[test]
fn a_new_race_replaces_the_lineup_and_numbers_its_slots() {
    let mut app = race(
        launched("two-wells"),
        vec![spec(Kind::Gd, 0.1, [0.0; 2])],
        1,
    );
    let specs: Vec<_> = Kind::ALL
        .iter()
        .map(|&k| spec(k, 0.01, [1.0, 1.0]))
        .collect();
    app.world_mut().write_message(NewRace(specs));
    app.update();
    let mut q = app.world_mut().query::<&Racer>();
    let mut slots: Vec<_> = q.iter(app.world()).map(|r| r.slot).collect();
    slots.sort();
    assert_eq!(slots, (0..Kind::ALL.len()).collect::<Vec<_>>());
}

#[test]
fn racers_join_in_the_next_slot_and_leave_without_stopping_the_others() {
    let mut app = race(
        launched("two-wells"),
        vec![
            spec(Kind::Gd, 0.1, [0.0; 2]),
            spec(Kind::Adam, 0.1, [0.5, 0.5]),
        ],
        1,
    );
    app.update();
    let before = racers(&mut app);
    app.world_mut().write_message(RemoveRacer(before[0].0));
    app.world_mut()
        .write_message(AddRacer(spec(Kind::Momentum, 0.05, [1.0, -1.0])));
    app.world_mut()
        .write_message(AddRacer(spec(Kind::Sgd, 0.05, [1.0, -1.0])));
    app.update();
    let mut q = app.world_mut().query::<&Racer>();
    let mut left: Vec<_> = q
        .iter(app.world())
        .map(|r| (r.slot, r.run.optimizer.kind, r.run.steps, r.color))
        .collect();
    left.sort_by_key(|r| r.0);
    // Adam kept its slot and ran on (two frames, one step each, plus this one); the newcomers
    // take slots 2 and 3, after the highest taken, with those slots' colours.
    assert_eq!(
        left.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        [(1, Kind::Adam), (2, Kind::Momentum), (3, Kind::Sgd)]
    );
    assert_eq!(left[0].2, before[1].1.steps + 1);
    assert_eq!((left[1].3, left[2].3), (PALETTE[2], PALETTE[3]));
}

#[test]
fn a_racer_outside_the_domain_is_shown_where_its_path_crossed_the_edge() {
    let domain: crate::core::surface::Domain = "-2,2,-2,2".parse().unwrap();
    let land = launched("two-wells");
    let mut app = race(land, vec![spec(Kind::Gd, 0.1, [0.0, 0.0])], 1);
    let (_, mut run, _, _) = racers(&mut app).remove(0);
    let mut trail = Trail::default();
    for p in [[0.0, 0.0], [1.0, 0.5], [3.0, 1.5], [40.0, 9.0]] {
        run.pos = p;
        trail.push(Sample::of(&run));
    }
    assert_eq!(shown_point(&run, &trail, domain), [2.0, 1.0]);
    // Never inside: the nearest edge point.
    let mut outside = Trail::default();
    run.pos = [5.0, -9.0];
    outside.push(Sample::of(&run));
    assert_eq!(shown_point(&run, &outside, domain), [2.0, -2.0]);
}

#[test]
fn long_trails_keep_their_whole_history_within_the_bound() {
    let mut trail = Trail::default();
    for i in 0..20_000u64 {
        trail.push(Sample {
            pos: [i as f64, 0.0],
            f: 0.0,
            grad_norm: 0.0,
            step: i,
            evals: 4 * i,
            batch_loss: None,
            noise: None,
            accuracy: None,
            sharpness: None,
        });
    }
    assert!(trail.points.len() <= TRAIL_MAX);
    assert_eq!(trail.points.first().unwrap().step, 0, "the start is kept");
    assert_eq!(
        trail.points.last().unwrap().step,
        19_999,
        "the newest is kept"
    );
    assert!(trail.points.windows(2).all(|w| w[0].step < w[1].step));
    trail.clear();
    assert_eq!(trail.points.len(), 1);
}

#[test]
fn the_app_opens_on_the_race_gradscape_race_prints() {
    // What `gradscape race --preset bumpy-bowl --steps 400` prints: core's opening race,
    // each racer stepped with the landscape's stop rules.
    let land = launched("bumpy-bowl");
    let printed: Vec<(RacerSpec, Run)> = crate::core::race::opening(&land, None)
        .into_iter()
        .map(|spec| {
            let (run, _) = core_path(&land, &spec, land.stop_rules(), 400);
            (spec, run)
        })
        .collect();
    // The app's opening race (the plugin's own choice), stepped 400 times by the ECS.
    let land = launched("bumpy-bowl");
    let specs = default_race(&Landscape::of(&land));
    let mut app = race(land, specs, 4);
    for _ in 0..100 {
        app.update();
    }
    let runs = racers(&mut app);
    assert_eq!(runs.len(), printed.len());
    for ((_, run, ..), (spec, printed)) in runs.iter().zip(&printed) {
        assert_eq!(spec.kind, run.optimizer.kind);
        assert_eq!(
            spec.hyper.lr, run.optimizer.hyper.lr,
            "the same tamed learning rate"
        );
        // Stopped racers stop at the same step in both, at the same point bit for bit.
        assert_eq!((printed.steps, printed.pos), (run.steps, run.pos));
        // The app sets no step limit: a racer core stopped there runs on in the app.
        if printed.status != Status::StepLimit {
            assert_eq!(printed.status, run.status);
        }
    }
}

#[test]
fn on_data_the_race_records_each_steps_batch_loss_and_gradient_noise() {
    let land = Launched::of_builtin("linear").unwrap();
    let batched = |batch| RacerSpec {
        hyper: Hyper {
            lr: 0.05,
            batch,
            noise: 0.0,
            ..Hyper::defaults(Kind::Sgd)
        },
        ..spec(Kind::Sgd, 0.05, [0.0, 0.0])
    };
    let mut app = race(land.clone(), vec![batched(0), batched(8)], 1);
    for _ in 0..20 {
        app.update();
    }
    let r = racers(&mut app);
    let (full, mini) = (&r[0].2, &r[1].2);
    // The full batch sees the exact gradient: no noise, no batch loss of its own.
    assert!(
        full[1..]
            .iter()
            .all(|s| s.noise == Some(0.0) && s.batch_loss.is_none())
    );
    // Batches of 8: each step's own loss, checked against the rows it drew, and real noise.
    assert!(mini[1..].iter().all(|s| s.noise.is_some_and(|n| n > 0.0)));
    let last = r[1].1.last.as_ref().unwrap();
    let rows = r[1].1.optimizer.last_batch().unwrap();
    assert_eq!(rows.len(), 8);
    let seen = land.formula.value_on(last.from, rows);
    assert_eq!(mini.last().unwrap().batch_loss, Some(seen));
    assert_eq!(
        r[1].1.optimizer.epochs(),
        Some((1, 8 * mini.len() as u64 - 8))
    );
}

#[test]
fn a_race_by_evaluations_gives_every_racer_the_same_budget() {
    // Gradient descent pays 4 a step, Newton 9, Nelder–Mead 1 to 3: by steps they would
    // spend very different amounts; by evaluations each spends what 4 gradient steps cost
    // per frame, give or take one step's overspend.
    let specs = vec![
        spec(Kind::Gd, 0.001, [-1.5, 2.0]),
        spec(Kind::Newton, 0.001, [-1.5, 2.0]),
        spec(Kind::NelderMead, 0.1, [-1.5, 2.0]),
    ];
    let mut app = race(
        formula_landscape("(1-x)^2 + 100*(y-x^2)^2", "-2,2,-1,3"),
        specs,
        4,
    );
    app.world_mut().resource_mut::<Sim>().by_evals = true;
    let frames = 10;
    for _ in 0..frames {
        app.update();
    }
    let budget = STEP_EVALS as u64 * 4 * frames;
    for (_, run, _, _) in racers(&mut app) {
        let (evals, kind) = (run.optimizer.evals(), run.optimizer.kind);
        assert!(run.status.is_running(), "{kind:?}: {}", run.status);
        assert!(
            evals >= budget && evals <= budget + 9,
            "{kind:?}: {evals} of {budget}"
        );
    }
    let steps: Vec<u64> = racers(&mut app).iter().map(|r| r.1.steps).collect();
    // Newton takes fewer steps than gradient descent, Nelder–Mead more.
    assert!(steps[1] < steps[0] && steps[2] > steps[0], "{steps:?}");
}

/// The network landscape's stage now.
fn stage_now(app: &App) -> std::sync::Arc<crate::core::net::stage::Stage> {
    let land = app.world().resource::<Landscape>();
    land.formula.stage().expect("a network landscape").clone()
}

/// SGD on batches of 16 without added noise (a network's own SGD), shuffled from `seed`.
fn sgd16(lr: f64, seed: u64) -> RacerSpec {
    let hyper = Hyper {
        lr,
        batch: 16,
        seed,
        noise: 0.0,
        ..Hyper::defaults(Kind::Sgd)
    };
    RacerSpec::new(Kind::Sgd, hyper, [0.0, 0.0])
}

/// A network landscape of `data` with these hidden widths, its plane fitted on a pilot of
/// `pilot` steps of `specs`.
fn network(data: &str, hidden: &str, pilot: u64, specs: &[RacerSpec]) -> Launched {
    let net = crate::core::net::stage::NetworkSpec {
        hidden: hidden.into(),
        pilot,
        ..crate::core::net::stage::NetworkSpec::of(data)
    };
    let pairs: Vec<_> = specs.iter().map(|s| (s.kind, s.hyper.clone())).collect();
    Launched::of_network(&net, &pairs).unwrap()
}

/// A network race through the ECS: each racer's losses are those `gradscape train` prints
/// (a `Training` stepped alone), exactly, step for step; its ball sits at the
/// projection of its parameters onto the plane and at the height of its true loss.
#[test]
fn a_network_race_is_gradscape_train_row_for_row_and_its_balls_sit_at_the_projection() {
    let sgd = Hyper {
        lr: 0.2,
        batch: 16,
        seed: 1,
        ..Hyper::defaults(Kind::Sgd)
    };
    let specs = vec![
        spec(Kind::Adam, 0.01, [0.0, 0.0]),
        RacerSpec::new(Kind::Sgd, sgd.clone(), [0.0, 0.0]),
    ];
    let land = network("moons", "6", 40, &specs);
    let stage = land.formula.stage().unwrap().clone();
    let mut app = race(land, specs, 2);
    for _ in 0..20 {
        app.update();
    }
    // What `gradscape train --data moons --net 2-6-1` runs, built from core apart from the
    // stage: the same rows, net and torch initialisation, a `Training` stepped alone.
    let train = |kind: Kind, hyper: Hyper| {
        use crate::core::net::{Net, Training, classes, widths};
        let rows = classes::find("moons").unwrap().generate(0, 0.1);
        let act = "tanh".parse().unwrap();
        let net = Net::new(widths("2-6-1").unwrap(), act, "bce".parse().unwrap()).unwrap();
        let theta = net.init(0);
        let mut t = Training::new(net, rows, theta, kind, hyper).unwrap();
        let mut losses = vec![t.standing().loss];
        for _ in 0..40 {
            t.step();
            losses.push(t.standing().loss);
        }
        losses
    };
    let adam = Hyper {
        lr: 0.01,
        ..Hyper::defaults(Kind::Adam)
    };
    let expected = [train(Kind::Adam, adam), train(Kind::Sgd, sgd)];
    let map = app.world().resource::<Surface>().map;
    let mut q = app.world_mut().query::<(&Racer, &Trail, &Contact)>();
    let mut seen: Vec<_> = q
        .iter(app.world())
        .map(|(r, t, c)| (r.slot, r, t, c.0))
        .collect();
    seen.sort_by_key(|s| s.0);
    assert_eq!(seen.len(), 2);
    for ((_, racer, trail, contact), want) in seen.into_iter().zip(&expected) {
        let losses: Vec<f64> = trail.points.iter().map(|s| s.f).collect();
        assert_eq!(&losses, want, "{}", racer.label);
        let learner = racer.learner.as_ref().unwrap();
        // The trajectories' directions are orthonormal: the projection is two dot products.
        let v: Vec<f64> = learner
            .training
            .theta
            .iter()
            .zip(&stage.init)
            .map(|(t, o)| t - o)
            .collect();
        let at = stage
            .plane
            .directions
            .clone()
            .map(|d| v.iter().zip(&d).map(|(a, b)| a * b).sum::<f64>());
        for k in 0..2 {
            assert!(
                (racer.run.pos[k] - at[k]).abs() < 1e-12,
                "{k}: {:?} vs {at:?}",
                racer.run.pos
            );
        }
        let loss = stage
            .net
            .loss(
                &learner.training.theta,
                &stage.rows,
                None,
                &mut stage.net.work(),
            )
            .0;
        assert_eq!(racer.run.loss, loss);
        let want = Vec3::from(map.world_from_landscape(racer.run.pos, loss).unwrap());
        assert!(contact.distance(want) < 1e-5, "{contact} vs {want}");
    }
}

/// A race by evaluations on a network: a tick buys one full-batch step's rows (200), so
/// gradient descent takes a step a tick and SGD on batches of 16 an epoch a tick: twelve
/// batches of 16 and the epoch's last 8 rows, 13 steps (130 in 10 ticks).
#[test]
fn a_network_race_by_evaluations_pays_in_rows() {
    let seed = Hyper::defaults(Kind::Sgd).seed;
    let specs = vec![spec(Kind::Gd, 0.1, [0.0, 0.0]), sgd16(0.1, seed)];
    let land = network("xor", "4", 20, &specs);
    let mut app = race(land, specs, 1);
    app.world_mut().resource_mut::<Sim>().by_evals = true;
    for _ in 0..10 {
        app.update();
    }
    let steps: Vec<u64> = racers(&mut app).iter().map(|r| r.1.steps).collect();
    assert_eq!(steps, [10, 130]);
}

/// A racer with its own initialisation keeps it through a restart (R, a new setting).
#[test]
fn a_network_racer_keeps_its_own_start_through_a_restart() {
    let specs = vec![RacerSpec {
        init_seed: Some(7),
        ..spec(Kind::Adam, 0.01, [0.0, 0.0])
    }];
    let land = network("xor", "4", 20, &specs);
    let own = land.formula.stage().unwrap().net.init(7);
    let mut app = race(land, specs, 3);
    for _ in 0..4 {
        app.update();
    }
    app.world_mut().write_message(Restart(None));
    app.world_mut().resource_mut::<Sim>().playing = false;
    app.update();
    let mut q = app.world_mut().query::<&Racer>();
    let racer = q.single(app.world()).unwrap();
    let learner = racer.learner.as_ref().unwrap();
    assert_eq!((learner.init_seed, learner.steps), (Some(7), 0));
    assert_eq!(learner.training.theta, own);
}

/// The lr of `slot`'s racer, changed in place as the panel changes it mid-run.
fn set_lr(app: &mut App, slot: usize, lr: f64) {
    let mut q = app.world_mut().query::<&mut Racer>();
    for mut r in q.iter_mut(app.world_mut()) {
        if r.slot == slot {
            r.run.optimizer.hyper.lr = lr;
        }
    }
}

/// A network's plane is fitted on the race: a Reset of the race it was fitted on keeps it;
/// a Reset after a racer's rate changed fits it again, once, on the race as it now is (the
/// plane a pilot of that race fits), and every racer starts over on it.
#[test]
fn a_network_plane_is_fitted_again_when_the_race_restarts_with_new_settings() {
    let specs = vec![
        spec(Kind::Adam, 0.01, [0.0; 2]),
        spec(Kind::Gd, 0.5, [0.0; 2]),
    ];
    let mut app = race(network("moons", "6", 40, &specs), specs, 1);
    let revision = |app: &App| app.world().resource::<Landscape>().revision;
    let reset = |app: &mut App| {
        app.world_mut().write_message(Restart(None));
        app.update();
        app.update();
    };
    for _ in 0..3 {
        app.update();
    }
    let fitted = revision(&app);
    reset(&mut app);
    assert_eq!(
        revision(&app),
        fitted,
        "the race it was fitted on: no new plane"
    );
    set_lr(&mut app, 1, 0.2);
    for _ in 0..3 {
        app.update();
    }
    assert_eq!(
        revision(&app),
        fitted,
        "a rate changes mid-run; the plane waits for a reset"
    );
    reset(&mut app);
    assert_eq!(revision(&app), fitted + 1, "fitted again, once");
    let stage = stage_now(&app);
    let rates: Vec<f64> = stage.fitted_on.iter().map(|(_, h)| h.lr).collect();
    assert_eq!(rates, vec![0.01, 0.2]);
    let want = crate::core::net::stage::Stage::new(&stage.spec, &stage.fitted_on).unwrap();
    assert_eq!(stage.plane, want.plane);
    for (_, run, ..) in racers(&mut app) {
        assert!(run.steps <= 2, "every racer starts over: {}", run.steps);
    }
}

/// The menu's network opens with the race its plane was fitted on: no second pilot.
#[test]
fn a_networks_opening_race_is_the_race_its_plane_was_fitted_on() {
    let race_of = |specs: &[RacerSpec]| -> Vec<(Kind, Hyper)> {
        specs.iter().map(|s| (s.kind, s.hyper.clone())).collect()
    };
    let fitted = race_of(&crate::core::race::network_race([0.0, 0.0]));
    let land = network(
        "moons",
        "6",
        20,
        &crate::core::race::network_race([0.0, 0.0]),
    );
    let app_land = Landscape::of(&land);
    let stage = land.formula.stage().unwrap();
    assert_eq!(stage.fitted_on, fitted);
    assert!(!stage.fitted_on_another(&race_of(&default_race(&app_land))));
}

/// A network racer's settings reach its network: a new rate at the next step, the run going
/// on; a new batch size or a start of its own start it over with a network trained by them
/// (its weights then torch's for that seed), and the racers beside it run on.
#[test]
fn a_network_racers_new_settings_reach_its_network() {
    let specs = vec![spec(Kind::Adam, 0.01, [0.0, 0.0]), sgd16(0.2, 1)];
    let mut app = race(network("moons", "6", 20, &specs), specs, 1);
    for _ in 0..5 {
        app.update();
    }
    let edit = |app: &mut App, change: &dyn Fn(&mut Racer)| {
        let mut q = app.world_mut().query::<&mut Racer>();
        for mut r in q.iter_mut(app.world_mut()) {
            if r.slot == 1 {
                change(&mut r);
            }
        }
        app.update();
    };
    let learner = |app: &mut App, slot: usize| {
        let mut q = app.world_mut().query::<&Racer>();
        let r = q.iter(app.world()).find(|r| r.slot == slot).unwrap();
        let l = r.learner.as_ref().unwrap();
        (
            l.steps,
            l.training.optimizer.hyper.clone(),
            l.training.theta.clone(),
        )
    };
    let before = learner(&mut app, 1).0;
    edit(&mut app, &|r| r.run.optimizer.hyper.lr = 0.05);
    let (steps, hyper, _) = learner(&mut app, 1);
    assert_eq!(
        (steps, hyper.lr),
        (before + 1, 0.05),
        "a new rate: the run goes on"
    );
    edit(&mut app, &|r| r.run.optimizer.hyper.batch = 4);
    let (steps, hyper, _) = learner(&mut app, 1);
    assert_eq!(
        (steps, hyper.batch),
        (1, 4),
        "a new batch: started over, one step taken"
    );
    assert!(learner(&mut app, 0).0 > 5, "the racer beside it runs on");
    edit(&mut app, &|r| r.init_seed = Some(7));
    let mut q = app.world_mut().query::<&Racer>();
    let r = q.iter(app.world()).find(|r| r.slot == 1).unwrap();
    let l = r.learner.as_ref().unwrap();
    assert_eq!((l.init_seed, l.steps), (Some(7), 1));
    let stage = stage_now(&app);
    // One step from torch's weights for seed 7, as a Training stepped alone takes it.
    let mut alone = crate::core::net::Training::new(
        stage.net.clone(),
        stage.rows.clone(),
        stage.net.init(7),
        Kind::Sgd,
        l.training.optimizer.hyper.clone(),
    )
    .unwrap();
    alone.step();
    assert_eq!(l.training.theta, alone.theta);
}

#[test]
fn two_taps_of_s_within_one_frame_are_two_steps() {
    // At a few frames a second a quick double tap lands in one frame: down, up, down, up.
    let mut app = race(
        launched("two-wells"),
        vec![spec(Kind::Momentum, 0.1, [-3.5, 2.0])],
        1,
    );
    app.add_plugins(bevy::input::InputPlugin);
    app.world_mut().resource_mut::<Sim>().playing = false;
    app.update();
    let steps = |app: &mut App| racers(app)[0].1.steps;
    assert_eq!(steps(&mut app), 0);
    taps_in_one_frame(&mut app, &[KeyCode::KeyS, KeyCode::KeyS]);
    assert_eq!(steps(&mut app), 2, "two taps, two steps");
    // S and → both step; Space twice in one frame leaves the race paused.
    let keys = [
        KeyCode::KeyS,
        KeyCode::ArrowRight,
        KeyCode::Space,
        KeyCode::Space,
    ];
    taps_in_one_frame(&mut app, &keys);
    app.update();
    assert_eq!(steps(&mut app), 4);
    assert!(!app.world().resource::<Sim>().playing);
}
