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
    assert_eq!(lines[0], "step,x,y,loss,evals");
    assert_eq!(lines.len(), 1 + 301);
    assert_eq!(lines[1], "0,-1.5,2,12.5,0");
    // Adam pays one gradient, 4 evaluations, a step.
    assert!(lines[301].ends_with(",1200"), "{}", lines[301]);
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
            "invalid value 'adamax' for '--optimizer <OPTIMIZER>'",
        ),
        (
            &["trace", "--formula", "x^2", "--lr", "-1"],
            "lr must be a number ≥ 0",
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
        text.contains("rosenbrock,\"(1-x)^2 + 100*(y-x^2)^2\",\"\",\"-2,2,-1,3\""),
        "{text}"
    );
}

#[test]
fn scenes_lists_the_seventeen_lecture_scenes_and_bad_scenes_exit_2() {
    let o = gradscape(&["scenes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 17, "{text}");
    assert!(text.lines().any(|l| l.starts_with("black-box")), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("network-learns")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("saddle-noise") && l.contains("saddle"))
    );
    let lessons: Vec<&str> = text
        .lines()
        .filter(|l| l.ends_with("beats]"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        lessons,
        [
            "learning-rates",
            "momentum-escapes",
            "saddle-noise",
            "network-learns",
            "edge-of-stability",
            "batch-noise-network"
        ],
        "{text}"
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
        stderr(&o).contains("racer 1 (gd) (line 2): lr must be a number ≥ 0, got -1"),
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

/// Runs a trace and returns (CSV lines, the status line on stderr).
fn trace(args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["trace"];
    all.extend_from_slice(args);
    let o = gradscape(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    (stdout(&o).lines().map(String::from).collect(), stderr(&o))
}

#[test]
fn statuses_say_what_the_point_is() {
    let cases: &[(&[&str], &str)] = &[
        // A maximum is not convergence.
        (
            &["--formula", "-(x^2+y^2)", "--start", "0,0"],
            "stalled: at a maximum",
        ),
        // Monkey saddle: zero Hessian, f falls one way and rises another.
        (
            &["--formula", "x^3 - 3*x*y^2", "--start", "0,0"],
            "stalled: at a degenerate saddle point",
        ),
        (
            &["--formula", "x^2 - y^2", "--start", "0,0"],
            "stalled: at a saddle point",
        ),
        // Far out on the plateau the gradient underflows to exactly 0.
        (
            &["--preset", "plateau", "--lr", "0.01", "--start", "30,30"],
            "stalled: on a plateau",
        ),
        // A degenerate minimum (zero Hessian) is still a minimum.
        (&["--formula", "x^4 + y^4", "--start", "0,0"], "converged"),
        (
            &["--formula", "x^2 + y^2", "--start", "1,1", "--lr", "0.5"],
            "converged",
        ),
        (
            &["--formula", "x^2", "--steps", "0"],
            "step limit after 0 steps",
        ),
    ];
    for (args, want) in cases {
        let (_, status) = trace(args);
        assert!(status.starts_with(want), "{args:?}: {status}");
    }
    // Nelder–Mead on Rosenbrock's minimum: its simplex collapses there.
    let (_, status) = trace(&[
        "--preset",
        "rosenbrock",
        "--optimizer",
        "nelder-mead",
        "--start",
        "1,1",
        "--lr",
        "0.1",
        "--steps",
        "5000",
    ]);
    assert!(status.starts_with("converged"), "{status}");
}

#[test]
fn lr_zero_is_accepted_as_torch_does_and_never_moves() {
    let (lines, status) = trace(&[
        "--formula",
        "x^2+y^2",
        "--lr",
        "0",
        "--start",
        "1,2",
        "--steps",
        "3",
    ]);
    assert_eq!(
        lines[1..],
        ["0,1,2,5,0", "1,1,2,5,4", "2,1,2,5,8", "3,1,2,5,12"]
    );
    assert!(status.starts_with("step limit"), "{status}");
}

#[test]
fn tiny_numbers_print_in_exponent_form() {
    let (lines, status) = trace(&[
        "--formula",
        "x^2+y^2",
        "--start",
        "1e-300,2e-300",
        "--steps",
        "1",
    ]);
    assert_eq!(lines[1], "0,1e-300,2e-300,0,0");
    assert!(status.len() < 200 && status.contains("e-30"), "{status}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .args([
            "trace",
            "--preset",
            "rosenbrock",
            "--steps",
            "200000",
            "--lr",
            "0.0001",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read two lines, as `head -2` does, then close the pipe.
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    out.read_exact(&mut first).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{:?} {}", o.status, stderr(&o));
    assert!(!stderr(&o).contains("Broken pipe"), "{}", stderr(&o));
}

#[test]
fn more_bad_input_gets_a_clear_message() {
    let long = format!("x{}", "+x".repeat(50_000));
    let o = gradscape(&["trace", "--formula", &long]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("too long") && stderr(&o).len() < 400,
        "{}",
        stderr(&o)
    );
    // A domain too narrow to sample is refused, not a panic.
    let o = gradscape(&[
        "critical",
        "--formula",
        "x^2+y^2",
        "--domain=-1e-310,1e-310,-1e-310,1e-310",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("too narrow"), "{}", stderr(&o));
    let o = gradscape(&["trace", "--formula", "x\u{a0}+y"]);
    assert!(
        stderr(&o).contains("non-breaking space (U+00A0"),
        "{}",
        stderr(&o)
    );
    // A device with no length is read only up to the limit.
    let o = gradscape(&["/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("too large"), "{}", stderr(&o));
}

#[test]
fn presets_rows_reproduce_their_landscape() {
    let o = gradscape(&["presets"]);
    let text = stdout(&o);
    assert!(text.starts_with("name,formula,params,domain\n"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("ill-conditioned,"))
        .unwrap();
    assert!(row.contains("\"kappa=20\""), "{row}");
    // The row's values, passed back, give the preset's landscape: f(1, 1) = (1 + 20)/2.
    let (lines, _) = trace(&[
        "--formula",
        "(x^2 + kappa*y^2)/2",
        "--param",
        "kappa=20",
        "--start",
        "1,1",
        "--steps",
        "0",
    ]);
    assert_eq!(lines[1], "0,1,1,10.5,0");
}

#[test]
fn race_prints_where_each_opening_racer_ends() {
    let o = gradscape(&["race", "--preset", "himmelblau", "--steps", "500"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("racer,optimizer,lr,start_x,start_y,steps,x,y,loss,status")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3, "{text}");
    // Three starts, three of Himmelblau's minima (f = 0 at each), all converged.
    for row in &rows {
        // From the end: the label is quoted and may hold commas.
        let loss: f64 = row.rsplit(',').nth(1).unwrap().parse().unwrap();
        assert!(loss < 1e-12 && row.ends_with(",converged"), "{row}");
    }
    // A scene's racers, with a line-up instead.
    let o = gradscape(&[
        "race",
        "saddle-noise",
        "--race",
        "goldilocks",
        "--steps",
        "10",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1 + 3);
}

/// A CSV file in a fresh temporary folder; the folder is removed by the caller.
fn csv_file(name: &str, text: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("gradscape-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, text).unwrap();
    (dir, path.display().to_string())
}

#[test]
fn eval_on_your_own_data_is_the_mean_loss_and_its_exact_derivatives() {
    // Three points; the squared error of w·h + c against t, written out by hand at (2, −1).
    let (dir, path) = csv_file("eval", "h,t\n1,2\n2,2.5\n-1,0\n");
    let o = gradscape(&[
        "eval",
        "--data",
        &path,
        "--loss",
        "(w*h + c - t)^2",
        "--axes",
        "w,c",
        "--at",
        "2,-1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(rows[0], "f,gx,gy,hxx,hxy,hyy");
    let got: Vec<f64> = rows[1].split(',').map(|v| v.parse().unwrap()).collect();
    let (h, t) = ([1.0, 2.0, -1.0], [2.0, 2.5, 0.0]);
    let r: Vec<f64> = (0..3).map(|i| 2.0 * h[i] - 1.0 - t[i]).collect();
    let mean = |v: &dyn Fn(usize) -> f64| (0..3).map(v).sum::<f64>() / 3.0;
    let want = [
        mean(&|i| r[i] * r[i]),
        mean(&|i| 2.0 * r[i] * h[i]),
        mean(&|i| 2.0 * r[i]),
        mean(&|i| 2.0 * h[i] * h[i]),
        mean(&|i| 2.0 * h[i]),
        2.0,
    ];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn trace_on_data_names_its_axes_and_full_batch_is_gradient_descent() {
    let (dir, path) = csv_file("trace", "x,y\n0,1\n1,3\n2,5\n3,7.5\n");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "trace",
            "--data",
            &path,
            "--loss",
            "(w*x + b - y)^2",
            "--axes",
            "w,b",
        ];
        a.extend_from_slice(&["--lr", "0.05", "--steps", "20"]);
        a.extend_from_slice(extra);
        let o = gradscape(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let full = args(&[]);
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines[0], "step,w,b,loss,evals,batch_loss");
    assert_eq!(lines.len(), 22);
    // Gradient descent on the mean squared error, by hand.
    let (xs, ys) = ([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.5]);
    let (mut w, mut b) = (0.0f64, 0.0f64);
    for line in &lines[2..] {
        let (mut gw, mut gb) = (0.0, 0.0);
        for (x, y) in xs.iter().zip(ys) {
            let r = w * x + b - y;
            gw += 2.0 * r * x / 4.0;
            gb += 2.0 * r / 4.0;
        }
        (w, b) = (w - 0.05 * gw, b - 0.05 * gb);
        let v: Vec<f64> = line
            .split(',')
            .skip(1)
            .take(2)
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(
            (v[0] - w).abs() < 1e-12 && (v[1] - b).abs() < 1e-12,
            "{line}: {w} {b}"
        );
    }
    // A batch of every row is the full batch; a smaller one replays by its seed.
    assert_eq!(args(&["--batch", "4"]), full);
    let two = args(&["--batch", "2", "--seed", "7"]);
    assert_ne!(two, full);
    assert_eq!(two, args(&["--batch", "2", "--seed", "7"]));
    assert_ne!(two, args(&["--batch", "2", "--seed", "8"]));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn bad_data_exits_2_with_the_file_line_and_column() {
    let (dir, path) = csv_file("bad", "x,y\n1,2\n3,four\n");
    let o = gradscape(&["trace", "--data", &path, "--loss", "(w*x + b - y)^2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(&format!("{path}:3: column 2 ('y'): 'four' is not a number")),
        "{}",
        stderr(&o)
    );
    let o = gradscape(&[
        "eval",
        "--data",
        &path.replace("bad", "none"),
        "--at",
        "0,0",
        "--loss",
        "w",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = gradscape(&[
        "eval",
        "--data",
        "linear",
        "--loss",
        "(w*x + b - q)^2",
        "--at",
        "0,0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the loss names 'q', which is not a column"),
        "{}",
        stderr(&o)
    );
    let o = gradscape(&["eval", "--data", "lineer", "--at", "0,0"]);
    assert!(
        stderr(&o).contains("unknown dataset 'lineer'"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn datasets_lists_the_built_ins_with_what_they_teach() {
    let o = gradscape(&["datasets"]);
    assert!(o.status.success());
    let mut csv = csv::Reader::from_reader(o.stdout.as_slice());
    let names: Vec<String> = csv
        .records()
        .map(|r| {
            let r = r.unwrap();
            assert_eq!(r.len(), 5);
            assert!(r[4].len() > 40, "{r:?}");
            r[0].to_string()
        })
        .collect();
    assert_eq!(
        names,
        [
            "linear",
            "blobs",
            "separable",
            "outlier",
            "moons",
            "circles",
            "spirals",
            "xor",
            "gaussians"
        ]
    );
}

#[test]
fn tune_finds_each_optimizers_best_rate_from_a_start() {
    let o = gradscape(&[
        "tune",
        "--formula",
        "x^2 + y^2",
        "--optimizer",
        "gd,adam",
        "--start",
        "1.5,-1",
        "--steps",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["optimizer", "lr", "loss", "steps", "status"]);
    // x ← x − α·2x: α = ½ reaches the minimum in one step.
    assert_eq!(rows[1], ["gd", "0.5", "0", "1", "converged"]);
    assert_eq!(rows[2][0], "adam");
    let o = gradscape(&["tune", "--formula", "x^2", "--optimizer", "adamax"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn trace_takes_its_gradient_from_finite_differences_on_request() {
    let run = |extra: &[&str]| {
        let mut a = vec![
            "trace",
            "--preset",
            "rosenbrock",
            "--optimizer",
            "adam",
            "--lr",
            "0.05",
            "--steps",
            "50",
        ];
        a.extend_from_slice(extra);
        let o = gradscape(&a);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .skip(1)
                    .take(2)
                    .map(|v| v.parse::<f64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let (exact, fd) = (run(&[]), run(&["--gradient", "fd"]));
    assert_eq!(exact, run(&["--gradient", "exact"]));
    assert_ne!(exact, fd);
    let worst = exact
        .iter()
        .zip(&fd)
        .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
        .fold(0.0, f64::max);
    assert!(worst < 1e-6, "{worst:e}");
    let o = gradscape(&["trace", "--preset", "bowl", "--gradient", "fd:-1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("must be a number > 0"),
        "{}",
        stderr(&o)
    );
}

/// `trace` rows as numbers: step, x, y, loss, evals.
fn trace_rows(args: &[&str]) -> Vec<Vec<f64>> {
    let mut all = vec!["trace"];
    all.extend_from_slice(args);
    let o = gradscape(&all);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().next(), Some("step,x,y,loss,evals"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
fn trace_runs_the_derivative_free_methods_from_a_seed_and_counts_their_evaluations() {
    let run = |kind: &str, seed: &str, extra: &[&str]| {
        let mut a = vec![
            "--preset",
            "rastrigin",
            "--optimizer",
            kind,
            "--start",
            "4,4",
            "--seed",
            seed,
            "--steps",
            "300",
        ];
        a.extend_from_slice(extra);
        trace_rows(&a)
    };
    // A step is a generation: λ evaluations for CMA-ES, one per particle for the swarm
    // (twice on the first, which scatters it), one a move for annealing (plus the start).
    let cma = run("cmaes", "3", &["--population", "50"]);
    assert_eq!((cma[1][4], cma[2][4]), (50.0, 100.0));
    let pso = run("pso", "3", &["--population", "30"]);
    assert_eq!((pso[1][4], pso[2][4]), (60.0, 90.0));
    let sa = run(
        "annealing",
        "3",
        &["--temperature", "2", "--cooling", "0.99"],
    );
    assert_eq!((sa[1][4], sa[2][4]), (2.0, 3.0));
    for (kind, rows, extra) in [
        ("cmaes", &cma, &["--population", "50"][..]),
        ("pso", &pso, &["--population", "30"][..]),
        (
            "annealing",
            &sa,
            &["--temperature", "2", "--cooling", "0.99"][..],
        ),
    ] {
        assert_eq!(rows, &run(kind, "3", extra), "{kind} replays");
        assert_ne!(rows, &run(kind, "4", extra), "{kind} follows its seed");
    }
    // The defaults find Rastrigin's global minimum from (4, 4).
    let last = run("cmaes", "1", &[]).pop().unwrap();
    assert!(last[3] < 1e-3 && last[4] <= 20_000.0, "{last:?}");
    let last = run("pso", "1", &[]).pop().unwrap();
    assert!(last[3] < 1e-3 && last[4] <= 20_000.0, "{last:?}");
    // Bad settings are refused by name.
    let o = gradscape(&["trace", "--optimizer", "pso", "--population", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("population must be a whole number from 2"),
        "{}",
        stderr(&o)
    );
}

/// Words of a shell command line, with '…' quoting (as `export-torch` writes its commands).
fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut any) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => (quoted, any) = (!quoted, true),
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                }
                any = false;
            }
            _ => (word.push(c), any = true).1,
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// Whether this machine's Python has PyTorch.
fn has_torch() -> bool {
    Command::new("python3")
        .args(["-c", "import torch"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The exported script's output, split per racer: (racer line, CSV rows).
fn sections(out: &str) -> Vec<(String, Vec<Vec<f64>>)> {
    let mut all: Vec<(String, Vec<Vec<f64>>)> = Vec::new();
    for line in out.lines() {
        if line.starts_with("# racer") {
            all.push((line.to_string(), Vec::new()));
        } else if let Some(last) = all.last_mut()
            && !line.starts_with("step")
            && !line.starts_with('#')
        {
            last.1.push(
                line.split(',')
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect(),
            );
        }
    }
    all
}

const TORCH_SCENE: &str = r#"Scene(
    version: 3,
    name: "Every torch.optim racer",
    landscape: (formula: Some("(1 - x)^2 + b*(y - x^2)^2 + 0.1*sin(3*x)"), params: {"b": 20.0}, domain: Some((-2.0, 2.0, -1.0, 3.0))),
    racers: [
        (optimizer: gd, start: (-1.5, 2.0), hyper: {"lr": 0.002, "weight_decay": 0.01}),
        (optimizer: momentum, start: (-1.5, 2.0), hyper: {"lr": 0.001, "dampening": 0.2}, schedule: Some("step:50:0.5")),
        (optimizer: nesterov, start: (-1.5, 2.0), hyper: {"lr": 0.001, "momentum": 0.8}),
        (optimizer: adagrad, start: (-1.5, 2.0), hyper: {"lr": 0.3, "lr_decay": 0.01}),
        (optimizer: rmsprop, start: (-1.5, 2.0), hyper: {"lr": 0.003, "momentum": 0.5, "centered": 1.0}, schedule: Some("warmup:20:0.1")),
        (optimizer: adam, start: (-1.5, 2.0), hyper: {"lr": 0.05, "beta1": 0.8}, schedule: Some("cosine:100:0.001")),
        (optimizer: adamw, start: (-1.5, 2.0), hyper: {"lr": 0.05, "weight_decay": 0.1}, schedule: Some("exp:0.99")),
        (optimizer: amsgrad, start: (-1.5, 2.0), hyper: {"lr": 0.05}),
        (optimizer: cmaes, start: (-1.5, 2.0), hyper: {"seed": 3.0}),
    ],
    speed: 40.0,
    duration: Some(5.0),
)"#;

/// Writes `scene` to a file, exports it, and writes the script beside it: (folder, script's
/// path, script).
fn export(name: &str, scene: &str) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let (dir, _) = csv_file(name, "a\n1\n");
    let file = dir.join("scene.ron");
    std::fs::write(&file, scene).unwrap();
    let o = gradscape(&["export-torch", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = stdout(&o);
    let path = dir.join("race.py");
    std::fs::write(&path, &script).unwrap();
    (dir, path, script)
}

#[test]
fn export_torch_writes_valid_python_naming_each_optimizer_and_its_settings() {
    let (dir, path, script) = export("torch", TORCH_SCENE);
    let parsed = Command::new("python3")
        .args(["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())"])
        .arg(&path)
        .output()
        .expect("python3 is on the machine");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    for want in [
        "STEPS = 200",
        "b = torch.tensor(20.0)",
        "return (1 - x)**2 + b*(y - x**2)**2 + 0.1*torch.sin(3*x)",
        "torch.optim.SGD(ps, lr=0.002, momentum=0.0, dampening=0.0, weight_decay=0.01, nesterov=False)",
        "torch.optim.SGD(ps, lr=0.001, momentum=0.9, dampening=0.2, weight_decay=0.0, nesterov=False)",
        "torch.optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)",
        "momentum=0.8, dampening=0.0, weight_decay=0.0, nesterov=True",
        "torch.optim.Adagrad(ps, lr=0.3, lr_decay=0.01, weight_decay=0.0, eps=1e-10)",
        "torch.optim.RMSprop(ps, lr=0.003, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.5, centered=True)",
        "torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=20)",
        "torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)",
        "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100, eta_min=0.001)",
        "torch.optim.AdamW(ps, lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=False)",
        "torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.99)",
        "amsgrad=True",
        "CMA-ES has no torch.optim counterpart",
    ] {
        assert!(script.contains(want), "missing {want:?} in\n{script}");
    }
    if has_torch() {
        same_rows_as_trace(&path, &script, 8);
    } else {
        eprintln!("PyTorch is not installed: the script's rows are not compared with trace");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs the script and, for its first `racers` racers, the `gradscape trace` command each
/// one's comment gives: both print the same rows (the script stops a racer where trace does),
/// each equal to 1e-12 (relative above 1).
fn same_rows_as_trace(path: &std::path::Path, script: &str, racers: usize) {
    let ran = Command::new("python3").arg(path).output().unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let torch = sections(&String::from_utf8_lossy(&ran.stdout));
    let commands: Vec<Vec<String>> = script
        .lines()
        .filter_map(|l| l.strip_prefix("# The same rows: "))
        .map(shell_words)
        .collect();
    assert!(commands.len() >= racers.min(torch.len()));
    for (command, (name, rows)) in commands
        .iter()
        .zip(torch.iter().filter(|s| !s.1.is_empty()))
        .take(racers)
    {
        let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
        let o = gradscape(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let ours: Vec<Vec<f64>> = stdout(&o)
            .lines()
            .skip(1)
            .map(|l| {
                l.split(',')
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        assert_eq!(ours.len(), rows.len(), "{name}: {}", stderr(&o));
        for (a, b) in ours.iter().zip(rows) {
            for (u, v) in a.iter().zip(b) {
                let close = u.is_nan() && v.is_nan() || (u - v).abs() <= 1e-12 * u.abs().max(1.0);
                assert!(close, "{name}: gradscape {a:?}, torch {b:?}");
            }
        }
    }
}

#[test]
fn export_torch_brings_a_data_landscapes_rows_and_loss() {
    let (dir, path, script) = export(
        "torch-data",
        r#"Scene(
    version: 3,
    name: "Fit a line",
    landscape: (data: Some((source: "linear", seed: 4))),
    racers: [
        (optimizer: gd, start: (0.0, 0.0), hyper: {"lr": 0.05}),
        (optimizer: adam, start: (0.0, 0.0), hyper: {"lr": 0.05, "batch": 8.0, "seed": 2.0}),
    ],
    speed: 30.0,
    duration: Some(4.0),
)"#,
    );
    for want in [
        "DATA = {",
        "def f(w, b, rows=slice(None)):",
        "torch.mean(",
        "data=True, batch=8, seed=2",
        "torch.randperm's shuffles",
    ] {
        assert!(script.contains(want), "missing {want:?} in\n{script}");
    }
    if has_torch() {
        // The full-batch racer only: the mini-batch one shuffles with torch's generator.
        same_rows_as_trace(&path, &script, 1);
    }
    std::fs::remove_dir_all(&dir).ok();
}

// A build without the app has no renderer to refuse the rate: it refuses to render at all.
#[cfg(feature = "app")]
#[test]
fn a_lesson_renders_only_at_frame_rates_that_divide_its_clock() {
    let dir = std::env::temp_dir().join(format!("gradscape-cli-fps-{}", std::process::id()));
    let o = gradscape(&[
        "render",
        "momentum-escapes",
        "--out",
        dir.to_str().unwrap(),
        "--fps",
        "7",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a frame rate that divides 600 (24, 25, 30, 50, 60, …)"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.exists(), "refused before anything is written");
}

#[test]
fn flags_that_would_be_ignored_are_refused() {
    // Each command line as words: none of them holds a space.
    let cases = [
        (
            "trace --formula x^2 --axes w,b",
            "--axes applies to a data landscape: give --data too",
        ),
        (
            "trace --formula x^2 --loss w",
            "--loss applies to a data landscape",
        ),
        ("eval --at 0,0 --data-seed 3", "--data <DATA>"),
        (
            "race rosenbrock-race --param a=2",
            "--param does not apply with a scene",
        ),
        (
            "basins rosenbrock-race --loss w",
            "--loss does not apply with a scene",
        ),
        (
            "sweep --preset bowl --lr 0.1...1",
            "'0.1...1' is not a range: write A..B",
        ),
        (
            "sweep --preset bowl --lr 0.1..0.1",
            "the range '0.1..0.1' has one value",
        ),
        (
            "sweep --preset bowl --lr 0.01..1 --optimizer adam --momentum 0..0.9",
            "adam does not read momentum",
        ),
        (
            "sweep --preset bowl --lr 0.01..1 --optimizer momentum --momentum 0..0.9 --points 10000 --points2 10000",
            "--points × --points2 is 100000000 runs; a sweep makes at most 250000",
        ),
        (
            "trace --preset bowl --optimizer newton --gradient fd",
            "newton takes exact derivatives, its Hessian too: finite differences (fd) do not apply",
        ),
        (
            "trace --preset bowl --gradient fd:1e-300",
            "fd must be 0 (the exact gradient) or a step from 1e-12 to 10",
        ),
        (
            "trace --preset bowl --gradient fd:1e300",
            "fd must be 0 (the exact gradient) or a step from 1e-12 to 10",
        ),
        (
            "trace --preset bowl --optimizer nesterov --momentum 0",
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (
            "trace --data linear --axes w,",
            "the axes must be two different names a formula can use",
        ),
        (
            "render rosenbrock-race --out /nonexistent/x --size 8192x8192",
            "a frame has at most 8294400 (3840x2160)",
        ),
    ];
    for (line, message) in cases {
        let args: Vec<&str> = line.split_whitespace().collect();
        let o = gradscape(&args);
        assert_eq!(o.status.code(), Some(2), "{line}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{line}: {}", stderr(&o));
    }
    let help = stdout(&gradscape(&["sweep", "--help"]));
    assert!(help.contains("250000 runs in all"), "{help}");
}

/// Runs gradscape with standard output and error going to these files.
fn gradscape_into(args: &[&str], out: &str, err: &str) -> Output {
    let open = |p: &str| std::fs::OpenOptions::new().write(true).open(p).unwrap();
    Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .args(args)
        .stdout(open(out))
        .stderr(open(err))
        .output()
        .expect("run gradscape")
}

#[test]
fn a_write_that_fails_is_an_error_never_a_panic() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    // A full disk under standard output: the message says so on standard error.
    let (dir, _) = csv_file("full", "a\n1\n");
    let err = dir.join("err.txt");
    std::fs::write(&err, "").unwrap();
    let e = err.to_str().unwrap();
    let o = gradscape_into(&["trace", "--preset", "bowl"], "/dev/full", e);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        std::fs::read_to_string(&err)
            .unwrap()
            .contains("No space left on device")
    );
    // Standard error itself full: exit 2, for a refusal and for a status line alike.
    for args in [
        &["trace", "--formula", "x +"][..],
        &["trace", "--preset", "bowl"],
    ] {
        let o = gradscape_into(args, "/dev/null", "/dev/full");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    // A basin map written onto a full disk.
    #[cfg(unix)]
    {
        let map = dir.join("map.png");
        std::os::unix::fs::symlink("/dev/full", &map).unwrap();
        let o = gradscape(&[
            "basins",
            "--preset",
            "bowl",
            "--grid",
            "16",
            "--out",
            map.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_csv_error_is_said_once_with_its_text_escaped() {
    let (dir, path) = csv_file("once", "");
    let o = gradscape(&["trace", "--data", &path, "--loss", "w"]);
    let text = stderr(&o);
    assert_eq!(text.matches("the file is empty").count(), 1, "{text}");
    std::fs::write(&path, "x,y\n1,\u{1b}]0;pwned\u{7}\n").unwrap();
    let o = gradscape(&["trace", "--data", &path, "--loss", "(w*x + b - y)^2"]);
    let text = stderr(&o);
    assert!(
        !text.contains('\u{1b}') && text.contains("'\\x1b]0;pwned\\x07' is not a number"),
        "{text}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_column_named_e_or_pi_is_the_column() {
    let (dir, path) = csv_file("consts", "e,pi\n1,2\n3,5\n");
    let o = gradscape(&[
        "eval",
        "--data",
        &path,
        "--loss",
        "(w*e + b - pi)^2",
        "--at",
        "1,0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Mean of (1 - 2)² and (3 - 5)², with the rows' values, not Euler's e and π.
    let f: f64 = stdout(&o)
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(f, (1.0 + 4.0) / 2.0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_race_csv_shows_control_characters_escaped() {
    let (dir, _) = csv_file("labels", "a\n1\n");
    let scene = dir.join("s.ron");
    std::fs::write(
        &scene,
        "Scene(version: 3, name: \"s\", landscape: (preset: Some(\"bowl\")), racers: [(optimizer: gd, label: Some(\"\\u{1b}[2Jgone\\r\"), start: (1.0, 1.0))])",
    )
    .unwrap();
    let o = gradscape(&["race", scene.to_str().unwrap(), "--steps", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(text.contains("\\x1b[2Jgone\\x0d"), "{text}");
    std::fs::remove_dir_all(dir).ok();
}

/// Runs gradscape under `ulimit -v` (address space, KiB) through the shell.
fn gradscape_limited(kib: u64, args: &[&str]) -> Output {
    let mut command = format!("ulimit -v {kib} && exec \"$0\"");
    for i in 0..args.len() {
        command.push_str(&format!(" \"${}\"", i + 1));
    }
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .arg(env!("CARGO_BIN_EXE_gradscape"))
        .args(args)
        .output()
        .expect("run sh")
}

#[test]
fn a_100_mb_line_is_refused_within_a_memory_limit() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let (dir, path) = csv_file("longline", "x,y\n");
    // A header, then one 100 MB line of zero bytes: a sparse file, cheap to make.
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.set_len(4 + 100_000_000).unwrap();
    // A normal run needs about 100 MB of address space here; the issue allows 200 MB beyond
    // the data kept. Reading the whole line, as before, needed more than that.
    let limit = 300_000;
    let ok = gradscape_limited(limit, &["eval", "--data", "linear", "--at", "0,0"]);
    assert!(
        ok.status.success(),
        "the limit leaves room for a normal run: {}",
        stderr(&ok)
    );
    let o = gradscape_limited(
        limit,
        &[
            "eval",
            "--data",
            &path,
            "--loss",
            "(w*x + b - y)^2",
            "--at",
            "0,0",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(":2: the line is longer than 1048576 bytes"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn export_torch_stops_and_rounds_where_gradscape_does() {
    if !has_torch() {
        eprintln!("PyTorch is not installed: the scripts are not run");
        return;
    }
    // Converged after one step, diverged after a few dozen, and a racer that runs on.
    let (dir, path, script) = export(
        "torch-stops",
        r#"Scene(version: 3, name: "stops", landscape: (formula: Some("x^2 + y^2")), racers: [
            (optimizer: gd, start: (1.0, 1.0), hyper: {"lr": 0.5}),
            (optimizer: gd, start: (1.0, 1.0), hyper: {"lr": 1.5}),
            (optimizer: gd, start: (1.0, 1.0), hyper: {"lr": 0.01, "momentum": 0.5}),
        ], speed: 30.0, duration: Some(2.0))"#,
    );
    assert!(script.contains("torch.optim.SGD(ps, lr=0.01, momentum=0.5, dampening=0.0"));
    same_rows_as_trace(&path, &script, usize::MAX);
    std::fs::remove_dir_all(&dir).ok();
    // Every step on the tie x = y: max splits its derivative, signum(0) = 0, and the start's
    // round(2.5) is 2.
    let (dir, path, script) = export(
        "torch-ties",
        r#"Scene(version: 3, name: "ties", landscape: (formula: Some("max(x, y)^2 + signum(x - y) + round(2*x)")), racers: [
            (optimizer: gd, start: (1.25, 1.25), hyper: {"lr": 0.1}),
            (optimizer: adam, start: (1.25, 1.25), hyper: {"lr": 0.05}),
        ], speed: 30.0, duration: Some(1.0))"#,
    );
    same_rows_as_trace(&path, &script, usize::MAX);
    let o = gradscape(&[
        "trace",
        "--formula",
        "max(x, y)^2 + signum(x - y) + round(2*x)",
        "--start=1.25,1.25",
        "--steps",
        "1",
        "--lr",
        "0.1",
    ]);
    let rows: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(
        rows[1], "0,1.25,1.25,3.5625,0",
        "1.25² + 0 + round(2.5) = 2"
    );
    assert_eq!(
        rows[2], "1,1.125,1.125,3.265625,4",
        "each side got half of 2·1.25"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_exported_script_finds_its_csv_from_any_folder() {
    let (dir, _) = csv_file("torch-csv", "h,t\n0,1\n1,3\n2,5\n");
    let scene = dir.join("fit.ron");
    std::fs::write(
        &scene,
        r#"Scene(version: 3, name: "fit", landscape: (data: Some((source: "torch-csv.csv", loss: Some("(a*h + c - t)^2"), axes: Some(("a", "c"))))), racers: [(optimizer: gd, start: (0.0, 0.0), hyper: {"lr": 0.05})], duration: Some(1.0))"#,
    )
    .unwrap();
    let o = gradscape(&["export-torch", scene.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = stdout(&o);
    let real = std::fs::canonicalize(dir.join("torch-csv.csv")).unwrap();
    assert!(
        script.contains(&format!("with open(\"{}\"", real.display())),
        "{script}"
    );
    if has_torch() {
        // Run from another folder: the rows are found, and equal trace's.
        let path =
            std::env::temp_dir().join(format!("gradscape-elsewhere-{}.py", std::process::id()));
        std::fs::write(&path, &script).unwrap();
        let ran = Command::new("python3")
            .arg(&path)
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        same_rows_as_trace(&path, &script, usize::MAX);
        std::fs::remove_file(&path).ok();
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_hyperparameter_has_a_flag() {
    // The table the panel and scene files use; a new field must get its flag here.
    let help = stdout(&gradscape(&["trace", "--help"]));
    for f in gradscape::core::optim::Field::NUMERIC {
        let flag = match f.name() {
            "fd" => "--gradient".to_string(),
            name => format!("--{}", name.replace('_', "-")),
        };
        assert!(help.contains(&flag), "{flag} is missing from trace --help");
    }
}

/// `gradscape train …`'s rows as numbers (accuracy and batch_loss NaN where empty).
fn train_rows(args: &[&str]) -> Vec<Vec<f64>> {
    let mut all = vec!["train"];
    all.extend_from_slice(args);
    let o = gradscape(&all);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("step,loss,accuracy,grad_norm,evals,sharpness,batch_loss")
    );
    lines
        .map(|l| {
            l.split(',')
                .map(|v| v.parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect()
}

#[test]
fn a_network_learns_two_moons_and_a_wider_one_the_spirals() {
    let rows = train_rows(&[
        "--data",
        "moons",
        "--net",
        "2-16-16-1",
        "--activation",
        "tanh",
        "--loss",
        "bce",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--batch",
        "32",
        "--seed",
        "0",
        "--init-seed",
        "0",
        "--steps",
        "2000",
    ]);
    assert_eq!(rows.len(), 2001);
    let first = &rows[0];
    assert_eq!(first[0], 0.0);
    assert!(
        first[5].is_nan() && first[6].is_nan(),
        "no sharpness asked, no batch seen"
    );
    let best = rows.iter().map(|r| r[2]).fold(0.0, f64::max);
    assert!(best >= 0.97, "two moons reached {best}");
    // Each step pays its mini-batch's rows: 200 rows a 32-row epoch of 7 batches.
    assert_eq!(rows[7][4], 200.0);
    // The sharpness on the rows asked for: every 10th, from the start.
    let sharp = train_rows(&[
        "--data",
        "moons",
        "--net",
        "2-6-1",
        "--steps",
        "20",
        "--sharpness-every",
        "10",
    ]);
    let shown: Vec<bool> = sharp.iter().map(|r| r[5].is_finite()).collect();
    assert_eq!(shown.iter().filter(|&&s| s).count(), 3);
    assert!(shown[0] && shown[10] && shown[20] && sharp[0][5] > 0.0);
    // Beyond the full Hessian's 1000 parameters, Lanczos gives it too.
    let wide = train_rows(&[
        "--data",
        "moons",
        "--net",
        "2-32-32-1",
        "--steps",
        "10",
        "--sharpness-every",
        "5",
    ]);
    let shown: Vec<f64> = wide
        .iter()
        .map(|r| r[5])
        .filter(|s| s.is_finite())
        .collect();
    assert!(
        shown.len() == 3 && shown.iter().all(|&s| s > 0.0),
        "{shown:?}"
    );
    let spirals = train_rows(&[
        "--data",
        "spirals",
        "--net",
        "2-32-32-1",
        "--lr",
        "0.01",
        "--steps",
        "2000",
    ]);
    let last = spirals.last().unwrap();
    assert!(last[2] >= 0.97, "spirals reached {}", last[2]);
}

#[test]
fn parameters_saved_are_the_parameters_loaded() {
    let (dir, _) = csv_file("params", "a\n1\n");
    let file = dir.join("net.json");
    let path = file.to_str().unwrap();
    let trained = train_rows(&[
        "--data", "xor", "--net", "2-8-1", "--steps", "50", "--lr", "0.05", "--save", path,
    ]);
    // Laid out as torch's nn.Linear state: weight[out][in], bias[out].
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with(r#"{"net":"2-8-1","activation":"tanh","layers":[{"weight":[["#));
    // Loaded and not moved (GD at rate 0), it is where training left it.
    let again = train_rows(&[
        "--data",
        "xor",
        "--net",
        "2-8-1",
        "--steps",
        "1",
        "--optimizer",
        "gd",
        "--lr",
        "0",
        "--init",
        path,
    ]);
    assert_eq!(again[0][1], trained.last().unwrap()[1]);
    let o = gradscape(&["train", "--data", "xor", "--net", "2-9-1", "--init", path]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the parameter file is for '2-8-1'; this network is 2-9-1"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&file, "{\"net\": \"2-8-1\",\n \"layers\": 7}").unwrap();
    let o = gradscape(&["train", "--data", "xor", "--net", "2-8-1", "--init", path]);
    assert!(stderr(&o).contains("net.json:2:"), "{}", stderr(&o));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_network_from_a_csv_and_bad_networks_refused() {
    let (dir, path) = csv_file(
        "netdata",
        "a,b,label,value\n0,0,0,0.5\n0,1,1,1.5\n1,0,1,2\n1,1,0,0.25\n0.5,0.5,2,1\n",
    );
    let rows = train_rows(&[
        "--data",
        &path,
        "--features",
        "a,b",
        "--target",
        "value",
        "--loss",
        "mse",
        "--steps",
        "5",
    ]);
    assert!(rows[0][2].is_nan(), "a regression has no accuracy");
    // Without --features and --target: the last column is the target, the others the
    // features, and real-valued targets call for mse.
    let named = [
        "--features",
        "a,b,label",
        "--target",
        "value",
        "--loss",
        "mse",
    ];
    let mut args = vec!["--data", path.as_str(), "--steps", "5"];
    let bits = |rows: Vec<Vec<f64>>| {
        rows.concat()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    let defaulted = bits(train_rows(&args));
    args.extend(named);
    assert_eq!(defaulted, bits(train_rows(&args)));
    let cases = [
        ("--net 2--1", "'2--1' is not a network's widths"),
        ("--net 2-0-1", "'2-0-1': a layer of width 0 has no neurons"),
        ("--net x-4-1", "'x-4-1' is not a network's widths"),
        (
            "--net 3-4-1",
            "the network takes 3 inputs, but the data has 2 features",
        ),
        ("--net 2-4-2", "bce needs 1 outputs; the network has 2"),
        (
            "--net 2-400-400-1",
            "a network has at most 100000 parameters",
        ),
        ("--activation swish", "unknown activation 'swish'"),
        ("--loss hinge", "unknown loss 'hinge'"),
        (
            "--optimizer nesterov --momentum 0",
            "Nesterov momentum requires a momentum",
        ),
        (
            "--net 2-40-30-1 --optimizer newton",
            "newton needs the full Hessian, made for at most 1000 parameters; 2-40-30-1 has 1381",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["train", "--data", "moons"];
        args.extend(flags.split(' '));
        let o = gradscape(&args);
        assert_eq!(o.status.code(), Some(2), "{flags}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{flags}: {}", stderr(&o));
    }
    let csv = |target: &str, loss: &str| {
        gradscape(&[
            "train",
            "--data",
            &path,
            "--features",
            "a,b",
            "--target",
            target,
            "--loss",
            loss,
        ])
    };
    let o = csv("label", "bce");
    assert!(
        stderr(&o).contains("row 5: bce needs a class 0 to 1, got 2"),
        "{}",
        stderr(&o)
    );
    let o = csv("value", "ce");
    assert!(
        stderr(&o).contains("row 1: ce needs a class"),
        "{}",
        stderr(&o)
    );
    let o = csv("c", "bce");
    assert!(stderr(&o).contains("has no column 'c'"), "{}", stderr(&o));
    let (one, single) = csv_file("oneclass", "a,b,t\n0,1,1\n1,0,1\n");
    let o = gradscape(&[
        "train",
        "--data",
        &single,
        "--features",
        "a,b",
        "--target",
        "t",
    ]);
    assert!(
        stderr(&o).contains("every row is class 1"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(one).ok();
}

#[test]
fn a_slice_through_a_trained_network_and_its_trajectory() {
    let (dir, _) = csv_file("slice", "a\n1\n");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let (params, trajectory, dirs) = (path("final.json"), path("path.csv"), path("dirs.json"));
    let net = ["--data", "xor", "--net", "2-6-1"];
    let mut args = net.to_vec();
    args.extend([
        "--steps",
        "100",
        "--lr",
        "0.05",
        "--save",
        &params,
        "--save-every",
        "10",
        "--save-trajectory",
        &trajectory,
    ]);
    let trained = train_rows(&args);
    let text = std::fs::read_to_string(&trajectory).unwrap();
    assert_eq!(text.lines().count(), 1 + 11, "steps 0, 10, …, 100");
    let slice = |extra: &[&str]| {
        let mut all = vec!["slice"];
        all.extend(net);
        all.extend(["--params", params.as_str(), "--grid", "5", "--span", "0.5"]);
        all.extend(extra);
        let o = gradscape(&all);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        stdout(&o)
    };
    for directions in [
        vec!["--directions", "random", "--seed", "3"],
        vec!["--directions", "pca", "--trajectory", &trajectory],
    ] {
        let mut extra = directions.clone();
        extra.extend(["--directions-out", &dirs]);
        let text = slice(&extra);
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), 25);
        assert_eq!(
            (rows[0][0], rows[0][1], rows[24][0], rows[24][1]),
            (-0.5, -0.5, 0.5, 0.5)
        );
        // The centre is the trained network: its loss, to rounding.
        let centre = rows[12][2];
        let last = trained.last().unwrap()[1];
        assert!((centre - last).abs() <= 1e-14 * last, "{centre} vs {last}");
        // The directions written slice the same plane again, number for number.
        assert_eq!(slice(&["--directions", &dirs]), text);
    }
    let png = path("slice.png");
    slice(&["--out", &png]);
    let image = std::fs::read(&png).unwrap();
    assert_eq!(&image[1..4], b"PNG");
    let refused = |extra: &[&str], message: &str| {
        let mut all = vec!["slice"];
        all.extend(net);
        all.extend(extra);
        let o = gradscape(&all);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&o).contains(message), "{extra:?}: {}", stderr(&o));
    };
    refused(
        &["--directions", "pca"],
        "--directions pca needs --trajectory FILE",
    );
    refused(&["--span", "0"], "--span must be a number > 0");
    refused(
        &["--grid", "100000"],
        "invalid value '100000' for '--grid <GRID>'",
    );
    refused(&["--directions", &params], "not a directions file");
    std::fs::remove_dir_all(dir).ok();
}

/// The 2D path's output is exactly what it was before the optimizers learnt vectors
/// (tests/golden, written at fb5bb92): every optimizer's trace, the options that reach each
/// branch of a step, data with mini-batches, scenes' races and a basin map.
#[test]
fn the_2d_path_is_byte_for_byte_what_it_was() {
    let mut cases: Vec<(String, String)> = [
        "gd",
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "amsgrad",
        "newton",
        "nelder-mead",
        "annealing",
        "cmaes",
        "pso",
    ]
    .iter()
    .map(|k| {
        (
            format!("trace-{k}.csv"),
            format!("trace --preset rosenbrock --optimizer {k} --steps 150 --seed 2"),
        )
    })
    .collect();
    for (file, line) in [
        (
            "trace-data-batch.csv",
            "trace --data linear --optimizer adam --lr 0.1 --batch 16 --seed 3 --steps 100",
        ),
        (
            "trace-momentum-options.csv",
            "trace --preset rosenbrock --optimizer momentum --lr 0.0005 --weight-decay 0.1 --dampening 0.2 --noise 0.3 --seed 5 --schedule cosine:100:0.0001 --steps 150",
        ),
        (
            "trace-rmsprop-options.csv",
            "trace --preset rosenbrock --optimizer rmsprop --centered --momentum 0.3 --weight-decay 0.01 --steps 150",
        ),
        (
            "race-rosenbrock-race.csv",
            "race rosenbrock-race --steps 300",
        ),
        ("race-batch-size.csv", "race batch-size --steps 300"),
        ("race-black-box.csv", "race black-box --steps 300"),
        (
            "basins-himmelblau-adam.csv",
            "basins --preset himmelblau --optimizer adam --lr 0.05 --grid 24 --steps 300",
        ),
    ] {
        cases.push((file.to_string(), line.to_string()));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for (file, line) in cases {
        let args: Vec<&str> = line.split(' ').collect();
        let o = gradscape(&args);
        let want = std::fs::read(dir.join(&file)).unwrap();
        assert!(o.stdout == want, "{line}: differs from tests/golden/{file}");
    }
}

/// A network scene's racers are networks: the commands that step racers on a plane refuse
/// it by name instead of racing its plane's shadow.
#[test]
fn network_scenes_are_refused_by_the_plane_commands() {
    let o = gradscape(&["race", "network-learns", "--steps", "5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "'network-learns' is a network scene: it races in the app (gradscape network-learns)"
        ),
        "{}",
        stderr(&o)
    );
}

/// `export-torch` on a network scene: torch.optim from the same weights on the same batches
/// in the same order gives `gradscape train`'s loss to 1e-10 and its accuracy at every step,
/// for both racers of network-learns (Adam, full batch; SGD on batches of 16).
#[test]
fn a_network_scene_exports_as_torch_that_trains_as_gradscape_does() {
    let o = gradscape(&["export-torch", "network-learns"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = stdout(&o);
    assert!(script.contains("torch.nn.Sequential") && script.contains("INIT = ["));
    if !has_torch() {
        eprintln!("skipped: no PyTorch on this machine");
        return;
    }
    let dir = std::env::temp_dir().join(format!("gradscape-net-torch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("race.py");
    std::fs::write(&path, &script).unwrap();
    let ran = Command::new("python3").arg(&path).output().unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let torch = sections(&String::from_utf8_lossy(&ran.stdout));
    let runs = [
        [
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--noise",
            "0",
            "--batch",
            "0",
            "--seed",
            "0",
        ],
        [
            "--optimizer",
            "sgd",
            "--lr",
            "0.1",
            "--noise",
            "0",
            "--batch",
            "16",
            "--seed",
            "1",
        ],
    ];
    assert_eq!(torch.len(), runs.len());
    for ((name, rows), args) in torch.iter().zip(runs) {
        let mut all = vec![
            "train",
            "--data",
            "moons",
            "--net",
            "2-16-16-1",
            "--steps",
            "360",
        ];
        all.extend(args);
        let o = gradscape(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        let ours: Vec<Vec<f64>> = stdout(&o)
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(3).map(|v| v.parse().unwrap()).collect())
            .collect();
        assert_eq!(rows.len(), ours.len(), "{name}");
        for (t, g) in rows.iter().zip(&ours) {
            assert_eq!(t[0], g[0]);
            assert!(
                (t[1] - g[1]).abs() <= 1e-10 * g[1].abs(),
                "{name} step {}: {} vs {}",
                g[0],
                t[1],
                g[1]
            );
            assert_eq!(t[2], g[2], "{name} step {}: accuracy", g[0]);
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A hostile racer label reaches a network script only as an escaped string literal: the
/// script parses, prints the label as it was, and runs no code of the file's; a racer torch
/// cannot train (added noise) is refused by name.
#[test]
fn a_network_scripts_text_from_the_file_stays_text() {
    let dir = std::env::temp_dir().join(format!("gradscape-net-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let label = "x\")\nimport os; os.system(\"touch PWNED\")  # \u{202e}";
    let scene = |hyper: &str| {
        format!(
            "Scene(version: 4, name: \"n\\n__import__('os')\", duration: Some(0.1), speed: 20.0, landscape: (network: (data: \"xor\", hidden: \"4\", pilot: 20)), racers: [(optimizer: sgd, label: Some({label:?}), hyper: {hyper})])"
        )
    };
    let path = dir.join("hostile.ron");
    std::fs::write(&path, scene(r#"{"lr": 0.1, "noise": 0.0}"#)).unwrap();
    let o = gradscape(&["export-torch", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let script = stdout(&o);
    assert!(
        !script
            .lines()
            .any(|l| l.trim_start().starts_with("import os")),
        "{script}"
    );
    let parsed = Command::new("python3")
        .args(["-c", "import ast, sys; ast.parse(sys.stdin.read())"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    if has_torch() {
        let run = dir.join("race.py");
        std::fs::write(&run, &script).unwrap();
        let ran = Command::new("python3")
            .arg(&run)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let out = String::from_utf8_lossy(&ran.stdout);
        assert!(out.starts_with(&format!("# racer 1: {label}\n")), "{out}");
        assert!(!dir.join("PWNED").exists(), "the label ran as code");
    }
    std::fs::write(&path, scene(r#"{"lr": 0.1, "noise": 0.5}"#)).unwrap();
    let o = gradscape(&["export-torch", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("racer 1 (sgd): its added gradient noise has no torch.optim counterpart"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}
