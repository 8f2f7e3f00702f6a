//! Text pinned to points of the 3D view (marker names, racer status, axis ticks), painted
//! by egui behind the panel. Labels never overlap each other or the marker glyphs: each frame
//! the glyphs' screen boxes are kept clear first, then labels are placed in priority order
//! (racer status, then markers, then axis ticks); a label that would cover something already
//! placed tries its other sides, then each side farther out, and is left out when none is
//! free.

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};

/// The screen rectangles taken by view labels in this frame.
#[derive(Resource, Default)]
pub struct Placed(Vec<egui::Rect>);

/// Who places labels first: what matters most keeps its spot.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelOrder {
    Clear,
    /// Shapes drawn at points (the markers' glyphs) keep their boxes free of text.
    Glyphs,
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
                LabelOrder::Glyphs,
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

/// Points of air kept around a glyph, so a label's plate does not touch it.
pub const GLYPH_AIR: f32 = 3.0;

/// Where a label of `size` may go, in order: at `p` moved by `offset` with `align`, mirrored
/// to the point's other sides, then each of those twice as far (a glyph drawn at the point,
/// seen from above a marker's ▼ spreads all around it, blocks only the near ones).
fn places(
    p: egui::Pos2,
    offset: egui::Vec2,
    align: egui::Align2,
    size: egui::Vec2,
) -> Vec<egui::Rect> {
    let flip = |a: egui::Align| match a {
        egui::Align::Min => egui::Align::Max,
        egui::Align::Max => egui::Align::Min,
        egui::Align::Center => egui::Align::Center,
    };
    let (x, y) = (align.x(), align.y());
    let sides = [
        (offset, align),
        (egui::vec2(-offset.x, offset.y), egui::Align2([flip(x), y])),
        (egui::vec2(offset.x, -offset.y), egui::Align2([x, flip(y)])),
        (-offset, egui::Align2([flip(x), flip(y)])),
    ];
    [1.0, 2.0]
        .iter()
        .flat_map(|k| {
            sides
                .iter()
                .map(move |(o, a)| a.anchor_size(p + *o * *k, size))
        })
        .collect()
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

    /// Keeps the screen box around these world points (a glyph's corners) free of labels.
    pub fn keep_clear(&mut self, corners: impl IntoIterator<Item = Vec3>) {
        let on_screen: Vec<egui::Pos2> =
            corners.into_iter().filter_map(|c| self.screen(c)).collect();
        if !on_screen.is_empty() {
            let glyph = egui::Rect::from_points(&on_screen).expand(GLYPH_AIR);
            self.placed.0.push(glyph);
        }
    }

    /// Writes `text` in one colour (see [`ViewLabels::job`]).
    pub fn text(
        &mut self,
        at: Vec3,
        offset: egui::Vec2,
        align: egui::Align2,
        text: impl ToString,
        size: f32,
        colour: egui::Color32,
    ) -> bool {
        let font = egui::FontId::proportional(size);
        let job = egui::text::LayoutJob::simple_singleline(text.to_string(), font, colour);
        self.job(at, offset, align, job)
    }

    /// Writes `job` at `at` moved by `offset` screen points, or mirrored to another side of
    /// the point where that one is taken, or twice as far; nothing if every place is taken or
    /// `at` is off screen. True when it was written.
    pub fn job(
        &mut self,
        at: Vec3,
        offset: egui::Vec2,
        align: egui::Align2,
        job: egui::text::LayoutJob,
    ) -> bool {
        let Some(p) = self.screen(at) else {
            return false;
        };
        let galley = self.painter.layout_job(job);
        let rects = places(p, offset, align, galley.size());
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
        self.painter
            .galley(rects[i].min, galley, egui::Color32::PLACEHOLDER);
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

    #[test]
    fn a_label_at_a_glyph_goes_twice_as_far_out_when_the_glyph_spreads_around_its_point() {
        let p = egui::pos2(100.0, 100.0);
        let size = egui::vec2(60.0, 12.0);
        let places = places(p, egui::vec2(12.0, -14.0), egui::Align2::LEFT_BOTTOM, size);
        assert_eq!(places.len(), 8);
        // The first place: right of the point and above it, its bottom-left corner 12 right
        // and 14 up.
        assert_eq!(places[0].left_bottom(), egui::pos2(112.0, 86.0));
        // Its mirror images: left and above (right edge 12 left of the point), right and
        // below (top 14 below), left and below.
        assert_eq!(places[1].right_bottom(), egui::pos2(88.0, 86.0));
        assert_eq!(places[2].left_top(), egui::pos2(112.0, 114.0));
        assert_eq!(places[3].right_top(), egui::pos2(88.0, 114.0));
        assert_eq!(places[4].left_bottom(), egui::pos2(124.0, 72.0));
        // A glyph seen from above, 15 points each way (with its air): every near place
        // touches it, the first far one is free.
        let glyph = egui::Rect::from_center_size(p, egui::vec2(30.0, 30.0)).expand(GLYPH_AIR);
        assert_eq!(first_free(&places, &[glyph]), Some(4));
        // A small glyph leaves the first place free.
        let small = egui::Rect::from_center_size(p, egui::vec2(10.0, 10.0)).expand(GLYPH_AIR);
        assert_eq!(first_free(&places, &[small]), Some(0));
    }
}
