//! Trajectories equal PyTorch's (float64) to 1e-9: the fixtures in tests/torch/ were written by
//! `python3 tests/torch/reference.py` with torch.optim and torch.optim.lr_scheduler.

use gradscape::core::expr::Formula;
use gradscape::core::optim::schedule::Schedule;
use gradscape::core::optim::{Field, Hyper, Kind, Optimizer};

/// Every fixture: its name, the optimizer, and the hyperparameters (torch names) and
/// schedule reference.py used; unnamed ones are torch's defaults.
#[allow(clippy::type_complexity)]
const CASES: [(&str, Kind, &[(&str, f64)], &str); 15] = [
    ("gd", Kind::Gd, &[("lr", 2e-4)], "constant"),
    ("momentum", Kind::Momentum, &[("lr", 1e-4)], "constant"),
    ("nesterov", Kind::Nesterov, &[("lr", 1e-4)], "constant"),
    (
        "sgd_dampening_wd",
        Kind::Momentum,
        &[
            ("lr", 1e-4),
            ("momentum", 0.5),
            ("dampening", 0.3),
            ("weight_decay", 0.1),
        ],
        "constant",
    ),
    (
        "adagrad",
        Kind::Adagrad,
        &[("lr", 0.1), ("lr_decay", 0.01), ("weight_decay", 0.01)],
        "constant",
    ),
    ("rmsprop", Kind::RmsProp, &[("lr", 0.01)], "constant"),
    (
        "rmsprop_centered_momentum",
        Kind::RmsProp,
        &[
            ("lr", 0.001),
            ("momentum", 0.5),
            ("centered", 1.0),
            ("weight_decay", 0.01),
        ],
        "constant",
    ),
    ("adam", Kind::Adam, &[("lr", 0.05)], "constant"),
    (
        "adam_l2",
        Kind::Adam,
        &[
            ("lr", 0.01),
            ("beta1", 0.8),
            ("beta2", 0.99),
            ("eps", 1e-6),
            ("weight_decay", 0.1),
        ],
        "constant",
    ),
    (
        "adamw",
        Kind::AdamW,
        &[("lr", 0.05), ("weight_decay", 0.05)],
        "constant",
    ),
    ("amsgrad", Kind::AmsGrad, &[("lr", 0.05)], "constant"),
    ("adam_step_lr", Kind::Adam, &[("lr", 0.05)], "step:50:0.5"),
    (
        "adam_cosine",
        Kind::Adam,
        &[("lr", 0.05)],
        "cosine:100:0.001",
    ),
    ("momentum_exp", Kind::Momentum, &[("lr", 1e-4)], "exp:0.99"),
    (
        "rmsprop_warmup",
        Kind::RmsProp,
        &[("lr", 0.01)],
        "warmup:20:0.1",
    ),
];

/// The cases as optimizers' settings, built through the one hyperparameter table.
fn cases() -> Vec<(&'static str, Kind, Hyper)> {
    CASES
        .iter()
        .map(|&(name, kind, given, schedule)| {
            let mut h = Hyper::defaults(kind);
            for &(field, v) in given {
                Field::by_name(field).unwrap().set(&mut h, v).unwrap();
            }
            h.schedule = schedule.parse::<Schedule>().unwrap();
            (name, kind, h)
        })
        .collect()
}

fn fixture(name: &str) -> Vec<[f64; 2]> {
    let path = format!("{}/tests/torch/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("step"))
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            [v[1], v[2]]
        })
        .collect()
}

#[test]
fn trajectories_equal_pytorch_to_1e_9() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let mut worst = (0.0f64, "");
    let cases = cases();
    assert_eq!(cases.len(), 15);
    for (name, kind, hyper) in cases {
        let want = fixture(name);
        assert_eq!(want.len(), 201, "{name}");
        let mut opt = Optimizer::new(kind, hyper);
        let mut x = want[0];
        for (step, w) in want.iter().enumerate().skip(1) {
            x = opt.step(x, &f).to;
            for i in 0..2 {
                let err = (x[i] - w[i]).abs() / w[i].abs().max(1.0);
                if err > worst.0 {
                    worst = (err, name);
                }
                assert!(err <= 1e-9, "{name} step {step}: {x:?} vs torch {w:?}");
            }
        }
    }
    eprintln!(
        "largest relative difference from PyTorch: {:.1e} ({})",
        worst.0, worst.1
    );
}
