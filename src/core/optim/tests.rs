//! Each optimizer against steps derived by hand on f = x² + 3y² (∇f = (2x, 6y)).

use super::run::{Run, Status, StopRules};
use super::schedule::Schedule;
use super::*;

fn bowl() -> Formula {
    Formula::parse("x^2 + 3*y^2").unwrap()
}

fn grad(p: [f64; 2]) -> [f64; 2] {
    [2.0 * p[0], 6.0 * p[1]]
}

fn steps(kind: Kind, hyper: Hyper, n: usize) -> Vec<[f64; 2]> {
    let f = bowl();
    let mut opt = Optimizer::new(kind, hyper);
    let mut x = [1.0, 1.0];
    (0..n)
        .map(|_| {
            x = opt.step(x, &f).to;
            x
        })
        .collect()
}

/// A run of `kind` at rate `lr` from `start`, with the default stop rules.
fn run(kind: Kind, lr: f64, start: [f64; 2], f: &Formula) -> Run {
    let hyper = Hyper {
        lr,
        ..Hyper::default()
    };
    Run::new(Optimizer::new(kind, hyper), start, StopRules::default(), f)
}

fn assert_close(got: [f64; 2], want: [f64; 2]) {
    for i in 0..2 {
        assert!(
            (got[i] - want[i]).abs() <= 1e-14 * want[i].abs().max(1.0),
            "{got:?} vs {want:?}"
        );
    }
}

#[test]
fn gradient_descent() {
    let h = Hyper {
        lr: 0.1,
        ..Hyper::defaults(Kind::Gd)
    };
    let xs = steps(Kind::Gd, h, 2);
    assert_eq!(xs[0], [1.0 - 0.1 * 2.0, 1.0 - 0.1 * 6.0]);
    assert_close(
        xs[1],
        [
            xs[0][0] - 0.1 * 2.0 * xs[0][0],
            xs[0][1] - 0.1 * 6.0 * xs[0][1],
        ],
    );
}

#[test]
fn heavy_ball_momentum_starts_its_buffer_at_g() {
    let h = Hyper {
        lr: 0.1,
        ..Hyper::defaults(Kind::Momentum)
    };
    let xs = steps(Kind::Momentum, h, 2);
    assert_close(xs[0], [0.8, 0.4]);
    // b₂ = 0.9·(2, 6) + (1.6, 2.4)
    assert_close(xs[1], [0.8 - 0.1 * 3.4, 0.4 - 0.1 * 7.8]);
}

#[test]
fn nesterov_looks_ahead_with_the_buffer() {
    let h = Hyper {
        lr: 0.1,
        ..Hyper::defaults(Kind::Nesterov)
    };
    let xs = steps(Kind::Nesterov, h, 2);
    // b₁ = g₁ = (2, 6); direction g₁ + 0.9·b₁ = (3.8, 11.4)
    assert_close(xs[0], [1.0 - 0.38, 1.0 - 1.14]);
    let g2 = grad(xs[0]);
    let b2 = [0.9 * 2.0 + g2[0], 0.9 * 6.0 + g2[1]];
    assert_close(
        xs[1],
        [
            xs[0][0] - 0.1 * (g2[0] + 0.9 * b2[0]),
            xs[0][1] - 0.1 * (g2[1] + 0.9 * b2[1]),
        ],
    );
}

#[test]
fn sgd_with_dampening_and_weight_decay() {
    let h = Hyper {
        lr: 0.1,
        momentum: 0.5,
        dampening: 0.5,
        weight_decay: 0.1,
        ..Hyper::defaults(Kind::Momentum)
    };
    let xs = steps(Kind::Momentum, h, 2);
    // g₁ = (2, 6) + 0.1·(1, 1); buffer starts at g₁ undamped
    let g1 = [2.1, 6.1];
    assert_close(xs[0], [1.0 - 0.1 * g1[0], 1.0 - 0.1 * g1[1]]);
    let g2 = [
        2.0 * xs[0][0] + 0.1 * xs[0][0],
        6.0 * xs[0][1] + 0.1 * xs[0][1],
    ];
    let b2 = [0.5 * g1[0] + 0.5 * g2[0], 0.5 * g1[1] + 0.5 * g2[1]];
    assert_close(xs[1], [xs[0][0] - 0.1 * b2[0], xs[0][1] - 0.1 * b2[1]]);
}

