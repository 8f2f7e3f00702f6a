//! The network against torch (tests/reference/net.csv, written by tests/reference/net.py)
//! and against central differences; shapes and data refused with their reasons.

use super::*;

const ROWS: usize = 12;
const SUBSET: [u32; 5] = [1, 3, 4, 7, 10];

/// The closed forms tests/reference/net.py computes too.
fn theta(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.5 * (1.3 * i as f64 + 0.7).sin()).collect()
}

fn rows(loss: Loss) -> Rows {
    rows_of(loss, ROWS)
}

fn rows_of(loss: Loss, count: usize) -> Rows {
    let x: Vec<f64> = (0..count)
        .flat_map(|r| (0..2).map(move |j| 1.5 * (0.9 * r as f64 + 1.7 * j as f64 + 0.3).cos()))
        .collect();
    let y = (0..count)
        .map(|r| {
            let (x0, x1) = (x[2 * r], x[2 * r + 1]);
            match loss {
                Loss::Bce => f64::from(u8::from(x0 * x1 > 0.0)),
                Loss::Ce => (r % 3) as f64,
                Loss::Mse => (2.0 * x0).sin() + x1,
            }
        })
        .collect();
    Rows { features: 2, x, y }
}

fn net(text: &str, activation: &str, loss: &str) -> Net {
    Net::new(
        widths(text).unwrap(),
        activation.parse().unwrap(),
        loss.parse().unwrap(),
    )
    .unwrap()
}

/// A fixture's rows, each split at commas, with the network its first field names
/// (`2-5-4-1 tanh bce …`) and that network's closed-form rows.
fn fixture(text: &str) -> Vec<(Vec<&str>, Net, Rows)> {
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let case: Vec<&str> = cols[0].split(' ').collect();
            let n = net(case[0], case[1], case[2]);
            let data = rows(n.loss);
            (cols, n, data)
        })
        .collect()
}

/// Numbers separated by spaces.
fn numbers(text: &str) -> Vec<f64> {
    text.split(' ').map(|v| v.parse().unwrap()).collect()
}

#[test]
fn loss_and_gradient_equal_torchs() {
    let mut cases = 0;
    for (cols, n, data) in fixture(include_str!("../../../tests/reference/net.csv")) {
        n.check(&data).unwrap();
        let subset = (cols[1] == "subset").then_some(&SUBSET[..]);
        let want = numbers(cols[3]);
        let theta = theta(n.parameters());
        assert_eq!(want.len(), theta.len(), "{}", cols[0]);
        let mut grad = vec![0.0; theta.len()];
        let loss = n.gradient(&theta, &data, subset, &mut grad, &mut n.work());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-3);
        let torch_loss: f64 = cols[2].parse().unwrap();
        assert!(
            close(loss, torch_loss),
            "{}: {loss} vs {torch_loss}",
            cols[0]
        );
        for (i, (g, w)) in grad.iter().zip(&want).enumerate() {
            assert!(
                close(*g, *w),
                "{} {}: ∂θ{i} {g} vs torch {w}",
                cols[0],
                cols[1]
            );
        }
        let (again, _) = n.loss(&theta, &data, subset, &mut n.work());
        assert!(close(again, torch_loss));
        cases += 1;
    }
    assert_eq!(
        cases, 24,
        "3 losses × 4 activations × all rows and a mini-batch"
    );
}

#[test]
fn the_gradient_is_the_slope_central_differences_see() {
    for (text, loss) in [("3-6-5-1", "bce"), ("3-4-4-3", "ce"), ("3-7-1", "mse")] {
        for activation in ["tanh", "sigmoid", "linear"] {
            let n = net(text, activation, loss);
            let mut data = rows(n.loss);
            // A third feature, so the first layer is not square.
            data.features = 3;
            data.x = (0..ROWS * 3).map(|k| (0.37 * k as f64).sin()).collect();
            let theta = n.init(7);
            let mut grad = vec![0.0; theta.len()];
            let mut work = n.work();
            n.gradient(&theta, &data, None, &mut grad, &mut work);
            for i in 0..theta.len() {
                let h = 1e-5;
                let mut at = |d: f64| {
                    let mut t = theta.clone();
                    t[i] += d;
                    n.loss(&t, &data, None, &mut work).0
                };
                let fd = (at(h) - at(-h)) / (2.0 * h);
                assert!(
                    (grad[i] - fd).abs() <= 1e-7 * grad[i].abs().max(1e-2),
                    "{text} {activation} {loss}: ∂θ{i} {} vs {fd}",
                    grad[i]
                );
            }
        }
    }
}

