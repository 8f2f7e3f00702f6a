//! The scene section: open a scene (refused with the reason and the line, leaving the current
//! one untouched), save or record what is on screen, and F12 screenshots' file names. It only
//! draws and asks: the scene plugin opens, captures and records.

use crate::app::scene::record::SIZES;
use crate::app::scene::{OpenScene, SceneDesk, SceneRequest};
use crate::core::scene;
use bevy::prelude::*;
use bevy_egui::egui;

/// Draws the section; what it asks for goes out as messages.
pub fn scene_ui(
    ui: &mut egui::Ui,
    desk: &mut SceneDesk,
    dialog: &mut super::drop::Dialog,
    open: &mut MessageWriter<OpenScene>,
    request: &mut MessageWriter<SceneRequest>,
) {
    ui.horizontal(|ui| {
        ui.label("file");
        ui.add(
            egui::TextEdit::singleline(&mut desk.path)
                .hint_text("scene.ron or a shipped name")
                .desired_width(ui.available_width()),
        );
    });
    ui.horizontal(|ui| {
        if ui.button("Open").clicked() {
            let path = desk.path.trim().to_string();
            open_named(desk, &path, open);
        }
        dialog.button(ui, super::drop::Target::Scene);
        if ui.button("Save").clicked() {
            request.write(SceneRequest::Save(desk.path.clone()));
        }
        egui::ComboBox::from_id_salt("shipped scenes")
            .selected_text("Lecture scenes…")
            .show_ui(ui, |ui| {
                for (name, _) in scene::SHIPPED {
                    if ui.selectable_label(false, name).clicked() {
                        desk.path = name.to_string();
                        open_named(desk, name, open);
                    }
                }
            });
    });
    message_ui(ui, &desk.message);
    ui.separator();
    record_ui(ui, desk, request);
}

/// Loads and checks a scene file or shipped name; a refused one leaves everything as it is.
pub fn open_named(desk: &mut SceneDesk, name: &str, open: &mut MessageWriter<OpenScene>) {
    match scene::load(name) {
        Ok(l) => {
            desk.message = Some(Ok(format!("opened “{}”", l.scene.name)));
            open.write(OpenScene(Box::new(l)));
        }
        Err(e) => desk.message = Some(Err(e.to_string())),
    }
}

/// Where, how long, how large, and the Record button.
fn record_ui(ui: &mut egui::Ui, desk: &mut SceneDesk, request: &mut MessageWriter<SceneRequest>) {
    let r = &mut desk.record;
    ui.horizontal(|ui| {
        ui.label("record to");
        ui.add(egui::TextEdit::singleline(&mut r.dir).desired_width(ui.available_width()));
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("record size")
            .selected_text(SIZES[r.size].0)
            .width(64.0)
            .show_ui(ui, |ui| {
                for (i, (name, _)) in SIZES.iter().enumerate() {
                    ui.selectable_value(&mut r.size, i, *name);
                }
            });
        ui.add(
            egui::DragValue::new(&mut r.seconds)
                .range(0.5..=600.0)
                .suffix(" s"),
        );
        ui.add(
            egui::DragValue::new(&mut r.fps)
                .range(1..=120)
                .suffix(" fps"),
        );
        ui.checkbox(&mut r.gif, "GIF");
        ui.checkbox(&mut r.mp4, "MP4");
    });
    let busy = r.child.is_some();
    if ui
        .add_enabled(!busy, egui::Button::new(if busy { "● Recording…" } else { "● Record" }))
        .on_hover_text("Renders this scene from its start, headless, at a fixed frame rate: PNG frames, and GIF/MP4 if ticked")
        .clicked()
    {
        request.write(SceneRequest::Record);
    }
    message_ui(ui, &r.message);
}

fn message_ui(ui: &mut egui::Ui, message: &Option<Result<String, String>>) {
    match message {
        Some(Ok(m)) => {
            ui.label(egui::RichText::new(m).small().weak());
        }
        Some(Err(e)) => {
            ui.colored_label(super::ERROR_RED, e);
        }
        None => {}
    }
}

/// `gradscape-YYYYMMDD-HHMMSS.png` for a time in seconds since the Unix epoch (UTC).
pub fn screenshot_name(unix_seconds: u64) -> String {
    let (days, secs) = (unix_seconds / 86_400, unix_seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "gradscape-{y:04}{m:02}{d:02}-{:02}{:02}{:02}.png",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screenshots_are_named_by_utc_time() {
        assert_eq!(screenshot_name(0), "gradscape-19700101-000000.png");
        assert_eq!(
            screenshot_name(1_795_467_600),
            "gradscape-20261123-210000.png"
        );
        assert_eq!(
            screenshot_name(951_782_400),
            "gradscape-20000229-000000.png"
        );
    }
}