#[test]
fn adagrad() {
    let h = Hyper {
        lr: 0.5,
        lr_decay: 0.1,
        ..Hyper::defaults(Kind::Adagrad)
    };
    let xs = steps(Kind::Adagrad, h, 2);
    let eps = 1e-10;
    let want1 = [1.0 - 0.5 * 2.0 / (2.0 + eps), 1.0 - 0.5 * 6.0 / (6.0 + eps)];
    assert_close(xs[0], want1);
    let g2 = grad(want1);
    let clr = 0.5 / (1.0 + 0.1);
    let sum = [4.0 + g2[0] * g2[0], 36.0 + g2[1] * g2[1]];
    assert_close(
        xs[1],
        [
            want1[0] - clr * g2[0] / (sum[0].sqrt() + eps),
            want1[1] - clr * g2[1] / (sum[1].sqrt() + eps),
        ],
    );
}

#[test]
fn rmsprop_plain_centered_and_with_momentum() {
    let eps = 1e-8;
    let h = Hyper {
        lr: 0.01,
        ..Hyper::defaults(Kind::RmsProp)
    };
    let xs = steps(Kind::RmsProp, h.clone(), 1);
    // v = 0.01·g², so g/√v = 10 per coordinate (up to ε)
    assert_close(
        xs[0],
        [
            1.0 - 0.01 * 2.0 / ((0.01f64 * 4.0).sqrt() + eps),
            1.0 - 0.01 * 6.0 / ((0.01f64 * 36.0).sqrt() + eps),
        ],
    );

    let centered = steps(
        Kind::RmsProp,
        Hyper {
            centered: true,
            ..h.clone()
        },
        1,
    );
    // v − ḡ² = 0.01·g² − 0.0001·g² = 0.0099·g²
    assert_close(
        centered[0],
        [
            1.0 - 0.01 * 2.0 / ((0.0099f64 * 4.0).sqrt() + eps),
            1.0 - 0.01 * 6.0 / ((0.0099f64 * 36.0).sqrt() + eps),
        ],
    );

    let mom = steps(Kind::RmsProp, Hyper { momentum: 0.9, ..h }, 2);
    let b1 = [
        2.0 / ((0.04f64).sqrt() + eps),
        6.0 / ((0.36f64).sqrt() + eps),
    ];
    let x1 = [1.0 - 0.01 * b1[0], 1.0 - 0.01 * b1[1]];
    assert_close(mom[0], x1);
    let g2 = grad(x1);
    let v2 = [
        0.99 * 0.04 + 0.01 * g2[0] * g2[0],
        0.99 * 0.36 + 0.01 * g2[1] * g2[1],
    ];
    let b2 = [
        0.9 * b1[0] + g2[0] / (v2[0].sqrt() + eps),
        0.9 * b1[1] + g2[1] / (v2[1].sqrt() + eps),
    ];
    assert_close(mom[1], [x1[0] - 0.01 * b2[0], x1[1] - 0.01 * b2[1]]);
}

/// Adam written from the paper's equations, independently of the implementation's order.
fn adam_by_hand(lr: f64, wd: f64, decoupled: bool, amsgrad: bool, n: usize) -> Vec<[f64; 2]> {
    let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
    let (mut x, mut m, mut v, mut vmax) = ([1.0, 1.0], [0.0; 2], [0.0; 2], [0.0f64; 2]);
    let mut out = vec![];
    for t in 1..=n as i32 {
        let mut g = grad(x);
        for i in 0..2 {
            if decoupled {
                x[i] -= lr * wd * x[i];
            } else {
                g[i] += wd * x[i];
            }
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            vmax[i] = vmax[i].max(v[i]);
            let mhat = m[i] / (1.0 - b1.powi(t));
            let vhat = if amsgrad { vmax[i] } else { v[i] } / (1.0 - b2.powi(t));
            x[i] -= lr * mhat / (vhat.sqrt() + eps);
        }
        out.push(x);
    }
    out
}

fn assert_trajectory(got: &[[f64; 2]], want: &[[f64; 2]]) {
    for (g, w) in got.iter().zip(want) {
        for i in 0..2 {
            assert!((g[i] - w[i]).abs() <= 1e-12, "{g:?} vs {w:?}");
        }
    }
}

