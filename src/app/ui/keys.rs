//! Keyboard input for egui, one key at a time: every press reaches the panel with the
//! modifiers that were down at that moment, and keys that arrive in the same frame as a click
//! wait one frame, so the click's focus applies to them.
//!
//! Why not bevy_egui's own system: it reads all of a frame's modifier changes first and then
//! hands every key to egui with the frame's final modifiers. At a few frames a second
//! (software rendering, classroom VMs) a quick Ctrl+A lands in one frame — Ctrl down, A down,
//! A up, Ctrl up — and became a typed "a".

use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardFocusLost, KeyboardInput};
use bevy::input::mouse::MouseButtonInput;
use bevy::prelude::*;
use bevy_egui::input::EguiInputEvent;
use bevy_egui::{EguiGlobalSettings, EguiInputSet, PrimaryEguiContext, egui, helpers};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<KeyState>()
        .add_systems(Startup, take_over_keyboard)
        .add_systems(PreUpdate, write_keys.in_set(EguiInputSet::ReadBevyMessages));
}

/// The modifiers down now, and keys held back for the next frame.
#[derive(Resource, Default)]
pub struct KeyState {
    mods: Mods,
    held: Vec<KeyboardInput>,
}

/// Which modifier keys are down.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mods {
    pub shift: bool,
    pub ctrl: bool,
    pub alt: bool,
    pub logo: bool,
}

impl Mods {
    /// Follows one key message; true when the key was a modifier.
    pub fn track(&mut self, key: &Key, state: ButtonState) -> bool {
        let down = state.is_pressed();
        match key {
            Key::Shift => self.shift = down,
            Key::Control => self.ctrl = down,
            Key::Alt => self.alt = down,
            Key::Super | Key::Meta => self.logo = down,
            _ => return false,
        }
        true
    }

    fn egui(self) -> egui::Modifiers {
        let mac = cfg!(target_os = "macos");
        egui::Modifiers {
            alt: self.alt,
            ctrl: self.ctrl,
            shift: self.shift,
            mac_cmd: mac && self.logo,
            command: if mac { self.logo } else { self.ctrl },
        }
    }

    /// Text is typed unless a command modifier is down (Ctrl+Alt is AltGr, which types).
    fn types_text(self) -> bool {
        let mac = cfg!(target_os = "macos");
        !self.logo && !self.ctrl || !mac && self.ctrl && self.alt
    }
}

/// The egui events one key message stands for, with the modifiers down as it happened.
pub fn events_for(key: &KeyboardInput, mods: Mods) -> Vec<egui::Event> {
    let mut out = Vec::new();
    let pressed = key.state.is_pressed();
    if pressed && mods.types_text() {
        match &key.logical_key {
            Key::Character(c) if !c.chars().any(char::is_control) => {
                out.push(egui::Event::Text(c.to_string()));
            }
            Key::Space => out.push(egui::Event::Text(" ".into())),
            _ => {}
        }
    }
    let physical_key = helpers::bevy_to_egui_physical_key(&key.key_code);
    if let Some(k) = helpers::bevy_to_egui_key(&key.logical_key).or(physical_key) {
        out.push(egui::Event::Key {
            key: k,
            physical_key,
            pressed,
            repeat: false,
            modifiers: mods.egui(),
        });
    }
    out
}

/// This module writes the keyboard's egui events instead of bevy_egui.
fn take_over_keyboard(mut settings: ResMut<EguiGlobalSettings>) {
    settings
        .input_system_settings
        .run_write_keyboard_input_messages_system = false;
}

/// Hands this frame's keys to the primary egui context in the order they happened.
pub fn write_keys(
    mut keys: MessageReader<KeyboardInput>,
    mut clicks: MessageReader<MouseButtonInput>,
    mut focus_lost: MessageReader<KeyboardFocusLost>,
    mut state: ResMut<KeyState>,
    contexts: Query<Entity, With<PrimaryEguiContext>>,
    mut out: MessageWriter<EguiInputEvent>,
) {
    if focus_lost.read().count() > 0 {
        // Keys released while another window had the focus never arrive: none is down now.
        state.mods = Mods::default();
    }
    let clicked = clicks.read().any(|c| c.state.is_pressed());
    let fresh: Vec<KeyboardInput> = keys.read().cloned().collect();
    let mut now = std::mem::take(&mut state.held);
    if clicked {
        // The click may focus the formula box: its keys go in after egui has seen the click.
        state.held = fresh;
    } else {
        now.extend(fresh);
    }
    let Ok(context) = contexts.single() else {
        return;
    };
    for key in &now {
        let mods = state.mods;
        if state.mods.track(&key.logical_key, key.state) {
            continue;
        }
        for event in events_for(key, mods) {
            out.write(EguiInputEvent { context, event });
        }
    }
}

#[cfg(test)]
mod tests;