#[test]
fn initial_weights_are_uniform_within_one_over_root_fan_in() {
    let n = net("2-16-16-1", "tanh", "bce");
    assert_eq!(n.parameters(), 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1);
    let theta = n.init(0);
    assert_eq!(theta, n.init(0), "the same seed, the same network");
    assert_ne!(theta, n.init(1));
    // The second layer's 272 numbers lie within ±1/4 and fill it (a uniform's spread).
    let second = &theta[48..48 + 272];
    assert!(second.iter().all(|w| w.abs() < 0.25));
    let var = second.iter().map(|w| w * w).sum::<f64>() / 272.0;
    assert!((var - 0.25 * 0.25 / 3.0).abs() < 0.003, "{var}");
}

#[test]
fn accuracy_counts_the_rows_predicted_right() {
    // One input, one logit equal to it: class 1 exactly where x > 0.
    let n = net("1-1", "linear", "bce");
    let data = Rows {
        features: 1,
        x: vec![-2.0, -1.0, 0.5, 3.0],
        y: vec![0.0, 1.0, 1.0, 1.0],
    };
    let (loss, accuracy) = n.loss(&[1.0, 0.0], &data, None, &mut n.work());
    assert_eq!(accuracy, Some(0.75));
    let softplus = |z: f64| (1.0 + z.exp()).ln();
    let want = (softplus(-2.0) + softplus(1.0) + softplus(-0.5) + softplus(-3.0)) / 4.0;
    assert!((loss - want).abs() < 1e-15);
}

#[test]
fn bad_shapes_and_data_are_refused_with_the_reason() {
    for bad in ["2--1", "x-4-1", "2", "", "2-4-", "-2-1", "+2-1"] {
        assert_eq!(
            widths(bad),
            Err(NetError::Malformed(bad.to_string())),
            "{bad}"
        );
    }
    assert_eq!(
        widths("2-0-1").unwrap_err().to_string(),
        "'2-0-1': a layer of width 0 has no neurons"
    );
    let e = Net::new(vec![2, 400, 400, 1], Activation::Tanh, Loss::Bce).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a network has at most 100000 parameters; 2-400-400-1 has 162001"
    );
    assert!(Net::new(vec![usize::MAX, 2], Activation::Tanh, Loss::Bce).is_err());
    assert_eq!(
        "swish".parse::<Activation>().unwrap_err().to_string(),
        "unknown activation 'swish': choose tanh, relu, sigmoid or linear"
    );
    assert!("hinge".parse::<Loss>().is_err());
    let refused = |text: &str, loss: Loss, data: &Rows| {
        Net::new(widths(text).unwrap(), Activation::Tanh, loss)
            .unwrap()
            .check(data)
            .unwrap_err()
            .to_string()
    };
    let two = rows(Loss::Bce);
    assert_eq!(
        refused("3-4-1", Loss::Bce, &two),
        "the network takes 3 inputs, but the data has 2 features"
    );
    assert_eq!(
        refused("2-4-2", Loss::Bce, &two),
        "bce needs 1 outputs; the network has 2"
    );
    assert!(refused("2-4-1", Loss::Ce, &two).starts_with("ce needs one per class"));
    let mut classes = rows(Loss::Ce);
    classes.y[4] = 3.0;
    assert_eq!(
        refused("2-4-3", Loss::Ce, &classes),
        "row 5: ce needs a class 0 to 2, got 3"
    );
    classes.y[4] = 0.5;
    assert!(refused("2-4-3", Loss::Ce, &classes).contains("got 0.5"));
    let one = Rows {
        y: vec![1.0; ROWS],
        ..two.clone()
    };
    assert_eq!(
        refused("2-4-1", Loss::Bce, &one),
        "every row is class 1: a classifier needs two classes at least"
    );
}

