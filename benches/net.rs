//! A network's training step: one full-batch Adam step (forward, backward, update) of
//! 2-16-16-1 tanh with BCE on 256 rows of two moons, and of 2-64-64-1 on 10,000 rows; torch's
//! same steps on the CPU are `benches/torch_net.py`, run beside it. Also the sharpness
//! (Lanczos on Hessian-vector products) of 2-16-16-1 on 256 rows and a 64² slice of it. And
//! what a network landscape costs the app a frame: five 2-16-16-1 racers taking a step each
//! (a frame at 60 steps/s and 60 frames/s: the step, the loss over every row and the
//! projection onto the plane) on 256 rows, and the 64² decision-boundary heat map.

use criterion::{Criterion, criterion_group, criterion_main};
use gradscape::core::net::{Net, Training, classes, widths};
use gradscape::core::optim::{Hyper, Kind};
use std::hint::black_box;

fn training(net: &str, rows: usize) -> Training {
    let moons = classes::find("moons").unwrap();
    let mut data = moons.generate(0, 0.1);
    // More rows: the same set, repeated and shifted a little.
    let base = data.clone();
    while data.len() < rows {
        let k = data.len() / base.len();
        data.x.extend(base.x.iter().map(|v| v + 0.01 * k as f64));
        data.y.extend(&base.y);
    }
    data.x.truncate(2 * rows);
    data.y.truncate(rows);
    let net = Net::new(
        widths(net).unwrap(),
        "tanh".parse().unwrap(),
        "bce".parse().unwrap(),
    )
    .unwrap();
    let theta = net.init(0);
    let hyper = Hyper {
        lr: 0.01,
        ..Hyper::defaults(Kind::Adam)
    };
    Training::new(net, data, theta, Kind::Adam, hyper).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("net_adam_step_full_batch");
    let mut small = training("2-16-16-1", 256);
    g.bench_function("2-16-16-1_tanh_256_rows", |b| {
        b.iter(|| black_box(small.step()))
    });
    g.sample_size(10);
    let mut large = training("2-64-64-1", 10_000);
    g.bench_function("2-64-64-1_tanh_10000_rows", |b| {
        b.iter(|| black_box(large.step()))
    });
    g.finish();
    let mut g = c.benchmark_group("net_curvature");
    let t = training("2-16-16-1", 256);
    g.bench_function("sharpness_2-16-16-1_256_rows", |b| {
        b.iter(|| black_box(t.sharpness()))
    });
    g.sample_size(10);
    let plane = t.net.random_plane(&t.theta, 0);
    g.bench_function("slice_64x64_2-16-16-1_256_rows", |b| {
        b.iter(|| black_box(t.net.slice(&t.rows, &plane, 1.0, 64, &|| {})))
    });
    g.finish();
}

fn app_frame(c: &mut Criterion) {
    use gradscape::core::net::stage::{NetworkSpec, Stage};
    let race: Vec<_> = gradscape::core::race::network_race([0.0, 0.0])
        .into_iter()
        .map(|r| (r.kind, r.hyper))
        .collect();
    let mut stage = Stage::new(&NetworkSpec::of("moons"), &race).unwrap();
    stage.rows = training("2-16-16-1", 256).rows;
    let kinds = [
        Kind::Gd,
        Kind::Sgd,
        Kind::Momentum,
        Kind::Adam,
        Kind::RmsProp,
    ];
    let mut learners: Vec<_> = kinds
        .iter()
        .map(|&k| {
            let hyper = Hyper {
                lr: 0.01,
                batch: if k == Kind::Sgd { 16 } else { 0 },
                ..Hyper::defaults(k)
            };
            stage.learner(k, hyper).unwrap()
        })
        .collect();
    let mut g = c.benchmark_group("net_app_frame");
    g.bench_function("five_racers_one_step_2-16-16-1_256_rows", |b| {
        b.iter(|| {
            for l in &mut learners {
                stage.step(l);
            }
            black_box(learners[0].at)
        })
    });
    let mut work = stage.net.work();
    let theta = learners[3].training.theta.clone();
    g.bench_function("boundary_64x64_2-16-16-1", |b| {
        b.iter(|| black_box(stage.boundary(&theta, 64, &mut work)))
    });
    g.finish();
}

criterion_group!(benches, bench, app_frame);
criterion_main!(benches);
