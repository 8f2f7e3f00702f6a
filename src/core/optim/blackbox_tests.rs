//! The derivative-free methods: CMA-ES against the reference code's numbers, the equations
//! of annealing and the swarm, seeded replay, honest stops, and Rastrigin's lesson.

use super::cmaes::{Cma, eigen};
use super::run::{Run, Status, StopRules};
use super::*;

fn rules(max_steps: u64) -> StopRules {
    StopRules {
        max_steps: Some(max_steps),
        ..StopRules::default()
    }
}

fn path(kind: Kind, hyper: Hyper, start: [f64; 2], f: &Formula, steps: u64) -> Vec<[f64; 2]> {
    let mut run = Run::new(Optimizer::new(kind, hyper), start, rules(steps), f);
    let mut out = vec![run.pos];
    while run.status.is_running() {
        run.step(f);
        out.push(run.pos);
    }
    out
}

fn seeded(kind: Kind, seed: u64) -> Hyper {
    Hyper {
        seed,
        ..Hyper::defaults(kind)
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn cmaes_moves_its_distribution_exactly_as_the_reference_code() {
    // tests/reference/cmaes.py: pycma's purecma, the samples it drew and the state after.
    let text = include_str!("../../../tests/reference/cmaes.csv");
    let mut rows = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>());
    let num = |s: &str| s.parse::<f64>().unwrap();
    let starts = [
        ("rosenbrock", [-1.5, 2.0], 0.5, 6),
        ("rastrigin", [4.0, 4.0], 2.0, 10),
    ];
    let mut checked = 0;
    for (name, start, sigma, lambda) in starts {
        let mut cma = Cma::new(start, sigma, lambda);
        let (mut xs, mut fs) = (vec![], vec![]);
        for row in rows.by_ref() {
            assert_eq!(row[0], name);
            if row[2] == "sample" {
                xs.push([num(row[3]), num(row[4])]);
                fs.push(num(row[5]));
                continue;
            }
            cma.tell(&xs, &fs);
            (xs, fs) = (vec![], vec![]);
            let want: Vec<f64> = row[3..9].iter().map(|s| num(s)).collect();
            let got = [
                cma.mean[0],
                cma.mean[1],
                cma.sigma,
                cma.c[0],
                cma.c[1],
                cma.c[2],
            ];
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    close(*g, *w, 1e-9),
                    "{name} gen {}: {got:?} vs {want:?}",
                    row[1]
                );
            }
            checked += 1;
            if checked == 80 || checked == 140 {
                break;
            }
        }
    }
    assert_eq!(checked, 140);
}

#[test]
fn cmaes_in_n_dimensions_moves_its_distribution_exactly_as_the_reference_code() {
    // tests/reference/cmaes.py nd: purecma in 5 and 8 dimensions, the samples it drew and
    // the state after (m, σ, C's upper triangle); and the 2D fixture through the same code.
    let nd = include_str!("../../../tests/reference/cmaes-nd.csv");
    let two = include_str!("../../../tests/reference/cmaes.csv");
    let num = |s: &str| s.parse::<f64>().unwrap();
    let cases = [
        (nd, "ellipsoid", vec![1.0, -0.5, 2.0, 0.3, -1.2], 0.8, 8),
        (nd, "rosenbrock8", vec![0.0; 8], 0.3, 12),
        (two, "rosenbrock", vec![-1.5, 2.0], 0.5, 6),
        (two, "rastrigin", vec![4.0, 4.0], 2.0, 10),
    ];
    for (text, name, start, sigma, lambda) in cases {
        let n = start.len();
        let mut cma = super::cmaes::CmaN::new(&start, sigma, lambda);
        let (mut xs, mut fs, mut checked) = (vec![], vec![], 0);
        for row in text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
        {
            if row[0] != name {
                continue;
            }
            let values: Vec<f64> = row[3..]
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| num(s))
                .collect();
            if row[2] == "sample" {
                xs.extend_from_slice(&values[..n]);
                fs.push(values[n]);
                continue;
            }
            cma.tell(&xs, &fs);
            (xs, fs) = (vec![], vec![]);
            let mut got: Vec<f64> = cma.mean.clone();
            got.push(cma.sigma);
            for i in 0..n {
                got.extend((i..n).map(|j| cma.c[i * n + j]));
            }
            assert_eq!(got.len(), values.len(), "{name}");
            for (g, w) in got.iter().zip(&values) {
                assert!(
                    close(*g, *w, 1e-9),
                    "{name} gen {}: {got:?} vs {values:?}",
                    row[1]
                );
            }
            checked += 1;
        }
        assert!(checked >= 60, "{name}: {checked} generations");
    }
}

