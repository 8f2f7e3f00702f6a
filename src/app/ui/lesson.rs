//! The lesson in the window: the caption as a lower third over the view, a prediction's
//! question, and the timeline bar (a dot per beat, the clock's place); and the panel's Lesson
//! section, where a beat is added at the current moment — camera, parameters and what is
//! shown, with a caption typed here — and beats are edited, moved and deleted.

use crate::app::lesson::{Cue, Director};
use crate::core::timeline::{self, Beat, CameraMove, Hold, Part, Shot};
use bevy_egui::egui;

/// Caption text height as a share of the view's height (the recorder's is 1/18, a video's
/// lower third; beside a panel a little smaller reads as well).
const CAPTION: f32 = 1.0 / 26.0;
/// Points kept clear at each side of a caption (the colour bar stands at the right).
const SIDES: f32 = 140.0;
const BAR: egui::Color32 = egui::Color32::from_rgb(235, 200, 90);

/// Draws the caption, the question and the timeline bar over the 3D view (`view`, points).
pub fn overlay(ctx: &egui::Context, director: &Director, view: egui::Rect) {
    let Some(lesson) = director.lesson.as_ref() else {
        return;
    };
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Foreground, "lesson".into()));
    let bar_y = view.bottom() - 14.0;
    timeline_bar(&painter, lesson, view, bar_y);
    // Sized as for the widest 16:9 picture the view holds, so a tall window does not blow
    // the caption up past its width.
    let size = (view.height().min(view.width() * 9.0 / 16.0) * CAPTION).clamp(14.0, 40.0);
    let width = (view.width() - 2.0 * SIDES).max(view.width() * 0.7);
    if let Some(text) = lesson.caption.as_deref() {
        let galley = painter.layout(
            text.to_string(),
            egui::FontId::proportional(size),
            egui::Color32::WHITE,
            width,
        );
        let pad = size * 0.55;
        let bottom = bar_y - 18.0;
        let rect = egui::Rect::from_center_size(
            egui::pos2(view.center().x, bottom - galley.size().y / 2.0 - pad / 2.0),
            galley.size() + egui::vec2(2.0 * pad, pad),
        );
        painter.rect(
            rect,
            pad * 0.5,
            egui::Color32::from_rgba_unmultiplied(16, 18, 26, 224),
            egui::Stroke::new(1.0, egui::Color32::from_white_alpha(40)),
            egui::StrokeKind::Inside,
        );
        painter.galley(
            rect.min + egui::vec2(pad, pad / 2.0),
            galley,
            egui::Color32::WHITE,
        );
    }
    if let Some(question) = lesson.question() {
        let galley = painter.layout(
            question.to_string(),
            egui::FontId::proportional(size),
            egui::Color32::WHITE,
            width,
        );
        let hint = painter.layout_no_wrap(
            "predict, then press → to see".into(),
            egui::FontId::proportional(size * 0.6),
            BAR,
        );
        let pad = size * 0.6;
        let gap = size * 0.35;
        let inner = egui::vec2(
            galley.size().x.max(hint.size().x),
            galley.size().y + gap + hint.size().y,
        );
        // At the top, where it covers the least of the landscape it asks about.
        let size = inner + egui::vec2(2.0 * pad, 2.0 * pad);
        let rect = egui::Rect::from_center_size(
            egui::pos2(view.center().x, view.top() + 12.0 + size.y / 2.0),
            size,
        );
        painter.rect(
            rect,
            pad * 0.4,
            egui::Color32::from_rgba_unmultiplied(12, 14, 20, 220),
            egui::Stroke::new(2.0, BAR),
            egui::StrokeKind::Inside,
        );
        let top = rect.min + egui::vec2(pad, pad);
        let hint_at = egui::pos2(
            rect.center().x - hint.size().x / 2.0,
            top.y + galley.size().y + gap,
        );
        painter.galley(top, galley, egui::Color32::WHITE);
        painter.galley(hint_at, hint, BAR);
    }
}

