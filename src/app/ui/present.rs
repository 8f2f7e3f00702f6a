//! Presentation for classrooms and recordings: UI scale, a high-contrast theme, and the
//! minimal overlay (legend and step counter) shown when the panel is hidden.

use crate::app::racers::Racer;
use bevy::prelude::*;
use bevy_egui::egui;

#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Presentation {
    /// The panel shown (H hides it; the overlay takes its place).
    pub panel: bool,
    /// egui zoom: 1× to 2.5× for a projector at the back of the room.
    pub ui_scale: f32,
    pub high_contrast: bool,
    /// The overlay's legend and step counter while the panel is hidden.
    pub overlay: bool,
}

impl Default for Presentation {
    fn default() -> Presentation {
        Presentation {
            panel: true,
            ui_scale: 1.0,
            high_contrast: false,
            overlay: true,
        }
    }
}

pub const UI_SCALES: std::ops::RangeInclusive<f32> = 1.0..=2.5;

/// The egui look for the current settings.
pub fn visuals(high_contrast: bool) -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    if high_contrast {
        let white = egui::Color32::WHITE;
        v.override_text_color = Some(white);
        v.panel_fill = egui::Color32::BLACK;
        v.window_fill = egui::Color32::BLACK;
        v.extreme_bg_color = egui::Color32::BLACK;
        v.faint_bg_color = egui::Color32::from_gray(30);
        v.selection.bg_fill = egui::Color32::from_rgb(0, 90, 200);
        v.selection.stroke = egui::Stroke::new(2.0, white);
        for w in [
            &mut v.widgets.noninteractive,
            &mut v.widgets.inactive,
            &mut v.widgets.hovered,
            &mut v.widgets.active,
        ] {
            w.fg_stroke = egui::Stroke::new(w.fg_stroke.width.max(1.5), white);
            w.bg_stroke =
                egui::Stroke::new(w.bg_stroke.width.max(1.0), egui::Color32::from_gray(200));
        }
        v.widgets.inactive.bg_fill = egui::Color32::from_gray(25);
        v.widgets.inactive.weak_bg_fill = egui::Color32::from_gray(25);
    }
    v
}

pub fn presentation_ui(ui: &mut egui::Ui, p: &mut Presentation) {
    ui.add(
        egui::Slider::new(&mut p.ui_scale, UI_SCALES)
            .step_by(0.25)
            .text("UI scale"),
    );
    ui.checkbox(&mut p.high_contrast, "High contrast");
    ui.checkbox(
        &mut p.overlay,
        "Legend and step counter when the panel is hidden (H)",
    );
    ui.label(
        egui::RichText::new(
            "Racer colours: Okabe–Ito, distinct under the common colour-vision deficiencies",
        )
        .small()
        .weak(),
    );
}

/// The minimal overlay: each visible racer's colour, name, step and loss.
pub fn overlay_ui(ctx: &egui::Context, racers: &[(&Racer, bool)]) {
    egui::Area::new("presentation overlay".into())
        .anchor(egui::Align2::LEFT_TOP, egui::vec2(12.0, 12.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .fill(egui::Color32::from_black_alpha(170))
                .show(ui, |ui| {
                    let step = racers.iter().map(|(r, _)| r.run.steps).max().unwrap_or(0);
                    ui.label(egui::RichText::new(format!("step {step}")).strong());
                    for (racer, visible) in racers {
                        if !visible {
                            continue;
                        }
                        let c = super::race::colour32(racer.color);
                        ui.horizontal(|ui| {
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                            ui.painter().circle_filled(rect.center(), 5.0, c);
                            ui.colored_label(c, &racer.label);
                            ui.monospace(super::format_loss(racer.run.loss));
                            if !racer.run.status.is_running() {
                                ui.weak(racer.run.status.label());
                            }
                        });
                    }
                });
        });
}
