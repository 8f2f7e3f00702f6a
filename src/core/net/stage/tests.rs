//! The network landscape against mathematics and against `slice`: projections, values on
//! the plane, derivatives along it, scenes.

use super::*;
use crate::core::expr::Formula;
use std::sync::Arc;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn adam() -> Vec<(Kind, Hyper)> {
    let h = Hyper {
        lr: 0.01,
        ..Hyper::defaults(Kind::Adam)
    };
    let g = Hyper {
        lr: 0.5,
        ..Hyper::defaults(Kind::Gd)
    };
    vec![(Kind::Adam, h), (Kind::Gd, g)]
}

fn small() -> NetworkSpec {
    NetworkSpec {
        hidden: "6".into(),
        pilot: 60,
        ..NetworkSpec::of("moons")
    }
}

/// A point built as origin + a·δ + b·η + w, with w orthogonal to both directions, projects
/// to (a, b) at distance ‖w‖: on the random plane, whose directions are neither unit nor
/// orthogonal.
#[test]
fn a_point_projects_to_its_plane_coordinates_and_its_distance_off() {
    let spec = NetworkSpec {
        plane: PlaneKind::Random(3),
        ..small()
    };
    let stage = Stage::new(&spec, &adam()).unwrap();
    let [d, e] = &stage.plane.directions;
    assert!(
        dot(d, e).abs() > 1e-3,
        "the random directions are not orthogonal"
    );
    // w: a vector made orthogonal to δ and η by Gram–Schmidt.
    let mut w: Vec<f64> = (0..d.len())
        .map(|i| ((i * 7 % 13) as f64 - 6.0) / 5.0)
        .collect();
    let u1: Vec<f64> = d.iter().map(|x| x / dot(d, d).sqrt()).collect();
    let along = dot(e, &u1);
    let e2: Vec<f64> = e.iter().zip(&u1).map(|(x, u)| x - along * u).collect();
    let u2: Vec<f64> = e2.iter().map(|x| x / dot(&e2, &e2).sqrt()).collect();
    for u in [&u1, &u2] {
        let c = dot(&w, u);
        w.iter_mut().zip(u.iter()).for_each(|(w, u)| *w -= c * u);
    }
    let (a, b) = (0.3, -0.7);
    let theta: Vec<f64> = (0..d.len())
        .map(|i| stage.plane.origin[i] + a * d[i] + b * e[i] + w[i])
        .collect();
    let p = stage.project(&theta);
    assert!(
        (p.at[0] - a).abs() < 1e-12 && (p.at[1] - b).abs() < 1e-12,
        "{:?}",
        p.at
    );
    assert!(
        (p.off - dot(&w, &w).sqrt()).abs() < 1e-12,
        "{} vs {}",
        p.off,
        dot(&w, &w).sqrt()
    );
    let on = stage.project(&stage.init);
    assert_eq!(
        (on.at, on.off),
        ([0.0, 0.0], 0.0),
        "the plane passes through the start"
    );
}

/// The trajectories' plane: two orthonormal directions, the origin the shared start, and a
/// square that holds every pilot point.
#[test]
fn the_trajectories_plane_holds_the_pilot_race() {
    let stage = Stage::new(&small(), &adam()).unwrap();
    let [d, e] = &stage.plane.directions;
    assert!((dot(d, d) - 1.0).abs() < 1e-12 && (dot(e, e) - 1.0).abs() < 1e-12);
    assert!(dot(d, e).abs() < 1e-9);
    assert_eq!(stage.plane.origin, stage.init);
    let dm = stage.domain;
    assert!((dm.width() - dm.height()).abs() < 1e-12, "a square: {dm:?}");
    for (kind, hyper) in adam() {
        let mut learner = stage.learner(kind, hyper).unwrap();
        for _ in 0..60 {
            stage.step(&mut learner);
            assert!(
                dm.contains(learner.at.at),
                "{kind:?} at {:?} off {dm:?}",
                learner.at.at
            );
        }
        // Orthonormal directions: the projection is two dot products.
        let v: Vec<f64> = learner
            .training
            .theta
            .iter()
            .zip(&stage.init)
            .map(|(t, o)| t - o)
            .collect();
        assert!((learner.at.at[0] - dot(&v, d)).abs() < 1e-12);
        assert!((learner.at.at[1] - dot(&v, e)).abs() < 1e-12);
    }
}

/// The surface's value at a point of the plane is `slice`'s there, bit for bit.
#[test]
fn the_surface_is_the_slice() {
    let stage = Arc::new(Stage::new(&small(), &adam()).unwrap());
    let f = Formula::network(stage.clone());
    let points = stage.net.slice(&stage.rows, &stage.plane, 2.0, 5, &|| ());
    for [a, b, loss] in points {
        assert_eq!(f.value([a, b]).to_bits(), loss.to_bits(), "at ({a}, {b})");
        assert_eq!(f.gradient([a, b]).0.to_bits(), loss.to_bits());
    }
}

