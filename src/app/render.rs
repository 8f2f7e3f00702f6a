//! Headless rendering: a scene to numbered PNG frames with no window. A camera renders into
//! an image at a fixed frame rate and a fixed simulation time per frame, so the frames are
//! the same on any machine; an optional slow orbit turns the camera for recordings.

use super::lesson::{Director, Pose};
use super::racers::{Racer, Sim};
use super::sets::{self, AppSet};
use super::{balls, camera, labels, landscape, markers, racers, surface, trails};
use crate::core::scene::Loaded;
use bevy::app::ScheduleRunnerPlugin;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::time::TimeUpdateStrategy;
use bevy::window::ExitCondition;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RenderRequest {
    pub scene: Loaded,
    pub out: PathBuf,
    pub frames: u32,
    pub fps: u32,
    pub size: [u32; 2],
    /// Camera orbit speed in degrees per second (0: still).
    pub orbit: f64,
    /// How densely the surface is meshed.
    pub density: crate::core::view::Density,
    /// How edges are smoothed (None: as the renderer suits, `Smoothing::for_adapter`).
    pub smoothing: Option<camera::Smoothing>,
}

/// Shaders compile in the background and a mesh whose pipeline is not ready is not drawn, so
/// before recording the race waits (the recording is the same however long that takes) while
/// a probe picture is taken every few frames: the warm-up ends when [`STABLE_PROBES`] probes
/// in a row are identical and not blank, that is, when every pipeline is drawing.
const PROBE_EVERY: u32 = 4;
const STABLE_PROBES: usize = 3;
/// A picture that never settles (something on screen that animates by itself) ends the
/// warm-up after this many probes rather than never.
const MAX_PROBES: usize = 60;
/// Give up (with a message, never a stall) when the renderer delivers nothing for this long.
const PATIENCE: Duration = Duration::from_secs(120);

#[derive(Resource)]
struct Recording {
    request: RenderRequest,
    target: Handle<Image>,
    /// Frames since start-up.
    frame: u32,
    /// The frame that was the last of the warm-up, once it is over.
    warmed: Option<u32>,
    /// Fingerprints of the warm-up probes so far, the latest last.
    probes: Vec<u64>,
    /// When the renderer last delivered a picture (or the recording started).
    delivered: std::time::Instant,
    saved: u32,
    progress: indicatif::ProgressBar,
}

impl Recording {
    /// Recorded frames so far (0 during the warm-up).
    fn recorded(&self) -> u32 {
        self.warmed.map_or(0, |w| self.frame - w)
    }
}

/// Where each recorded frame's racers are, for checking that renders replay.
#[derive(Default, Clone, Debug, PartialEq)]
pub struct Trajectories(pub Vec<Vec<[f64; 2]>>);

/// Shared with the caller: `App::run` consumes the world.
#[derive(Resource, Clone, Default)]
struct Record(std::sync::Arc<std::sync::Mutex<Trajectories>>);

/// Renders the request; returns the racers' positions at every recorded frame.
pub fn render(request: RenderRequest) -> Trajectories {
    let scene = request.scene.clone();
    let land = scene.landscape.clone();
    let record = Record::default();
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: None,
                exit_condition: ExitCondition::DontExit,
                ..default()
            })
            .set(super::log_plugin())
            .disable::<bevy::winit::WinitPlugin>(),
    )
    .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::ZERO))
    .insert_resource(ClearColor(camera::BACKGROUND))
    .insert_resource(camera::ambient())
    // Simulation time advances exactly one frame per update, whatever the render takes.
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
        1.0 / f64::from(request.fps.max(1)),
    )))
    .insert_resource(Sim::paused_at(scene.scene.speed))
    .insert_resource(record.clone())
    .insert_resource(super::basins::BasinMap::blocking())
    .insert_resource(super::lesson::Director::recording())
    .insert_resource(landscape::Blocking)
    .add_plugins((
        sets::order,
        landscape::plugin(land),
        super::scene::plugin(Some(scene)),
        surface::plugin,
        markers::plugin,
        racers::sim_plugin,
        balls::plugin,
        trails::plugin,
        labels::plugin,
        super::search::plugin,
        super::basins::drawing,
        super::lesson::plugin,
        super::lesson::drawing,
    ))
    .add_systems(Startup, setup)
    .add_systems(
        Update,
        (orbit, record_frame).chain().in_set(AppSet::Present),
    );
    app.world_mut()
        .resource_mut::<landscape::Landscape>()
        .density = request.density;
    app.insert_resource(Pending(Some(request)));
    app.run();
    record.0.lock().map(|t| t.clone()).unwrap_or_default()
}

#[derive(Resource)]
struct Pending(Option<RenderRequest>);

fn setup(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut pending: ResMut<Pending>,
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
) {
    let Some(request) = pending.0.take() else {
        return;
    };
    let [w, h] = request.size;
    let target = images.add(Image::new_target_texture(
        w,
        h,
        TextureFormat::Rgba8UnormSrgb,
        None,
    ));
    commands.spawn((
        Name::new("Recording camera"),
        Camera3d::default(),
        request
            .smoothing
            .unwrap_or_else(|| camera::Smoothing::for_adapter(adapter.as_deref()))
            .components(),
        RenderTarget::Image(target.clone().into()),
        pose(&request, None, 0.0),
    ));
    camera::spawn_lights(&mut commands);
    let progress = indicatif::ProgressBar::new(u64::from(request.frames)).with_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} frames, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    progress.set_message(format!("rendering {}", request.scene.scene.name));
    commands.insert_resource(Recording {
        request,
        target,
        frame: 0,
        warmed: None,
        probes: Vec::new(),
        delivered: std::time::Instant::now(),
        saved: 0,
        progress,
    });
}

