//! The system sets every plugin orders itself by, and the run condition for keys: the layer
//! beneath all plugins, importing none of them.

use bevy::prelude::*;

/// Frame ordering, chained once: read input, step the simulation, rebuild what changed, draw.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSet {
    Input,
    Simulate,
    Rebuild,
    Present,
}

/// A run condition for the keys plugins handle: true unless a text field (the formula box)
/// has the keyboard, so typing "r" in a formula does not reset the race. True where there is
/// no egui at all (headless tests).
pub fn keys_free(wants: Option<Res<bevy_egui::input::EguiWantsInput>>) -> bool {
    !wants.is_some_and(|w| w.wants_any_keyboard_input())
}

/// Start-up order: the camera exists, then the scene is applied, then the first surface is
/// built from whatever landscape that left, then everything that shows it is spawned.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StartSet {
    Camera,
    Open,
    Surface,
    Spawn,
}

/// Chains the start-up sets and the frame's sets once: input, simulation, rebuilds, drawing.
pub fn order(app: &mut App) {
    app.configure_sets(
        Startup,
        (
            StartSet::Camera,
            StartSet::Open,
            StartSet::Surface,
            StartSet::Spawn,
        )
            .chain(),
    );
    app.configure_sets(
        Update,
        (
            AppSet::Input,
            AppSet::Simulate,
            AppSet::Rebuild,
            AppSet::Present,
        )
            .chain(),
    );
}