#[test]
fn adam_family_matches_the_equations() {
    let h = Hyper {
        lr: 0.1,
        ..Hyper::defaults(Kind::Adam)
    };
    let adam = steps(Kind::Adam, h.clone(), 50);
    // First Adam step is α·sign(g) (up to ε): the bias correction makes m̂ = g, v̂ = g².
    assert!((adam[0][0] - 0.9).abs() < 1e-8 && (adam[0][1] - 0.9).abs() < 1e-8);
    assert_trajectory(&adam, &adam_by_hand(0.1, 0.0, false, false, 50));
    let l2 = steps(
        Kind::Adam,
        Hyper {
            weight_decay: 0.05,
            ..h.clone()
        },
        50,
    );
    assert_trajectory(&l2, &adam_by_hand(0.1, 0.05, false, false, 50));
    let adamw = steps(
        Kind::AdamW,
        Hyper {
            weight_decay: 0.05,
            ..h.clone()
        },
        50,
    );
    assert_trajectory(&adamw, &adam_by_hand(0.1, 0.05, true, false, 50));
    let ams = steps(Kind::AmsGrad, h, 50);
    assert_trajectory(&ams, &adam_by_hand(0.1, 0.0, false, true, 50));
    assert_ne!(
        ams[49], adam[49],
        "AMSGrad must differ from Adam once v shrinks"
    );
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    let xs = steps(Kind::Newton, Hyper::defaults(Kind::Newton), 1);
    assert_eq!(xs[0], [0.0, 0.0]);
    let damped = steps(
        Kind::Newton,
        Hyper {
            lr: 0.5,
            ..Hyper::defaults(Kind::Newton)
        },
        1,
    );
    assert_close(damped[0], [0.5, 0.5]);
}

/// Newton's 2D step against the same step in 300-bit arithmetic (mpmath 1.3: Rosenbrock's
/// exact derivatives at the same f64 point, `mp.eigsy`, the same factor rule), from points of
/// Rosenbrock's trace, one of them a saddle-free step. The second is the trace's
/// ill-conditioned jump: the closed-form eigensystem lands 3.0e-13 (relative) from it, where
/// nalgebra's general eigensolver, used before, was 7.6e-13 off; the others within 1e-15.
#[test]
#[allow(clippy::excessive_precision)] // mpmath's 20 digits, as it printed them
fn newton_steps_agree_with_300_bit_arithmetic() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    for (from, want) in [
        ([-1.5, 2.0], [-1.4509803921568627451, 2.1029411764705882353]),
        (
            [-1.4509803921568625, 2.102941176470587],
            [0.20443378597858132706, -2.6986029283223104699],
        ),
        ([0.5, 2.0], [1.3720719370996028585, 0.48111588057958828495]),
        (
            [0.20588269568890916, 0.04238558504478318],
            [0.99966671559451391587, 0.36924047201002123893],
        ),
    ] {
        let u = Optimizer::with_defaults(Kind::Newton).step(from, &f);
        for i in 0..2 {
            let rel = ((u.to[i] - want[i]) / want[i]).abs();
            assert!(rel < 5e-13, "from {from:?}: {:?} against {want:?}", u.to);
        }
    }
}

#[test]
fn newton_walks_away_from_a_saddle_and_says_so() {
    let f = Formula::parse("x^2 - y^2").unwrap();
    let mut opt = Optimizer::with_defaults(Kind::Newton);
    let u = opt.step([0.5, 0.1], &f);
    // Plain Newton would jump to the saddle (0, 0); saddle-free Newton moves y away from it.
    assert_close(u.to, [0.0, 0.2]);
    assert_eq!(u.note, Some(Note::SaddleFree));
    assert!(
        Note::SaddleFree
            .to_string()
            .contains("not positive definite")
    );
}

#[test]
fn nelder_mead_finds_the_bowl_minimum_without_gradients() {
    let f = bowl();
    let mut opt = Optimizer::with_defaults(Kind::NelderMead);
    let mut x = [1.0, 1.0];
    for _ in 0..200 {
        x = opt.step(x, &f).to;
    }
    assert!(x[0].abs() < 1e-6 && x[1].abs() < 1e-6, "{x:?}");
    assert!(opt.simplex().is_some());
}

#[test]
fn noisy_sgd_is_seeded_and_reproducible() {
    let h = Hyper {
        lr: 0.1,
        noise: 0.5,
        seed: 42,
        ..Hyper::defaults(Kind::Sgd)
    };
    let a = steps(Kind::Sgd, h.clone(), 20);
    let b = steps(Kind::Sgd, h.clone(), 20);
    assert_eq!(a, b);
    let c = steps(
        Kind::Sgd,
        Hyper {
            seed: 43,
            ..h.clone()
        },
        20,
    );
    assert_ne!(a, c);
    let clean = steps(Kind::Gd, Hyper { noise: 0.0, ..h }, 1);
    assert_ne!(a[0], clean[0], "noise moves the first step");
}

