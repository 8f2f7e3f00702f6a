//! Axes along the landscape's edges with tick labels and the x, y, f names, and a colour bar
//! that reads heights back as values of f.

use super::camera::TopDown;
use super::labels::{LabelOrder, Placed, ViewLabels};
use super::landscape::Surface;
use super::sets::AppSet;
use super::surface::Look;
use crate::core::view::ticks;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// Whether axes and the colour bar are drawn.
#[derive(Resource)]
pub struct ShowAxes(pub bool);

const AXIS_GREY: Color = Color::srgb(0.75, 0.77, 0.8);
const TICK: f32 = 0.15;

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(ShowAxes(true))
        .add_systems(Update, draw.in_set(AppSet::Present))
        .add_systems(
            EguiPrimaryContextPass,
            (labels.in_set(LabelOrder::Axes), colour_bar),
        );
}

/// The world point at world height `h` above landscape point (x, y).
fn above(surface: &Surface, x: f64, y: f64, h: f32) -> Vec3 {
    let map = &surface.map;
    let p = map
        .world_from_landscape([x, y], map.f_at_fraction(0.0))
        .unwrap_or([0.0; 3]);
    Vec3::new(p[0], h, p[2])
}

/// One labelled tick: where it is in the world, which way its mark points, and its text.
struct Tick {
    at: Vec3,
    out: Vec3,
    text: String,
}

/// The three axes: x along the front edge, y along the left edge, f up the back-left corner.
/// In the top-down view the f axis points at the camera and is left out.
fn axis_ticks(surface: &Surface, with_f: bool) -> (Vec<[Vec3; 2]>, Vec<Tick>) {
    let map = &surface.map;
    let d = map.domain;
    let w = |x, y, h| above(surface, x, y, h);
    let mut lines = vec![
        [w(d.x[0], d.y[0], 0.0), w(d.x[1], d.y[0], 0.0)],
        [w(d.x[0], d.y[0], 0.0), w(d.x[0], d.y[1], 0.0)],
    ];
    if with_f {
        lines.push([w(d.x[0], d.y[1], 0.0), w(d.x[0], d.y[1], map.height as f32)]);
    }
    let mut out = Vec::new();
    for x in ticks(d.x[0], d.x[1], 6) {
        out.push(Tick {
            at: w(x, d.y[0], 0.0),
            out: Vec3::Z,
            text: short(x),
        });
    }
    for y in ticks(d.y[0], d.y[1], 6) {
        out.push(Tick {
            at: w(d.x[0], y, 0.0),
            out: -Vec3::X,
            text: short(y),
        });
    }
    for (f, s) in map.f_ticks().into_iter().filter(|_| with_f) {
        out.push(Tick {
            at: w(d.x[0], d.y[1], (s * map.height) as f32),
            out: -Vec3::X,
            text: short(f),
        });
    }
    for t in &out {
        lines.push([t.at, t.at + t.out * TICK]);
    }
    (lines, out)
}

