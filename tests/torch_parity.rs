//! Trajectories equal PyTorch's (float64) to 1e-9: the fixtures in tests/torch/ were written by
//! `python3 tests/torch/reference.py` with torch.optim and torch.optim.lr_scheduler.

use gradscape::core::expr::Formula;
use gradscape::core::optim::schedule::Schedule;
use gradscape::core::optim::{Hyper, Kind, Optimizer};

/// Every fixture: its name, and the optimizer with the hyperparameters reference.py used.
fn cases() -> Vec<(&'static str, Kind, Hyper)> {
    let d = Hyper::defaults;
    let (adam, rms, mom) = (d(Kind::Adam), d(Kind::RmsProp), d(Kind::Momentum));
    vec![
        (
            "gd",
            Kind::Gd,
            Hyper {
                lr: 2e-4,
                ..d(Kind::Gd)
            },
        ),
        (
            "momentum",
            Kind::Momentum,
            Hyper {
                lr: 1e-4,
                ..mom.clone()
            },
        ),
        (
            "nesterov",
            Kind::Nesterov,
            Hyper {
                lr: 1e-4,
                ..d(Kind::Nesterov)
            },
        ),
        (
            "sgd_dampening_wd",
            Kind::Momentum,
            Hyper {
                lr: 1e-4,
                momentum: 0.5,
                dampening: 0.3,
                weight_decay: 0.1,
                ..mom.clone()
            },
        ),
        (
            "adagrad",
            Kind::Adagrad,
            Hyper {
                lr: 0.1,
                lr_decay: 0.01,
                weight_decay: 0.01,
                ..d(Kind::Adagrad)
            },
        ),
        (
            "rmsprop",
            Kind::RmsProp,
            Hyper {
                lr: 0.01,
                ..rms.clone()
            },
        ),
        (
            "rmsprop_centered_momentum",
            Kind::RmsProp,
            Hyper {
                lr: 0.001,
                momentum: 0.5,
                centered: true,
                weight_decay: 0.01,
                ..rms.clone()
            },
        ),
        (
            "adam",
            Kind::Adam,
            Hyper {
                lr: 0.05,
                ..adam.clone()
            },
        ),
        (
            "adam_l2",
            Kind::Adam,
            Hyper {
                lr: 0.01,
                beta1: 0.8,
                beta2: 0.99,
                eps: 1e-6,
                weight_decay: 0.1,
                ..adam.clone()
            },
        ),
        (
            "adamw",
            Kind::AdamW,
            Hyper {
                lr: 0.05,
                weight_decay: 0.05,
                ..d(Kind::AdamW)
            },
        ),
        (
            "amsgrad",
            Kind::AmsGrad,
            Hyper {
                lr: 0.05,
                ..d(Kind::AmsGrad)
            },
        ),
        (
            "adam_step_lr",
            Kind::Adam,
            Hyper {
                lr: 0.05,
                schedule: Schedule::Step {
                    every: 50,
                    gamma: 0.5,
                },
                ..adam.clone()
            },
        ),
        (
            "adam_cosine",
            Kind::Adam,
            Hyper {
                lr: 0.05,
                schedule: Schedule::Cosine {
                    period: 100,
                    min_lr: 0.001,
                },
                ..adam
            },
        ),
        (
            "momentum_exp",
            Kind::Momentum,
            Hyper {
                lr: 1e-4,
                schedule: Schedule::Exponential { gamma: 0.99 },
                ..mom
            },
        ),
        (
            "rmsprop_warmup",
            Kind::RmsProp,
            Hyper {
                lr: 0.01,
                schedule: Schedule::Warmup {
                    steps: 20,
                    start_factor: 0.1,
                },
                ..rms
            },
        ),
    ]
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