/// ∂f/∂α, ∂f/∂β and the 2 × 2 Hessian along the plane against central differences of the
/// value and of the gradient.
#[test]
fn derivatives_along_the_plane_match_differences() {
    let stage = Arc::new(Stage::new(&small(), &adam()).unwrap());
    let f = Formula::network(stage);
    let p = [0.4, -0.3];
    let h = 1e-5;
    let d = f.derivatives(p);
    for k in 0..2 {
        let (mut lo, mut hi) = (p, p);
        lo[k] -= h;
        hi[k] += h;
        let slope = (f.value(hi) - f.value(lo)) / (2.0 * h);
        assert!(
            (d.gradient[k] - slope).abs() < 1e-6 * (1.0 + slope.abs()),
            "{k}: {} vs {slope}",
            d.gradient[k]
        );
        for j in 0..2 {
            let bend = (f.gradient(hi).1[j] - f.gradient(lo).1[j]) / (2.0 * h);
            let got = d.hessian[k][j];
            assert!(
                (got - bend).abs() < 1e-5 * (1.0 + bend.abs()),
                "{k}{j}: {got} vs {bend}"
            );
        }
    }
}

/// A learner steps as `Training` does (what `gradscape train` runs), loss for loss.
#[test]
fn a_learner_trains_as_train_does() {
    let stage = Stage::new(&small(), &adam()).unwrap();
    let (kind, hyper) = adam()[0].clone();
    let mut learner = stage.learner(kind, hyper.clone()).unwrap();
    let mut alone = Training::new(
        stage.net.clone(),
        stage.rows.clone(),
        stage.init.clone(),
        kind,
        hyper,
    )
    .unwrap();
    for _ in 0..30 {
        stage.step(&mut learner);
        alone.step();
        assert_eq!(learner.standing, alone.standing());
    }
    assert_eq!(learner.training.theta, alone.theta);
}

#[test]
fn bad_specs_are_refused_by_name() {
    let refused = |spec: NetworkSpec| Stage::new(&spec, &adam()).unwrap_err().to_string();
    assert!(refused(NetworkSpec::of("nope")).contains("unknown dataset 'nope'"));
    let noisy = NetworkSpec {
        noise: -1.0,
        ..small()
    };
    assert_eq!(refused(noisy), "noise must be 0 to 10, got -1");
    let wide = NetworkSpec {
        hidden: "16-x".into(),
        ..small()
    };
    assert!(refused(wide).contains("'2-16-x-1' is not a network's widths"));
    let long = NetworkSpec {
        pilot: MAX_PILOT + 1,
        ..small()
    };
    assert!(refused(long).starts_with("pilot must be at most"));
    // 2-256-256-1 has 768 + 65,792 + 257 = 66,817 parameters: 5,000 steps of 2 racers on
    // 200 rows is 1.3·10¹¹, and 4·10⁹ / (2 · 200 · 66,817) = 149.7 steps fit.
    let heavy = NetworkSpec {
        hidden: "256-256".into(),
        pilot: 5_000,
        ..small()
    };
    assert_eq!(
        refused(heavy),
        "a pilot of 5000 steps of 2 racers on 66817 parameters and 200 rows is too long to wait for: at most 149 steps here (or the random plane, which needs none)"
    );
}

/// The boundary of a one-layer logistic model with weights (1, −1) and bias 0.25 is the line
/// x − y + 0.25 = 0: its probabilities are σ(x − y + 0.25), every crossing of ½ lies on that
/// line (to a small share of a cell: σ is interpolated linearly along an edge), and the box
/// holds every row.
#[test]
fn a_logistic_models_boundary_is_its_line() {
    let spec = NetworkSpec {
        hidden: String::new(),
        plane: PlaneKind::Random(0),
        ..small()
    };
    let stage = Stage::new(&spec, &adam()).unwrap();
    assert_eq!(stage.net.text(), "2-1");
    let theta = [1.0, -1.0, 0.25];
    let b = stage.boundary(&theta, 33, &mut stage.net.work()).unwrap();
    let [x0, x1, y0, y1] = b.area;
    for p in stage.rows.x.chunks_exact(2) {
        assert!((x0..=x1).contains(&p[0]) && (y0..=y1).contains(&p[1]));
    }
    let at = |i: usize, j: usize| {
        let x = x0 + (x1 - x0) * i as f64 / 32.0;
        let y = y0 + (y1 - y0) * j as f64 / 32.0;
        1.0 / (1.0 + (-(x - y + 0.25)).exp())
    };
    for (k, said) in b.said.iter().enumerate() {
        assert!((said - at(k % 33, k / 33)).abs() < 1e-15);
    }
    let cell = ((x1 - x0) / 32.0).max((y1 - y0) / 32.0);
    let line = b.crossings(0.5);
    assert!(line.len() > 20, "{} segments", line.len());
    for [p, q] in line {
        for r in [p, q] {
            // σ is odd about ½, so interpolating it along an edge lands on the line itself
            // up to the curvature within one cell.
            assert!((r[0] - r[1] + 0.25).abs() < 0.05 * cell, "{r:?}");
        }
    }
}