/// Axis names (x and y, or a data landscape's axes, and f), at the far end of each axis.
fn names<'a>(surface: &Surface, axes: [&'a str; 2]) -> [(Vec3, &'a str); 3] {
    let map = &surface.map;
    let d = map.domain;
    let at = |x, y, h: f64| above(surface, x, y, h as f32);
    [
        (at(d.x[1], d.y[0], 0.0) + Vec3::new(0.4, 0.0, 0.3), axes[0]),
        (
            at(d.x[0], d.y[1], 0.0) + Vec3::new(-0.3, 0.0, -0.4),
            axes[1],
        ),
        (
            at(d.x[0], d.y[1], map.height) + Vec3::new(0.0, 0.35, 0.0),
            "f",
        ),
    ]
}

/// Tick labels: five significant digits, no trailing zeros.
fn short(v: f64) -> String {
    crate::core::number::tidy(v, 5)
}

fn draw(mut gizmos: Gizmos, show: Res<ShowAxes>, surface: Res<Surface>, top: Res<TopDown>) {
    if !show.0 {
        return;
    }
    for [a, b] in axis_ticks(&surface, !top.0).0 {
        gizmos.line(a, b, AXIS_GREY);
    }
}

fn labels(
    mut contexts: EguiContexts,
    show: Res<ShowAxes>,
    surface: Res<Surface>,
    landscape: Res<super::landscape::Landscape>,
    top: Res<TopDown>,
    mut placed: ResMut<Placed>,
    camera: Single<(&Camera, &GlobalTransform), With<Camera3d>>,
) -> Result {
    if !show.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let (camera, transform) = *camera;
    let mut labels = ViewLabels::new(ctx, "axis labels", camera, transform, &mut placed);
    let mut put = |at: Vec3, text: &str, size: f32| {
        let grey = egui::Color32::from_gray(200);
        labels.text(
            at,
            egui::Vec2::ZERO,
            egui::Align2::CENTER_CENTER,
            text,
            size,
            grey,
        );
    };
    // The axis names first: a tick label that would cover one is left out.
    let axes = landscape.formula.axes();
    for (at, name) in names(&surface, axes)
        .into_iter()
        .take(if top.0 { 2 } else { 3 })
    {
        put(at, name, 15.0);
    }
    for t in axis_ticks(&surface, !top.0).1 {
        put(t.at + t.out * (TICK + 0.3), &t.text, 11.0);
    }
    Ok(())
}

/// The colour bar in the bottom-right corner of the view, labelled with values of f; a
/// hatched cap when the surface's top is clipped.
fn colour_bar(
    mut contexts: EguiContexts,
    show: Res<ShowAxes>,
    look: Res<Look>,
    surface: Res<Surface>,
) -> Result {
    if !show.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let map = &surface.map;
    let uniform = super::surface::uniform(&look, &surface, false);
    let center = f64::from(uniform.center());
    let clipped = surface.grid.range.max > map.f_at_fraction(1.0) + 1e-12;
    egui::Area::new("colour bar".into())
        .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-14.0, -14.0))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style())
                .fill(egui::Color32::from_black_alpha(150))
                .show(ui, |ui| {
                    ui.label(egui::RichText::new("f").strong());
                    let (rect, _) =
                        ui.allocate_exact_size(egui::vec2(74.0, 180.0), egui::Sense::hover());
                    let bar = egui::Rect::from_min_size(rect.min, egui::vec2(16.0, rect.height()));
                    let painter = ui.painter();
                    let steps = 64;
                    for k in 0..steps {
                        let (s0, s1) = (k as f32 / steps as f32, (k + 1) as f32 / steps as f32);
                        let c = look.colormap.srgb(f64::from(s0 + s1) / 2.0, center);
                        let r = egui::Rect::from_x_y_ranges(
                            bar.x_range(),
                            bar.bottom() - s1 * bar.height()..=bar.bottom() - s0 * bar.height(),
                        );
                        painter.rect_filled(
                            r,
                            0.0,
                            egui::Color32::from_rgb(
                                (c[0] * 255.0) as u8,
                                (c[1] * 255.0) as u8,
                                (c[2] * 255.0) as u8,
                            ),
                        );
                    }
                    for (f, s) in map.f_ticks() {
                        let y = bar.bottom() - s as f32 * bar.height();
                        painter.line_segment(
                            [egui::pos2(bar.right(), y), egui::pos2(bar.right() + 4.0, y)],
                            egui::Stroke::new(1.0, egui::Color32::WHITE),
                        );
                        painter.text(
                            egui::pos2(bar.right() + 7.0, y),
                            egui::Align2::LEFT_CENTER,
                            short(f),
                            egui::FontId::proportional(11.0),
                            egui::Color32::from_gray(220),
                        );
                    }
                    if clipped {
                        ui.label(
                            egui::RichText::new(format!(
                                "hatched: f > {}",
                                short(map.f_at_fraction(1.0))
                            ))
                            .small(),
                        );
                    }
                });
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(short(2.0), "2");
        assert_eq!(short(-0.5), "-0.5");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(-0.0), "0");
        assert_eq!(short(2.5e6), "2.5e6");
        assert_eq!(short(1e-5), "1e-5");
        assert_eq!(short(12345.0), "12345");
    }
}
