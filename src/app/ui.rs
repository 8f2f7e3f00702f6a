//! The side panel: formula (Enter rebuilds), play / pause / step / reset, and each racer's numbers.

use super::AppSet;
use super::arrows::Arrows;
use super::camera::PanelWidth;
use super::landscape::Landscape;
use super::racers::{NewRace, Racer, Restart, SPEEDS, Sim, Trail, default_race};
use crate::core::expr::Formula;
use crate::core::presets::{PRESETS, Preset};
use crate::core::race::{self, Lineup};
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use bevy_panorbit_camera::PanOrbitCamera;

/// The formula box: its text (which may not parse yet) and the last error.
#[derive(Resource)]
pub struct FormulaEdit {
    pub text: String,
    pub error: Option<String>,
}

#[derive(Resource)]
pub struct PanelVisible(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(PanelVisible(true))
        .add_systems(Startup, init_edit)
        .add_systems(Update, keyboard.in_set(AppSet::Input))
        .add_systems(EguiPrimaryContextPass, (math_fonts, panel_ui).chain());
}

/// egui's default fonts lack the math the panel writes (∇, ∂, √, ←); DejaVu fills the gaps.
fn math_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if *done {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    for (name, data, family) in [
        (
            "DejaVu Sans",
            &include_bytes!("../../assets/fonts/DejaVuSans.ttf")[..],
            egui::FontFamily::Proportional,
        ),
        (
            "DejaVu Sans Mono",
            &include_bytes!("../../assets/fonts/DejaVuSansMono.ttf")[..],
            egui::FontFamily::Monospace,
        ),
    ] {
        ctx.add_font(egui::epaint::text::FontInsert::new(
            name,
            egui::FontData::from_static(data),
            vec![egui::epaint::text::InsertFontFamily {
                family,
                priority: egui::epaint::text::FontPriority::Lowest,
            }],
        ));
    }
    *done = true;
    Ok(())
}

fn init_edit(mut commands: Commands, landscape: Res<Landscape>) {
    commands.insert_resource(FormulaEdit {
        text: landscape.formula.source().to_string(),
        error: None,
    });
}

/// Switches to a preset: formula with its parameter values, domain, height scale; returns
/// where the racers should start.
pub fn apply_preset(
    preset: &'static Preset,
    landscape: &mut Landscape,
) -> Result<[f64; 2], String> {
    let mut formula =
        Formula::parse(preset.formula).map_err(|e| format!("preset {}: {e}", preset.name))?;
    for (name, value) in preset.params {
        formula.set_param(name, *value);
    }
    landscape.formula = formula;
    landscape.domain = preset.domain;
    landscape.z_scale = preset.z_scale;
    landscape.preset = Some(preset);
    landscape.generation += 1;
    Ok(landscape.default_start())
}

/// Applies an edited formula: on success the landscape is replaced (parameters with the same
/// names keep their values); on failure the last good surface stays and the error is kept.
pub fn apply_formula(text: &str, landscape: &mut Landscape) -> Result<(), String> {
    let mut formula = Formula::parse(text).map_err(|e| e.to_string())?;
    formula.inherit_params(&landscape.formula);
    landscape.formula = formula;
    landscape.preset = None;
    landscape.generation += 1;
    Ok(())
}

/// Keys 1–9 in order, for toggling racers.
const DIGITS: [KeyCode; 9] = [
    KeyCode::Digit1,
    KeyCode::Digit2,
    KeyCode::Digit3,
    KeyCode::Digit4,
    KeyCode::Digit5,
    KeyCode::Digit6,
    KeyCode::Digit7,
    KeyCode::Digit8,
    KeyCode::Digit9,
];

