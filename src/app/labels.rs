//! Text pinned to points of the 3D view (marker names, racer status, axis ticks), painted
//! by egui behind the panel.

use bevy::prelude::*;
use bevy_egui::egui;

/// A painter that places text at world positions as the 3D camera sees them.
pub struct ViewLabels<'a> {
    painter: egui::Painter,
    camera: &'a Camera,
    transform: &'a GlobalTransform,
    zoom: f32,
}

impl<'a> ViewLabels<'a> {
    pub fn new(
        ctx: &egui::Context,
        layer: &str,
        camera: &'a Camera,
        transform: &'a GlobalTransform,
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
        }
    }

    /// Writes `text` at `at` moved by `offset` screen points; nothing if `at` is off screen.
    pub fn text(
        &self,
        at: Vec3,
        offset: egui::Vec2,
        align: egui::Align2,
        text: impl ToString,
        size: f32,
        colour: egui::Color32,
    ) {
        // Viewport coordinates include the offset beside the panel; egui's points are
        // logical pixels over its zoom.
        if let Ok(v) = self.camera.world_to_viewport(self.transform, at) {
            self.painter.text(
                egui::pos2(v.x / self.zoom, v.y / self.zoom) + offset,
                align,
                text,
                egui::FontId::proportional(size),
                colour,
            );
        }
    }
}

/// A Bevy colour as egui's.
pub fn colour32(c: Color) -> egui::Color32 {
    let [r, g, b, _] = c.to_srgba().to_u8_array();
    egui::Color32::from_rgb(r, g, b)
}
