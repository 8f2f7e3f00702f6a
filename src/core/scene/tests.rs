//! Scene files: every shipped scene loads, round-trips and teaches what it says; every
//! refusal names its reason (and line).

use super::*;
use crate::core::optim::Optimizer;
use crate::core::optim::run::{Run, Status, StopRules};

fn run_all(l: &Loaded, steps: usize) -> Vec<Run> {
    l.racers
        .iter()
        .map(|s| {
            let mut run = Run::new(
                Optimizer::new(s.kind, s.hyper.clone()),
                s.start,
                StopRules::default(),
                &l.landscape.formula,
            );
            for _ in 0..steps {
                run.step(&l.landscape.formula);
            }
            run
        })
        .collect()
}

#[test]
fn every_shipped_scene_loads_round_trips_and_runs() {
    for (name, text) in SHIPPED {
        let loaded = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = parse(&to_text(&loaded.scene)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again.scene, loaded.scene, "{name} round-trips");
        assert_eq!(again.racers, loaded.racers);
        // A network's racers are networks (see the network scene's own test).
        if loaded.landscape.formula.stage().is_none() {
            for run in run_all(&loaded, 300) {
                assert!(run.pos.iter().all(|v| v.is_finite()), "{name}");
            }
        }
        assert!(!loaded.scene.description.is_empty() && loaded.scene.duration.is_some());
    }
}

#[test]
fn the_lecture_scenes_show_what_they_claim() {
    // Its 15 seconds at 10 steps/s: 150 steps.
    let rates = load("learning-rates").unwrap();
    let r = run_all(&rates, 150);
    assert!(
        r[0].status.is_running() && r[0].loss > 0.1,
        "too small still crawls"
    );
    assert!(r[1].loss < 1e-9, "about right arrives: {}", r[1].loss);
    assert!(
        matches!(r[2].status, Status::Diverged(_)),
        "{}",
        r[2].status
    );

    let saddle = load("saddle-noise").unwrap();
    let r = run_all(&saddle, 2000);
    assert!(
        matches!(r[0].status, Status::Stalled(_)),
        "on the ridge: {}",
        r[0].status
    );
    assert!(
        r[1].pos[1].abs() > 1.0 && r[2].pos[1].abs() > 1.0,
        "off the ridge and noise escape"
    );

    let race = load("rosenbrock-race").unwrap();
    let mut kinds: Vec<_> = race.racers.iter().map(|r| r.kind).collect();
    kinds.dedup();
    assert_eq!(kinds, Kind::ALL, "every optimizer races");

    let wells = load("momentum-escapes").unwrap();
    let r = run_all(&wells, 1500);
    assert!(r[0].loss > -0.5 && r[1].loss < -1.6 && r[2].loss > -0.5);

    // Noise helps on Rastrigin: both noisy runs end lower than plain GD; seeds replay.
    let rastrigin = load("rastrigin-noise").unwrap();
    let (a, b) = (run_all(&rastrigin, 3000), run_all(&rastrigin, 3000));
    assert_eq!(
        a.iter().map(|r| r.pos).collect::<Vec<_>>(),
        b.iter().map(|r| r.pos).collect::<Vec<_>>()
    );
    let f = |p: [f64; 2]| rastrigin.landscape.formula.value(p);
    let ends: Vec<f64> = a.iter().map(|r| f(r.pos)).collect();
    assert!(
        ends[1] < ends[0] && ends[2] < ends[0],
        "GD, SGD, SGD end at {ends:?}"
    );
}

/// Runs every racer on the same budget of evaluations of f, as the app's race by evaluations
/// does over `steps` ticks of one step (4 evaluations) each.
fn run_by_evaluations(l: &Loaded, steps: u64) -> Vec<Run> {
    let budget = 4 * steps;
    l.racers
        .iter()
        .map(|s| {
            let f = &l.landscape.formula;
            let opt = Optimizer::new(s.kind, s.hyper.clone());
            let mut run = Run::new(opt, s.start, StopRules::default(), f);
            while run.status.is_running() && run.optimizer.evals() < budget {
                run.step(f);
            }
            run
        })
        .collect()
}

#[test]
fn the_black_box_scene_shows_what_it_claims() {
    let l = load("black-box").unwrap();
    assert!(l.scene.by_evaluations);
    // Its 30 seconds at 100 steps/s: 12,000 evaluations each.
    let r = run_by_evaluations(&l, 3000);
    let kinds: Vec<Kind> = r.iter().map(|r| r.optimizer.kind).collect();
    assert_eq!(kinds, [Kind::Gd, Kind::Annealing, Kind::CmaEs, Kind::Pso]);
    assert!(r[0].optimizer.hyper.fd > 0.0);
    // Finite differences: 4 a step, 3,000 steps at most, stuck in the dimple by (4, 4).
    assert!(
        r[0].steps <= 3000 && r[0].loss > 30.0,
        "{} at {:?}",
        r[0].loss,
        r[0].pos
    );
    // Annealing ends far lower; the populations at the global minimum.
    assert!(r[1].loss < 5.0, "annealing: {}", r[1].loss);
    for run in &r[2..] {
        assert!(run.loss < 1e-3, "{}: {}", run.optimizer.kind, run.loss);
        assert!(run.optimizer.evals() <= 12_000 + 100);
    }
}