#[allow(clippy::too_many_arguments)]
fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    wants: Res<EguiWantsInput>,
    mut sim: ResMut<Sim>,
    mut restart: MessageWriter<Restart>,
    mut racers: Query<(&Racer, &mut Trail, &mut Visibility)>,
    mut panel: ResMut<PanelVisible>,
    mut arrows: ResMut<Arrows>,
    landscape: Res<Landscape>,
    mut camera: Single<&mut PanOrbitCamera>,
) {
    if wants.wants_any_keyboard_input() {
        return;
    }
    if keys.just_pressed(KeyCode::Space) {
        sim.playing = !sim.playing;
    }
    if keys.just_pressed(KeyCode::KeyS) || keys.just_pressed(KeyCode::ArrowRight) {
        sim.step_once();
    }
    if keys.just_pressed(KeyCode::KeyR) {
        restart.write(Restart(None));
    }
    if keys.just_pressed(KeyCode::KeyC) {
        for (_, mut trail, _) in &mut racers {
            trail.clear();
        }
    }
    for (slot, key) in DIGITS.iter().enumerate() {
        if keys.just_pressed(*key) {
            for (_, _, mut v) in racers.iter_mut().filter(|(r, ..)| r.slot == slot) {
                toggle(&mut v);
            }
        }
    }
    if keys.just_pressed(KeyCode::KeyA) {
        arrows.toggle_all();
    }
    if keys.just_pressed(KeyCode::KeyF) {
        frame(&mut camera, &landscape);
    }
    if keys.just_pressed(KeyCode::KeyH) {
        panel.0 = !panel.0;
    }
}

fn toggle(v: &mut Visibility) {
    *v = if *v == Visibility::Hidden {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
}

/// Points the camera at the whole landscape from the preset's angle.
fn frame(camera: &mut PanOrbitCamera, landscape: &Landscape) {
    let view = landscape.preset.map_or([35.0, 40.0], |p| p.view);
    let home = super::camera::orbit(view);
    camera.target_focus = home.focus;
    camera.target_radius = home.radius.unwrap_or(15.0);
    camera.target_yaw = home.yaw.unwrap_or(0.0);
    camera.target_pitch = home.pitch.unwrap_or(0.0);
}

#[allow(clippy::too_many_arguments)]
fn panel_ui(
    mut contexts: EguiContexts,
    mut landscape: ResMut<Landscape>,
    mut edit: ResMut<FormulaEdit>,
    mut sim: ResMut<Sim>,
    mut restart: MessageWriter<Restart>,
    mut new_race: MessageWriter<NewRace>,
    mut racers: Query<(&mut Racer, &mut Visibility)>,
    mut arrows: ResMut<Arrows>,
    visible: Res<PanelVisible>,
    mut width: ResMut<PanelWidth>,
    mut markers: ResMut<super::markers::Markers>,
    mut camera: Single<&mut PanOrbitCamera>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !visible.0 {
        width.0 = 0.0;
        return Ok(());
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let panel = egui::Panel::left("panel").resizable(true).default_size(320.0).show_inside(&mut root, |ui| {
        ui.add_space(6.0);
        ui.heading("gradscape");
        if let Some(preset) = presets_ui(ui, &landscape) {
            match apply_preset(preset, &mut landscape) {
                Ok(start) => {
                    edit.text = preset.formula.to_string();
                    edit.error = None;
                    restart.write(Restart(Some(start)));
                    camera.target_yaw = (preset.view[0] as f32).to_radians();
                    camera.target_pitch = (preset.view[1] as f32).to_radians();
                }
                Err(e) => edit.error = Some(e),
            }
        }
        if let Some(p) = landscape.preset {
            ui.label(egui::RichText::new(p.teaches).small());
        }
        ui.separator();
        formula_ui(ui, &mut edit, &mut landscape);
        ui.separator();
        controls_ui(ui, &mut sim, &mut restart);
        ui.separator();
        if let Some(specs) = lineup_ui(ui, &landscape, &racers) {
            new_race.write(NewRace(specs));
        }
        racers_ui(ui, &mut racers);
        ui.separator();
        arrows_ui(ui, &mut arrows);
        ui.checkbox(&mut markers.visible, "Show critical points (minima, saddles, maxima)");
        ui.with_layout(egui::Layout::bottom_up(egui::Align::LEFT), |ui| {
            ui.label(
                egui::RichText::new("Click the surface: start there · Drag a start ring: move one racer\nDrag: orbit · Right-drag: pan · Wheel: zoom · F: frame\nSpace: play/pause · S: step · R: reset · C: clear trails\n1–9: show/hide racer · A: arrows · H: hide panel")
                    .small()
                    .weak(),
            );
        });
    });
    width.0 = panel.response.rect.width();
    Ok(())
}

/// The landscape menu; returns the preset picked this frame.
fn presets_ui(ui: &mut egui::Ui, landscape: &Landscape) -> Option<&'static Preset> {
    let mut picked = None;
    let current = landscape.preset.map_or("Custom formula", |p| p.title);
    egui::ComboBox::from_id_salt("preset")
        .selected_text(current)
        .width(ui.available_width())
        .show_ui(ui, |ui| {
            for preset in PRESETS {
                let selected = landscape.preset.is_some_and(|p| p.name == preset.name);
                if ui
                    .selectable_label(selected, preset.title)
                    .on_hover_text(preset.teaches)
                    .clicked()
                {
                    picked = Some(preset);
                }
            }
        });
    picked
}

fn formula_ui(ui: &mut egui::Ui, edit: &mut FormulaEdit, landscape: &mut Landscape) {
    ui.label("f(x, y) =");
    let response = ui.add(
        egui::TextEdit::singleline(&mut edit.text)
            .font(egui::TextStyle::Monospace)
            .desired_width(f32::INFINITY),
    );
    if response.changed() {
        // Live validation while typing; the surface changes only on Enter.
        edit.error = Formula::parse(&edit.text).err().map(|e| e.to_string());
    }
    if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        edit.error = apply_formula(&edit.text, landscape).err();
    }
    match &edit.error {
        Some(e) => ui.colored_label(egui::Color32::from_rgb(255, 110, 100), e),
        None => ui.label(
            egui::RichText::new("Enter rebuilds the surface")
                .small()
                .weak(),
        ),
    };
}