#[test]
fn the_eigen_decomposition_rebuilds_the_matrix() {
    for m in [
        [1.0, 0.0, 1.0],
        [4.0, 1.5, 0.5],
        [2.0, -3.0, 7.0],
        [1e-8, 2e-9, 3e-8],
    ] {
        let ([d1, d2], [ux, uy]) = eigen(m);
        assert!(d1 >= d2);
        // C = d₁·u·uᵀ + d₂·v·vᵀ with v = u turned by 90°.
        let rebuilt = [
            d1 * ux * ux + d2 * uy * uy,
            d1 * ux * uy - d2 * uy * ux,
            d1 * uy * uy + d2 * ux * ux,
        ];
        for (a, b) in rebuilt.iter().zip(m) {
            assert!((a - b).abs() < 1e-14 * (m[0].abs() + m[2].abs()), "{m:?}");
        }
    }
}

#[test]
fn cmaes_learns_the_shape_of_an_ill_conditioned_bowl() {
    // On f = x² + 100y² the covariance approaches the inverse Hessian: its axes in the ratio
    // √100 = 10, the long one along x. The ratio fluctuates from one generation to the next
    // (in purecma too), so its geometric mean over 280 generations is what is checked.
    let f = Formula::parse("x^2 + 100*y^2").unwrap();
    let hyper = Hyper {
        population: 6,
        ..seeded(Kind::CmaEs, 3)
    };
    let mut o = Optimizer::new(Kind::CmaEs, hyper);
    let (mut x, mut log_sum) = ([3.0, 1.0], 0.0);
    for g in 0..300 {
        x = o.step(x, &f).to;
        let (_, [a, b]) = o.ellipse().unwrap();
        if g >= 20 {
            log_sum += (a[0].hypot(a[1]) / b[0].hypot(b[1])).ln();
            assert!(
                a[0].abs() > 0.95 * a[0].hypot(a[1]),
                "long axis along x: {a:?}"
            );
        }
    }
    let ratio = (log_sum / 280.0).exp();
    assert!((7.0..14.0).contains(&ratio), "axis ratio {ratio}");
}

#[test]
fn derivative_free_methods_replay_from_their_seed_and_change_with_it() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    for kind in [Kind::Annealing, Kind::CmaEs, Kind::Pso] {
        let a = path(kind, seeded(kind, 7), [-1.5, 2.0], &f, 50);
        assert_eq!(
            a,
            path(kind, seeded(kind, 7), [-1.5, 2.0], &f, 50),
            "{kind}"
        );
        assert_ne!(
            a,
            path(kind, seeded(kind, 8), [-1.5, 2.0], &f, 50),
            "{kind}"
        );
        assert!(a.iter().flatten().all(|v| v.is_finite()));
    }
}

#[test]
fn each_step_pays_for_the_values_it_looks_at() {
    let f = Formula::parse("x^2 + y^2").unwrap();
    let evals = |kind: Kind, population: u64, steps: usize| {
        let mut o = Optimizer::new(
            kind,
            Hyper {
                population,
                ..Hyper::defaults(kind)
            },
        );
        let mut x = [1.0, 1.0];
        for _ in 0..steps {
            x = o.step(x, &f).to;
        }
        o.evals()
    };
    // Annealing: f at the start, then one proposal a move.
    assert_eq!(evals(Kind::Annealing, 0, 1), 2);
    assert_eq!(evals(Kind::Annealing, 0, 10), 11);
    // CMA-ES: λ samples a generation.
    assert_eq!(evals(Kind::CmaEs, 8, 5), 40);
    assert_eq!(evals(Kind::CmaEs, 0, 1), cmaes::DEFAULT_POPULATION);
    // A swarm: every particle where it was scattered, then every particle after each move.
    assert_eq!(evals(Kind::Pso, 12, 1), 24);
    assert_eq!(evals(Kind::Pso, 12, 4), 60);
}