/// A line across the bottom of the view: a dot per beat (a square for a click), filled once
/// fired, and a mark where the clock is; the count and the wait at the right.
fn timeline_bar(painter: &egui::Painter, lesson: &timeline::Lesson, view: egui::Rect, y: f32) {
    let beats = lesson.beats();
    let end = beats.last().map_or(1.0, |b| b.at).max(lesson.seconds()) + 2.0;
    let (x0, x1) = (view.left() + 16.0, view.right() - 150.0);
    let x = |t: f64| x0 + (x1 - x0) * (t / end) as f32;
    let dim = egui::Color32::from_gray(110);
    painter.line_segment([egui::pos2(x0, y), egui::pos2(x1, y)], (2.0, dim));
    painter.line_segment(
        [egui::pos2(x0, y), egui::pos2(x(lesson.seconds()), y)],
        (2.0, BAR),
    );
    for (i, b) in beats.iter().enumerate() {
        let at = egui::pos2(x(b.at), y);
        let fired = i < lesson.fired;
        let fill = if fired {
            BAR
        } else {
            egui::Color32::from_gray(30)
        };
        let stroke = egui::Stroke::new(1.5, if fired { BAR } else { dim });
        if b.click {
            let r = egui::Rect::from_center_size(at, egui::vec2(9.0, 9.0));
            painter.rect(r, 1.0, fill, stroke, egui::StrokeKind::Middle);
        } else {
            painter.circle(at, 4.5, fill, stroke);
        }
    }
    painter.circle_filled(
        egui::pos2(x(lesson.seconds()), y),
        3.0,
        egui::Color32::WHITE,
    );
    let wait = match lesson.hold {
        Some(Hold::Click) | Some(Hold::Back) => " · press →",
        Some(Hold::Predict) => " · predict",
        None => "",
    };
    painter.text(
        egui::pos2(x1 + 12.0, y),
        egui::Align2::LEFT_CENTER,
        format!("beat {}/{}{wait}", lesson.fired, beats.len()),
        egui::FontId::proportional(13.0),
        egui::Color32::from_gray(220),
    );
}

/// The panel's fields for writing beats.
#[derive(Default)]
pub struct Authoring {
    /// The caption the next beat gets.
    pub caption: String,
    /// Whether the next beat waits for a click.
    pub click: bool,
    /// The beat open for editing.
    pub editing: Option<usize>,
}

/// What the stage looks like now, for "add a beat here".
pub struct Here {
    /// yaw, pitch (degrees), radius, focus.
    pub camera: ([f64; 3], [f64; 3]),
    pub params: Vec<(String, f64)>,
    /// Each racer (1-based) and whether it shows.
    pub racers: Vec<(usize, bool)>,
    pub arrows: bool,
    pub markers: bool,
    pub basins: bool,
}

impl Here {
    /// A beat at `at` seconds that puts the stage back as it is now.
    pub fn beat(&self, at: f64, caption: &str, click: bool) -> Beat {
        let ([yaw, pitch, radius], focus) = self.camera;
        let mut show = Vec::new();
        let mut hide = Vec::new();
        let parts = self
            .racers
            .iter()
            .map(|&(k, s)| (Part::Racer(k), s))
            .chain([
                (Part::Arrows, self.arrows),
                (Part::Markers, self.markers),
                (Part::Basins, self.basins),
            ]);
        for (part, shown) in parts {
            if shown {
                show.push(part);
            } else {
                hide.push(part);
            }
        }
        let round = |v: f64, places: i32| {
            let k = 10f64.powi(places);
            (v * k).round() / k
        };
        Beat {
            at: round(at, 1),
            click,
            caption: (!caption.trim().is_empty()).then(|| caption.trim().to_string()),
            camera: Some(CameraMove {
                to: Shot::Pose {
                    yaw: round(yaw, 1),
                    pitch: round(pitch, 1),
                    radius: round(radius, 2),
                    focus: Some(focus.map(|v| round(v, 3))),
                },
                over: timeline::CAMERA_OVER,
            }),
            show,
            hide,
            set: self.params.iter().cloned().collect(),
            ..Beat::default()
        }
    }
}

/// The Lesson section. Edits go to the director, which replays to where the lesson was.
pub fn lesson_ui(ui: &mut egui::Ui, director: &mut Director, form: &mut Authoring, here: &Here) {
    let mut beats = director.beats().to_vec();
    let (now, fired) = director
        .lesson
        .as_ref()
        .map_or((0.0, 0), |l| (l.seconds(), l.fired));
    if director.lesson.is_some() {
        ui.horizontal(|ui| {
            if ui.button("◀ back").on_hover_text("← or Page Up").clicked() {
                director.cues.push(Cue::Back);
            }
            if ui
                .button("next ▶")
                .on_hover_text("→ or Page Down")
                .clicked()
            {
                director.cues.push(Cue::Next);
            }
            ui.label(format!("beat {fired} of {} · {now:.1} s", beats.len()));
        });
    } else {
        ui.weak("No timeline yet: a beat added here starts one.");
    }
    let mut changed = add_beat_ui(ui, &mut beats, form, here, now);
    let mut action = None;
    for (i, b) in beats.iter().enumerate() {
        ui.horizontal(|ui| {
            let open = form.editing == Some(i);
            let text = format!("{:>5.1} s  {}", b.at, summary(b));
            if ui.selectable_label(open, text).clicked() {
                form.editing = (!open).then_some(i);
            }
        });
        if form.editing == Some(i) {
            action = beat_editor(ui, i, &beats).or(action);
        }
    }
    if let Some((i, edit)) = action {
        changed = Some(fired);
        apply_edit(&mut beats, i, edit, form);
    }
    if let Some(at) = changed {
        director.edit(beats, at);
    }
    ui.label(
        egui::RichText::new("Save the scene (Scene ▸ Save) to keep the beats.")
            .small()
            .weak(),
    );
}

