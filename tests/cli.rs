//! The command line as a user (or a script) runs it.

use std::process::{Command, Output};

fn gradscape(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run gradscape")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_lists_the_app_and_subcommands() {
    let o = gradscape(&["--help"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for word in [
        "trace",
        "critical",
        "presets",
        "--preset",
        "--formula",
        "--domain",
    ] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
}

#[test]
fn trace_prints_every_step_at_full_precision() {
    let o = gradscape(&[
        "trace",
        "--formula",
        "(1-x)^2 + 100*(y-x^2)^2",
        "--optimizer",
        "adam",
        "--lr",
        "0.05",
        "--start",
        "-1.5,2",
        "--steps",
        "300",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "step,x,y,loss");
    assert_eq!(lines.len(), 1 + 301);
    assert_eq!(lines[1], "0,-1.5,2,12.5");
    let last: Vec<f64> = lines[301].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(last[0], 300.0);
    assert!(last[3] < 12.5, "Adam made progress: {last:?}");
    // Same numbers as the library, bit for bit (shortest round-trip formatting).
    use gradscape::core::expr::Formula;
    use gradscape::core::optim::{Hyper, Kind, Optimizer};
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let mut opt = Optimizer::new(
        Kind::Adam,
        Hyper {
            lr: 0.05,
            ..Hyper::defaults(Kind::Adam)
        },
    );
    let mut x = [-1.5, 2.0];
    for _ in 0..300 {
        x = opt.step(x, &f).to;
    }
    assert_eq!([last[1], last[2]], x);
    assert!(
        stderr(&o).contains("step limit after 300 steps"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn trace_stops_early_on_divergence_with_status_on_stderr() {
    let o = gradscape(&[
        "trace",
        "--formula",
        "x^2 + y^2",
        "--optimizer",
        "gd",
        "--lr",
        "1.5",
        "--start",
        "1,1",
        "--steps",
        "1000",
    ]);
    assert!(o.status.success());
    let rows = stdout(&o).lines().count() - 1;
    assert!(rows < 1001, "stopped early: {rows} rows");
    assert!(stderr(&o).starts_with("diverged"), "{}", stderr(&o));
    for line in stdout(&o).lines().skip(1) {
        assert!(
            line.split(',')
                .all(|v| v.parse::<f64>().unwrap().is_finite()),
            "{line}"
        );
    }
}

#[test]
fn trace_accepts_every_hyperparameter_and_a_schedule() {
    let o = gradscape(&[
        "trace",
        "--preset",
        "rosenbrock",
        "--optimizer",
        "rmsprop",
        "--lr",
        "0.01",
        "--alpha",
        "0.9",
        "--eps",
        "1e-6",
        "--momentum",
        "0.5",
        "--centered",
        "--weight-decay",
        "0.001",
        "--schedule",
        "cosine:50",
        "--steps",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 52);
    let noisy = |seed: &str| {
        stdout(&gradscape(&[
            "trace",
            "--preset",
            "saddle",
            "--optimizer",
            "sgd",
            "--lr",
            "0.05",
            "--noise",
            "0.3",
            "--seed",
            seed,
            "--steps",
            "20",
        ]))
    };
    assert_eq!(noisy("7"), noisy("7"), "seeded noise replays");
    assert_ne!(noisy("7"), noisy("8"));
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["trace", "--formula", "(x+y))"],
            "unexpected ')' at column 6",
        ),
        (
            &["trace", "--formula", "x^2", "--optimizer", "adamax"],
            "unknown optimizer 'adamax'",
        ),
        (
            &["trace", "--formula", "x^2", "--lr", "-1"],
            "lr must be a positive number",
        ),
        (
            &["trace", "--formula", "x^2", "--start", "1"],
            "a point is two numbers",
        ),
        (
            &["trace", "--formula", "x^2", "--schedule", "linear"],
            "unknown schedule 'linear'",
        ),
        (&["trace", "--preset", "nope"], "unknown preset 'nope'"),
        (
            &["critical", "--formula", "x^2", "--domain", "1,0,0,1"],
            "min < max",
        ),
        (&["--formula", "sin(x"], "missing 1 closing ')'"),
        (&["--preset", "nope"], "unknown preset 'nope'"),
        (&["trace", "--steps", "many"], "invalid value 'many'"),
    ];
    for (args, message) in cases {
        let o = gradscape(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn critical_lists_himmelblau_sorted_by_value() {
    let o = gradscape(&[
        "critical",
        "--formula",
        "(x^2+y-11)^2 + (x+y^2-7)^2",
        "--domain",
        "-5,5,-5,5",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(text.lines().next(), Some("x,y,f,kind"));
    assert_eq!(rows.len(), 9);
    assert_eq!(rows.iter().filter(|r| r[3] == "minimum").count(), 4);
    assert_eq!(rows.last().unwrap()[3], "maximum");
    let f: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
    assert!(f.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn presets_lists_at_least_twenty() {
    let o = gradscape(&["presets"]);
    let text = stdout(&o);
    assert!(text.lines().count() > 20);
    assert!(
        text.contains("rosenbrock,\"(1-x)^2 + 100*(y-x^2)^2\",\"-2,2,-1,3\""),
        "{text}"
    );
}

#[test]
fn scenes_lists_the_eight_lecture_scenes_and_bad_scenes_exit_2() {
    let o = gradscape(&["scenes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 8, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("saddle-noise") && l.contains("saddle"))
    );

    let dir = std::env::temp_dir().join(format!("gradscape-cli-scene-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(
        &bad,
        "Scene(version: 1, name: \"x\", landscape: (preset: Some(\"bowl\")),\n racers: [(optimizer: gd, start: (1.0, 1.0), hyper: {\"lr\": -1.0})])",
    )
    .unwrap();
    let o = gradscape(&[bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("racer 1 (gd) (line 2): lr must be a positive number, got -1"),
        "{}",
        stderr(&o)
    );
    let o = gradscape(&["no-such-scene"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no shipped scene of that name"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}
