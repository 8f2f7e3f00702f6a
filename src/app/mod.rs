//! The Bevy app: thin plugins that own entities, input and drawing; every number comes from core.

mod camera;
mod capture;
mod landscape;
mod markers;
mod racers;
mod surface;
mod trails;
mod ui;

use crate::cli::Landscape;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};

pub use capture::CaptureRequest;

/// Frame ordering, chained once: read input, step the simulation, rebuild what changed, draw.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSet {
    Input,
    Simulate,
    Rebuild,
    Present,
}

/// Settings for one launch of the app.
pub struct Launch {
    pub landscape: Landscape,
    pub capture: Option<CaptureRequest>,
}

/// Opens the window and runs until it is closed.
pub fn run(landscape: Landscape, capture: Option<CaptureRequest>) {
    build(Launch { landscape, capture }).run();
}

pub fn build(launch: Launch) -> App {
    let title = match launch.landscape.preset {
        Some(p) => format!("gradscape — {}", p.title),
        None => "gradscape".to_string(),
    };
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title,
            resolution: WindowResolution::new(1280, 720),
            present_mode: PresentMode::AutoVsync,
            ..default()
        }),
        ..default()
    }))
    .insert_resource(ClearColor(Color::srgb(0.055, 0.06, 0.075)))
    .configure_sets(
        Update,
        (
            AppSet::Input,
            AppSet::Simulate,
            AppSet::Rebuild,
            AppSet::Present,
        )
            .chain(),
    );
    app.add_plugins((
        bevy_egui::EguiPlugin::default(),
        bevy_panorbit_camera::PanOrbitCameraPlugin,
    ));
    app.add_plugins((
        landscape::plugin(launch.landscape),
        surface::plugin,
        markers::plugin,
        camera::plugin,
        racers::plugin,
        trails::plugin,
        ui::plugin,
        capture::plugin(launch.capture),
    ));
    app
}
