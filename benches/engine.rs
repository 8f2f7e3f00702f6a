//! Formula engine and optimizer speed against hand-written Rust (the limit).

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use gradscape::core::expr::{Formula, Jet2};
use gradscape::core::optim::{Hyper, Kind, Optimizer};
use gradscape::core::presets::ZScale;
use gradscape::core::surface::{Domain, evaluate, sample};
use gradscape::core::view::{Density, WorldMap, surface};
use rayon::prelude::*;
use std::f64::consts::{E, PI};
use std::hint::black_box;

const ROSENBROCK: &str = "(1-x)^2 + 100*(y-x^2)^2";
const RASTRIGIN: &str = "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)";
const ACKLEY: &str =
    "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20";

/// A hand-written landscape: the speed limit the engine is measured against.
type Native = fn(f64, f64) -> f64;

fn rosenbrock(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2)
}
fn rastrigin(x: f64, y: f64) -> f64 {
    20.0 + x * x - 10.0 * (2.0 * PI * x).cos() + y * y - 10.0 * (2.0 * PI * y).cos()
}
fn ackley(x: f64, y: f64) -> f64 {
    -20.0 * (-0.2 * (0.5 * (x * x + y * y)).sqrt()).exp()
        - (0.5 * ((2.0 * PI * x).cos() + (2.0 * PI * y).cos())).exp()
        + E
        + 20.0
}

/// Rosenbrock's value, gradient and Hessian written out by hand.
fn rosenbrock_vgh(x: f64, y: f64) -> (f64, [f64; 2], [f64; 3]) {
    let a = 1.0 - x;
    let b = y - x * x;
    let v = a * a + 100.0 * b * b;
    let g = [-2.0 * a - 400.0 * x * b, 200.0 * b];
    let h = [2.0 - 400.0 * b + 800.0 * x * x, -400.0 * x, 200.0];
    (v, g, h)
}

fn points() -> Vec<[f64; 2]> {
    (0..1024)
        .map(|i| {
            [
                -2.0 + 4.0 * (i as f64 * 0.618).fract(),
                -1.0 + 4.0 * (i as f64 * 0.414).fract(),
            ]
        })
        .collect()
}

fn single_point(c: &mut Criterion) {
    let pts = points();
    let cases: [(&str, &str, Native); 3] = [
        ("rosenbrock", ROSENBROCK, rosenbrock),
        ("rastrigin", RASTRIGIN, rastrigin),
        ("ackley", ACKLEY, ackley),
    ];
    let mut group = c.benchmark_group("value_1024_points");
    for (name, src, native) in cases {
        let f = Formula::parse(src).unwrap();
        let program = f.program().clone();
        let params = f.param_values().to_vec();
        let mut slots = Vec::new();
        group.bench_function(format!("{name}/gradscape"), |b| {
            b.iter(|| {
                pts.iter()
                    .map(|p| f.value([black_box(p[0]), black_box(p[1])]))
                    .sum::<f64>()
            })
        });
        group.bench_function(format!("{name}/interpreter"), |b| {
            b.iter(|| {
                pts.iter()
                    .map(|p| program.value(black_box(p[0]), black_box(p[1]), &params, &mut slots))
                    .sum::<f64>()
            })
        });
        group.bench_function(format!("{name}/native"), |b| {
            b.iter(|| {
                pts.iter()
                    .map(|p| native(black_box(p[0]), black_box(p[1])))
                    .sum::<f64>()
            })
        });
    }
    group.finish();

    // Every output is summed, so neither side can skip computing any of them.
    let mut group = c.benchmark_group("value_gradient_hessian_1024_points");
    let f = Formula::parse(ROSENBROCK).unwrap();
    let program = f.program().clone();
    let mut slots: Vec<Jet2> = Vec::new();
    group.bench_function("rosenbrock/gradscape", |b| {
        b.iter(|| {
            pts.iter()
                .map(|p| {
                    let d = f.derivatives([black_box(p[0]), black_box(p[1])]);
                    d.value
                        + d.gradient[0]
                        + d.gradient[1]
                        + d.hessian[0][0]
                        + d.hessian[0][1]
                        + d.hessian[1][1]
                })
                .sum::<f64>()
        })
    });
    group.bench_function("rosenbrock/interpreter", |b| {
        b.iter(|| {
            pts.iter()
                .map(|p| {
                    let j = program.hessian(black_box(p[0]), black_box(p[1]), &[], &mut slots);
                    j.v + j.g[0] + j.g[1] + j.h[0] + j.h[1] + j.h[2]
                })
                .sum::<f64>()
        })
    });
    group.bench_function("rosenbrock/hand-written", |b| {
        b.iter(|| {
            pts.iter()
                .map(|p| {
                    let (v, g, h) = rosenbrock_vgh(black_box(p[0]), black_box(p[1]));
                    v + g[0] + g[1] + h[0] + h[1] + h[2]
                })
                .sum::<f64>()
        })
    });
    group.finish();
}

