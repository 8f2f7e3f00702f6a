//! The system sets every plugin orders itself by, the run condition for keys and each key's
//! presses this frame: the layer beneath all plugins, importing none of them.

use bevy::input::InputSystems;
use bevy::input::keyboard::KeyboardInput;
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

/// The keys that went down this frame, in order, one entry a press. At a few frames a second
/// (software rendering, a classroom VM) two quick taps of S land in one frame, and
/// `ButtonInput::just_pressed` reads them as one: a key that acts once a press counts here.
/// A held key's repeats do not count.
#[derive(Resource, Default)]
pub struct Presses(Vec<KeyCode>);

impl Presses {
    /// How many times any of `keys` went down this frame.
    pub fn count(&self, keys: &[KeyCode]) -> usize {
        self.0.iter().filter(|k| keys.contains(k)).count()
    }

    /// This frame's presses in the order they came.
    pub fn in_order(&self) -> impl Iterator<Item = KeyCode> + '_ {
        self.0.iter().copied()
    }
}

fn count_presses(mut presses: ResMut<Presses>, mut keys: MessageReader<KeyboardInput>) {
    presses.0.clear();
    let down = keys.read().filter(|k| k.state.is_pressed() && !k.repeat);
    presses.0.extend(down.map(|k| k.key_code));
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

/// Chains the start-up sets and the frame's sets once: input, simulation, rebuilds, drawing;
/// and counts each frame's key presses where there is a keyboard.
pub fn order(app: &mut App) {
    app.init_resource::<Presses>().add_systems(
        PreUpdate,
        count_presses
            .after(InputSystems)
            .run_if(resource_exists::<ButtonInput<KeyCode>>),
    );
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