#[test]
fn schedule_scales_the_learning_rate() {
    let f = bowl();
    let h = Hyper {
        lr: 0.1,
        schedule: Schedule::Step {
            every: 1,
            gamma: 0.5,
        },
        ..Hyper::defaults(Kind::Gd)
    };
    let mut opt = Optimizer::new(Kind::Gd, h);
    assert_eq!(opt.step([1.0, 1.0], &f).lr, 0.1);
    assert_eq!(opt.step([1.0, 1.0], &f).lr, 0.05);
}

#[test]
fn hyperparameters_change_mid_run_without_reset() {
    let f = bowl();
    let mut opt = Optimizer::new(
        Kind::Momentum,
        Hyper {
            lr: 0.1,
            ..Hyper::defaults(Kind::Momentum)
        },
    );
    let x1 = opt.step([1.0, 1.0], &f).to;
    opt.hyper.lr = 0.01;
    let u = opt.step(x1, &f);
    // Buffer kept: b₂ = 0.9·(2, 6) + ∇f(x₁), applied with the new rate.
    let g2 = grad(x1);
    assert_close(
        u.to,
        [x1[0] - 0.01 * (1.8 + g2[0]), x1[1] - 0.01 * (5.4 + g2[1])],
    );
    assert_eq!(opt.steps(), 2);
}

#[test]
fn updates_expose_terms() {
    let f = bowl();
    let mut opt = Optimizer::new(
        Kind::Adam,
        Hyper {
            lr: 0.1,
            ..Hyper::defaults(Kind::Adam)
        },
    );
    let u = opt.step([1.0, 1.0], &f);
    let term = |name: &str| {
        opt.terms()
            .iter()
            .find(|t| t.name.starts_with(name))
            .map(|t| t.value)
    };
    let mhat = term("m̂").unwrap();
    assert_close(mhat, [2.0, 6.0]);
    assert_eq!(term("m ("), Some([(1.0 - 0.9) * 2.0, (1.0 - 0.9) * 6.0]));
    assert!(term("step").unwrap().iter().all(|s| (s - 0.1).abs() < 1e-8));
    assert!(u.rule.contains("m̂"));
}

#[test]
fn hyperparameter_validation_names_the_field() {
    assert_eq!(
        Hyper {
            lr: -1.0,
            ..Hyper::default()
        }
        .validate()
        .unwrap_err()
        .to_string(),
        "lr must be a number ≥ 0, got -1"
    );
    assert_eq!(
        Hyper {
            beta2: 1.0,
            ..Hyper::default()
        }
        .validate()
        .unwrap_err(),
        HyperError::OutOfRange {
            name: "beta2",
            value: 1.0,
            want: "in [0, 1)"
        }
    );
    assert_eq!(
        Hyper {
            beta2: 1.0,
            ..Hyper::default()
        }
        .validate()
        .unwrap_err()
        .to_string(),
        "beta2 must be in [0, 1), got 1"
    );
    assert!(
        Hyper {
            eps: f64::NAN,
            ..Hyper::default()
        }
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("eps must be")
    );
    assert!(Hyper::defaults(Kind::AdamW).validate().is_ok());
}

#[test]
fn every_optimizer_is_listed_once_in_all() {
    // No wildcard: a new variant does not compile here until it is listed, and then the
    // assertion checks that `Kind::ALL` (the panel's menu, the CLI's values) has it too.
    let listed = |k: Kind| match k {
        Kind::Gd
        | Kind::Sgd
        | Kind::Momentum
        | Kind::Nesterov
        | Kind::Adagrad
        | Kind::RmsProp
        | Kind::Adam
        | Kind::AdamW
        | Kind::AmsGrad
        | Kind::Newton
        | Kind::NelderMead
        | Kind::Annealing
        | Kind::CmaEs
        | Kind::Pso => Kind::ALL.iter().filter(|&&a| a == k).count(),
    };
    for k in Kind::ALL {
        assert_eq!(listed(k), 1, "{k:?}");
    }
}

#[test]
fn kinds_round_trip_by_name() {
    for k in Kind::ALL {
        assert_eq!(k.name().parse::<Kind>(), Ok(k));
    }
    assert!(
        "adamax"
            .parse::<Kind>()
            .unwrap_err()
            .to_string()
            .contains("choose one of gd, sgd")
    );
}