/// The caption box and "Add a beat here": the beat (recorded from what is on screen now) goes
/// in time order; returns the beats fired once it is in, to replay to.
fn add_beat_ui(
    ui: &mut egui::Ui,
    beats: &mut Vec<Beat>,
    form: &mut Authoring,
    here: &Here,
    now: f64,
) -> Option<usize> {
    ui.horizontal(|ui| {
        ui.label("caption");
        ui.add(
            egui::TextEdit::singleline(&mut form.caption)
                .hint_text("what this moment shows")
                .desired_width(ui.available_width()),
        );
    });
    let mut changed = None;
    ui.horizontal(|ui| {
        ui.checkbox(&mut form.click, "wait for a click");
        if ui
            .button("Add a beat here")
            .on_hover_text("Records the camera, the formula's parameters and what is shown, at this moment of the lesson")
            .clicked()
        {
            let beat = here.beat(now, &form.caption, form.click);
            let i = beats.partition_point(|b| b.at <= beat.at);
            beats.insert(i, beat);
            form.caption.clear();
            changed = Some(i + 1);
        }
    });
    changed
}

/// An edit from the beat list: times stay where they were, the beats move between them.
fn apply_edit(beats: &mut Vec<Beat>, i: usize, edit: Edit, form: &mut Authoring) {
    match edit {
        Edit::Replace(b) => beats[i] = *b,
        Edit::Up => {
            let (a, b) = (beats[i - 1].at, beats[i].at);
            beats.swap(i - 1, i);
            (beats[i - 1].at, beats[i].at) = (a, b);
            form.editing = Some(i - 1);
        }
        Edit::Down => {
            let (a, b) = (beats[i].at, beats[i + 1].at);
            beats.swap(i, i + 1);
            (beats[i].at, beats[i + 1].at) = (a, b);
            form.editing = Some(i + 1);
        }
        Edit::Delete => {
            beats.remove(i);
            form.editing = None;
        }
    }
}

enum Edit {
    Replace(Box<Beat>),
    Up,
    Down,
    Delete,
}

/// One beat's fields: its time (between its neighbours'), click, caption and question.
fn beat_editor(ui: &mut egui::Ui, i: usize, beats: &[Beat]) -> Option<(usize, Edit)> {
    let mut b = beats[i].clone();
    let lo = if i > 0 { beats[i - 1].at } else { 0.0 };
    let hi = beats.get(i + 1).map_or(3600.0, |n| n.at);
    let mut out = None;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        let mut edited = false;
        ui.horizontal(|ui| {
            ui.label("at");
            edited |= ui
                .add(
                    egui::DragValue::new(&mut b.at)
                        .range(lo..=hi)
                        .speed(0.1)
                        .suffix(" s"),
                )
                .changed();
            edited |= ui.checkbox(&mut b.click, "wait for a click").changed();
        });
        for (label, field) in [("caption", &mut b.caption), ("predict", &mut b.predict)] {
            ui.horizontal(|ui| {
                ui.label(label);
                let mut text = field.clone().unwrap_or_default();
                if ui
                    .add(egui::TextEdit::singleline(&mut text).desired_width(ui.available_width()))
                    .changed()
                {
                    edited = true;
                    *field =
                        (!text.is_empty() || label == "caption" && field.is_some()).then_some(text);
                }
            });
        }
        if edited {
            out = Some((i, Edit::Replace(Box::new(b.clone()))));
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(i > 0, egui::Button::new("⬆ earlier"))
                .clicked()
            {
                out = Some((i, Edit::Up));
            }
            if ui
                .add_enabled(i + 1 < beats.len(), egui::Button::new("⬇ later"))
                .clicked()
            {
                out = Some((i, Edit::Down));
            }
            if ui.button("🗑 delete").clicked() {
                out = Some((i, Edit::Delete));
            }
        });
    });
    out
}

