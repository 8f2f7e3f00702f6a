//! The Bevy app: thin plugins that own entities, input and drawing; every number comes from core.

mod arrows;
mod axes;
mod balls;
pub mod basins;
pub(crate) mod camera;
mod caption;
mod capture;
pub mod encode;
mod ghost;
mod labels;
pub mod landscape;
pub mod lesson;
mod markers;
mod pointer;
pub mod racers;
pub mod render;
pub mod scene;
mod search;
pub mod sets;
mod surface;
mod sweeps;
mod trails;
mod ui;

use crate::core::landscape::Landscape;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

pub use capture::CaptureRequest;

/// A letter key's message as bevy_winit writes it on an X11 keyboard, then one frame: how
/// the key tests reach a plugin's own key system through Bevy's input plugin.
#[cfg(test)]
pub fn press_key(app: &mut App, code: KeyCode, letter: &str, state: bevy::input::ButtonState) {
    app.world_mut()
        .write_message(bevy::input::keyboard::KeyboardInput {
            key_code: code,
            logical_key: bevy::input::keyboard::Key::Character(letter.into()),
            state,
            text: None,
            repeat: false,
            window: Entity::PLACEHOLDER,
        });
    app.update();
}

/// Each key tapped (down, then up) as bevy_winit writes them, all within one frame, then that
/// frame: quick taps on a slow machine.
#[cfg(test)]
pub fn taps_in_one_frame(app: &mut App, codes: &[KeyCode]) {
    for &code in codes {
        for state in [
            bevy::input::ButtonState::Pressed,
            bevy::input::ButtonState::Released,
        ] {
            app.world_mut()
                .write_message(bevy::input::keyboard::KeyboardInput {
                    key_code: code,
                    logical_key: bevy::input::keyboard::Key::Unidentified(
                        bevy::input::keyboard::NativeKey::Unidentified,
                    ),
                    state,
                    text: None,
                    repeat: false,
                    window: Entity::PLACEHOLDER,
                });
        }
    }
    app.update();
}

/// Settings for one launch of the app.
pub struct Launch {
    pub landscape: Landscape,
    pub capture: Option<CaptureRequest>,
    /// The line-up to open with (None: GD, Momentum and Adam).
    pub race: Option<crate::core::race::Lineup>,
    /// Step arrows shown from the start.
    pub arrows: bool,
    /// Window size in pixels.
    pub size: [u32; 2],
    pub ui_scale: f32,
    /// Open in presentation mode: panel hidden, legend and step counter shown.
    pub present: bool,
    /// Open on the 2D contour view.
    pub top_down: bool,
    /// A scene to open: its landscape settings, look, racers, speed and camera (it overrides
    /// the launch's landscape, race, arrows and view).
    pub scene: Option<crate::core::scene::Loaded>,
}

/// Opens the window and runs until it is closed.
pub fn run(launch: Launch) {
    build(launch).run();
}

/// The landscape and the race with no window, no renderer and no UI: what ECS tests and the
/// race benchmark run, stepping `App::update` by hand.
pub fn headless(landscape: Landscape) -> App {
    headless_scene(landscape, None)
}

/// [`headless`], opening a scene at start-up as the app does.
pub fn headless_scene(landscape: Landscape, scene: Option<crate::core::scene::Loaded>) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).add_plugins((
        sets::order,
        landscape::plugin(landscape),
        racers::sim_plugin,
        balls::placement,
        scene::plugin(scene),
        basins::compute,
        lesson::plugin,
    ));
    app
}

/// Bevy's log, less the formula compiler's chatter: Cranelift logs every compiled function's
/// IR at INFO (thousands of lines for one long formula).
pub fn log_plugin() -> bevy::log::LogPlugin {
    bevy::log::LogPlugin {
        filter: format!(
            "{},cranelift=warn,cranelift_codegen=warn,cranelift_jit=warn,cranelift_frontend=warn",
            bevy::log::DEFAULT_FILTER
        ),
        ..default()
    }
}

pub fn build(launch: Launch) -> App {
    let title = match (&launch.scene, launch.landscape.preset) {
        (Some(l), _) => format!("gradscape — {}", l.scene.name),
        (None, Some(p)) => format!("gradscape — {}", p.title),
        (None, None) => "gradscape".to_string(),
    };
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title,
                    resolution: WindowResolution::new(launch.size[0], launch.size[1]),
                    present_mode: PresentMode::AutoVsync,
                    ..default()
                }),
                ..default()
            })
            .set(bevy::render::RenderPlugin {
                // Scripted screenshots show the whole picture at their frame: no frame is
                // drawn with a pipeline still compiling (a blank 3D view for the first few
                // seconds on a loaded software renderer).
                synchronous_pipeline_compilation: launch.capture.is_some(),
                ..default()
            })
            .set(log_plugin()),
    )
    .insert_resource(ClearColor(camera::BACKGROUND))
    .add_plugins(sets::order);
    app.add_plugins((
        bevy_egui::EguiPlugin::default(),
        bevy_panorbit_camera::PanOrbitCameraPlugin,
        // The panel shows the frame rate the machine manages.
        bevy::diagnostic::FrameTimeDiagnosticsPlugin::default(),
    ));
    app.insert_resource(camera::TopDown(launch.top_down));
    if launch.scene.is_none() {
        app.add_plugins(racers::opening_plugin(launch.race));
    }
    app.add_plugins((
        landscape::plugin(launch.landscape),
        scene::plugin(launch.scene),
        surface::plugin,
        axes::plugin,
        markers::plugin,
        camera::plugin,
        racers::sim_plugin,
        balls::plugin,
        arrows::plugin(launch.arrows),
        pointer::plugin,
        trails::plugin,
        ghost::plugin,
        labels::plugin,
        ui::plugin(launch.ui_scale, launch.present),
        capture::plugin(launch.capture),
    ));
    app.add_plugins((search::plugin, basins::plugin, sweeps::plugin));
    app.add_plugins((lesson::plugin, lesson::drawing, lesson::window));
    // The first mesh as fine as the window's width needs (`surface::follow_view_width`
    // re-meshes when the view becomes twice or half as wide).
    app.world_mut()
        .resource_mut::<landscape::Landscape>()
        .density = crate::core::view::Density::Screen(launch.size[0]);
    app
}