#[test]
fn training_equals_torchs_step_for_step() {
    use crate::core::objective::Network;
    use crate::core::optim::{Hyper, Kind, VectorOptimizer};
    let mut cases = 0;
    for (cols, n, data) in fixture(include_str!("../../../tests/reference/train.csv")) {
        let kind: Kind = cols[0].split(' ').nth(3).unwrap().parse().unwrap();
        let hyper = match kind {
            Kind::Gd => Hyper {
                lr: 0.1,
                ..Hyper::defaults(kind)
            },
            Kind::Momentum | Kind::Nesterov => Hyper {
                lr: 0.05,
                momentum: 0.9,
                ..Hyper::defaults(kind)
            },
            Kind::AdamW => Hyper {
                lr: 0.01,
                weight_decay: 0.1,
                ..Hyper::defaults(kind)
            },
            _ => Hyper {
                lr: 0.01,
                ..Hyper::defaults(kind)
            },
        };
        let mut theta = theta(n.parameters());
        let mut opt = VectorOptimizer::new(kind, hyper, theta.len()).unwrap();
        let mut work = n.work();
        let want_losses = numbers(cols[1]);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b.abs().max(1e-2);
        for (step, want) in want_losses.iter().enumerate() {
            let k = step.saturating_sub(50) as u32;
            let batch: Vec<u32> = (0..4).map(|j| (5 * k + 3 * j) % ROWS as u32).collect();
            let rows = (step >= 50).then_some(&batch[..]);
            let mut f = Network::new(&n, &data, rows, &mut work);
            let loss = opt.step(&mut theta, &mut f);
            assert!(
                close(loss, *want),
                "{}: step {step} loss {loss} vs torch {want}",
                cols[0]
            );
        }
        let want = numbers(cols[2]);
        for (i, (a, b)) in theta.iter().zip(&want).enumerate() {
            assert!(close(*a, *b), "{}: θ{i} {a} vs torch {b}", cols[0]);
        }
        cases += 1;
    }
    assert_eq!(cases, 36, "6 optimizers × 2 activations × 3 losses");
}

#[test]
fn built_in_classes_are_balanced_seeded_and_where_their_shapes_say() {
    for c in &classes::CLASSES {
        let rows = c.generate(3, 0.1);
        assert_eq!((rows.len(), rows.features), (c.rows, 2), "{}", c.name);
        assert_eq!(
            rows,
            c.generate(3, 0.1),
            "{}: the same seed, the same rows",
            c.name
        );
        assert_ne!(rows, c.generate(4, 0.1), "{}", c.name);
        for k in 0..c.classes {
            let count = rows.y.iter().filter(|&&y| y == k as f64).count();
            assert_eq!(count, c.rows / c.classes, "{} class {k}", c.name);
        }
        let net = Net::new(
            vec![2, 4, if c.classes > 2 { c.classes } else { 1 }],
            Activation::Tanh,
            c.loss,
        )
        .unwrap();
        assert_eq!(net.check(&rows), Ok(()), "{}", c.name);
    }
    // Without noise the moons lie on their circles, the circles at radius 1 and ½.
    let radius = |rows: &Rows, r: usize, centre: [f64; 2]| {
        (rows.x[2 * r] - centre[0]).hypot(rows.x[2 * r + 1] - centre[1])
    };
    let moons = classes::find("moons").unwrap().generate(0, 0.0);
    let circles = classes::find("circles").unwrap().generate(0, 0.0);
    for r in 0..200usize {
        let (centre, want) = if r.is_multiple_of(2) {
            ([0.0, 0.0], 1.0)
        } else {
            ([1.0, 0.5], 1.0)
        };
        assert!((radius(&moons, r, centre) - want).abs() < 1e-12);
        let want = if r.is_multiple_of(2) { 1.0 } else { 0.5 };
        assert!((radius(&circles, r, [0.0, 0.0]) - want).abs() < 1e-12);
    }
    // XOR's class is whether the signs differ.
    let xor = classes::find("xor").unwrap().generate(0, 0.0);
    for r in 0..200 {
        let differ = (xor.x[2 * r] * xor.x[2 * r + 1] < 0.0) as u8 as f64;
        assert_eq!(xor.y[r], differ);
    }
}

/// λ_min and λ_max of the Hessian at θ equal torch's (`want`: the two as text) to 1e-8 of
/// the larger.
fn assert_extremes(n: &Net, theta: &[f64], data: &Rows, want: &[&str], case: &str) {
    let (lo, hi) = n.extremes(theta, data, None).unwrap();
    let (want_lo, want_hi): (f64, f64) = (want[0].parse().unwrap(), want[1].parse().unwrap());
    let tol = 1e-8 * want_hi.abs().max(want_lo.abs());
    assert!(
        (lo - want_lo).abs() <= tol,
        "{case}: λ_min {lo} vs torch {want_lo}"
    );
    assert!(
        (hi - want_hi).abs() <= tol,
        "{case}: λ_max {hi} vs torch {want_hi}"
    );
}