#[test]
fn the_metropolis_rule_and_the_cooling_schedule() {
    use super::annealing::metropolis;
    // Downhill always; uphill by Δ with probability e^(−Δ/T): e^(−1) = 0.3679.
    assert!(metropolis(-1.0, 0.0, 0.99));
    assert!(metropolis(1.0, 1.0, 0.367) && !metropolis(1.0, 1.0, 0.368));
    assert!(!metropolis(1e-12, 0.0, 0.0), "at T = 0 never uphill");
    let f = Formula::parse("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)").unwrap();
    let hyper = Hyper {
        temperature: 5.0,
        cooling: 0.9,
        ..Hyper::defaults(Kind::Annealing)
    };
    let mut o = Optimizer::new(Kind::Annealing, hyper);
    let mut x = [4.0, 4.0];
    for k in 0..20 {
        x = o.step(x, &f).to;
        let (t, _) = o.temperature().unwrap();
        assert!(
            close(t, 5.0 * 0.9f64.powi(k), 1e-15),
            "move {}: T = {t}",
            k + 1
        );
    }
    // Frozen, it only ever goes down.
    let cold = Hyper {
        temperature: 0.0,
        ..Hyper::defaults(Kind::Annealing)
    };
    let mut o = Optimizer::new(Kind::Annealing, cold);
    let (mut x, mut last) = ([4.0, 4.0], f.value([4.0, 4.0]));
    for _ in 0..500 {
        x = o.step(x, &f).to;
        assert!(f.value(x) <= last);
        last = f.value(x);
    }
}

#[test]
fn populations_collapse_on_a_bowl_and_say_converged() {
    let f = Formula::parse("(x - 1)^2 + 3*(y + 2)^2").unwrap();
    for kind in [Kind::CmaEs, Kind::Pso] {
        let mut run = Run::new(
            Optimizer::new(kind, seeded(kind, 1)),
            [3.0, 2.0],
            rules(5000),
            &f,
        );
        while run.status.is_running() {
            run.step(&f);
        }
        assert_eq!(run.status, Status::Converged, "{kind}");
        assert!((run.pos[0] - 1.0).abs() < 1e-8 && (run.pos[1] + 2.0).abs() < 1e-8);
        assert!(run.optimizer.spread().unwrap() < 1e-9);
        let n = run.optimizer.population().unwrap().len() as u64;
        assert_eq!(n, Hyper::defaults(kind).population);
    }
}

#[test]
fn on_rastrigin_populations_find_the_global_minimum_where_gradient_descent_cannot() {
    let f = Formula::parse("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)").unwrap();
    let budget = 20_000;
    for kind in [Kind::CmaEs, Kind::Pso] {
        let found = (0..10)
            .filter(|&seed| {
                let mut run = Run::new(
                    Optimizer::new(kind, seeded(kind, seed)),
                    [4.0, 4.0],
                    rules(u64::MAX),
                    &f,
                );
                let cost = Hyper::defaults(kind).population;
                while run.status.is_running() && run.optimizer.evals() + cost <= budget {
                    run.step(&f);
                }
                run.loss < 1e-3
            })
            .count();
        assert!(found >= 8, "{kind}: {found} of 10 seeds");
    }
    let gd = Hyper {
        lr: 0.002,
        ..Hyper::defaults(Kind::Gd)
    };
    let end = path(Kind::Gd, gd, [4.0, 4.0], &f, 5000);
    let last = *end.last().unwrap();
    assert!(
        f.value(last) > 30.0,
        "GD stays in the dimple by (4, 4): {last:?}"
    );
}

#[test]
fn a_population_of_one_is_refused_by_name() {
    let mut h = Hyper::defaults(Kind::Pso);
    assert!(Field::Population.set(&mut h, 1.5).is_err());
    Field::Population.set(&mut h, 1.0).unwrap();
    let e = h.validate().unwrap_err().to_string();
    assert!(
        e.starts_with("population must be a whole number from 2"),
        "{e}"
    );
    let h = Hyper {
        cooling: 1.5,
        ..Hyper::defaults(Kind::Annealing)
    };
    assert_eq!(
        h.validate().unwrap_err().to_string(),
        "cooling must be in (0, 1], got 1.5"
    );
}