fn controls_ui(ui: &mut egui::Ui, sim: &mut Sim, restart: &mut MessageWriter<Restart>) {
    ui.horizontal(|ui| {
        if ui
            .button(if sim.playing { "⏸ Pause" } else { "▶ Play" })
            .clicked()
        {
            sim.playing = !sim.playing;
        }
        if ui
            .button("Step")
            .on_hover_text("One optimizer step (S or →)")
            .clicked()
        {
            sim.step_once();
        }
        if ui.button("⟲ Reset").clicked() {
            restart.write(Restart(None));
        }
    });
    ui.add(
        egui::Slider::new(&mut sim.steps_per_second, SPEEDS)
            .logarithmic(true)
            .text("steps / s"),
    );
}

/// The line-up menu; returns the racers of the line-up picked this frame.
fn lineup_ui(
    ui: &mut egui::Ui,
    landscape: &Landscape,
    racers: &Query<(&mut Racer, &mut Visibility)>,
) -> Option<Vec<race::RacerSpec>> {
    let mut picked = None;
    ui.horizontal(|ui| {
        ui.strong("Race");
        egui::ComboBox::from_id_salt("lineup")
            .selected_text("New line-up…")
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(false, "Default: GD, Momentum, Adam")
                    .clicked()
                {
                    picked = Some(default_race(landscape));
                }
                for lineup in Lineup::ALL {
                    if ui.selectable_label(false, lineup.label()).clicked() {
                        // Starts from where the first racer starts; the ring repeats it.
                        let first = racers.iter().min_by_key(|(r, _)| r.slot);
                        let start = first.map_or(landscape.default_start(), |(r, _)| r.run.start);
                        let template = first.map_or(
                            (crate::core::optim::Kind::Adam, Default::default()),
                            |(r, _)| (r.run.optimizer.kind, r.run.optimizer.hyper.clone()),
                        );
                        picked = Some(race::lineup(
                            lineup,
                            &landscape.formula,
                            landscape.domain,
                            start,
                            (template.0, &template.1),
                        ));
                    }
                }
            });
    });
    picked
}

fn racers_ui(ui: &mut egui::Ui, racers: &mut Query<(&mut Racer, &mut Visibility)>) {
    ui.spacing_mut().slider_width = 90.0;
    let mut rows: Vec<_> = racers.iter_mut().collect();
    rows.sort_by_key(|(r, _)| r.slot);
    egui::Grid::new("racers")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.strong("racer");
            ui.strong("step");
            ui.strong("loss");
            ui.strong("status");
            ui.end_row();
            for (racer, visibility) in rows.iter_mut() {
                let [r, g, b, _] = racer.color.to_srgba().to_u8_array();
                let colour = egui::Color32::from_rgb(r, g, b);
                ui.horizontal(|ui| {
                    let mut shown = **visibility != Visibility::Hidden;
                    let key = if racer.slot < 9 {
                        format!("key {} shows or hides it", racer.slot + 1)
                    } else {
                        "show or hide".into()
                    };
                    if ui.checkbox(&mut shown, "").on_hover_text(key).changed() {
                        toggle(visibility);
                    }
                    ui.colored_label(colour, &racer.label);
                });
                ui.monospace(racer.run.steps.to_string());
                ui.monospace(format_loss(racer.run.loss));
                let status = racer.run.status.label();
                let text = if status == "diverged" {
                    "✕ diverged"
                } else {
                    status
                };
                ui.label(text).on_hover_text(racer.run.status.to_string());
                ui.end_row();
                // The learning rate, editable mid-run: the next step uses the new value.
                ui.label("   learning rate");
                let mut lr = racer.run.optimizer.hyper.lr;
                let slider = egui::Slider::new(&mut lr, 1e-5..=10.0)
                    .logarithmic(true)
                    .max_decimals(6);
                if ui.add(slider).changed() && lr > 0.0 {
                    racer.run.optimizer.hyper.lr = lr;
                }
                ui.end_row();
            }
        });
}

