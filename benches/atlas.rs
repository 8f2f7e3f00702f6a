//! The atlas's hot loop: gradient descent (lr 0.01, up to 1,000 steps) from every start of a
//! 256² grid on Himmelblau. Measured three ways in one run: the library call as the app and
//! `gradscape basins` make it (each run stops when it converges), the same with every run
//! forced through all 1,000 steps, and the whole `gradscape basins` process beside the whole
//! numpy process of `benches/numpy_basins.py` (skipped where python3 with numpy is missing).

use criterion::{Criterion, criterion_group, criterion_main};
use gradscape::core::atlas::{self, Plan};
use gradscape::core::critical;
use gradscape::core::expr::Formula;
use gradscape::core::optim::run::StopRules;
use gradscape::core::optim::{Field, Hyper, Kind};
use gradscape::core::surface::Domain;
use rayon::prelude::*;
use std::hint::black_box;
use std::process::Command;

fn plan(rules: StopRules) -> Plan {
    Plan {
        kind: Kind::Gd,
        hyper: Hyper {
            lr: 0.01,
            ..Hyper::defaults(Kind::Gd)
        },
        rules,
    }
}

fn bench(c: &mut Criterion) {
    let f = Formula::parse("(x^2+y-11)^2 + (x+y^2-7)^2").unwrap();
    let domain = Domain::new(-5.0, 5.0, -5.0, 5.0);
    let points = critical::find(&f, domain);
    let never = atlas::Watch::default();
    let stopping = plan(StopRules {
        max_steps: Some(1000),
        ..StopRules::default()
    });
    // No convergence or stall test passes: every run takes its 1,000 steps, as numpy's does.
    let all_steps = plan(StopRules {
        max_steps: Some(1000),
        grad_tol: -1.0,
        stall_window: u64::MAX,
        ..StopRules::default()
    });
    let mut g = c.benchmark_group("basins_himmelblau_256x256_gd_1000");
    g.sample_size(10);
    g.bench_function("library_stopping_when_converged", |b| {
        b.iter(|| black_box(atlas::basins(&f, domain, &points, &stopping, 256, &never)))
    });
    g.bench_function("library_all_1000_steps", |b| {
        b.iter(|| black_box(atlas::basins(&f, domain, &points, &all_steps, 256, &never)))
    });
    let exe = env!("CARGO_BIN_EXE_gradscape");
    g.bench_function("process_gradscape_basins", |b| {
        b.iter(|| {
            let args = [
                "basins",
                "--preset",
                "himmelblau",
                "--lr",
                "0.01",
                "--grid",
                "256",
            ];
            let o = Command::new(exe).args(args).output().unwrap();
            assert!(o.status.success());
        })
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/numpy_basins.py");
    let numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .output();
    if numpy.is_ok_and(|o| o.status.success()) {
        g.bench_function("process_numpy_vectorised", |b| {
            b.iter(|| {
                let o = Command::new("python3").arg(script).output().unwrap();
                assert!(o.status.success());
            })
        });
    }
    g.finish();
    phase_diagram(c);
}

/// The panel's phase diagram: heavy-ball momentum from (-1.5, 2) on Rosenbrock, 500 steps,
/// 51 rates × 51 momenta; the library call (a row of cells stepped side by side) beside the
/// same cells run one by one, in parallel, as before.
fn phase_diagram(c: &mut Criterion) {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let plan = Plan {
        kind: Kind::Momentum,
        ..plan(StopRules {
            max_steps: Some(500),
            ..StopRules::default()
        })
    };
    let lrs = atlas::spaced(1e-4, 10.0, 51, true);
    let mus = atlas::spaced(0.0, 0.99, 51, false);
    let start = [-1.5, 2.0];
    let mut g = c.benchmark_group("phase_diagram_rosenbrock_51x51_momentum_500");
    g.sample_size(10);
    g.bench_function("library_rows_side_by_side", |b| {
        b.iter(|| {
            let second = Some((Field::Momentum, &mus[..]));
            black_box(atlas::sweep(&f, &plan, start, &lrs, second).unwrap())
        })
    });
    g.bench_function("one_run_per_cell", |b| {
        b.iter(|| {
            let cells: Vec<(f64, f64)> = mus
                .iter()
                .flat_map(|&mu| lrs.iter().map(move |&lr| (lr, mu)))
                .collect();
            let runs: Vec<_> = cells
                .into_par_iter()
                .map(|(lr, momentum)| {
                    let hyper = Hyper {
                        lr,
                        momentum,
                        ..plan.hyper.clone()
                    };
                    atlas::settle(&f, plan.kind, &hyper, start, &plan.rules).loss
                })
                .collect();
            black_box(runs)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
