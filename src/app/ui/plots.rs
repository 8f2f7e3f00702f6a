//! Live plots of every racer against its step (or, in a race by evaluations, the evaluations
//! of f it has paid): the loss (optionally as log₁₀(f − f*)), the
//! gradient norm, and the distance to the nearest known minimum. Colours match the balls.

use crate::app::racers::{Racer, Sample};
use crate::core::critical::{CriticalKind, CriticalPoint};
use crate::core::net::stage::Stage;
use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

/// Most racers named in the plot's legend.
const MAX_LEGEND: usize = 5;

/// Which quantity the plot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quantity {
    #[default]
    Loss,
    GradNorm,
    Distance,
    /// The loss of each step's mini-batch (data landscapes).
    BatchLoss,
    /// ‖g_batch − g_full‖ of each step (data landscapes).
    Noise,
    /// The share of rows classified right (networks).
    Accuracy,
    /// λ_max of the Hessian, with the line 2/α each racer's rate sets (networks).
    Sharpness,
    /// The loss along the line from the start through each racer's parameters now
    /// (networks; Goodfellow et al. 2015).
    Line,
}

/// Where the plot is drawn: which quantities mean something there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ground {
    Formula,
    Data,
    Network,
}

impl Quantity {
    pub const ALL: [Quantity; 8] = [
        Quantity::Loss,
        Quantity::GradNorm,
        Quantity::Distance,
        Quantity::BatchLoss,
        Quantity::Noise,
        Quantity::Accuracy,
        Quantity::Sharpness,
        Quantity::Line,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Quantity::Loss => "loss f",
            Quantity::GradNorm => "‖∇f‖",
            Quantity::Distance => "distance to minimum",
            Quantity::BatchLoss => "batch loss",
            Quantity::Noise => "‖g_batch − ∇f‖",
            Quantity::Accuracy => "accuracy",
            Quantity::Sharpness => "sharpness λ_max",
            Quantity::Line => "start → now",
        }
    }

    /// Whether it means anything here: batch losses on data and networks, the gradient's
    /// noise on data, accuracy and sharpness on networks, the distance to a minimum on
    /// formulas and data (a network's plane is not searched for minima).
    pub fn applies(self, ground: Ground) -> bool {
        match self {
            Quantity::Loss | Quantity::GradNorm => true,
            Quantity::Distance => ground != Ground::Network,
            Quantity::BatchLoss => ground != Ground::Formula,
            Quantity::Noise => ground == Ground::Data,
            Quantity::Accuracy | Quantity::Sharpness | Quantity::Line => ground == Ground::Network,
        }
    }
}

/// The plot's settings, kept between frames.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PlotSettings {
    pub quantity: Quantity,
    pub log: bool,
    /// Against the evaluations of f paid instead of the step.
    pub by_evals: bool,
}

/// Smallest positive value a log plot shows: machine precision relative to the values.
const LOG_FLOOR: f64 = 1e-16;

/// The points (step or evaluations, value) of one racer's trail. On a log scale the value is log₁₀ of the
/// loss gap `f − f*` (`f*` the lowest known minimum), or of the positive quantity; values at
/// or below zero sit on the floor. Non-finite values are left out.
pub fn series(
    trail: &[Sample],
    settings: PlotSettings,
    f_star: Option<f64>,
    minima: &[[f64; 2]],
) -> Vec<[f64; 2]> {
    trail
        .iter()
        .filter_map(|s| {
            let v = match settings.quantity {
                Quantity::Loss if settings.log => s.f - f_star.unwrap_or(0.0),
                Quantity::Loss => s.f,
                Quantity::BatchLoss => s.batch_loss.unwrap_or(f64::NAN),
                Quantity::Noise => s.noise.unwrap_or(f64::NAN),
                Quantity::GradNorm => s.grad_norm,
                Quantity::Accuracy => s.accuracy.unwrap_or(f64::NAN),
                Quantity::Sharpness => s.sharpness.unwrap_or(f64::NAN),
                Quantity::Line => f64::NAN,
                Quantity::Distance => minima
                    .iter()
                    .map(|m| (s.pos[0] - m[0]).hypot(s.pos[1] - m[1]))
                    .fold(f64::INFINITY, f64::min),
            };
            let v = if settings.log {
                v.max(LOG_FLOOR).log10()
            } else {
                v
            };
            let x = if settings.by_evals { s.evals } else { s.step };
            v.is_finite().then_some([x as f64, v])
        })
        .collect()
}