/// Each layer's norms are those of its weights and biases as the parameter file lays them
/// out (torch's `nn.Linear` state), of θ and of the gradient alike; and a racer reads its
/// sharpness every `SHARPNESS_EVERY` steps, λ_max of the Hessian there.
#[test]
fn layer_norms_follow_the_parameter_files_layers_and_sharpness_is_read_on_schedule() {
    let stage = Stage::new(&small(), &adam()).unwrap();
    let (kind, hyper) = adam()[0].clone();
    let mut l = stage.learner(kind, hyper).unwrap();
    for _ in 0..SHARPNESS_EVERY {
        assert!(l.sharpness.is_some() == l.steps.is_multiple_of(SHARPNESS_EVERY));
        stage.step(&mut l);
    }
    let lambda = l.sharpness.expect("read at step 10");
    let extremes = stage
        .net
        .extremes(&l.training.theta, &stage.rows, None)
        .unwrap();
    assert_eq!(lambda, extremes.1);
    let norms = stage
        .net
        .layer_norms(&l.training.theta, l.training.gradient());
    let files = [
        stage.net.to_file(&l.training.theta),
        stage.net.to_file(l.training.gradient()),
    ];
    assert_eq!(norms.len(), files[0].layers.len());
    let norm = |v: Vec<f64>| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for (k, n) in norms.iter().enumerate() {
        let [t, g] = [&files[0].layers[k], &files[1].layers[k]];
        assert_eq!(n.shape, (t.weight[0].len(), t.weight.len()));
        let flat = |w: &Vec<Vec<f64>>| w.iter().flatten().copied().collect::<Vec<f64>>();
        assert!((n.weight - norm(flat(&t.weight))).abs() < 1e-12);
        assert!((n.weight_grad - norm(flat(&g.weight))).abs() < 1e-12);
        assert!((n.bias - norm(t.bias.clone())).abs() < 1e-12);
        assert!((n.bias_grad - norm(g.bias.clone())).abs() < 1e-12);
    }
}

/// The line from the start through a racer's parameters: at t = 0 the start's loss, at 1
/// the racer's (to rounding: θ₀ + (θ − θ₀) need not be θ's bits), at ½ the loss of the
/// midpoint computed apart.
#[test]
fn the_line_from_the_start_passes_through_both_ends() {
    let stage = Stage::new(&small(), &adam()).unwrap();
    let (kind, hyper) = adam()[0].clone();
    let mut l = stage.learner(kind, hyper).unwrap();
    for _ in 0..40 {
        stage.step(&mut l);
    }
    let theta = &l.training.theta;
    let got = stage.line(theta, &[0.0, 0.5, 1.0]);
    let mut work = stage.net.work();
    let start = stage.net.loss(&stage.init, &stage.rows, None, &mut work).0;
    assert_eq!(got[0], start);
    let mid: Vec<f64> = theta
        .iter()
        .zip(&stage.init)
        .map(|(t, o)| 0.5 * (t + o))
        .collect();
    let half = stage.net.loss(&mid, &stage.rows, None, &mut work).0;
    assert!((got[1] - half).abs() < 1e-12, "{} vs {half}", got[1]);
    assert!((got[2] - l.standing.loss).abs() < 1e-12);
    assert!(
        got[2] < got[1] && got[1] < got[0],
        "Adam descends along its line: {got:?}"
    );
}