#[test]
fn the_basins_scene_shows_the_map_and_every_racer_ends_in_the_basin_it_starts_on() {
    use crate::core::atlas::{Plan, Watch, basin_of, basins, reach};
    let l = load("himmelblau-basins").unwrap();
    assert!(l.scene.look.basins && l.scene.look.top_down);
    let (f, d) = (&l.landscape.formula, l.landscape.domain);
    let points = crate::core::critical::find(f, d);
    let lead = &l.racers[0];
    let plan = Plan {
        kind: lead.kind,
        hyper: lead.hyper.clone(),
        rules: StopRules {
            max_steps: Some(1000),
            ..StopRules::default()
        },
    };
    let map = basins(f, d, &points, &plan, 32, &Watch::default()).unwrap();
    let mut reached: Vec<usize> = map.iter().filter_map(|e| e.basin).collect();
    reached.sort();
    reached.dedup();
    assert_eq!(reached.len(), 4, "four basins: {reached:?}");
    // Each racer ends at a minimum, and the four minima are all reached by someone.
    let mut ends: Vec<usize> = run_all(&l, 1000)
        .iter()
        .map(|r| {
            assert_eq!(r.status, Status::Converged);
            basin_of(r, &points, reach(d)).unwrap()
        })
        .collect();
    ends.sort();
    ends.dedup();
    assert_eq!(ends, reached);
}

#[test]
fn the_sweep_scenes_show_the_boundaries_they_describe() {
    use crate::core::atlas::{Plan, spaced, sweep};
    for name in ["learning-rates", "momentum-phase"] {
        assert!(load(name).unwrap().scene.look.sweep, "{name}");
    }
    // Momentum at α = 0.15 with μ = 0.9 converges where GD at the same α diverges, as the
    // heavy-ball bound α·λ < 2(1 + μ) says (λ = 20).
    let l = load("momentum-phase").unwrap();
    let r = run_all(&l, 600);
    assert!(r[0].loss < 1e-6, "momentum: {}", r[0].loss);
    assert!(
        matches!(r[1].status, Status::Diverged(_)),
        "{}",
        r[1].status
    );
    // Over the grid: every converging cell satisfies the bound, every cell well inside it
    // converges.
    let lead = &l.racers[0];
    let plan = Plan {
        kind: lead.kind,
        hyper: lead.hyper.clone(),
        rules: StopRules {
            max_steps: Some(2000),
            ..StopRules::default()
        },
    };
    let (lrs, mus) = (spaced(0.01, 1.0, 15, true), spaced(0.0, 0.9, 10, false));
    let f = &l.landscape.formula;
    let cells = sweep(f, &plan, lead.start, &lrs, Some((Field::Momentum, &mus))).unwrap();
    for c in cells {
        let (lr, mu) = (c.lr, c.second.unwrap());
        let bound = 2.0 * (1.0 + mu) / 20.0;
        if c.status == Status::Converged {
            assert!(
                lr < bound * 1.001,
                "α = {lr}, μ = {mu} converged beyond the bound"
            );
        } else if lr < 0.9 * bound && lr > 0.02 && mu < 0.85 {
            panic!("α = {lr}, μ = {mu} inside the bound: {}", c.status);
        }
    }
}

fn refusal(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

const GOOD: &str = r#"Scene(
    version: 1,
    name: "t",
    landscape: (formula: Some("a*x^2 + y^2"), params: {"a": 2.0}),
    racers: [
        (optimizer: gd, start: (1.0, 1.0), hyper: {"lr": 0.1}),
        (optimizer: adam, start: (1.0, 1.0), hyper: {"lr": 0.1}),
    ],
)"#;

#[test]
fn a_good_scene_sets_formula_parameters_and_racers() {
    let l = parse(GOOD).unwrap();
    assert_eq!(l.landscape.formula.param_values(), [2.0]);
    assert_eq!(l.landscape.domain, Domain::new(-2.0, 2.0, -2.0, 2.0));
    assert_eq!(
        (
            l.racers[1].kind,
            l.racers[1].hyper.lr,
            l.racers[1].hyper.beta2
        ),
        (Kind::Adam, 0.1, 0.999)
    );
    assert_eq!(l.scene.speed, 30.0);
}

