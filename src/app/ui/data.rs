//! The data view of a data landscape: the rows as points, and each racer's current model (the
//! regression line, the logistic curve and its decision boundary) in the racer's colour,
//! moving as its ball moves. "The ball is the model."

use crate::app::racers::Racer;
use crate::core::data::{Dataset, Shared};
use crate::core::expr::Formula;
use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points, VLine};
use std::sync::Arc;

/// Most points drawn; larger datasets are drawn every k-th row.
const MAX_POINTS: usize = 4000;
/// Points along each model curve.
const CURVE: usize = 120;

/// A model ŷ(x; axes) evaluated along the data's x range: the formula over a one-column
/// "dataset" of x values, so row i of it is the model at the i-th x.
pub struct Model {
    source: String,
    xs: Vec<f64>,
    formula: Formula,
}

impl Model {
    /// The model `source` (a formula of the column x and the two axes) along `data`'s x.
    pub fn new(source: &str, axes: [&str; 2], data: &Dataset) -> Option<Model> {
        let x = data.column("x")?;
        let (lo, hi) = x
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let pad = 0.05 * (hi - lo).max(1e-9);
        let xs: Vec<f64> = (0..CURVE)
            .map(|i| lo - pad + (hi - lo + 2.0 * pad) * i as f64 / (CURVE - 1) as f64)
            .collect();
        let along = Dataset::new("model", vec![("x".into(), xs.clone())]);
        let formula = Formula::data_loss(source, axes, Arc::new(along)).ok()?;
        Some(Model {
            source: source.to_string(),
            xs,
            formula,
        })
    }

    /// The curve (x, ŷ) at the racer's point; non-finite values left out.
    pub fn curve(&self, at: [f64; 2]) -> Vec<[f64; 2]> {
        self.xs
            .iter()
            .enumerate()
            .map(|(i, &x)| [x, self.formula.value_on(at, &[i as u32])])
            .filter(|p| p[1].is_finite())
            .collect()
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

/// The x where a logistic model's probability is ½ (w·x + b = 0), if the model is one.
pub fn boundary(model: &str, at: [f64; 2]) -> Option<f64> {
    let x = -at[1] / at[0];
    (model.contains("exp") && x.is_finite()).then_some(x)
}

/// Draws the rows and each racer's model; `highlight` is drawn thicker, the rest thinner.
pub fn data_ui(
    ui: &mut egui::Ui,
    data: &Shared,
    model: Option<&Model>,
    racers: &[&Racer],
    highlight: Option<usize>,
) {
    let names = match (data.column("x"), data.column("y")) {
        (Some(_), Some(_)) => ["x", "y"],
        _ if data.columns.len() >= 2 => [data.columns[0].as_str(), data.columns[1].as_str()],
        _ => {
            ui.weak("The data view needs two columns.");
            return;
        }
    };
    let (xs, ys) = (data.column(names[0]), data.column(names[1]));
    let (Some(xs), Some(ys)) = (xs, ys) else {
        return;
    };
    let every = data.rows().div_ceil(MAX_POINTS).max(1);
    let points: Vec<[f64; 2]> = xs
        .iter()
        .zip(ys)
        .step_by(every)
        .map(|(&x, &y)| [x, y])
        .collect();
    let mut plot = Plot::new("data view")
        .height(180.0)
        .x_axis_label(names[0])
        .y_axis_label(names[1]);
    if racers.len() <= 5 {
        plot = plot.legend(Legend::default().position(egui_plot::Corner::LeftTop));
    }
    plot.show(ui, |plot| {
        plot.points(
            Points::new(format!("{} rows", data.rows()), PlotPoints::from(points))
                .radius(2.0)
                .color(egui::Color32::from_gray(190)),
        );
        let Some(model) = model else {
            return;
        };
        for r in racers {
            let strong = highlight.is_none_or(|h| h == r.slot);
            let colour = super::race::colour32(r.color);
            let width = if highlight == Some(r.slot) { 3.5 } else { 1.8 };
            let colour = if strong {
                colour
            } else {
                colour.gamma_multiply(0.35)
            };
            plot.line(
                Line::new(r.label.clone(), PlotPoints::from(model.curve(r.run.pos)))
                    .color(colour)
                    .width(width),
            );
            if let Some(x) = boundary(model.source(), r.run.pos) {
                plot.vline(
                    VLine::new(format!("{} boundary", r.label), x)
                        .color(colour.gamma_multiply(0.6))
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_models_curve_is_its_formula_along_the_data() {
        let data = Dataset::new(
            "d",
            vec![("x".into(), vec![-1.0, 3.0]), ("y".into(), vec![0.0, 1.0])],
        );
        let line = Model::new("w*x + b", ["w", "b"], &data).unwrap();
        let c = line.curve([2.0, -1.0]);
        assert_eq!(c.len(), CURVE);
        // x from −1.2 to 3.2 (5% beyond the data each side), ŷ = 2x − 1.
        assert!((c[0][0] + 1.2).abs() < 1e-12 && (c[0][1] + 3.4).abs() < 1e-12);
        let last = c[CURVE - 1];
        assert!((last[0] - 3.2).abs() < 1e-12 && (last[1] - 5.4).abs() < 1e-12);
        let sigmoid = Model::new("1/(1 + exp(-(w*x + b)))", ["w", "b"], &data).unwrap();
        let s = sigmoid.curve([1.0, 0.0]);
        assert!(
            s.iter()
                .all(|p| (p[1] - 1.0 / (1.0 + (-p[0]).exp())).abs() < 1e-15)
        );
        assert_eq!(boundary(sigmoid.source(), [2.0, -1.0]), Some(0.5));
        assert_eq!(boundary(line.source(), [2.0, -1.0]), None);
    }
}