/// A file of this name and text in a folder of the test's own.
fn csv_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gradscape-stage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The moons written to a CSV (Rust prints the shortest text that reads back to the same
/// double) and read back make the same network, start and surface as the built-in: the
/// target is the last column, the features the others, and 0/1 targets call for bce.
#[test]
fn a_csv_network_learns_its_columns_as_the_built_in_does() {
    let rows = crate::core::net::classes::find("moons")
        .unwrap()
        .generate(0, 0.1);
    let mut text = String::from("x1,x2,class\n");
    for (p, y) in rows.x.chunks_exact(2).zip(&rows.y) {
        text.push_str(&format!("{},{},{}\n", p[0], p[1], y));
    }
    let path = csv_file("moons.csv", &text);
    let spec = NetworkSpec {
        plane: PlaneKind::Random(2),
        ..small()
    };
    let csv = NetworkSpec {
        data: path.display().to_string(),
        ..spec.clone()
    };
    let (built, read) = (
        Stage::new(&spec, &adam()).unwrap(),
        Stage::new(&csv, &adam()).unwrap(),
    );
    assert_eq!(read.rows, built.rows);
    assert_eq!(
        (read.net.text(), read.net.loss),
        ("2-6-1".into(), Loss::Bce)
    );
    assert_eq!(read.init, built.init);
    let (f, g) = (
        Formula::network(Arc::new(read)),
        Formula::network(Arc::new(built)),
    );
    for p in [[0.0, 0.0], [0.4, -1.3]] {
        assert_eq!(f.value(p), g.value(p));
    }
    // The columns picked by name: class from x2 alone (a 1-6-1 network).
    let named = NetworkSpec {
        features: vec!["x2".into()],
        target: Some("class".into()),
        ..csv.clone()
    };
    let stage = Stage::new(&named, &adam()).unwrap();
    assert_eq!(stage.net.text(), "1-6-1");
    assert_eq!(
        stage.rows.x,
        rows.x
            .iter()
            .skip(1)
            .step_by(2)
            .copied()
            .collect::<Vec<_>>()
    );
}

#[test]
fn bad_csv_networks_are_refused_with_the_file_and_line() {
    let refused = |spec: NetworkSpec| Stage::new(&spec, &adam()).unwrap_err().to_string();
    let bad = csv_file("bad.csv", "a,b,t\n1,2,0\n3,x,1\n");
    let shown = bad.display().to_string();
    let e = refused(NetworkSpec {
        data: shown.clone(),
        ..small()
    });
    assert!(
        e.starts_with(&format!("{shown}:3: column 2 ('b'): ")),
        "{e}"
    );
    let good = csv_file("good.csv", "a,b,t\n1,2,0\n3,4,1\n");
    let e = refused(NetworkSpec {
        data: good.display().to_string(),
        target: Some("c".into()),
        ..small()
    });
    assert!(e.ends_with("has no column 'c' (columns: a, b, t)"), "{e}");
    let e = refused(NetworkSpec {
        target: Some("t".into()),
        ..small()
    });
    assert_eq!(
        e,
        "features and target name a CSV's columns; moons is built in"
    );
    // Classes 0, 1, 2 call for ce with three outputs; a class 1.5 for mse.
    let three = csv_file("three.csv", "a,t\n0,0\n1,1\n2,2\n");
    let spec = NetworkSpec {
        data: three.display().to_string(),
        plane: PlaneKind::Random(0),
        ..small()
    };
    let stage = Stage::new(&spec, &adam()).unwrap();
    assert_eq!(
        (stage.net.text(), stage.net.loss),
        ("1-6-3".into(), Loss::Ce)
    );
    let mut long = String::from("a,t\n");
    for k in 0..=MAX_ROWS {
        long.push_str(&format!("{k},{}\n", k % 2));
    }
    let e = refused(NetworkSpec {
        data: csv_file("long.csv", &long).display().to_string(),
        ..small()
    });
    assert_eq!(
        e,
        "a network landscape learns at most 10000 rows (the surface reads every row at every point), the file has 10001"
    );
}

/// The random plane around racer 1 goes through where it is after the pilot's steps: a
/// `Training` stepped alone that far is the plane's origin, the racer projects to (0, 0)
/// there, exactly on the plane, and the square holds the neighbourhood ±1 the directions'
/// length (the weights' own) makes meaningful.
#[test]
fn the_plane_around_racer_one_goes_through_where_it_is() {
    let spec = NetworkSpec {
        plane: PlaneKind::Around(4),
        pilot: 37,
        ..small()
    };
    let race = adam();
    let stage = Stage::new(&spec, &race).unwrap();
    let (net, rows) = spec.resolve().unwrap();
    let theta = net.init(spec.init_seed);
    let (kind, hyper) = race[0].clone();
    let mut alone = Training::new(net, rows, theta, kind, hyper.clone()).unwrap();
    for _ in 0..37 {
        alone.step();
    }
    assert_eq!(stage.plane.origin, alone.theta);
    let mut learner = stage.learner(kind, hyper).unwrap();
    for _ in 0..37 {
        stage.step(&mut learner);
    }
    let p = stage.project(&learner.training.theta);
    let scale = dot(&alone.theta, &alone.theta).sqrt();
    assert!(p.at[0].abs() < 1e-12 && p.at[1].abs() < 1e-12, "{:?}", p.at);
    assert!(p.off < 1e-12 * scale, "{}", p.off);
    let d = stage.domain;
    assert!(
        d.x[0] <= -1.0 && d.x[1] >= 1.0 && d.y[0] <= -1.0 && d.y[1] >= 1.0,
        "{d:?}"
    );
    // The start lies off this plane (it goes through the racer, not the start).
    assert!(stage.project(&stage.init).off > 1e-3);
}
