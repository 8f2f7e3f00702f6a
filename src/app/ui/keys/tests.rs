//! Key messages as bevy_winit writes them, several in one frame (a few frames a second),
//! through `write_keys` into the panel's real formula box in a real egui context.

use super::*;
use crate::app::landscape::Landscape;
use crate::app::ui::landscape::{FormulaEdit, formula_ui};
use crate::core::expr::Formula;
use bevy::input::keyboard::KeyCode;
use bevy::input::mouse::MouseButton;

/// Egui events written this frame.
#[derive(Resource, Default)]
struct Written(Vec<egui::Event>);

fn collect(mut events: MessageReader<EguiInputEvent>, mut written: ResMut<Written>) {
    written.0 = events.read().map(|e| e.event.clone()).collect();
}

fn app() -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .add_message::<KeyboardInput>()
        .add_message::<MouseButtonInput>()
        .add_message::<KeyboardFocusLost>()
        .add_message::<EguiInputEvent>()
        .init_resource::<KeyState>()
        .init_resource::<Written>()
        .add_systems(Update, (write_keys, collect).chain());
    app.world_mut().spawn(PrimaryEguiContext);
    app
}

/// One key message, as winit reports a press or release on an X11 keyboard.
fn key(app: &mut App, logical: Key, code: KeyCode, state: ButtonState) {
    let window = Entity::PLACEHOLDER;
    let text = match &logical {
        Key::Character(c) if state.is_pressed() => Some(c.clone()),
        _ => None,
    };
    app.world_mut().write_message(KeyboardInput {
        key_code: code,
        logical_key: logical,
        state,
        text,
        repeat: false,
        window,
    });
}

fn tap(app: &mut App, logical: Key, code: KeyCode) {
    key(app, logical.clone(), code, ButtonState::Pressed);
    key(app, logical, code, ButtonState::Released);
}

fn click(app: &mut App) {
    for state in [ButtonState::Pressed, ButtonState::Released] {
        app.world_mut().write_message(MouseButtonInput {
            button: MouseButton::Left,
            state,
            window: Entity::PLACEHOLDER,
        });
    }
}

/// The panel's formula box in an egui context of its own.
struct Panel {
    ctx: egui::Context,
    edit: FormulaEdit,
    landscape: Landscape,
}

impl Panel {
    fn new(text: &str) -> Panel {
        Panel {
            ctx: egui::Context::default(),
            edit: FormulaEdit::new(text),
            landscape: Landscape::of_formula(Formula::parse(text).unwrap()),
        }
    }

    /// One egui frame with these events.
    fn frame(&mut self, events: Vec<egui::Event>) {
        let input = egui::RawInput {
            events,
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(600.0, 200.0),
            )),
            ..Default::default()
        };
        let (edit, landscape) = (&mut self.edit, &mut self.landscape);
        // The frame's output (what egui would paint) is not needed: the text is the result.
        let _painted = self.ctx.run_ui(input, |ui| formula_ui(ui, edit, landscape));
    }

    /// Gives the box the keyboard focus, as a person tabbing into it.
    fn focus(&mut self) {
        // The first frame lays the box out; a tab moves the keyboard focus into it.
        self.frame(vec![]);
        let tab = egui::Event::Key {
            key: egui::Key::Tab,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        };
        self.frame(vec![tab]);
    }
}

/// Runs one app frame and hands what it wrote to the panel as one egui frame.
fn frame(app: &mut App, panel: &mut Panel) -> Vec<egui::Event> {
    app.update();
    let events = app.world().resource::<Written>().0.clone();
    panel.frame(events.clone());
    events
}

#[test]
fn a_quick_ctrl_a_in_one_frame_selects_instead_of_typing() {
    let mut app = app();
    let mut panel = Panel::new("x^2 + y^2");
    panel.focus();
    // Ctrl down, A tapped, Ctrl up, then "y": all in one frame.
    key(
        &mut app,
        Key::Control,
        KeyCode::ControlLeft,
        ButtonState::Pressed,
    );
    tap(&mut app, Key::Character("a".into()), KeyCode::KeyA);
    key(
        &mut app,
        Key::Control,
        KeyCode::ControlLeft,
        ButtonState::Released,
    );
    tap(&mut app, Key::Character("y".into()), KeyCode::KeyY);
    let events = frame(&mut app, &mut panel);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, egui::Event::Text(t) if t == "a")),
        "the A under Ctrl typed nothing: {events:?}"
    );
    assert_eq!(
        panel.edit.text, "y",
        "Ctrl+A selected all, then y replaced it"
    );
}

#[test]
fn backspaces_and_letters_in_one_frame_apply_in_order() {
    let mut app = app();
    let mut panel = Panel::new("x^2");
    panel.focus();
    // End, two backspaces, "3": "x^2" → "x" → "x3"… each press and release in this frame.
    tap(&mut app, Key::End, KeyCode::End);
    tap(&mut app, Key::Backspace, KeyCode::Backspace);
    tap(&mut app, Key::Backspace, KeyCode::Backspace);
    tap(&mut app, Key::Character("3".into()), KeyCode::Digit3);
    frame(&mut app, &mut panel);
    assert_eq!(panel.edit.text, "x3");
}

#[test]
fn keys_in_the_frame_of_a_click_wait_for_its_focus() {
    let mut app = app();
    click(&mut app);
    tap(&mut app, Key::Character("z".into()), KeyCode::KeyZ);
    app.update();
    assert!(
        app.world().resource::<Written>().0.is_empty(),
        "held back a frame"
    );
    app.update();
    let next = &app.world().resource::<Written>().0;
    assert!(
        next.iter()
            .any(|e| matches!(e, egui::Event::Text(t) if t == "z")),
        "{next:?}"
    );
}

#[test]
fn shift_applies_only_while_held() {
    let mut app = app();
    key(
        &mut app,
        Key::Shift,
        KeyCode::ShiftLeft,
        ButtonState::Pressed,
    );
    tap(&mut app, Key::ArrowLeft, KeyCode::ArrowLeft);
    key(
        &mut app,
        Key::Shift,
        KeyCode::ShiftLeft,
        ButtonState::Released,
    );
    tap(&mut app, Key::ArrowLeft, KeyCode::ArrowLeft);
    app.update();
    let shifts: Vec<bool> = app
        .world()
        .resource::<Written>()
        .0
        .iter()
        .filter_map(|e| match e {
            egui::Event::Key {
                pressed: true,
                modifiers,
                ..
            } => Some(modifiers.shift),
            _ => None,
        })
        .collect();
    assert_eq!(shifts, [true, false]);
}