#[test]
fn run_converges_on_a_bowl() {
    let f = bowl();
    let mut run = run(Kind::Gd, 0.1, [1.0, 1.0], &f);
    for _ in 0..1000 {
        run.step(&f);
    }
    assert_eq!(run.status, Status::Converged);
    assert!(run.steps < 200);
}

#[test]
fn run_diverges_cleanly_and_keeps_the_last_finite_point() {
    let f = bowl();
    let mut run = run(Kind::Gd, 1.5, [1.0, 1.0], &f);
    for _ in 0..1000 {
        run.step(&f);
    }
    assert!(
        matches!(run.status, Status::Diverged(ref why) if why.contains("bound")),
        "{:?}",
        run.status
    );
    assert!(run.pos.iter().all(|v| v.is_finite() && v.abs() <= 1e6));
    assert!(run.loss.is_finite());
    let steps = run.steps;
    run.step(&f);
    assert_eq!(run.steps, steps, "a stopped run does not step");
}

#[test]
fn run_into_undefined_region_is_diverged() {
    let f = Formula::parse("ln(x) + y^2").unwrap();
    let mut run = run(Kind::Gd, 10.0, [0.5, 0.0], &f);
    run.step(&f);
    assert!(
        matches!(run.status, Status::Diverged(ref why) if why.contains("not finite")),
        "{:?}",
        run.status
    );
    assert_eq!(run.pos, [0.5, 0.0]);
}

#[test]
fn gd_on_the_exact_ridge_stalls_at_the_saddle() {
    let f = Formula::parse("x^2 - y^2").unwrap();
    let mut run = run(Kind::Gd, 0.1, [1.0, 0.0], &f);
    for _ in 0..1000 {
        run.step(&f);
    }
    assert!(
        matches!(run.status, Status::Stalled(ref why) if why.contains("saddle")),
        "{:?}",
        run.status
    );
}

#[test]
fn plateau_stalls() {
    // Far out on a Gaussian well the gradient is ~1e-40: nothing moves.
    let f = Formula::parse("-exp(-(x^2 + y^2))").unwrap();
    let rules = StopRules {
        grad_tol: 0.0,
        ..StopRules::default()
    };
    let mut run = Run::new(
        Optimizer::new(
            Kind::Gd,
            Hyper {
                lr: 0.1,
                ..Hyper::default()
            },
        ),
        [10.0, 0.0],
        rules,
        &f,
    );
    for _ in 0..600 {
        run.step(&f);
    }
    assert!(
        matches!(run.status, Status::Stalled(ref why) if why.contains("loss changed")),
        "{:?}",
        run.status
    );
}

#[test]
fn step_limit() {
    let f = bowl();
    let rules = StopRules {
        max_steps: Some(5),
        ..StopRules::default()
    };
    let mut run = Run::new(
        Optimizer::new(
            Kind::Gd,
            Hyper {
                lr: 0.01,
                ..Hyper::default()
            },
        ),
        [1.0, 1.0],
        rules,
        &f,
    );
    for _ in 0..10 {
        run.step(&f);
    }
    assert_eq!((run.status.clone(), run.steps), (Status::StepLimit, 5));
}

#[test]
fn finite_difference_paths_stay_within_1e_6_of_the_exact_ones_yet_differ() {
    for (name, kind, lr) in [
        ("rosenbrock", Kind::Adam, 0.05),
        ("himmelblau", Kind::Gd, 0.01),
        ("bowl", Kind::Momentum, 0.05),
    ] {
        let p = crate::core::presets::find(name).unwrap();
        let mut f = Formula::parse(p.formula).unwrap();
        for (n, v) in p.params {
            f.set_param(n, *v);
        }
        let path = |fd: f64| {
            let hyper = Hyper {
                lr,
                fd,
                ..Hyper::defaults(kind)
            };
            let mut r = Run::new(
                Optimizer::new(kind, hyper),
                p.starts[0],
                StopRules::default(),
                &f,
            );
            (0..100)
                .map(|_| {
                    r.step(&f);
                    r.pos
                })
                .collect::<Vec<_>>()
        };
        let (exact, fd) = (path(0.0), path(super::FD_STEP));
        let worst = exact
            .iter()
            .zip(&fd)
            .map(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()))
            .fold(0.0, f64::max);
        assert!(worst < 1e-6 && worst > 0.0, "{name}: {worst:e}");
    }
}