fn arrows_ui(ui: &mut egui::Ui, arrows: &mut Arrows) {
    ui.horizontal(|ui| {
        ui.label("Arrows:");
        ui.checkbox(&mut arrows.gradient, "−α∇f");
        ui.checkbox(&mut arrows.velocity, "velocity");
        ui.checkbox(&mut arrows.update, "update");
    });
    if arrows.any() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut arrows.auto, "auto length")
                .on_hover_text("Magnify by a power of ten so the longest arrow is visible");
            ui.add_enabled(
                !arrows.auto,
                egui::Slider::new(&mut arrows.scale, 1.0..=10_000.0)
                    .logarithmic(true)
                    .text("×"),
            );
        });
    }
}

/// Losses shown compactly: fixed for everyday magnitudes, scientific beyond.
pub fn format_loss(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v == 0.0 || (1e-3..1e5).contains(&v.abs()) {
        format!("{v:.4}")
    } else {
        format!("{v:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::{self, ZScale};

    fn landscape() -> Landscape {
        let p = presets::find("two-wells").unwrap();
        Landscape {
            formula: Formula::parse(p.formula).unwrap(),
            domain: p.domain,
            z_scale: p.z_scale,
            resolution: 64,
            vertical_scale: 1.0,
            preset: Some(p),
            generation: 0,
        }
    }

    #[test]
    fn a_preset_sets_formula_parameters_domain_scale_and_start_in_one_go() {
        let mut l = landscape();
        let p = presets::find("ill-conditioned").unwrap();
        let start = apply_preset(p, &mut l).unwrap();
        assert_eq!(l.formula.source(), p.formula);
        assert_eq!(l.formula.param_values(), [20.0]);
        assert_eq!(
            (l.domain, l.z_scale, l.generation),
            (p.domain, ZScale::Linear, 1)
        );
        assert_eq!(start, p.starts[0]);
        let rosen = presets::find("rosenbrock").unwrap();
        apply_preset(rosen, &mut l).unwrap();
        assert_eq!((l.z_scale, l.generation), (ZScale::Log, 2));
    }

    #[test]
    fn a_broken_formula_keeps_the_last_good_surface() {
        let mut l = landscape();
        let before = l.formula.clone();
        let err = apply_formula("x^2 + (y", &mut l).unwrap_err();
        assert_eq!(err, "missing 1 closing ')' at column 9");
        assert_eq!((l.formula.clone(), l.generation), (before, 0));
        apply_formula("a*x^2 + y^2", &mut l).unwrap();
        assert_eq!(
            (l.formula.source(), l.generation, l.preset.is_none()),
            ("a*x^2 + y^2", 1, true)
        );
    }

    #[test]
    fn edited_formulas_keep_parameter_values_by_name() {
        let mut l = landscape();
        apply_formula("a*x^2 + b*y^2", &mut l).unwrap();
        l.formula.set_param("a", 5.0);
        apply_formula("a*x^2 + c*y^2", &mut l).unwrap();
        assert_eq!(l.formula.param_values(), [5.0, 1.0]);
    }

    #[test]
    fn losses_are_formatted_compactly() {
        assert_eq!(format_loss(-0.36952348), "-0.3695");
        assert_eq!(format_loss(1.6e23), "1.600e23");
        assert_eq!(format_loss(2.5e-7), "2.500e-7");
        assert_eq!(format_loss(f64::NAN), "—");
    }
}
