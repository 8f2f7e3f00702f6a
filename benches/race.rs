//! The race's per-frame CPU cost: 100 racers with 2,000-point trails, stepped headless under
//! `MinimalPlugins` (simulation, trail update and ball placement; no rendering).

use bevy::prelude::*;
use criterion::{Criterion, criterion_group, criterion_main};
use gradscape::app::headless;
use gradscape::app::racers::{NewRace, Racer, Sample, Sim, Trail};
use gradscape::cli::LandscapeArgs;
use gradscape::core::optim::Kind;
use gradscape::core::race::{Lineup, lineup};

const RACERS: usize = 100;
const TRAIL: usize = 2000;

/// A race of `RACERS` on Rosenbrock, each trail already `TRAIL` points long, advancing
/// `per_frame` steps per update: every optimizer in turn from a spread of starts, or (worst
/// case) noisy SGD everywhere, which never stops.
fn race(per_frame: u32, all_sgd: bool) -> App {
    let land = LandscapeArgs {
        preset: Some("rosenbrock".into()),
        ..LandscapeArgs::default()
    }
    .resolve()
    .unwrap();
    let base = lineup(
        Lineup::AllOptimizers,
        &land.formula,
        land.domain,
        [-1.5, 2.0],
        (Kind::Gd, &Default::default()),
    );
    let specs = (0..RACERS)
        .map(|i| {
            let mut s = base[if all_sgd { 1 } else { i % base.len() }].clone();
            s.start = [-1.8 + 0.03 * i as f64, 2.5 - 0.02 * i as f64];
            s
        })
        .collect();
    let mut app = headless(land);
    app.insert_resource(Sim::fixed(per_frame));
    app.world_mut().write_message(NewRace(specs));
    app.update();
    let mut trails = app.world_mut().query::<(&Racer, &mut Trail)>();
    for (racer, mut trail) in trails.iter_mut(app.world_mut()) {
        let s = Sample::of(&racer.run);
        while trail.points.len() < TRAIL {
            trail.push(s);
        }
    }
    app
}

fn running(app: &mut App) -> usize {
    let mut q = app.world_mut().query::<&Racer>();
    q.iter(app.world())
        .filter(|r| r.run.status.is_running())
        .count()
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("race_100_racers_2000_point_trails");
    // 1 step per frame is 60 steps/s at 60 fps; 17 is the top speed, 1000 steps/s.
    for (per_frame, all_sgd) in [(1, false), (17, false), (17, true)] {
        let mut app = race(per_frame, all_sgd);
        let name = if all_sgd { "all_sgd" } else { "mixed" };
        group.bench_function(format!("{name}_{per_frame}_steps"), |b| {
            b.iter(|| app.update())
        });
        eprintln!(
            "{per_frame} steps/frame: {} of {RACERS} racers still running after the benchmark",
            running(&mut app)
        );
    }
    // The same app with no racers: Bevy's own per-frame cost, for reference.
    let mut empty = race(1, false);
    let mut all = empty.world_mut().query_filtered::<Entity, With<Racer>>();
    let racers: Vec<Entity> = all.iter(empty.world()).collect();
    for e in racers {
        empty.world_mut().despawn(e);
    }
    group.bench_function("no_racers", |b| b.iter(|| empty.update()));
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
