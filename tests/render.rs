//! Starts the real app in a real window (Xvfb + software Vulkan), screenshots two frames and
//! checks the pixels: the surface is drawn, and the balls moved between the frames.
#![cfg(feature = "app")]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
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

/// A private X server on a display nobody else holds. Each test gets its own: tests in one
/// process share a pid, so a pid-derived number alone made two tests share (and one kill) a
/// server.
fn start_xvfb() -> Xvfb {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    for _ in 0..50 {
        let n = 100 + (std::process::id() * 7 + NEXT.fetch_add(1, Ordering::Relaxed)) % 800;
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let display = format!(":{n}");
        let mut child = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is needed for the render test: apt-get install xvfb mesa-vulkan-drivers (see README)");
        let socket = format!("/tmp/.X11-unix/X{n}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // An Xvfb that exits lost the display to another server: try the next number.
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            if Path::new(&socket).exists() {
                return Xvfb { child, display };
            }
            assert!(Instant::now() < deadline, "Xvfb did not start on {display}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("no free X display for Xvfb");
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
    // The formula compiler's IR, logged at INFO per function, is filtered out.
    let cranelift = stderr.lines().filter(|l| l.contains("cranelift")).count();
    assert_eq!(cranelift, 0, "Cranelift log lines on stderr:\n{stderr}");

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

/// Runs the app on `args`, capturing frame `frame`; returns the screenshot.
fn capture(x: &Xvfb, name: &str, args: &[&str], frame: u32) -> image::RgbImage {
    let dir = std::env::temp_dir().join(format!("gradscape-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let frames = frame.to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .args(args)
        .args([
            "--capture",
            dir.to_str().unwrap(),
            "--capture-frames",
            &frames,
        ])
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run the app");
    assert!(
        out.status.success(),
        "app failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = load(&dir.join(format!("frame_{frame:05}.png")));
    if let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("cleanup {}: {e}", dir.display());
    }
    image
}

fn luma(p: &image::Rgb<u8>) -> f32 {
    0.2126 * p.0[0] as f32 + 0.7152 * p.0[1] as f32 + 0.0722 * p.0[2] as f32
}

/// Contour lines crossed along a pixel column: narrow dips in brightness (≤ 4 px wide, at
/// least 30 darker than both sides).
fn dips_down_column(img: &image::RgbImage, x: u32, y0: u32, y1: u32) -> usize {
    let l: Vec<f32> = (y0..y1).map(|y| luma(img.get_pixel(x, y))).collect();
    let mut count = 0;
    let mut y = 5;
    while y + 7 < l.len() {
        let found = (1..=4).any(|w| {
            let inside = l[y..y + w].iter().cloned().fold(f32::MAX, f32::min);
            l[y - 3] - inside > 30.0 && l[y + w + 2] - inside > 30.0
        });
        if found {
            count += 1;
            y += 6;
        } else {
            y += 1;
        }
    }
    count
}

/// Saturated (surface-coloured) pixels in a region: the colormap's colours, not the grey
/// background, axes or labels.
fn coloured(img: &image::RgbImage, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> usize {
    let mut n = 0;
    for y in ys {
        for x in xs.clone() {
            let [r, g, b] = img.get_pixel(x, y).0;
            let (hi, lo) = (r.max(g).max(b), r.min(g).min(b));
            if hi > 60 && hi - lo > 40 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn surfaces_show_contours_and_open_holes_without_spikes() {
    let x = start_xvfb();
    // Rosenbrock on its log scale, from above: many contour lines down the middle of the view.
    let rosen = capture(
        &x,
        "rosenbrock",
        &["--preset", "rosenbrock", "--top-down"],
        12,
    );
    let (w, h) = rosen.dimensions();
    // Three columns, the best of them: a racer's label or trail (the race runs on wall-clock
    // time, so further by frame 12 on a loaded machine) can cover one column, not all three.
    let columns = [w * 2 / 3 - 24, w * 2 / 3, w * 2 / 3 + 24];
    let lines = columns.map(|x| dips_down_column(&rosen, x, h / 10, h * 9 / 10));
    assert!(
        lines.iter().any(|&n| n >= 6),
        "only {lines:?} contour lines down x = {columns:?}"
    );

    // ln(x) from above: the left quarter of the domain (x < 0) is a hole showing the
    // background; the right part is surface with contours.
    let ln = capture(
        &x,
        "ln",
        &[
            "--formula",
            "ln(x) + 0.3*y^2",
            "--domain=-1,3,-2,2",
            "--top-down",
            "--present",
        ],
        12,
    );
    // With the panel hidden the view spans the window; from above, the landscape's longer
    // side (10 world units) fills 10/11 of its height, centred. Sample the hole well left of
    // the x = 0 line, the surface well right.
    let (w, h) = ln.dimensions();
    let (cx, cy) = (w / 2, h / 2);
    let span = h * 10 / 11;
    let x_at = |u: f64| (cx as f64 + (u - 1.0) / 4.0 * span as f64) as u32;
    let hole = coloured(&ln, x_at(-0.8)..x_at(-0.2), cy - 60..cy + 60);
    let surface = coloured(&ln, x_at(1.2)..x_at(2.8), cy - 60..cy + 60);
    assert!(hole < 50, "{hole} coloured pixels where ln(x) is undefined");
    assert!(
        surface > 10_000,
        "only {surface} coloured pixels on the surface"
    );
    assert!(
        dips_down_column(&ln, x_at(0.6), h / 10, h * 9 / 10) >= 1,
        "no contour on ln"
    );

    // ln(x) in 3D: nothing shoots up to the top of the view (no spikes to −∞ or +∞).
    let ln3d = capture(
        &x,
        "ln3d",
        &[
            "--formula",
            "ln(x) + 0.3*y^2",
            "--domain=-1,3,-2,2",
            "--present",
        ],
        12,
    );
    let (w, h) = ln3d.dimensions();
    // (The legend overlay sits in the top-left corner.)
    let top = coloured(&ln3d, w / 4..w, 0..h / 12);
    assert!(
        top < 50,
        "{top} surface pixels along the top edge: a spike?"
    );
    assert!(
        coloured(&ln3d, 0..w, h / 4..h * 3 / 4) > 20_000,
        "the surface is drawn"
    );
}

/// `gradscape render ARGS` with no display at all; fails the test if the render fails.
fn render(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_gradscape"))
        .arg("render")
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run gradscape render");
    assert!(
        out.status.success(),
        "render failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Renders a shipped scene headless (no X server); returns stdout and the frames.
fn render_headless(tag: &str) -> (String, Vec<image::RgbImage>, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("gradscape-headless-{tag}-{}", std::process::id()));
    let gif = dir.join("clip.gif");
    let out = render(&[
        "momentum-escapes",
        "--out",
        dir.to_str().unwrap(),
        "--gif",
        gif.to_str().unwrap(),
        "--seconds",
        "0.5",
        "--fps",
        "10",
        "--size",
        "320x180",
        "--orbit",
        "20",
    ]);
    let mut frames = Vec::new();
    for k in 1..=5 {
        frames.push(load(&dir.join(format!("frame_{k:05}.png"))));
    }
    assert!(
        !dir.join("frame_00006.png").exists(),
        "exactly 0.5 s × 10 fps = 5 frames"
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        frames,
        dir,
    )
}

#[test]
fn headless_renders_have_the_right_frames_and_replay_identically() {
    let (a, fa, da) = render_headless("a");
    let (b, fb, db) = render_headless("b");
    // Three racers, five frames, positions printed at full precision: identical runs.
    assert_eq!(
        a.lines().filter(|l| l.starts_with("frame ")).count(),
        15,
        "{a}"
    );
    assert_eq!(a, b, "the same scene rendered twice takes the same steps");
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.dimensions(), (320, 180));
        let diff: u64 = x
            .pixels()
            .zip(y.pixels())
            .map(|(p, q)| {
                p.0.iter()
                    .zip(q.0)
                    .map(|(u, v)| u64::from(u.abs_diff(v)))
                    .sum::<u64>()
            })
            .sum();
        let mean = diff as f64 / (320.0 * 180.0 * 3.0);
        assert!(mean < 1.0, "frames differ by {mean} per channel on average");
    }
    // The camera orbits: the first and last frames differ.
    let moved = fa[0]
        .pixels()
        .zip(fa[4].pixels())
        .filter(|(p, q)| p != q)
        .count();
    assert!(moved > 1000, "only {moved} pixels changed while orbiting");
    for d in [da, db] {
        std::fs::remove_dir_all(&d).ok();
    }
}

/// White pixels (a caption's text) in the bottom quarter of a frame.
fn caption_pixels(img: &image::RgbImage) -> usize {
    let (w, h) = img.dimensions();
    (h * 3 / 4..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c > 225))
        .count()
}

#[test]
fn a_lesson_records_its_caption_in_the_frames_of_its_time_span_and_in_the_srt() {
    let dir = std::env::temp_dir().join(format!("gradscape-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scene = dir.join("lesson.ron");
    std::fs::write(
        &scene,
        r#"Scene(
    version: 3,
    name: "A caption",
    landscape: (formula: Some("x^2 + 2*y^2"), domain: Some((-2.0, 2.0, -2.0, 2.0))),
    racers: [(optimizer: gd, start: (-1.5, 1.0), hyper: {"lr": 0.05})],
    speed: 10.0,
    timeline: [
        (at: 0.3, caption: "Look here"),
        (at: 0.7, caption: ""),
    ],
)"#,
    )
    .unwrap();
    let frames = dir.join("frames");
    let srt = dir.join("lesson.srt");
    render(&[
        scene.to_str().unwrap(),
        "--out",
        frames.to_str().unwrap(),
        "--srt",
        srt.to_str().unwrap(),
        "--seconds",
        "1",
        "--fps",
        "10",
        "--size",
        "480x270",
    ]);
    // Frame k shows the lesson at k/10 s: the caption fires at 0.3 s (frame 3) and is
    // cleared at 0.7 s (frame 7); on screen from (k − 1)/10 s, so the SRT says 0.2 to 0.6.
    let counts: Vec<usize> = (1..=10)
        .map(|k| caption_pixels(&load(&frames.join(format!("frame_{k:05}.png")))))
        .collect();
    for (k, n) in (1..=10).zip(&counts) {
        if (3..=6).contains(&k) {
            assert!(*n > 20, "frame {k} shows the caption: {counts:?}");
        } else {
            assert!(*n < 5, "frame {k} has no caption: {counts:?}");
        }
    }
    assert_eq!(
        std::fs::read_to_string(&srt).unwrap(),
        "1\n00:00:00,200 --> 00:00:00,600\nLook here\n\n"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Frame 1 of `gradscape render SCENE` at 640×360, with `extra` options.
fn first_frame(tag: &str, scene: &str, extra: &[&str]) -> image::RgbImage {
    let dir = std::env::temp_dir().join(format!("gradscape-mesh-{tag}-{}", std::process::id()));
    let mut args = vec![scene, "--out", dir.to_str().unwrap()];
    args.extend(["--seconds", "0.1", "--fps", "10", "--size", "640x360"]);
    args.extend(extra);
    render(&args);
    let frame = load(&dir.join("frame_00001.png"));
    std::fs::remove_dir_all(&dir).ok();
    frame
}

/// How far apart two pictures are: the mean difference per channel (0 to 255), and the
/// pixels that are background in one and not in the other (the silhouette's change), as a
/// share of the surface's pixels.
fn apart(a: &image::RgbImage, b: &image::RgbImage) -> (f64, f64) {
    let background = |img: &image::RgbImage, p: &image::Rgb<u8>| {
        let c = img.get_pixel(0, 0);
        p.0.iter().zip(c.0).all(|(u, v)| u.abs_diff(v) <= 6)
    };
    let mut diff = 0u64;
    let (mut moved, mut surface) = (0usize, 0usize);
    for (p, q) in a.pixels().zip(b.pixels()) {
        diff +=
            p.0.iter()
                .zip(q.0)
                .map(|(u, v)| u64::from(u.abs_diff(v)))
                .sum::<u64>();
        moved += usize::from(background(a, p) != background(b, q));
        surface += usize::from(!background(a, p));
    }
    let (w, h) = a.dimensions();
    (
        diff as f64 / f64::from(w * h * 3),
        moved as f64 / surface as f64,
    )
}

#[test]
fn the_mesh_the_shape_needs_looks_like_every_cell_drawn() {
    // The default: the mesh as coarse as the shape allows and, on this software renderer,
    // FXAA. Today's picture: every grid cell meshed, 4× multisampling.
    let needed = first_frame("needed", "rosenbrock-race", &[]);
    let full = first_frame("full", "rosenbrock-race", &["--full-mesh"]);
    let today = first_frame(
        "today",
        "rosenbrock-race",
        &["--full-mesh", "--antialias", "msaa"],
    );
    // The mesh alone (the same smoothing): contours and silhouette within a fraction of a pixel.
    let (mean, silhouette) = apart(&full, &needed);
    assert!(
        mean < 0.3 && silhouette < 0.002,
        "the default mesh differs from the full one: {mean:.2} per channel, silhouette {:.2}%",
        silhouette * 100.0
    );
    // With the smoothing too: FXAA's edges against multisampling's.
    let (mean, silhouette) = apart(&today, &needed);
    assert!(
        mean < 1.5 && silhouette < 0.02,
        "the default picture differs from today's: {mean:.2} per channel, silhouette {:.2}%",
        silhouette * 100.0
    );
    // The measure has teeth: the same landscape sampled at 24 cells a side (a coarser shape
    // and coarser colours) is told apart.
    let dir = std::env::temp_dir().join(format!("gradscape-mesh-24-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scene = dir.join("coarse.ron");
    let shipped = include_str!("../assets/scenes/rosenbrock-race.ron");
    std::fs::write(
        &scene,
        shipped.replace(
            r#"(preset: Some("rosenbrock"))"#,
            r#"(preset: Some("rosenbrock"), resolution: 24)"#,
        ),
    )
    .unwrap();
    let coarse = first_frame("coarse", scene.to_str().unwrap(), &["--full-mesh"]);
    let (mean, silhouette) = apart(&full, &coarse);
    assert!(
        mean >= 0.3 || silhouette >= 0.002,
        "a 24-cell surface passes as the full one: {mean:.2}, {:.2}%",
        silhouette * 100.0
    );
    std::fs::remove_dir_all(&dir).ok();
}