#[test]
fn bad_scenes_are_refused_with_the_reason_and_the_line() {
    let swap = |a: &str, b: &str| GOOD.replacen(a, b, 1);
    let e = refusal(&swap("optimizer: adam", "optimizer: adamm"));
    assert!(
        e.starts_with("line 7, column") && e.contains("adamm"),
        "{e}"
    );
    assert_eq!(
        refusal(&swap(
            r#"{"lr": 0.1}),
        (optimizer: adam"#,
            r#"{"lr": -0.1}),
        (optimizer: adam"#
        )),
        "racer 1 (gd) (line 6): lr must be a number ≥ 0, got -0.1"
    );
    assert_eq!(
        refusal(&GOOD.replace(
            r#"hyper: {"lr": 0.1}),
    ]"#,
            r#"hyper: {"lr": NaN}),
    ]"#
        )),
        "racer 2 (adam) (line 7): lr must be a number ≥ 0, got NaN"
    );
    assert_eq!(
        refusal(&swap("a*x^2 + y^2", "a*x^2 + (y")),
        "formula: missing 1 closing ')' at column 11 (line 4)"
    );
    assert_eq!(
        refusal(&swap("version: 1", "version: 5")),
        "scene version 5 is newer than this gradscape reads (version 4) (line 2)"
    );
    let e = refusal(&swap("name: \"t\",", "name: \"t\", colour: 3,"));
    assert!(e.starts_with("line 3") && e.contains("colour"), "{e}");
    assert!(
        refusal(&swap(
            "formula: Some(\"a*x^2 + y^2\")",
            "preset: Some(\"rosenbruck\")"
        ))
        .starts_with("unknown preset 'rosenbruck'")
    );
    assert_eq!(
        refusal(&swap(r#"{"lr": 0.1}"#, r#"{"learning_rate": 0.1}"#))
            .split(':')
            .nth(1)
            .unwrap()
            .trim(),
        "unknown hyperparameter 'learning_rate'"
    );
    assert_eq!(
        refusal(&swap(r#"{"a": 2.0}"#, r#"{"b": 2.0}"#)),
        "the formula has no parameter 'b'"
    );
    let huge = format!("{GOOD}{}", " ".repeat(MAX_BYTES));
    assert!(refusal(&huge).starts_with("the scene file is too large"));
    assert!(
        load("/no/such/scene.ron")
            .unwrap_err()
            .to_string()
            .starts_with("no scene file '/no/such/scene.ron'")
    );
    let dir = std::env::temp_dir().join(format!("gradscape-scene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(&bad, swap("optimizer: adam", "optimizer: adamm")).unwrap();
    let e = load(bad.to_str().unwrap()).unwrap_err().to_string();
    assert!(e.contains("bad.ron: line 7, column"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn versions_and_lines_come_from_the_structure_not_the_text() {
    // A comment that mentions another version does not make the file "newer".
    let commented = format!("// written for version: 3 of the format\n{GOOD}");
    assert!(parse(&commented).is_ok(), "{:?}", parse(&commented).err());
    // A label that contains "optimizer:" does not shift the line of the racer after it.
    let labelled = GOOD.replacen(
        "(optimizer: gd,",
        "(optimizer: gd, label: Some(\"optimizer: the first\"),",
        1,
    );
    let bad = labelled.replace(
        r#"hyper: {"lr": 0.1}),
    ]"#,
        r#"hyper: {"lr": -2.0}),
    ]"#,
    );
    assert_eq!(
        refusal(&bad),
        "racer 2 (adam) (line 7): lr must be a number ≥ 0, got -2"
    );
}

#[test]
fn encodings_are_named() {
    let e = refusal(&format!("\u{feff}{GOOD}"));
    assert!(e.contains("byte-order mark (U+FEFF)"), "{e}");
    let dir = std::env::temp_dir().join(format!("gradscape-enc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let latin1 = dir.join("latin1.ron");
    let mut bytes = GOOD.as_bytes().to_vec();
    let at = GOOD.find("name: \"t\"").unwrap() + 7;
    bytes.insert(at, 0xE9); // 'é' in Latin-1, not UTF-8
    std::fs::write(&latin1, bytes).unwrap();
    let e = load(latin1.to_str().unwrap()).unwrap_err().to_string();
    assert!(
        e.ends_with("line 3, column 12: the file is not UTF-8 text"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_refusal_carries_where_as_data() {
    let bad = GOOD.replace(
        r#"hyper: {"lr": 0.1}),
    ]"#,
        r#"hyper: {"lr": -2.0}),
    ]"#,
    );
    let e = parse(&bad).unwrap_err();
    assert_eq!(
        (e.racer, e.line, e.field),
        (Some((2, Kind::Adam)), Some(7), None)
    );
    assert_eq!(e.reason, "lr must be a number ≥ 0, got -2");
    let e = parse(&GOOD.replacen("a*x^2 + y^2", "a*x^2 + (y", 1)).unwrap_err();
    assert_eq!((e.field, e.line, e.racer), (Some("formula"), Some(4), None));
    let e = parse(&GOOD.replacen("optimizer: adam", "optimizer: adamm", 1)).unwrap_err();
    assert_eq!((e.line, e.column.is_some()), (Some(7), true));
}

#[test]
fn data_scenes_open_a_built_in_or_a_csv_beside_the_scene_and_round_trip() {
    let dir = std::env::temp_dir().join(format!("gradscape-datascene-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/pts.csv"), "h,t\n0,1\n1,3\n2,5\n").unwrap();
    let text = r#"Scene(
    version: 2,
    name: "mine",
    landscape: (data: Some((source: "data/pts.csv", loss: Some("(a*h + c - t)^2"), axes: Some(("a", "c"))))),
    racers: [(optimizer: sgd, start: (0.0, 0.0), hyper: {"lr": 0.05, "batch": 2.0})],
)"#;
    std::fs::write(dir.join("mine.ron"), text).unwrap();
    let l = load(dir.join("mine.ron").to_str().unwrap()).unwrap();
    // The rows lie on t = 2h + 1: the least-squares fit is exact, f(2, 1) = 0.
    assert_eq!(l.landscape.formula.value([2.0, 1.0]), 0.0);
    assert_eq!(l.landscape.formula.axes(), ["a", "c"]);
    assert_eq!(l.racers[0].hyper.batch, 2);
    // Written back beside it, it opens to the same rows, loss and racers.
    std::fs::write(dir.join("again.ron"), to_text(&l.scene)).unwrap();
    let again = load(dir.join("again.ron").to_str().unwrap()).unwrap();
    assert_eq!(again.landscape.formula, l.landscape.formula);
    assert_eq!(again.racers, l.racers);
    assert_eq!(again.scene.version, 2);
    let built_in = parse(
        r#"Scene(version: 2, name: "b", landscape: (data: Some((source: "blobs", seed: 4))), racers: [(optimizer: gd, start: (0.0, 0.0))])"#,
    )
    .unwrap();
    let rows = built_in.landscape.formula.data().unwrap();
    assert_eq!(
        **rows,
        crate::core::data::builtin::find("blobs")
            .unwrap()
            .generate(4)
    );
    let missing = parse(
        r#"Scene(version: 2, name: "b", landscape: (data: Some((source: "nothere.csv", loss: Some("w")))), racers: [(optimizer: gd, start: (0.0, 0.0))])"#,
    )
    .unwrap_err();
    assert_eq!(missing.field, Some("data"));
    assert!(missing.to_string().contains("nothere.csv"), "{missing}");
    // Version 1 files (no data) still open.
    assert!(load("update-rule").is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

/// The standard deviation of a racer's full loss over its last `n` steps.
fn jitter(l: &Loaded, racer: usize, steps: usize, n: usize) -> f64 {
    let s = &l.racers[racer];
    let f = &l.landscape.formula;
    let mut run = Run::new(
        Optimizer::new(s.kind, s.hyper.clone()),
        s.start,
        StopRules::default(),
        f,
    );
    let mut losses = Vec::new();
    for _ in 0..steps {
        run.step(f);
        losses.push(run.loss);
    }
    let tail = &losses[steps - n..];
    let mean = tail.iter().sum::<f64>() / n as f64;
    (tail.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt()
}

#[test]
fn the_data_scenes_show_what_they_claim() {
    // Batch size: 15 s at 20 steps/s. Over the last half, one row at a time jitters most,
    // sixteen less, the full batch not at all (it has converged).
    let batches = load("batch-size").unwrap();
    let j: Vec<f64> = (0..3).map(|r| jitter(&batches, r, 300, 150)).collect();
    assert!(j[0] > 3.0 * j[1] && j[1] > 0.0 && j[2] < 1e-12, "{j:?}");
    let r = run_all(&batches, 300);
    assert_eq!(r[2].status, Status::Converged);

    // The ball is the model: it ends on the least-squares line, from the normal equations.
    let model = load("ball-is-the-model").unwrap();
    let data = model.landscape.formula.data().unwrap().clone();
    let (x, y) = (data.column("x").unwrap(), data.column("y").unwrap());
    let [w, b] = crate::core::data::tests::least_squares(x, y);
    let end = run_all(&model, 150)[0].pos;
    assert!(
        (end[0] - w).abs() < 1e-3 && (end[1] - b).abs() < 1e-3,
        "{end:?} vs {w} {b}"
    );

    // Separable: 20 s at 30 steps/s; the weight grows all the way and the loss keeps falling
    // towards zero, so the run never converges.
    let sep = load("separable").unwrap();
    let f = &sep.landscape.formula;
    let s = &sep.racers[0];
    let mut run = Run::new(
        Optimizer::new(s.kind, s.hyper.clone()),
        s.start,
        StopRules::default(),
        f,
    );
    let (mut w_prev, mut f_prev) = (run.pos[0], run.loss);
    for _ in 0..600 {
        run.step(f);
        assert!(run.pos[0] > w_prev && run.loss < f_prev, "{:?}", run.pos);
        (w_prev, f_prev) = (run.pos[0], run.loss);
    }
    assert!(run.status.is_running() && run.loss > 0.0);
}

/// GOOD with a timeline: captions without `Some`, a click beat, a camera move, a tween.
fn with_timeline(beats: &str) -> String {
    GOOD.replace("version: 1", "version: 3")
        .replace("\n)", &format!("\n    timeline: [\n{beats}\n    ],\n)"))
}

const BEATS: &str = r#"        (at: 0, caption: "Two racers on a bowl"),
        (at: 2, click: true, camera: (to: Pose(yaw: 30, pitch: 40, radius: 12), over: 2)),
        (at: 3, tween: (name: "lr", from: 0.01, to: 1, over: 5, log: true), highlight: 2),
        (at: 4, predict: "Which one stops first?", show: [Arrows], hide: [Racer(1)], set: {"a": 3}),"#;

#[test]
fn a_timeline_reads_with_or_without_some_and_round_trips() {
    let l = parse(&with_timeline(BEATS)).unwrap();
    let t = &l.scene.timeline;
    assert_eq!(t.len(), 4);
    assert_eq!(t[0].caption.as_deref(), Some("Two racers on a bowl"));
    assert!(t[1].click);
    assert_eq!(
        t[1].camera.as_ref().map(|c| (&c.to, c.over)),
        Some((
            &timeline::Shot::Pose {
                yaw: 30.0,
                pitch: 40.0,
                radius: 12.0,
                focus: None
            },
            2.0
        ))
    );
    assert!(t[2].tween.as_ref().is_some_and(|w| w.log && w.to == 1.0));
    assert_eq!(t[3].hide, [timeline::Part::Racer(1)]);
    let again = parse(&to_text(&l.scene)).unwrap();
    assert_eq!(again.scene, l.scene);
    // A scene without a timeline still reads, and writes none.
    assert!(parse(GOOD).unwrap().scene.timeline.is_empty());
    assert!(!to_text(&parse(GOOD).unwrap().scene).contains("timeline"));
}

#[test]
fn a_bad_beat_is_refused_with_its_number_line_and_reason() {
    let bad = BEATS.replace("highlight: 2", "highlight: 7");
    assert_eq!(
        refusal(&with_timeline(&bad)),
        "timeline: beat 3: highlight racer 7: the scene has racers 1 to 2 (line 12)"
    );
    let bad = BEATS.replace(r#"{"a": 3}"#, r#"{"c": 3}"#);
    assert_eq!(
        refusal(&with_timeline(&bad)),
        "timeline: beat 4: 'c' is not a parameter of the formula (the formula has a) (line 13)"
    );
    let bad = BEATS.replace("(at: 3,", "(at: 1,");
    assert!(refusal(&with_timeline(&bad)).starts_with("timeline: beat 3: beats go in time order"),);
    let e = refusal(&with_timeline(&BEATS.replace("Arrows", "Arows")));
    assert!(
        e.starts_with("line 13, column") && e.contains("Arows"),
        "{e}"
    );
}

#[test]
fn a_tween_reaches_only_values_its_field_accepts() {
    // The values the issue found a timeline could reach and the panel refuses.
    let cases = [
        ("lr", -5.0, 1, "lr must be a number ≥ 0, got -5"),
        ("momentum", 2.0, 1, "momentum must be in [0, 1), got 2"),
        ("eps", -1.0, 2, "eps must be ≥ 0, got -1"),
        ("beta1", 1.0, 2, "beta1 must be in [0, 1), got 1"),
        ("beta2", 1.0, 2, "beta2 must be in [0, 1), got 1"),
        ("cooling", 0.0, 1, "cooling must be in (0, 1], got 0"),
        (
            "fd",
            1e-300,
            1,
            "fd must be 0 (the exact gradient) or a step from 1e-12 to 10",
        ),
    ];
    for (name, to, racer, want) in cases {
        let beat = format!(
            r#"        (at: 1, tween: (name: "{name}", from: 0.5, to: {to:?}, over: 2, racer: Some({racer}))),"#
        );
        let e = refusal(&with_timeline(&beat));
        assert!(
            e.starts_with(&format!("timeline: beat 1: tween of racer {racer}: {want}"))
                && e.ends_with("(line 10)"),
            "{name}: {e}"
        );
    }
    // Without a racer, every racer's rules hold: GD's weight decay may not go negative.
    let beat = r#"        (at: 1, tween: (name: "weight_decay", from: 0, to: -1, over: 2)),"#;
    assert!(refusal(&with_timeline(beat)).contains("tween of racer 1: weight_decay must be ≥ 0"));
    // Whole numbers and switches do not tween: the values between would be refused.
    for name in ["population", "batch", "seed", "centered"] {
        let beat = format!(r#"        (at: 1, tween: (name: "{name}", from: 2, to: 4, over: 2)),"#);
        assert!(
            refusal(&with_timeline(&beat))
                .contains("a tween would pass through values it cannot take"),
            "{name}"
        );
    }
    // Inside the field's range, the same tween is kept.
    let beat = r#"        (at: 1, tween: (name: "momentum", from: 0, to: 0.95, over: 2)),"#;
    assert!(parse(&with_timeline(beat)).is_ok());
}

#[test]
fn nesterov_is_refused_where_torch_refuses_it() {
    for hyper in [r#"{"momentum": 0.0}"#, r#"{"dampening": 0.1}"#] {
        let text = GOOD.replace(
            r#"(optimizer: adam, start: (1.0, 1.0), hyper: {"lr": 0.1})"#,
            &format!("(optimizer: nesterov, start: (1.0, 1.0), hyper: {hyper})"),
        );
        assert_eq!(
            refusal(&text),
            "racer 2 (nesterov) (line 7): Nesterov momentum requires a momentum and zero dampening (torch.optim.SGD's rule)"
        );
    }
}

#[test]
fn a_scene_reads_only_csv_files_in_its_own_folder() {
    let dir = std::env::temp_dir().join(format!("gradscape-confined-{}", std::process::id()));
    let outside = std::env::temp_dir().join(format!("gradscape-secret-{}.csv", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(&outside, "topsecretvalue\n1\n").unwrap();
    std::fs::write(dir.join("sub/pts.csv"), "h,t\n0,1\n1,3\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, dir.join("link.csv")).unwrap();
    let open = |source: &str| {
        let text = format!(
            r#"Scene(version: 2, name: "s", landscape: (data: Some((source: "{source}", loss: Some("(a*h + c - t)^2"), axes: Some(("a", "c"))))), racers: [(optimizer: gd, start: (0.0, 0.0))])"#
        );
        std::fs::write(dir.join("s.ron"), text).unwrap();
        load(dir.join("s.ron").to_str().unwrap())
    };
    assert!(open("sub/pts.csv").is_ok());
    assert!(open("./sub/pts.csv").is_ok());
    let secret = outside.to_str().unwrap().to_string();
    let up = format!("../{}", outside.file_name().unwrap().to_str().unwrap());
    let mut refused = vec![
        secret.as_str(),
        up.as_str(),
        "/etc/passwd",
        "/proc/self/environ",
        "sub/../../x.csv",
    ];
    if cfg!(unix) {
        refused.push("link.csv");
    }
    for source in refused {
        let e = open(source).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.field, Some("data"), "{source}: {text}");
        assert!(
            text.contains("a scene reads only CSV files in its own folder and below"),
            "{source}: {text}"
        );
        assert!(
            !text.contains("topsecretvalue"),
            "nothing of the file is shown: {text}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_file(&outside).ok();
}

#[test]
fn a_saved_scene_names_its_csv_from_its_own_folder() {
    let dir = std::env::temp_dir().join(format!("gradscape-placed-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("lesson/data")).unwrap();
    std::fs::write(dir.join("lesson/data/pts.csv"), "h,t\n0,1\n1,3\n").unwrap();
    let text = r#"Scene(version: 2, name: "s", landscape: (data: Some((source: "data/pts.csv", loss: Some("(a*h + c - t)^2"), axes: Some(("a", "c"))))), racers: [(optimizer: gd, start: (0.0, 0.0))])"#;
    std::fs::write(dir.join("lesson/s.ron"), text).unwrap();
    let mut l = load(dir.join("lesson/s.ron").to_str().unwrap()).unwrap();
    // On screen, the source is where the app opened the rows from.
    let Some(DataSource::Csv(opened)) = &l.landscape.data else {
        panic!("a CSV landscape");
    };
    l.scene.landscape.data.as_mut().unwrap().source = opened.display().to_string();
    // Saved elsewhere in the lesson's folder, it names the file from there and opens.
    let deeper = dir.join("lesson/data/again.ron");
    let (scene, warning) = placed(l.scene.clone(), &deeper);
    assert_eq!(
        (
            scene.landscape.data.as_ref().unwrap().source.as_str(),
            warning
        ),
        ("pts.csv", None)
    );
    std::fs::write(&deeper, to_text(&scene)).unwrap();
    assert!(load(deeper.to_str().unwrap()).is_ok());
    // Saved outside it, the path is kept and the person is told the scene will not open it.
    std::fs::create_dir_all(dir.join("other")).unwrap();
    let (_, warning) = placed(l.scene.clone(), &dir.join("other/elsewhere.ron"));
    assert!(warning.is_some_and(|w| w.contains("lies outside the scene's folder")));
    std::fs::remove_dir_all(&dir).ok();
}

/// A network's CSV is held to the scene's folder as a data landscape's is, opens from it,
/// and is named from the folder a scene is saved in.
#[test]
fn a_network_scene_reads_its_csv_from_its_own_folder() {
    let dir = std::env::temp_dir().join(format!("gradscape-netcsv-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        dir.join("data/xor.csv"),
        "p,q,c\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n",
    )
    .unwrap();
    let open = |source: &str| {
        let text = format!(
            r#"Scene(version: 4, name: "n", landscape: (network: (data: "{source}", hidden: "3", plane: Random(1))), racers: [(optimizer: adam)])"#
        );
        std::fs::write(dir.join("n.ron"), text).unwrap();
        load(dir.join("n.ron").to_str().unwrap())
    };
    let l = open("data/xor.csv").unwrap();
    let stage = stage_of(&l);
    assert_eq!(
        (stage.net.text(), stage.rows.y.clone()),
        ("2-3-1".into(), vec![0.0, 1.0, 1.0, 0.0])
    );
    for source in ["/etc/passwd", "../x.csv", "data/../../x.csv"] {
        let e = open(source).unwrap_err();
        assert_eq!(e.field, Some("network"), "{source}: {e}");
        assert!(
            e.to_string()
                .contains("a scene reads only CSV files in its own folder and below"),
            "{source}: {e}"
        );
    }
    // On screen the data is where the app read it; saved in data/, it is named from there.
    let mut scene = l.scene.clone();
    scene.landscape.network.as_mut().unwrap().data = stage.spec.data.clone();
    let (placed_scene, warning) = placed(scene, &dir.join("data/again.ron"));
    let network = placed_scene.landscape.network.as_ref().unwrap();
    assert_eq!((network.data.as_str(), warning), ("xor.csv", None));
    std::fs::remove_dir_all(&dir).ok();
}

/// A network scene's stage.
fn stage_of(l: &Loaded) -> std::sync::Arc<crate::core::net::stage::Stage> {
    let stage = l.landscape.formula.stage();
    stage.expect("a network landscape").clone()
}

/// `network-learns`: both racers copies of the network from one start; in the 360 steps of
/// its 12 seconds Adam classifies the moons (accuracy ≥ 0.97) while SGD, each step a batch of
/// 16, still jitters (its loss over every row rises on many steps) and is still learning
/// (below its start, under 90 %); both end exactly on the plane, so both balls finish on the
/// surface, having descended it.
#[test]
fn the_network_scene_shows_what_it_claims() {
    let l = load("network-learns").unwrap();
    let stage = stage_of(&l);
    assert_eq!(stage.net.text(), "2-16-16-1");
    let steps = (l.scene.duration.unwrap() * l.scene.speed) as u64;
    assert_eq!(steps, stage.spec.pilot);
    let mut ends = Vec::new();
    for r in &l.racers {
        let mut learner = stage.learner(r.kind, r.hyper.clone()).unwrap();
        let start = learner.standing.loss;
        let (mut last, mut rises) = (start, 0);
        for _ in 0..steps {
            stage.step(&mut learner);
            rises += usize::from(learner.standing.loss > last);
            last = learner.standing.loss;
            assert!(
                stage.domain.contains(learner.at.at),
                "{} leaves the square",
                r.label
            );
        }
        assert!(
            learner.at.off < 1e-9,
            "{} ends {} off the plane",
            r.label,
            learner.at.off
        );
        let surface = l.landscape.formula.value(learner.at.at);
        assert!(
            (surface - last).abs() < 1e-9 * (1.0 + last),
            "{surface} vs {last}"
        );
        ends.push((start, last, rises, learner.standing.accuracy.unwrap()));
    }
    let (adam, sgd) = (ends[0], ends[1]);
    assert!(adam.3 >= 0.97 && adam.1 < 0.01, "Adam: {adam:?}");
    assert!(
        sgd.2 > 60 && sgd.1 < 0.5 * sgd.0 && sgd.3 < 0.9,
        "SGD: {sgd:?}"
    );
}

/// Each racer of a network scene trained for `steps`: (step, loss over every row,
/// sharpness where read) at every step.
fn network_paths(l: &Loaded, steps: u64) -> Vec<Vec<(u64, f64, Option<f64>)>> {
    let stage = stage_of(l);
    l.racers
        .iter()
        .map(|r| {
            let mut learner = stage.learner(r.kind, r.hyper.clone()).unwrap();
            let mut path = vec![(0, learner.standing.loss, learner.sharpness)];
            for _ in 0..steps {
                stage.step(&mut learner);
                path.push((learner.steps, learner.standing.loss, learner.sharpness));
            }
            path
        })
        .collect()
}

/// `edge-of-stability`: full-batch gradient descent at α = 0.1 and 0.2 starts below 2/α
/// (at most 80 % of it), and over the second half of its 2,000 steps the sharpness stays
/// within ±20 % of 2/α while the loss keeps falling (lower at the end than at the half),
/// not monotonically (it rises on some steps).
#[test]
fn the_edge_of_stability_scene_shows_what_it_claims() {
    let l = load("edge-of-stability").unwrap();
    let steps = (l.scene.duration.unwrap() * l.scene.speed) as u64;
    assert_eq!(steps, 2000);
    for (r, path) in l.racers.iter().zip(network_paths(&l, steps)) {
        let edge = 2.0 / r.hyper.lr;
        let first = path[0].2.unwrap();
        assert!(
            first < 0.8 * edge,
            "{}: starts at {first}, 2/α {edge}",
            r.label
        );
        let half = &path[path.len() / 2..];
        for (step, _, s) in half {
            if let Some(s) = s {
                assert!(
                    (s / edge - 1.0).abs() <= 0.2,
                    "{} step {step}: λ {s}, 2/α {edge}",
                    r.label
                );
            }
        }
        assert!(
            half.last().unwrap().1 < half[0].1,
            "{}: the loss keeps falling",
            r.label
        );
        let rises = path.windows(2).filter(|w| w[1].1 > w[0].1).count();
        assert!(rises > 0, "{}: the loss never rose", r.label);
    }
}

/// `batch-noise-network`: over the last 300 of its 600 steps the loss over every row moves
/// most from step to step with batches of 1, less with 32, least with the full batch,
/// which never rises.
#[test]
fn the_batch_noise_network_scene_shows_what_it_claims() {
    let l = load("batch-noise-network").unwrap();
    let steps = (l.scene.duration.unwrap() * l.scene.speed) as u64;
    let paths = network_paths(&l, steps);
    let jitter: Vec<f64> = paths
        .iter()
        .map(|p| {
            let tail = &p[p.len() - 300..];
            tail.windows(2)
                .map(|w| (w[1].1 - w[0].1).abs())
                .sum::<f64>()
                / 299.0
        })
        .collect();
    assert!(
        jitter[0] > 3.0 * jitter[1] && jitter[1] > 3.0 * jitter[2],
        "{jitter:?}"
    );
    assert!(
        paths[2].windows(2).all(|w| w[1].1 <= w[0].1),
        "the full batch falls every step"
    );
}

#[test]
fn network_scenes_are_refused_where_they_are_wrong() {
    let scene = |landscape: &str, racer: &str| {
        format!("Scene(version: 4, name: \"n\", landscape: ({landscape}), racers: [({racer})])")
    };
    let net = r#"network: (data: "moons", hidden: "4", pilot: 20)"#;
    assert!(parse(&scene(net, "optimizer: adam")).is_ok());
    assert_eq!(
        refusal(&scene(net, "optimizer: adam, start: (1.0, 1.0)")),
        "racer 1 (adam) (line 1): a network's racers start from its initialisation (init_seed): remove start"
    );
    assert_eq!(
        refusal(&scene("formula: \"x^2\"", "optimizer: adam")),
        "racer 1 (adam) (line 1): a racer needs a start: start: (x, y)"
    );
    assert!(
        refusal(&scene(
            &format!("preset: \"bowl\", {net}"),
            "optimizer: adam"
        ))
        .starts_with("network: a network landscape stands alone")
    );
    let unknown = r#"network: (data: "mnist")"#;
    assert!(
        refusal(&scene(unknown, "optimizer: adam")).starts_with(
            "network: unknown dataset 'mnist': a network landscape learns a CSV file (its path) or one of moons"
        )
    );
    let bad = r#"network: (data: "moons", hidden: "4", pilot: 20, activation: "swish")"#;
    assert!(refusal(&scene(bad, "optimizer: adam")).contains("unknown activation 'swish'"));
}

/// A racer's own initialisation: it starts from torch's weights of its seed, off the plane
/// through the shared start by their distance, and trains as `Training` from those weights
/// does; the scene round-trips it; on a formula it is refused.
#[test]
fn a_network_racer_may_start_from_its_own_weights() {
    let text = r#"Scene(version: 4, name: "own", landscape: (network: (data: "xor", hidden: "4", pilot: 20)), racers: [(optimizer: adam, hyper: {"lr": 0.01}), (optimizer: adam, init_seed: Some(7), hyper: {"lr": 0.01})])"#;
    let l = parse(text).unwrap();
    assert_eq!(l.racers[1].init_seed, Some(7));
    assert_eq!(parse(&to_text(&l.scene)).unwrap().racers, l.racers);
    let stage = stage_of(&l);
    let own = stage.net.init(7);
    assert_ne!(own, stage.init);
    let r = &l.racers[1];
    let mut learner = stage
        .learner_from(r.kind, r.hyper.clone(), r.init_seed)
        .unwrap();
    assert_eq!(learner.training.theta, own);
    // The plane passes through the shared start; the distance to the nearest point of it.
    let p = stage.project(&own);
    let mut near = vec![0.0; own.len()];
    stage.plane.point(p.at[0], p.at[1], &mut near);
    let gap = own
        .iter()
        .zip(&near)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(learner.at.off > 0.1 && (learner.at.off - gap).abs() < 1e-12);
    let mut alone = crate::core::net::Training::new(
        stage.net.clone(),
        stage.rows.clone(),
        own,
        r.kind,
        r.hyper.clone(),
    )
    .unwrap();
    for _ in 0..20 {
        stage.step(&mut learner);
        alone.step();
    }
    assert_eq!(learner.training.theta, alone.theta);
    let formula = r#"Scene(version: 4, name: "f", landscape: (formula: "x^2"), racers: [(optimizer: adam, start: (1.0, 1.0), init_seed: Some(7))])"#;
    assert_eq!(
        refusal(formula),
        "racer 1 (adam) (line 1): init_seed starts a network racer from its own weights; this landscape has no network"
    );
}
