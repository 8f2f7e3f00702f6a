//! Starts the real app in a real window (Xvfb + software Vulkan), screenshots two frames and
//! checks the pixels: the surface is drawn, and the balls moved between the frames.
#![cfg(feature = "app")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server for the test's own use, killed on drop.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // Best effort: the server may already have exited.
        if let Err(e) = self.child.kill() {
            eprintln!("Xvfb kill: {e}");
        }
        if let Err(e) = self.child.wait() {
            eprintln!("Xvfb wait: {e}");
        }
    }
}

fn start_xvfb() -> Xvfb {
    let display = format!(":{}", 90 + std::process::id() % 400);
    let child = Command::new("Xvfb")
        .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is needed for the render test: apt-get install xvfb mesa-vulkan-drivers (see README)");
    let socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !Path::new(&socket).exists() {
        assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
        std::thread::sleep(Duration::from_millis(100));
    }
    Xvfb { child, display }
}

fn load(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

#[derive(Debug, PartialEq)]
struct RacerState {
    label: String,
    step: u64,
    pos: [f64; 2],
}

/// Parses `frame N racer "L" step S x X y Y loss F status T` lines.
fn states(stdout: &str, frame: u32) -> Vec<RacerState> {
    let prefix = format!("frame {frame} racer ");
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|rest| {
            let (label, rest) = rest.rsplit_once("\" step ").expect("label");
            let w: Vec<&str> = rest.split_whitespace().collect();
            RacerState {
                label: label.trim_start_matches('"').to_string(),
                step: w[0].parse().unwrap(),
                pos: [w[2].parse().unwrap(), w[4].parse().unwrap()],
            }
        })
        .collect()
}

#[test]
fn app_draws_the_surface_and_the_balls_move() {
    let x = start_xvfb();
    let dir = std::env::temp_dir().join(format!("gradscape-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .args([
            "--capture",
            dir.to_str().unwrap(),
            "--capture-frames",
            "30,90",
        ])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run the app");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "app failed:\n{stdout}\n{stderr}");

    let (a, b) = (
        load(&dir.join("frame_00030.png")),
        load(&dir.join("frame_00090.png")),
    );
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = a.dimensions();
    assert!(w >= 1000 && h >= 600, "window size {w}x{h}");

    // The 3D view (right of the panel) shows a coloured surface: many distinct colours.
    let mut colours = std::collections::HashSet::new();
    for y in (h / 5..h * 4 / 5).step_by(3) {
        for x in (w * 2 / 5..w * 9 / 10).step_by(3) {
            colours.insert(a.get_pixel(x, y).0);
        }
    }
    assert!(
        colours.len() > 1000,
        "only {} distinct colours in the view: is the surface drawn?",
        colours.len()
    );

    // The balls moved: the racers' state advanced, and the frames differ only in small regions.
    let (s30, s90) = (states(&stdout, 30), states(&stdout, 90));
    assert_eq!(s30.len(), 3, "three racers:\n{stdout}");
    for (p, q) in s30.iter().zip(&s90) {
        assert_eq!(p.label, q.label);
        assert!(q.step > p.step, "{} did not step: {p:?} → {q:?}", p.label);
        assert_ne!(p.pos, q.pos, "{} did not move", p.label);
    }
    let changed = a
        .pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0).any(|(u, v)| u.abs_diff(v) > 24))
        .count();
    let total = (w * h) as usize;
    assert!(changed > 50, "frames are identical: nothing moved");
    assert!(
        changed < total / 5,
        "{changed} of {total} pixels changed: more than balls and trails"
    );
    if let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("cleanup {}: {e}", dir.display());
    }
}