/// A beat in a few words: its caption or question, else what it does.
pub fn summary(b: &Beat) -> String {
    let mut parts: Vec<String> = Vec::new();
    if b.click {
        parts.push("⏸".into());
    }
    if let Some(c) = &b.caption {
        parts.push(if c.is_empty() {
            "(clear caption)".into()
        } else {
            format!("“{}”", clip(c, 28))
        });
    }
    if let Some(q) = &b.predict {
        parts.push(format!("? {}", clip(q, 24)));
    }
    if let Some(c) = &b.camera {
        parts.push(
            match c.to {
                Shot::Frame => "camera: frame",
                Shot::Follow(_) => "camera: follow",
                Shot::Pose { .. } => "camera",
            }
            .into(),
        );
    }
    if let Some(t) = &b.tween {
        parts.push(format!("{} {}→{}", t.name, t.from, t.to));
    }
    if let Some(p) = b.play {
        parts.push(if p { "play" } else { "pause" }.into());
    }
    if parts.is_empty() {
        parts.push("(set the stage)".into());
    }
    parts.join(" · ")
}

fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::accesskit::Role;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    const SCENE: &str = r#"Scene(
        version: 3,
        name: "t",
        landscape: (formula: Some("a*x^2 + y^2")),
        racers: [(optimizer: gd, start: (1.0, 1.0)), (optimizer: adam, start: (1.0, 1.0))],
        timeline: [(at: 0, caption: "first"), (at: 2, caption: "second"), (at: 4, caption: "third")],
    )"#;

    fn panel() -> Harness<'static, (Director, Authoring)> {
        let mut director = Director::default();
        director.open(&crate::core::scene::parse(SCENE).unwrap());
        Harness::new_ui_state(
            |ui, (director, form): &mut (Director, Authoring)| {
                lesson_ui(ui, director, form, &here());
            },
            (director, Authoring::default()),
        )
    }

    fn captions(h: &Harness<'_, (Director, Authoring)>) -> Vec<(f64, String)> {
        h.state()
            .0
            .beats()
            .iter()
            .map(|b| (b.at, b.caption.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn a_caption_typed_and_add_a_beat_here_puts_a_beat_at_the_moment() {
        let mut h = panel();
        h.run();
        h.get_all_by_role(Role::TextInput).next().unwrap().click();
        h.run();
        h.get_all_by_role(Role::TextInput)
            .next()
            .unwrap()
            .type_text("Momentum overshoots");
        h.run();
        h.get_by_label("Add a beat here").click();
        h.run();
        // The lesson stands at 0 s: the new beat goes after the beats already at 0 s.
        assert_eq!(
            captions(&h),
            [
                (0.0, "first".into()),
                (0.0, "Momentum overshoots".into()),
                (2.0, "second".into()),
                (4.0, "third".into())
            ]
        );
        let b = &h.state().0.beats()[1];
        assert!(b.camera.is_some() && b.set.contains_key("a"), "{b:?}");
        assert_eq!(h.state().1.caption, "", "the box empties for the next beat");
    }

    #[test]
    fn beats_are_moved_later_and_earlier_keeping_their_times_and_deleted() {
        let mut h = panel();
        h.run();
        h.get_by_label("  2.0 s  “second”").click();
        h.run();
        h.get_by_label("⬇ later").click();
        h.run();
        assert_eq!(
            captions(&h),
            [
                (0.0, "first".into()),
                (2.0, "third".into()),
                (4.0, "second".into())
            ]
        );
        h.get_by_label("⬆ earlier").click();
        h.run();
        h.get_by_label("⬆ earlier").click();
        h.run();
        assert_eq!(
            captions(&h),
            [
                (0.0, "second".into()),
                (2.0, "first".into()),
                (4.0, "third".into())
            ]
        );
        h.get_by_label("🗑 delete").click();
        h.run();
        assert_eq!(captions(&h), [(2.0, "first".into()), (4.0, "third".into())]);
    }

    fn here() -> Here {
        Here {
            camera: ([30.04, 41.96, 12.345], [0.0, 1.0, 0.25]),
            params: vec![("a".into(), 2.5)],
            racers: vec![(1, true), (2, false)],
            arrows: true,
            markers: false,
            basins: false,
        }
    }

    #[test]
    fn a_beat_added_here_records_the_camera_parameters_and_what_shows() {
        let b = here().beat(3.26, "  Momentum overshoots ", true);
        assert_eq!(b.at, 3.3);
        assert!(b.click);
        assert_eq!(b.caption.as_deref(), Some("Momentum overshoots"));
        assert_eq!(
            b.camera.unwrap().to,
            Shot::Pose {
                yaw: 30.0,
                pitch: 42.0,
                radius: 12.35,
                focus: Some([0.0, 1.0, 0.25])
            }
        );
        assert_eq!(b.set, [("a".to_string(), 2.5)].into());
        assert_eq!(b.show, [Part::Racer(1), Part::Arrows]);
        assert_eq!(b.hide, [Part::Racer(2), Part::Markers, Part::Basins]);
        assert_eq!(here().beat(0.0, "   ", false).caption, None);
    }
}
