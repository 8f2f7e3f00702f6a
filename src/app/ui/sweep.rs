//! The learning-rate section: the first racer's final loss against the learning rate, its
//! own rate marked, and the (lr, momentum) or (lr, β₁) phase diagram; a click on either sets
//! the racer's hyperparameters there.

use crate::app::racers::Racer;
use crate::app::sweeps::{Done, Sweeps};
use crate::core::atlas::Trial;
use crate::core::optim::Field;
use crate::core::optim::run::Status;
use bevy_egui::egui;
use egui_plot::{Heatmap, Line, Plot, PlotPoint, PlotPoints, Points, VLine};

/// log₁₀ of a run's final loss, None where it diverged or is undefined.
pub fn log_loss(t: &Trial) -> Option<f64> {
    let diverged = matches!(t.status, Status::Diverged(_));
    (!diverged && t.loss.is_finite()).then(|| t.loss.abs().max(1e-16).log10())
}

/// What a click on the plots asks: a learning rate, and the second hyperparameter's value.
pub type Pick = (f64, Option<(Field, f64)>);

pub fn sweep_ui(ui: &mut egui::Ui, sweeps: &mut Sweeps, lead: Option<&Racer>) -> Option<Pick> {
    ui.checkbox(&mut sweeps.shown, "Sweep the first racer's learning rate")
        .on_hover_text(
            "Its optimizer from its start at 51 learning rates (and a grid with its momentum or β₁): \
             the loss after 500 steps",
        );
    if !sweeps.shown {
        return None;
    }
    if sweeps.busy() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("sweeping…");
        });
    }
    let (Some(done), Some(lead)) = (&sweeps.done, lead) else {
        return None;
    };
    let mut pick = curve_ui(ui, done, lead).map(|lr| (lr, None));
    if let Some(p) = phase_ui(ui, done, lead) {
        pick = Some(p);
    }
    pick
}

fn curve_ui(ui: &mut egui::Ui, done: &Done, lead: &Racer) -> Option<f64> {
    let points: Vec<[f64; 2]> = done
        .curve
        .iter()
        .filter_map(|t| log_loss(t).map(|y| [t.lr.log10(), y]))
        .collect();
    let top = points
        .iter()
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max);
    let diverged: Vec<[f64; 2]> = done
        .curve
        .iter()
        .filter(|t| log_loss(t).is_none())
        .map(|t| [t.lr.log10(), if top.is_finite() { top } else { 0.0 }])
        .collect();
    let colour = super::race::colour32(lead.color);
    let lr = lead.run.optimizer.hyper.lr;
    let response = Plot::new("lr sweep")
        .height(120.0)
        .x_axis_label("log₁₀ learning rate")
        .y_axis_label("log₁₀ final loss")
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(Line::new("final loss", PlotPoints::from(points)).color(colour));
            plot.points(
                Points::new("diverged", PlotPoints::from(diverged))
                    .color(egui::Color32::from_rgb(255, 110, 100))
                    .shape(egui_plot::MarkerShape::Cross)
                    .radius(4.0),
            );
            if lr > 0.0 {
                plot.vline(VLine::new("this racer", lr.log10()).color(colour));
            }
            plot.pointer_coordinate()
        });
    clicked(&response).map(|p| 10f64.powf(p.x))
}

fn clicked(r: &egui_plot::PlotResponse<Option<PlotPoint>>) -> Option<PlotPoint> {
    r.response.clicked().then_some(r.inner).flatten()
}

fn phase_ui(ui: &mut egui::Ui, done: &Done, lead: &Racer) -> Option<Pick> {
    let (field, values, grid) = done.phase.as_ref()?;
    let cols = grid.len() / values.len().max(1);
    let (lo, hi) = (grid.first()?.lr.log10(), grid.last()?.lr.log10());
    let dx = (hi - lo) / (cols.max(2) - 1) as f64;
    let dy = values.get(1).map_or(1.0, |v| v - values[0]);
    let logs: Vec<Option<f64>> = grid.iter().map(log_loss).collect();
    let finite = logs.iter().flatten().copied();
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let span = (max - min).max(1e-9);
    // The heatmap's row 0 is its bottom, as the grid's first value is; a diverged cell is
    // given a value past the top, which the mapping paints grey (the heatmap has no NaN).
    let cells: Vec<f64> = logs.iter().map(|v| v.unwrap_or(max + 2.0 * span)).collect();
    let colour = move |v: f64| {
        if v > max + span {
            return egui::Color32::from_rgb(110, 110, 115);
        }
        let [r, g, b] = crate::core::colormap::Colormap::Viridis.srgb((v - min) / span, 0.5);
        let byte = |c: f32| (c * 255.0).round() as u8;
        egui::Color32::from_rgb(byte(r), byte(g), byte(b))
    };
    let here = [
        lead.run.optimizer.hyper.lr.log10(),
        field.get(&lead.run.optimizer.hyper),
    ];
    let response = Plot::new("phase diagram")
        .height(150.0)
        .x_axis_label("log₁₀ learning rate")
        .y_axis_label(field.label(lead.run.optimizer.kind))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.heatmap(
                Heatmap::new(cells, cols)
                    .at(PlotPoint::new(lo - dx / 2.0, values[0] - dy / 2.0))
                    .tile_size(dx as f32, dy as f32)
                    .show_labels(false)
                    .custom_mapping(Box::new(colour)),
            );
            plot.points(
                Points::new("this racer", PlotPoints::from(vec![here]))
                    .color(egui::Color32::WHITE)
                    .radius(4.0),
            );
            plot.pointer_coordinate()
        });
    ui.label(
        egui::RichText::new("colour: log₁₀ final loss (dark low) · grey: diverged · click: use it")
            .small()
            .weak(),
    );
    clicked(&response).map(|p| (10f64.powf(p.x), Some((*field, p.y.clamp(0.0, 0.99)))))
}
