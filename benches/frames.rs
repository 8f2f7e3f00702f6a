//! Recording speed on this machine's renderer: `gradscape render rosenbrock-race` at the
//! mesh the shape needs, against the floor (the same scene on a 16² grid) and against every
//! cell drawn with 4× multisampling (the surface as it was drawn before), all in one run.
//! Each sample is a whole recording (start-up and warm-up included), reported per frame.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FRAMES: u32 = 20;

/// The shipped race on a grid of `resolution` cells a side, as a scene file.
fn scene(dir: &Path, resolution: u32) -> PathBuf {
    let shipped = include_str!("../assets/scenes/rosenbrock-race.ron");
    let path = dir.join(format!("race-{resolution}.ron"));
    let text = shipped.replace(
        r#"(preset: Some("rosenbrock"))"#,
        &format!(r#"(preset: Some("rosenbrock"), resolution: {resolution})"#),
    );
    std::fs::write(&path, text).expect("write the scene");
    path
}

/// Seconds per recorded frame of one recording.
fn record(scene: &Path, size: &str, extra: &[&str], out: &Path) -> Duration {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .arg("render")
        .arg(scene)
        .args(["--out", out.to_str().expect("a UTF-8 path"), "--fps", "10"])
        .args([
            "--seconds",
            &(f64::from(FRAMES) / 10.0).to_string(),
            "--size",
            size,
        ])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run gradscape render");
    assert!(status.success(), "render failed");
    started.elapsed() / FRAMES
}

fn frames(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("gradscape-bench-frames-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let (floor, race) = (scene(&dir, 16), scene(&dir, 192));
    let out = dir.join("frames");
    for size in ["320x180", "1280x720"] {
        let mut group = c.benchmark_group(format!("render_rosenbrock_race_{size}"));
        group.sample_size(10);
        let variants: [(&str, &Path, &[&str]); 3] = [
            ("floor_16x16", &floor, &[]),
            ("mesh_the_shape_needs", &race, &[]),
            (
                "every_cell_msaa",
                &race,
                &["--full-mesh", "--antialias", "msaa"],
            ),
        ];
        for (name, scene, extra) in variants {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| record(scene, size, extra, &out)).sum())
            });
        }
        group.finish();
    }
    std::fs::remove_dir_all(&dir).ok();
}

criterion_group!(benches, frames);
criterion_main!(benches);