#[test]
fn evaluations_are_counted_as_the_work_they_stand_for() {
    let f = bowl();
    let count = |kind: Kind, fd: f64, steps: usize| {
        let hyper = Hyper {
            lr: 0.1,
            fd,
            ..Hyper::defaults(kind)
        };
        let mut o = Optimizer::new(kind, hyper);
        let mut x = [1.0, 0.5];
        for _ in 0..steps {
            x = o.step(x, &f).to;
        }
        o.evals()
    };
    // Central differences in 2D: 4 evaluations a step; an exact gradient counts the same.
    assert_eq!(count(Kind::Gd, super::FD_STEP, 10), 40);
    assert_eq!(count(Kind::Adam, 0.0, 10), 40);
    // Newton's value, gradient and Hessian: the 3 × 3 stencil, 9.
    assert_eq!(count(Kind::Newton, 0.0, 3), 27);
    // Nelder–Mead pays for the values it looks at: 3 for the first simplex, then 1 to 3.
    let nm = count(Kind::NelderMead, 0.0, 10);
    assert!((3 + 10..=3 + 30).contains(&nm), "{nm}");
}

#[test]
fn every_numeric_field_is_in_the_table_once() {
    // A new field fails to compile here until it is placed: in the table, or (the schedule,
    // which is text) out of it.
    for f in Field::NUMERIC {
        let listed = match f {
            Field::Lr
            | Field::Momentum
            | Field::Dampening
            | Field::Beta1
            | Field::Beta2
            | Field::Eps
            | Field::Alpha
            | Field::Centered
            | Field::WeightDecay
            | Field::LrDecay
            | Field::Noise
            | Field::Seed
            | Field::Batch
            | Field::Fd
            | Field::Population
            | Field::Temperature
            | Field::Cooling => Field::NUMERIC.iter().filter(|&&g| g == f).count(),
            Field::Schedule => 0,
        };
        assert_eq!(listed, 1, "{}", f.name());
        assert_eq!(Field::by_name(f.name()), Ok(f));
    }
    // Each field's range is the table's: a value just outside it names the field.
    for f in Field::NUMERIC {
        let mut h = Hyper::default();
        if f.set(&mut h, f64::NAN).is_ok() && f.get(&h).is_nan() {
            let e = h.validate().unwrap_err().to_string();
            assert!(e.starts_with(f.name()), "{}: {e}", f.name());
        }
    }
}

/// Every vector-capable kind with settings that reach each branch of its step.
fn vector_cases() -> Vec<(Kind, Hyper)> {
    let mut cases = Vec::new();
    for kind in Kind::ALL {
        let d = Hyper::defaults(kind);
        let variants = [
            Hyper {
                lr: 1e-3,
                ..d.clone()
            },
            Hyper {
                lr: 2e-3,
                weight_decay: 0.1,
                ..d.clone()
            },
            Hyper {
                lr: 1e-3,
                momentum: 0.5,
                dampening: 0.2,
                noise: 0.3,
                seed: 4,
                ..d.clone()
            },
            Hyper {
                lr: 1e-3,
                centered: true,
                momentum: 0.3,
                ..d.clone()
            },
            Hyper {
                lr: 1e-3,
                schedule: "cosine:50:0.0001".parse().unwrap(),
                ..d.clone()
            },
        ];
        for h in variants {
            if h.validate_for(kind).is_ok() && VectorOptimizer::new(kind, h.clone(), 2).is_ok() {
                cases.push((kind, h));
            }
        }
    }
    cases
}

/// f as an objective of two coordinates: every row, exact derivatives.
fn objective(f: &Formula) -> Seen<'_> {
    Seen {
        f,
        rows: None,
        fd: 0.0,
        evals: std::cell::Cell::new(0),
    }
}

/// The 2D optimizer's and the vector optimizer's points, step by step, from the same start.
fn both_paths(kind: Kind, h: &Hyper, f: &Formula, steps: usize) -> Vec<([f64; 2], [f64; 2])> {
    let mut flat = Optimizer::new(kind, h.clone());
    let mut vector = VectorOptimizer::new(kind, h.clone(), 2).unwrap();
    let (mut p, mut q) = ([-1.5, 2.0], [-1.5, 2.0]);
    let mut seen = objective(f);
    let mut out = vec![];
    for _ in 0..steps {
        p = flat.step(p, f).to;
        vector.step(&mut q, &mut seen);
        out.push((p, q));
        if !p.iter().all(|v| v.is_finite()) {
            break;
        }
    }
    assert_eq!(seen.evals.get(), flat.evals(), "{kind}: evaluations paid");
    out
}