/// Minimum positions, and the lowest minimum's value.
pub fn minima(points: &[CriticalPoint]) -> (Vec<[f64; 2]>, Option<f64>) {
    let mins: Vec<&CriticalPoint> = points
        .iter()
        .filter(|p| p.kind == CriticalKind::Minimum)
        .collect();
    let f_star = mins.iter().map(|p| p.value).reduce(f64::min);
    (mins.iter().map(|p| p.pos).collect(), f_star)
}

pub fn plots_ui(
    ui: &mut egui::Ui,
    settings: &mut PlotSettings,
    racers: &[(&Racer, &[Sample])],
    critical: &[CriticalPoint],
    ground: Ground,
    stage: Option<&Stage>,
) {
    let (mins, f_star) = minima(critical);
    choices_ui(ui, settings, ground, f_star.is_some());
    if let (Quantity::Line, Some(stage)) = (settings.quantity, stage) {
        return line_ui(ui, racers, settings.log, stage);
    }
    if settings.quantity == Quantity::Distance && mins.is_empty() {
        ui.weak("No minimum found in the domain.");
        return;
    }
    let log = settings.log;
    let y_name = settings.quantity.label();
    let mut plot = Plot::new("plot").height(170.0);
    // A legend of more than five names is taller than the plot and covers it; the racer
    // table above names every colour.
    if racers.len() <= MAX_LEGEND {
        plot = plot.legend(Legend::default());
    }
    let x_name = if settings.by_evals {
        "evaluations of f"
    } else {
        "step"
    };
    plot.x_axis_label(x_name)
        .y_axis_label(if log {
            format!("log₁₀ {y_name}")
        } else {
            y_name.to_string()
        })
        .label_formatter(move |name, p| {
            let y = if log { 10f64.powf(p.y) } else { p.y };
            format!(
                "{name}\n{x_name} {:.0}\n{y_name} = {}",
                p.x,
                super::inspector::num(y)
            )
        })
        .show(ui, |plot| {
            for (racer, trail) in racers {
                let points = series(trail, *settings, f_star, &mins);
                let colour = super::race::colour32(racer.color);
                plot.line(
                    Line::new(racer.label.clone(), PlotPoints::from(points))
                        .color(colour)
                        .id(egui::Id::new((
                            "racer line",
                            racer.slot,
                            racer.label.as_str(),
                        ))),
                );
                if settings.quantity == Quantity::Sharpness
                    && let Some(edge) = edge_of_stability(racer, log)
                {
                    plot.hline(
                        egui_plot::HLine::new("", edge)
                            .color(colour.gamma_multiply(0.7))
                            .style(egui_plot::LineStyle::dashed_loose()),
                    );
                }
            }
        });
}

/// Which quantity, among those that apply here, and whether on a log scale.
fn choices_ui(ui: &mut egui::Ui, settings: &mut PlotSettings, ground: Ground, f_star: bool) {
    if !settings.quantity.applies(ground) {
        settings.quantity = Quantity::Loss;
    }
    ui.horizontal_wrapped(|ui| {
        for q in Quantity::ALL.into_iter().filter(|q| q.applies(ground)) {
            ui.selectable_value(&mut settings.quantity, q, q.label());
        }
    });
    let log_label = match (settings.quantity, f_star) {
        (Quantity::Loss, true) => "log scale (f − f*)",
        _ => "log scale",
    };
    ui.checkbox(&mut settings.log, log_label);
}

/// Where the line from the start is sampled: a little before it and beyond the point now.
const LINE_T: (f64, f64, usize) = (-0.25, 1.25, 41);

