//! Data landscapes: a 256² surface of the mean squared error over 10,000 rows, the coarse
//! first surface, and one mini-batch step (B = 32) on the same data; numpy's version of the
//! surface is `benches/numpy_data.py`, run beside it.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gradscape::core::data::Dataset;
use gradscape::core::expr::Formula;
use gradscape::core::optim::{Hyper, Kind, Optimizer};
use gradscape::core::surface::{Domain, evaluate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::sync::Arc;

const ROWS: usize = 10_000;

/// y = 2x + 1 + noise, as the `linear` built-in, at 10,000 rows.
fn rows() -> Arc<Dataset> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (x, y): (Vec<f64>, Vec<f64>) = (0..ROWS)
        .map(|_| {
            let x: f64 = rng.random_range(-2.0..2.0);
            (x, 2.0 * x + 1.0 + rng.random_range(-0.5..0.5))
        })
        .unzip();
    Arc::new(Dataset::new(
        "bench",
        vec![("x".into(), x), ("y".into(), y)],
    ))
}

fn bench(c: &mut Criterion) {
    let f = Formula::data_loss("(w*x + b - y)^2", ["w", "b"], rows()).unwrap();
    let domain = Domain::new(-1.0, 3.0, -1.0, 2.0);
    let mut g = c.benchmark_group("data_10k_rows");
    g.sample_size(10);
    // Set by the benches that run: numpy's version runs only beside them.
    let ran = std::cell::Cell::new(false);
    g.bench_function("surface_256x256", |b| {
        ran.set(true);
        b.iter(|| black_box(evaluate(&f, domain, 256)))
    });
    g.bench_function("surface_48x48_coarse_first", |b| {
        ran.set(true);
        b.iter(|| black_box(evaluate(&f, domain, 48)))
    });
    g.finish();
    if ran.get() {
        common::numpy("numpy_data.py");
    }

    let hyper = Hyper {
        lr: 0.01,
        batch: 32,
        noise: 0.0,
        ..Hyper::defaults(Kind::Sgd)
    };
    let mut sgd = Optimizer::new(Kind::Sgd, hyper);
    c.bench_function("minibatch_step_b32", |b| {
        let mut x = [0.0, 0.0];
        b.iter(|| {
            x = black_box(sgd.step(x, &f)).to;
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
