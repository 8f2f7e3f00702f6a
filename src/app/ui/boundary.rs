//! The decision boundary of a network landscape, live: the rows on their input plane in
//! their classes' colours over what the focused racer's network says there (a heat map of
//! its probability, its 0.5 line in white), redrawn as it trains.

use crate::app::racers::Racer;
use crate::core::net::Loss;
use crate::core::net::stage::{Boundary, Stage};
use bevy_egui::egui;

/// Points a side of the heat map.
pub const CELLS: usize = 64;

/// The classes' colours (Okabe–Ito: blue, orange, bluish green).
const CLASS: [egui::Color32; 3] = [
    egui::Color32::from_rgb(86, 180, 233),
    egui::Color32::from_rgb(230, 159, 0),
    egui::Color32::from_rgb(0, 158, 115),
];

fn class_colour(c: f64) -> egui::Color32 {
    CLASS[(c.max(0.0) as usize).min(CLASS.len() - 1)]
}

/// The heat map's colour for what the network says at a point: a blend of the two classes'
/// colours by the probability (bce, mse), the picked class (ce); dimmed under the rows.
fn heat(loss: Loss, said: f64) -> egui::Color32 {
    let c = match loss {
        Loss::Ce => class_colour(said),
        _ => {
            let t = if said.is_finite() {
                said.clamp(0.0, 1.0)
            } else {
                0.5
            };
            CLASS[0].lerp_to_gamma(CLASS[1], t as f32)
        }
    };
    c.lerp_to_gamma(egui::Color32::BLACK, 0.5)
}

/// Draws `racer`'s boundary over the rows in a square of `side` points.
pub fn boundary_ui(ui: &mut egui::Ui, stage: &Stage, racer: &Racer, side: f32) {
    let Some(learner) = &racer.learner else {
        return;
    };
    let mut work = stage.net.work();
    let Some(b) = stage.boundary(&learner.training.theta, CELLS, &mut work) else {
        ui.weak("The boundary is drawn for data of two features.");
        return;
    };
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    let to_screen = |p: [f64; 2]| {
        let [x0, x1, y0, y1] = b.area;
        let u = ((p[0] - x0) / (x1 - x0)) as f32;
        let v = ((p[1] - y0) / (y1 - y0)) as f32;
        egui::pos2(
            rect.left() + u * rect.width(),
            rect.bottom() - v * rect.height(),
        )
    };
    let painter = ui.painter_at(rect);
    painter.add(heat_mesh(&b, stage.net.loss, rect));
    if stage.net.loss != Loss::Ce {
        let white = egui::Stroke::new(2.0, egui::Color32::WHITE);
        for [p, q] in b.crossings(0.5) {
            painter.line_segment([to_screen(p), to_screen(q)], white);
        }
    }
    for (p, y) in stage.rows.x.chunks_exact(2).zip(&stage.rows.y) {
        let at = to_screen([p[0], p[1]]);
        painter.circle(
            at,
            2.6,
            class_colour(*y),
            egui::Stroke::new(0.6, egui::Color32::BLACK),
        );
    }
    painter.rect_stroke(
        rect,
        0.0,
        egui::Stroke::new(1.0, egui::Color32::from_gray(90)),
        egui::StrokeKind::Inside,
    );
}

/// One quad per node of the grid, centred on it, in its colour (the edge nodes' halves fall
/// outside and are clipped).
fn heat_mesh(b: &Boundary, loss: Loss, rect: egui::Rect) -> egui::Mesh {
    let mut mesh = egui::Mesh::default();
    let n = b.n;
    let step = egui::vec2(rect.width(), rect.height()) / (n - 1) as f32;
    for j in 0..n {
        for i in 0..n {
            let centre = egui::pos2(
                rect.left() + i as f32 * step.x,
                rect.bottom() - j as f32 * step.y,
            );
            let cell = egui::Rect::from_center_size(centre, step + egui::vec2(0.5, 0.5));
            mesh.add_colored_rect(cell, heat(loss, b.said[j * n + i]));
        }
    }
    mesh
}