/// The loss along the line from the start (t = 0) through each network racer's parameters
/// now (t = 1): a racer that fell straight down a valley shows one smooth descent.
fn line_ui(ui: &mut egui::Ui, racers: &[(&Racer, &[Sample])], log: bool, stage: &Stage) {
    let (a, b, n) = LINE_T;
    let ts: Vec<f64> = (0..n)
        .map(|k| a + (b - a) * k as f64 / (n - 1) as f64)
        .collect();
    let y_name = if log { "log₁₀ loss" } else { "loss" };
    let mut plot = Plot::new("line plot").height(170.0);
    if racers.len() <= MAX_LEGEND {
        plot = plot.legend(Legend::default());
    }
    plot.x_axis_label("t: 0 the start, 1 now")
        .y_axis_label(y_name)
        .show(ui, |plot| {
            for (racer, _) in racers {
                let Some(l) = &racer.learner else {
                    continue;
                };
                let losses = stage.line(&l.training.theta, &ts);
                let points: Vec<[f64; 2]> = ts
                    .iter()
                    .zip(losses)
                    .map(|(t, v)| [*t, if log { v.max(LOG_FLOOR).log10() } else { v }])
                    .filter(|p| p[1].is_finite())
                    .collect();
                plot.line(
                    Line::new(racer.label.clone(), PlotPoints::from(points))
                        .color(super::race::colour32(racer.color)),
                );
            }
            plot.vline(egui_plot::VLine::new("now", 1.0).color(egui::Color32::from_gray(110)));
        });
}

/// The sharpness a rate α can bear, 2/α (gradient descent on a quadratic is stable for
/// λ < 2/α; Cohen et al. 2021 find full-batch training hovers there), on the plot's scale;
/// None for a racer without a network or a rate.
fn edge_of_stability(racer: &Racer, log: bool) -> Option<f64> {
    racer.learner.as_ref()?;
    let lr = racer.run.optimizer.hyper.lr;
    let edge = 2.0 / lr;
    let edge = if log { edge.log10() } else { edge };
    (lr > 0.0 && edge.is_finite()).then_some(edge)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(step: u64, pos: [f64; 2], f: f64, grad_norm: f64) -> Sample {
        Sample {
            pos,
            f,
            grad_norm,
            step,
            evals: 4 * step,
            batch_loss: None,
            noise: None,
            accuracy: None,
            sharpness: None,
        }
    }

    #[test]
    fn series_follow_the_trail_in_linear_and_log_scales() {
        let trail = [
            sample(0, [3.0, 4.0], 2.0, 10.0),
            sample(5, [0.0, 1.0], -0.9, 0.01),
            sample(9, [0.0, 0.0], -1.0, 0.0),
            sample(10, [0.0, 0.0], f64::NAN, f64::NAN),
        ];
        let loss = PlotSettings::default();
        assert_eq!(
            series(&trail, loss, Some(-1.0), &[]),
            [[0.0, 2.0], [5.0, -0.9], [9.0, -1.0]]
        );
        let log_gap = PlotSettings { log: true, ..loss };
        let s = series(&trail, log_gap, Some(-1.0), &[]);
        assert!((s[0][1] - 3f64.log10()).abs() < 1e-12);
        assert!((s[1][1] + 1.0).abs() < 1e-12, "0.1 above f* is −1: {s:?}");
        assert_eq!(s[2][1], -16.0, "at f* the gap sits on the floor");
        let grad = PlotSettings {
            quantity: Quantity::GradNorm,
            log: true,
            by_evals: false,
        };
        assert_eq!(
            series(&trail, grad, None, &[])[..2],
            [[0.0, 1.0], [5.0, -2.0]]
        );
        let dist = PlotSettings {
            quantity: Quantity::Distance,
            log: false,
            by_evals: false,
        };
        let d = series(&trail, dist, None, &[[0.0, 0.0], [3.0, 0.0]]);
        assert_eq!(d[..3], [[0.0, 4.0], [5.0, 1.0], [9.0, 0.0]]);
        // In a race by evaluations, against the evaluations paid (4 a step here).
        let by_evals = PlotSettings {
            by_evals: true,
            ..loss
        };
        assert_eq!(
            series(&trail, by_evals, None, &[])[..2],
            [[0.0, 2.0], [20.0, -0.9]]
        );
    }
}
