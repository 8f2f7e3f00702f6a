//! Headless rendering: a scene to numbered PNG frames with no window. A camera renders into
//! an image at a fixed frame rate and a fixed simulation time per frame, so the frames are
//! the same on any machine; an optional slow orbit turns the camera for recordings.

use super::racers::{Racer, Sim};
use super::{AppSet, balls, camera, landscape, markers, order_sets, racers, surface, trails};
use crate::cli::Landscape as Launched;
use crate::core::scene::Loaded;
use bevy::app::ScheduleRunnerPlugin;
use bevy::camera::RenderTarget;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
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
}

/// Before recording, at least this many frames and this much wall time pass while shaders
/// compile in the background (a mesh whose pipeline is not ready is not drawn yet); the race
/// waits, so the recording is the same however long that takes.
const WARM_UP_FRAMES: u32 = 30;
const WARM_UP_TIME: Duration = Duration::from_secs(10);

#[derive(Resource)]
struct Recording {
    request: RenderRequest,
    target: Handle<Image>,
    /// Frames since start-up.
    frame: u32,
    /// The frame that was the last of the warm-up, once it is over.
    warmed: Option<u32>,
    started: std::time::Instant,
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
    let land = Launched {
        formula: scene.formula.clone(),
        domain: scene.domain,
        preset: scene.preset,
    };
    let look = &scene.scene.look;
    let record = Record::default();
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: None,
                exit_condition: ExitCondition::DontExit,
                ..default()
            })
            .disable::<bevy::winit::WinitPlugin>(),
    )
    .add_plugins(ScheduleRunnerPlugin::run_loop(Duration::ZERO))
    .insert_resource(ClearColor(Color::srgb(0.055, 0.06, 0.075)))
    .insert_resource(GlobalAmbientLight {
        brightness: 350.0,
        ..default()
    })
    // Simulation time advances exactly one frame per update, whatever the render takes.
    .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
        1.0 / f64::from(request.fps.max(1)),
    )))
    .insert_resource(Sim::paused_at(scene.scene.speed))
    .insert_resource(surface::Look {
        colormap: look.colormap,
        contours: look.contours,
        grid: look.grid,
        floor: look.floor,
    })
    .insert_resource(record.clone())
    .add_plugins((
        order_sets,
        landscape::plugin(land, Some(scene.clone())),
        surface::plugin,
        markers::plugin,
        racers::sim_plugin,
        balls::plugin(None, Some(scene.racers.clone())),
        trails::plugin,
    ))
    .add_systems(Startup, setup)
    .add_systems(
        Update,
        (orbit, record_frame).chain().in_set(AppSet::Present),
    );
    app.insert_resource(Pending(Some(request)));
    app.run();
    record.0.lock().map(|t| t.clone()).unwrap_or_default()
}

#[derive(Resource)]
struct Pending(Option<RenderRequest>);

fn setup(mut commands: Commands, mut images: ResMut<Assets<Image>>, mut pending: ResMut<Pending>) {
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
        RenderTarget::Image(target.clone().into()),
        pose(&request, 0.0),
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
        started: std::time::Instant::now(),
        saved: 0,
        progress,
    });
}

/// The camera pose `t` seconds into the recording: the scene's view, turned by the orbit.
fn pose(request: &RenderRequest, t: f64) -> Transform {
    let [yaw, pitch, radius] = request.scene.scene.camera.unwrap_or_else(|| {
        let v = request.scene.preset.map_or([35.0, 40.0], |p| p.view);
        [v[0], v[1], 15.0]
    });
    let yaw = (yaw + request.orbit * t).to_radians() as f32;
    let pitch = (pitch as f32).to_radians();
    let focus = Vec3::new(0.0, 1.0, 0.0);
    let offset =
        Quat::from_rotation_y(yaw) * Quat::from_rotation_x(-pitch) * Vec3::Z * radius as f32;
    Transform::from_translation(focus + offset).looking_at(focus, Vec3::Y)
}

fn orbit(recording: Option<Res<Recording>>, mut cameras: Query<&mut Transform, With<Camera3d>>) {
    let Some(rec) = recording else {
        return;
    };
    let t = f64::from(rec.recorded()) / f64::from(rec.request.fps.max(1));
    for mut tf in &mut cameras {
        *tf = pose(&rec.request, t);
    }
}

fn record_frame(
    mut commands: Commands,
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
    if rec.warmed.is_none() {
        if rec.frame >= WARM_UP_FRAMES && rec.started.elapsed() >= WARM_UP_TIME {
            rec.warmed = Some(rec.frame);
            sim.playing = true;
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
        commands
            .spawn(Screenshot::image(rec.target.clone()))
            .observe(save_to_disk(path))
            .observe(|_: On<ScreenshotCaptured>, mut rec: ResMut<Recording>| {
                rec.saved += 1;
                rec.progress.inc(1);
            });
    }
    let all_saved = rec.saved >= rec.request.frames;
    // Every frame on disk (or long after the last, if the renderer never delivers).
    if all_saved || recorded > rec.request.frames + 600 {
        rec.progress.finish();
        exit.write(AppExit::Success);
    }
}