#[test]
fn hessian_vector_products_and_extreme_eigenvalues_equal_torchs() {
    let mut cases = 0;
    for (cols, n, data) in fixture(include_str!("../../../tests/reference/hessian.csv")) {
        let theta = theta(n.parameters());
        let v: Vec<f64> = (0..theta.len()).map(|i| (0.3 * i as f64).cos()).collect();
        let mut hv = vec![0.0; theta.len()];
        n.hessian_vector(&theta, &v, &data, None, &mut hv);
        let want = numbers(cols[3]);
        let scale = want.iter().fold(0.0f64, |m, w| m.max(w.abs()));
        for (i, (a, b)) in hv.iter().zip(&want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-12 * scale,
                "{}: (Hv){i} {a} vs torch {b}",
                cols[0]
            );
        }
        assert_extremes(&n, &theta, &data, &cols[1..3], cols[0]);
        cases += 1;
    }
    assert_eq!(cases, 12, "3 losses × 4 activations");
}

#[test]
fn a_hessian_vector_product_is_the_gradients_change_along_v() {
    for (text, loss, activation) in [
        ("3-6-5-1", "bce", "tanh"),
        ("3-4-4-3", "ce", "sigmoid"),
        ("3-7-1", "mse", "tanh"),
    ] {
        let n = net(text, activation, loss);
        let mut data = rows(n.loss);
        data.features = 3;
        data.x = (0..ROWS * 3).map(|k| (0.37 * k as f64).sin()).collect();
        let theta = n.init(5);
        let v: Vec<f64> = (0..theta.len()).map(|i| (1.1 * i as f64).sin()).collect();
        let mut hv = vec![0.0; theta.len()];
        n.hessian_vector(&theta, &v, &data, Some(&SUBSET), &mut hv);
        let grad_at = |t: f64| {
            let moved: Vec<f64> = theta.iter().zip(&v).map(|(a, b)| a + t * b).collect();
            let mut g = vec![0.0; theta.len()];
            n.gradient(&moved, &data, Some(&SUBSET), &mut g, &mut n.work());
            g
        };
        let (up, down, h) = (grad_at(1e-5), grad_at(-1e-5), 1e-5);
        for i in 0..theta.len() {
            let fd = (up[i] - down[i]) / (2.0 * h);
            assert!(
                (hv[i] - fd).abs() <= 1e-6 * hv[i].abs().max(1e-2),
                "{text} {loss}: (Hv){i} {} vs {fd}",
                hv[i]
            );
        }
    }
}

#[test]
fn an_undefined_parameter_leaves_the_loss_undefined_through_every_activation() {
    for activation in ["tanh", "relu", "sigmoid", "linear"] {
        for loss in ["bce", "mse"] {
            let n = net("2-3-1", activation, loss);
            let data = rows(n.loss);
            let mut theta = theta(n.parameters());
            // The first hidden neuron's first weight.
            theta[0] = f64::NAN;
            let mut grad = vec![0.0; theta.len()];
            let value = n.gradient(&theta, &data, None, &mut grad, &mut n.work());
            assert!(value.is_nan(), "{activation} {loss}: {value}");
        }
    }
}

#[test]
fn the_sharpness_of_networks_beyond_the_full_hessian_equals_torchs() {
    // tests/reference/sharpness.csv: torch's full Hessian's extreme eigenvalues; here Lanczos.
    let text = include_str!("../../../tests/reference/sharpness.csv");
    let mut cases = 0;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let case: Vec<&str> = cols[0].split(' ').collect();
        let n = net(case[0], case[1], case[2]);
        assert!(n.parameters() > MAX_HESSIAN, "{}", cols[0]);
        let data = rows_of(n.loss, cols[1].parse().unwrap());
        assert_extremes(&n, &theta(n.parameters()), &data, &cols[2..4], cols[0]);
        cases += 1;
    }
    assert_eq!(cases, 2);
}