/// A picture's fingerprint: equal pictures, equal numbers (0 for a blank, one-colour one).
fn fingerprint(image: &Image) -> u64 {
    use std::hash::{Hash, Hasher};
    let Some(data) = image.data.as_ref() else {
        return 0;
    };
    let first = data.get(..4);
    if data.chunks_exact(4).all(|px| Some(px) == first) {
        return 0;
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    h.finish().max(1)
}

/// Whether the last [`STABLE_PROBES`] probes show one and the same, non-blank picture (or
/// [`MAX_PROBES`] were taken).
fn warmed_up(probes: &[u64]) -> bool {
    probes.len() >= MAX_PROBES
        || probes.len() >= STABLE_PROBES
            && probes[probes.len() - STABLE_PROBES..]
                .iter()
                .all(|&p| p != 0 && p == probes[probes.len() - 1])
}

/// The camera pose `t` seconds into the recording: the lesson's (or the scene's) view,
/// turned by the orbit.
fn pose(request: &RenderRequest, lesson: Option<Pose>, t: f64) -> Transform {
    let view = lesson.unwrap_or_else(|| Pose::of_scene(&request.scene));
    Pose {
        yaw: view.yaw + request.orbit * t,
        ..view
    }
    .transform()
}

fn orbit(
    recording: Option<Res<Recording>>,
    director: Res<Director>,
    mut cameras: Query<&mut Transform, With<Camera3d>>,
) {
    let Some(rec) = recording else {
        return;
    };
    let t = f64::from(rec.recorded()) / f64::from(rec.request.fps.max(1));
    for mut tf in &mut cameras {
        *tf = pose(&rec.request, director.pose, t);
    }
}

fn record_frame(
    mut commands: Commands,
    director: Res<Director>,
    recording: Option<ResMut<Recording>>,
    mut sim: ResMut<Sim>,
    racers: Query<&Racer>,
    trajectories: Res<Record>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(mut rec) = recording else {
        return;
    };
    rec.frame += 1;
    if rec.delivered.elapsed() > PATIENCE {
        // The frames written so far stay; the command reports how many are missing.
        rec.progress.abandon_with_message(format!(
            "the renderer delivered no picture for {} s; stopping",
            PATIENCE.as_secs()
        ));
        exit.write(AppExit::error());
        return;
    }
    if rec.warmed.is_none() {
        if warmed_up(&rec.probes) {
            rec.warmed = Some(rec.frame);
            sim.playing = true;
        } else if rec.frame.is_multiple_of(PROBE_EVERY) {
            commands
                .spawn(Screenshot::image(rec.target.clone()))
                .observe(|shot: On<ScreenshotCaptured>, mut rec: ResMut<Recording>| {
                    rec.probes.push(fingerprint(&shot.image));
                    rec.delivered = std::time::Instant::now();
                });
        }
        return;
    }
    let recorded = rec.recorded();
    if recorded <= rec.request.frames {
        let mut by_slot: Vec<(usize, [f64; 2])> =
            racers.iter().map(|r| (r.slot, r.run.pos)).collect();
        by_slot.sort_by_key(|(s, _)| *s);
        if let Ok(mut t) = trajectories.0.lock() {
            t.0.push(by_slot.into_iter().map(|(_, p)| p).collect());
        }
        let path = rec.request.out.join(format!("frame_{recorded:05}.png"));
        let caption = director
            .lesson
            .as_ref()
            .and_then(|l| l.shown_text())
            .map(str::to_string);
        commands
            .spawn(Screenshot::image(rec.target.clone()))
            .observe(
                move |shot: On<ScreenshotCaptured>, mut rec: ResMut<Recording>| {
                    if let Err(e) = save(&shot.image, caption.as_deref(), &path) {
                        rec.progress.println(format!("{}: {e}", path.display()));
                        return;
                    }
                    rec.saved += 1;
                    rec.delivered = std::time::Instant::now();
                    rec.progress.inc(1);
                },
            );
    }
    if rec.saved >= rec.request.frames {
        rec.progress.finish();
        exit.write(AppExit::Success);
    }
}

/// Writes a frame as PNG, with the lesson's caption drawn in.
fn save(image: &Image, caption: Option<&str>, path: &std::path::Path) -> Result<(), String> {
    let mut frame = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?
        .to_rgba8();
    if let Some(text) = caption {
        super::caption::draw(&mut frame, text);
    }
    frame.save(path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::warmed_up;

    #[test]
    fn the_warm_up_ends_on_three_equal_non_blank_probes() {
        assert!(!warmed_up(&[]));
        assert!(!warmed_up(&[5, 5]));
        assert!(!warmed_up(&[0, 0, 0]), "blank pictures are not ready");
        assert!(!warmed_up(&[4, 5, 5]));
        assert!(warmed_up(&[3, 4, 5, 5, 5]));
        let restless: Vec<u64> = (1..=60).collect();
        assert!(
            !warmed_up(&restless[..59]) && warmed_up(&restless),
            "never waits forever"
        );
    }
}