fn native_grid(n: usize, d: Domain, f: fn(f64, f64) -> f64) -> Vec<f64> {
    let mut z = vec![0.0; n * n];
    z.par_chunks_mut(n).enumerate().for_each(|(j, row)| {
        let y = d.y_at(j, n);
        for (i, out) in row.iter_mut().enumerate() {
            *out = f(d.x_at(i, n), y);
        }
    });
    z
}

fn grids(c: &mut Criterion) {
    let mut group = c.benchmark_group("grid_1024x1024");
    group.sample_size(20);
    let d = Domain::new(-5.0, 5.0, -5.0, 5.0);
    // Set by the benches that run: numpy's version runs only beside them, not when a
    // criterion filter leaves this group out.
    let ran = std::cell::Cell::new(false);
    for (name, src, native) in [
        ("rosenbrock", ROSENBROCK, rosenbrock as fn(f64, f64) -> f64),
        ("ackley", ACKLEY, ackley),
    ] {
        let f = Formula::parse(src).unwrap();
        group.bench_function(format!("{name}/gradscape"), |b| {
            ran.set(true);
            b.iter(|| evaluate(&f, d, 1024)[5])
        });
        group.bench_function(format!("{name}/native"), |b| {
            ran.set(true);
            b.iter(|| native_grid(1024, d, native)[5])
        });
    }
    group.finish();
    if ran.get() {
        common::numpy("numpy_baseline.py");
    }
}

fn optimizer_steps(c: &mut Criterion) {
    let f = Formula::parse(ROSENBROCK).unwrap();
    let mut group = c.benchmark_group("optimizer_step_rosenbrock");
    for kind in [Kind::Gd, Kind::Momentum, Kind::Adam, Kind::Newton] {
        let mut opt = Optimizer::new(
            kind,
            Hyper {
                lr: 1e-4,
                ..Hyper::defaults(kind)
            },
        );
        let (mut x, mut taken) = ([-1.5, 2.0], 0u32);
        group.bench_function(kind.name(), |b| {
            b.iter(|| {
                x = opt.step(black_box(x), &f).to;
                taken += 1;
                // A race's steps, not the millions criterion would run: beyond about 700,000
                // Adam's β₂ᵗ underflows and libm's pow takes its slow path, which races
                // never see.
                if !x[0].is_finite() || taken == 10_000 {
                    (x, taken) = ([-1.5, 2.0], 0);
                    opt.reset();
                }
            })
        });
    }
    group.finish();
}

fn mesh(c: &mut Criterion) {
    // As the binary runs (`main.rs`): freed buffers kept for the next rebuild.
    gradscape::core::memory::keep_freed_memory();
    let f = Formula::parse(ROSENBROCK).unwrap();
    let d = Domain::new(-2.0, 2.0, -1.0, 3.0);
    let mut group = c.benchmark_group("surface_rebuild_512");
    group.sample_size(20);
    group.bench_function("sample+gradient+mesh", |b| {
        b.iter(|| {
            let grid = sample(&f, d, 512, true);
            let map = WorldMap::new(d, &grid.range, ZScale::Log, 1.0);
            let view = surface(&grid, &map, Density::default());
            (view.field.len(), view.mesh.indices.len())
        })
    });
    group.finish();
}

/// Every stationary point of a preset (the bound: under 1 s each on 2 cores).
fn critical_points(c: &mut Criterion) {
    let mut g = c.benchmark_group("critical_points");
    g.sample_size(10);
    for name in ["rastrigin", "ackley", "levi"] {
        let p = gradscape::core::presets::find(name).unwrap();
        let mut f = Formula::parse(p.formula).unwrap();
        for (n, v) in p.params {
            f.set_param(n, *v);
        }
        g.bench_function(name, |b| {
            b.iter(|| gradscape::core::critical::find(&f, p.domain).len())
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    single_point,
    grids,
    optimizer_steps,
    mesh,
    critical_points
);
criterion_main!(benches);