#[test]
fn a_plane_is_filter_normalised_and_sliced_where_it_says() {
    let n = net("2-5-4-1", "tanh", "bce");
    let data = rows(Loss::Bce);
    let theta = n.init(2);
    let plane = n.random_plane(&theta, 9);
    for d in &plane.directions {
        for (n_in, n_out, at) in n.layers() {
            for o in 0..n_out {
                let row = at + o * n_in..at + (o + 1) * n_in;
                let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
                let (a, b) = (norm(&d[row.clone()]), norm(&theta[row]));
                assert!(
                    (a - b).abs() <= 1e-14 * b,
                    "neuron {o} of the layer at {at}"
                );
            }
            // Bias directions are zero.
            assert!(
                d[at + n_in * n_out..at + n_in * n_out + n_out]
                    .iter()
                    .all(|v| *v == 0.0)
            );
        }
    }
    assert_ne!(plane.directions[0], plane.directions[1]);
    let counted = std::sync::atomic::AtomicUsize::new(0);
    let count = || {
        counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    };
    let points = n.slice(&data, &plane, 0.5, 5, &count);
    assert_eq!(counted.into_inner(), 25, "every point is reported done");
    assert_eq!(points.len(), 25);
    assert_eq!((points[0][0], points[0][1]), (-0.5, -0.5));
    assert_eq!((points[24][0], points[24][1]), (0.5, 0.5));
    for [alpha, beta, loss] in points {
        let at: Vec<f64> = (0..theta.len())
            .map(|i| theta[i] + alpha * plane.directions[0][i] + beta * plane.directions[1][i])
            .collect();
        assert_eq!(
            loss,
            n.loss(&at, &data, None, &mut n.work()).0,
            "({alpha}, {beta})"
        );
    }
}

#[test]
fn principal_directions_are_where_a_path_spreads_most() {
    // Points u·a + w·b + c with a spread 3 times b's: the components are ±u, then ±w.
    let n = 7;
    let u: Vec<f64> = (0..n)
        .map(|i| {
            if i == 1 {
                0.6
            } else if i == 4 {
                0.8
            } else {
                0.0
            }
        })
        .collect();
    let w: Vec<f64> = (0..n).map(|i| if i == 2 { 1.0 } else { 0.0 }).collect();
    let points: Vec<Vec<f64>> = (0..40)
        .map(|k| {
            let (a, b) = (3.0 * (0.7 * k as f64).sin(), (1.3 * k as f64).cos());
            (0..n)
                .map(|i| u[i] * a + w[i] * b + 0.25 * i as f64)
                .collect()
        })
        .collect();
    let [first, second] = plane::principal_directions(&points).unwrap();
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    // In the plane of u and w, the sample covariance of (a, b) is a 2 × 2 matrix whose
    // eigenvectors are at the angle ½·atan2(2·S_ab, S_aa − S_bb) and a right angle from it.
    let coords: Vec<[f64; 2]> = points.iter().map(|p| [dot(p, &u), dot(p, &w)]).collect();
    let mean = |i: usize| coords.iter().map(|c| c[i]).sum::<f64>() / coords.len() as f64;
    let (ma, mb) = (mean(0), mean(1));
    let s = |f: &dyn Fn(&[f64; 2]) -> f64| coords.iter().map(f).sum::<f64>();
    let saa = s(&|c| (c[0] - ma) * (c[0] - ma));
    let sbb = s(&|c| (c[1] - mb) * (c[1] - mb));
    let sab = s(&|c| (c[0] - ma) * (c[1] - mb));
    let angle = 0.5 * (2.0 * sab).atan2(saa - sbb);
    let along = |t: f64| -> Vec<f64> { (0..n).map(|i| t.cos() * u[i] + t.sin() * w[i]).collect() };
    let (want1, want2) = (along(angle), along(angle + std::f64::consts::FRAC_PI_2));
    assert!(
        (dot(&first, &want1).abs() - 1.0).abs() < 1e-9,
        "{first:?} vs {want1:?}"
    );
    assert!(
        (dot(&second, &want2).abs() - 1.0).abs() < 1e-9,
        "{second:?} vs {want2:?}"
    );
    assert!(dot(&first, &second).abs() < 1e-12);
    let line: Vec<Vec<f64>> = (0..5).map(|k| vec![k as f64, 2.0 * k as f64]).collect();
    assert_eq!(
        plane::principal_directions(&line),
        None,
        "a line spreads one way only"
    );
}
