//! Text pinned to points of the 3D view (marker names, racer status, axis ticks), painted
//! by egui behind the panel. Labels never overlap: each frame they are placed in priority
//! order (racer status, then markers, then axis ticks), a label that would cover one already
//! placed tries its other sides, and is left out when none is free.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

/// The screen rectangles taken by view labels in this frame.
#[derive(Resource, Default)]
pub struct Placed(Vec<egui::Rect>);

/// Who places labels first: what matters most keeps its spot.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelOrder {
    Clear,
    Racers,
    Markers,
    Axes,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Placed>()
        .configure_sets(
            EguiPrimaryContextPass,
            (
                LabelOrder::Clear,
                LabelOrder::Racers,
                LabelOrder::Markers,
                LabelOrder::Axes,
            )
                .chain(),
        )
        .add_systems(
            EguiPrimaryContextPass,
            (|mut placed: ResMut<Placed>| placed.0.clear()).in_set(LabelOrder::Clear),
        );
}

/// The first candidate rectangle that overlaps none of `taken` (a 1-point gap kept).
pub fn first_free(candidates: &[egui::Rect], taken: &[egui::Rect]) -> Option<usize> {
    candidates
        .iter()
        .position(|c| !taken.iter().any(|t| t.expand(1.0).intersects(*c)))
}

/// A painter that places text at world positions as the 3D camera sees them.
pub struct ViewLabels<'a> {
    painter: egui::Painter,
    camera: &'a Camera,
    transform: &'a GlobalTransform,
    zoom: f32,
    placed: &'a mut Placed,
}

impl<'a> ViewLabels<'a> {
    pub fn new(
        ctx: &egui::Context,
        layer: &str,
        camera: &'a Camera,
        transform: &'a GlobalTransform,
        placed: &'a mut Placed,
    ) -> ViewLabels<'a> {
        let zoom = ctx.zoom_factor();
        let mut painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Background,
            egui::Id::new(layer),
        ));
        // Labels of points hidden behind the panel stay there, not over its widgets.
        if let Some(r) = camera.logical_viewport_rect() {
            painter = painter.with_clip_rect(egui::Rect::from_min_max(
                egui::pos2(r.min.x / zoom, r.min.y / zoom),
                egui::pos2(r.max.x / zoom, r.max.y / zoom),
            ));
        }
        ViewLabels {
            painter,
            camera,
            transform,
            zoom,
            placed,
        }
    }

    /// Where `at` appears on screen, in egui points; None when off screen.
    pub fn screen(&self, at: Vec3) -> Option<egui::Pos2> {
        // Viewport coordinates include the offset beside the panel; egui's points are
        // logical pixels over its zoom.
        let v = self.camera.world_to_viewport(self.transform, at).ok()?;
        Some(egui::pos2(v.x / self.zoom, v.y / self.zoom))
    }

    /// Writes `text` at `at` moved by `offset` screen points, or mirrored to another side of
    /// the point where that one is taken; nothing if every side is taken or `at` is off
    /// screen. True when it was written.
    pub fn text(
        &mut self,
        at: Vec3,
        offset: egui::Vec2,
        align: egui::Align2,
        text: impl ToString,
        size: f32,
        colour: egui::Color32,
    ) -> bool {
        let Some(p) = self.screen(at) else {
            return false;
        };
        let galley =
            self.painter
                .layout_no_wrap(text.to_string(), egui::FontId::proportional(size), colour);
        let flip = |a: egui::Align| match a {
            egui::Align::Min => egui::Align::Max,
            egui::Align::Max => egui::Align::Min,
            egui::Align::Center => egui::Align::Center,
        };
        let sides = [
            (offset, align),
            (
                egui::vec2(-offset.x, offset.y),
                egui::Align2([flip(align.x()), align.y()]),
            ),
            (
                egui::vec2(offset.x, -offset.y),
                egui::Align2([align.x(), flip(align.y())]),
            ),
            (-offset, egui::Align2([flip(align.x()), flip(align.y())])),
        ];
        let rects: Vec<egui::Rect> = sides
            .iter()
            .map(|(o, a)| a.anchor_size(p + *o, galley.size()))
            .collect();
        let Some(i) = first_free(&rects, &self.placed.0) else {
            return false;
        };
        self.placed.0.push(rects[i]);
        // A dark plate keeps the text readable over a bright or busy surface.
        self.painter.rect_filled(
            rects[i].expand(1.5),
            3.0,
            egui::Color32::from_black_alpha(175),
        );
        self.painter.galley(rects[i].min, galley, colour);
        true
    }
}

/// A Bevy colour as egui's.
pub fn colour32(c: Color) -> egui::Color32 {
    let [r, g, b, _] = c.to_srgba().to_u8_array();
    egui::Color32::from_rgb(r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_takes_the_first_free_side_or_none() {
        let r =
            |x: f32, y: f32| egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(40.0, 12.0));
        let taken = [r(0.0, 0.0)];
        assert_eq!(first_free(&[r(10.0, 5.0), r(-60.0, 5.0)], &taken), Some(1));
        assert_eq!(
            first_free(&[r(40.5, 0.0)], &taken),
            None,
            "a 1-point gap is kept"
        );
        assert_eq!(first_free(&[r(41.5, 0.0)], &taken), Some(0));
        assert_eq!(first_free(&[r(5.0, 5.0), r(-5.0, -5.0)], &taken), None);
    }
}