#[test]
fn a_vector_optimizer_of_two_walks_the_2d_path_bit_for_bit() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let exact = |k: Kind| !matches!(k, Kind::Newton | Kind::NelderMead | Kind::CmaEs);
    let cases: Vec<_> = vector_cases().into_iter().filter(|c| exact(c.0)).collect();
    assert!(cases.len() >= 35, "{}", cases.len());
    for (kind, h) in cases {
        for (step, (p, q)) in both_paths(kind, &h, &f, 200).into_iter().enumerate() {
            let bits = |v: [f64; 2]| v.map(f64::to_bits);
            assert_eq!(bits(p), bits(q), "{kind} {h:?} at step {step}");
        }
    }
}

#[test]
fn vector_newton_and_nelder_mead_of_two_walk_the_2d_path_to_rounding() {
    // Their n-dimensional arithmetic differs from the 2D shortcuts (a general eigensolver,
    // the centroid as a sum), so the paths agree to rounding, not bit for bit.
    for text in [
        "(1-x)^2 + 100*(y-x^2)^2",
        "x^2 - y^2 + 0.1*y^4",
        "(x^2+y-11)^2+(x+y^2-7)^2",
    ] {
        let f = Formula::parse(text).unwrap();
        for kind in [Kind::Newton, Kind::NelderMead] {
            let h = Hyper {
                lr: 0.5,
                ..Hyper::defaults(kind)
            };
            for (step, (p, q)) in both_paths(kind, &h, &f, 40).into_iter().enumerate() {
                for i in 0..2 {
                    let tol = 1e-9 * (1.0 + p[i].abs());
                    assert!(
                        (p[i] - q[i]).abs() <= tol,
                        "{kind} on {text}, step {step}: {p:?} vs {q:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn vector_gd_and_momentum_on_a_50_dimensional_quadratic_equal_their_closed_forms() {
    // f = ½ Σ λᵢ xᵢ², ∇f = (λᵢ xᵢ).
    let n = 50;
    let lambda: Vec<f64> = (0..n)
        .map(|i| 0.1 + 7.9 * i as f64 / (n - 1) as f64)
        .collect();
    let x0: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).cos() + 1.5).collect();
    let (alpha, mu, steps) = (0.01, 0.5, 100);
    let run = |kind: Kind, momentum: f64| {
        let h = Hyper {
            lr: alpha,
            momentum,
            ..Hyper::defaults(kind)
        };
        let mut opt = VectorOptimizer::new(kind, h, n).unwrap();
        let mut x = x0.clone();
        let mut f = Quadratic::new(lambda.clone());
        for _ in 0..steps {
            opt.step(&mut x, &mut f);
        }
        assert_eq!(f.evals, steps as u64, "a gradient each step");
        x
    };
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-300);
    // GD: xᵢ(t) = (1 − αλᵢ)ᵗ xᵢ(0).
    for (i, x) in run(Kind::Gd, 0.0).iter().enumerate() {
        let want = (1.0 - alpha * lambda[i]).powi(steps) * x0[i];
        assert!(close(*x, want), "gd x{i}: {x} vs {want}");
    }
    // Heavy ball (torch's: b₀ = g₀, b = μb + g, x ← x − αb): x_{t+1} = (1 + μ − αλ)x_t − μx_{t−1},
    // x₁ = (1 − αλ)x₀; with real roots r₁, r₂ of r² − (1 + μ − αλ)r + μ, x_t = A r₁ᵗ + B r₂ᵗ.
    for (i, x) in run(Kind::Momentum, mu).iter().enumerate() {
        let c = 1.0 + mu - alpha * lambda[i];
        let disc = (c * c - 4.0 * mu).sqrt();
        let (r1, r2) = ((c + disc) / 2.0, (c - disc) / 2.0);
        let x1 = (1.0 - alpha * lambda[i]) * x0[i];
        let a = (x1 - r2 * x0[i]) / (r1 - r2);
        let want = a * r1.powi(steps) + (x0[i] - a) * r2.powi(steps);
        assert!(
            (x - want).abs() <= 1e-11 * want.abs(),
            "momentum x{i}: {x} vs {want}"
        );
    }
}

/// f = ½ Σ λᵢ xᵢ² with its exact gradient and Hessian; an evaluation is any of them.
struct Quadratic {
    lambda: Vec<f64>,
    evals: u64,
}

impl Quadratic {
    fn new(lambda: Vec<f64>) -> Quadratic {
        Quadratic { lambda, evals: 0 }
    }
}

impl crate::core::objective::Objective for Quadratic {
    fn dim(&self) -> usize {
        self.lambda.len()
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        self.evals += 1;
        0.5 * x
            .iter()
            .zip(&self.lambda)
            .map(|(x, l)| l * x * x)
            .sum::<f64>()
    }

    fn gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        for ((g, x), l) in grad.iter_mut().zip(x).zip(&self.lambda) {
            *g = l * x;
        }
        self.value(x)
    }

    fn hessian(&mut self, x: &[f64], grad: &mut [f64], hessian: &mut [f64]) -> Option<f64> {
        let n = x.len();
        hessian.fill(0.0);
        for i in 0..n {
            hessian[i * n + i] = self.lambda[i];
        }
        Some(self.gradient(x, grad))
    }

    fn evals(&self) -> u64 {
        self.evals
    }
}

/// 50 curvatures from 0.1 to 8 and a start away from the minimum at 0.
fn fifty() -> (Vec<f64>, Vec<f64>) {
    let n = 50;
    let lambda = (0..n)
        .map(|i| 0.1 + 7.9 * i as f64 / (n - 1) as f64)
        .collect();
    let x0 = (0..n).map(|i| (i as f64 * 0.7).cos() + 1.5).collect();
    (lambda, x0)
}

#[test]
fn vector_newton_reaches_a_50_dimensional_quadratics_minimum_in_one_step() {
    let (lambda, x0) = fifty();
    // x₁ = x₀ − H⁻¹∇f = x₀ − diag(1/λ)·diag(λ)·x₀ = 0; with a rate α, (1 − α)·x₀.
    for (lr, left) in [(1.0, 0.0), (0.25, 0.75)] {
        let h = Hyper {
            lr,
            ..Hyper::defaults(Kind::Newton)
        };
        let mut opt = VectorOptimizer::new(Kind::Newton, h, 50).unwrap();
        let mut x = x0.clone();
        opt.step(&mut x, &mut Quadratic::new(lambda.clone()));
        for (i, (x, x0)) in x.iter().zip(&x0).enumerate() {
            assert!((x - left * x0).abs() <= 1e-13, "lr {lr}, x{i} = {x}");
        }
    }
    // A saddle (λ₀ < 0) is walked downhill along its negative curvature, not towards it.
    let mut saddle = lambda.clone();
    saddle[0] = -2.0;
    let mut opt = VectorOptimizer::new(Kind::Newton, Hyper::defaults(Kind::Newton), 50).unwrap();
    let mut x = x0.clone();
    opt.step(&mut x, &mut Quadratic::new(saddle));
    // |H|⁻¹∇f along x₀'s axis: x₀ − α·(−2x₀)/2 = (1 + α)·x₀, α the default rate.
    let alpha = Hyper::defaults(Kind::Newton).lr;
    assert!((x[0] - (1.0 + alpha) * x0[0]).abs() <= 1e-12, "{}", x[0]);
}

#[test]
fn the_derivative_free_methods_minimise_a_10_dimensional_quadratic() {
    // Nelder–Mead's n + 1 vertices, CMA-ES's full covariance, the swarm and the annealer,
    // each from the same start, seeded: how close each gets in its budget of evaluations.
    let (lambda, x0) = fifty();
    let n = 10;
    let (lambda, x0) = (lambda[..n].to_vec(), x0[..n].to_vec());
    let f0 = 0.5 * x0.iter().zip(&lambda).map(|(x, l)| l * x * x).sum::<f64>();
    for (kind, lr, steps, below) in [
        (Kind::NelderMead, 0.5, 3000, 1e-8),
        (Kind::CmaEs, 0.5, 300, 1e-12),
        (Kind::Pso, 2.0, 300, 1e-3),
        (Kind::Annealing, 0.05, 20_000, 1e-2),
    ] {
        let h = Hyper {
            lr,
            seed: 3,
            temperature: 0.01,
            ..Hyper::defaults(kind)
        };
        let mut opt = VectorOptimizer::new(kind, h, n).unwrap();
        let (mut x, mut f) = (x0.clone(), Quadratic::new(lambda.clone()));
        for _ in 0..steps {
            opt.step(&mut x, &mut f);
        }
        let end = crate::core::objective::Objective::value(&mut f, &x);
        assert!(end < below * f0, "{kind}: f = {end:e} from {f0}");
        assert!(x.iter().all(|v| v.is_finite()), "{kind}: {x:?}");
    }
}
