//! The inspector: one racer's point, the curvature there, the formula's gradient, and its last
//! update written out term by term with the step's own numbers.

use crate::app::racers::Racer;
use crate::core::critical::{self, CriticalKind};
use crate::core::expr::Formula;
use crate::core::net::stage::Learner;
use crate::core::optim::run::Run;
use bevy_egui::egui;

/// A number for the inspector: 4 significant digits, scientific when tiny or huge.
pub fn num(v: f64) -> String {
    crate::core::number::short(v, 4)
}

pub fn pair(v: [f64; 2]) -> String {
    format!("({}, {})", num(v[0]), num(v[1]))
}

/// What the inspector says about the point, as (label, value) rows.
pub fn point_rows(run: &Run, f: &Formula) -> Vec<(String, String)> {
    let h = f.derivatives(run.pos).hessian;
    let (kind, eig, condition) = critical::classify(h);
    let curvature = match kind {
        CriticalKind::Minimum => "bowl (both curvatures up)",
        CriticalKind::Maximum => "dome (both down)",
        CriticalKind::Saddle => "saddle (one up, one down)",
        CriticalKind::Degenerate => "flat in one direction",
    };
    vec![
        ("(x, y)".into(), pair(run.pos)),
        ("f".into(), num(run.loss)),
        ("∇f".into(), pair(run.grad)),
        ("‖∇f‖".into(), num(run.grad[0].hypot(run.grad[1]))),
        ("Hessian λ".into(), pair(eig)),
        (
            "condition κ".into(),
            format!("{} — {curvature}", num(condition)),
        ),
    ]
}

/// The last update: its rule, the learning rate used, and each named term with its numbers.
pub fn update_rows(run: &Run) -> Option<(String, Vec<(String, String)>)> {
    let u = run.last.as_ref()?;
    let mut rows = vec![
        ("step t".to_string(), run.optimizer.steps().to_string()),
        ("from".into(), pair(u.from)),
    ];
    if run.optimizer.kind.uses_gradient() {
        rows.push(("α (this step)".into(), num(u.lr)));
    }
    rows.extend(run.optimizer.terms().iter().map(|t| {
        let v = if t.scalar {
            num(t.value[0])
        } else {
            pair(t.value)
        };
        (t.name.to_string(), v)
    }));
    rows.push(("Δx = to − from".into(), pair(u.delta())));
    rows.push(("to".into(), pair(u.to)));
    if let Some(note) = u.note {
        rows.push(("note".into(), note.to_string()));
    }
    Some((u.rule.to_string(), rows))
}

fn rows_ui(ui: &mut egui::Ui, id: &str, rows: &[(String, String)]) {
    egui::Grid::new(id)
        .num_columns(2)
        .spacing([10.0, 2.0])
        .striped(true)
        .show(ui, |ui| {
            for (k, v) in rows {
                ui.label(k);
                ui.monospace(v);
                ui.end_row();
            }
        });
}

/// A network racer: where it stands, and each layer's weights and the gradient that
/// backpropagation sent it this step, as norms.
fn network_ui(ui: &mut egui::Ui, l: &Learner) {
    let mut rows = vec![
        ("(α, β)".to_string(), pair(l.at.at)),
        ("off the plane".into(), num(l.at.off)),
        ("loss L".into(), num(l.standing.loss)),
        ("‖∇L‖".into(), num(l.standing.grad_norm)),
    ];
    if let Some(a) = l.standing.accuracy {
        rows.push(("accuracy".into(), format!("{:.1}%", 100.0 * a)));
    }
    if let Some(s) = l.sharpness {
        rows.push(("sharpness λ_max".into(), num(s)));
    }
    let lr = l.training.optimizer.hyper.lr;
    rows.push(("2/α".into(), num(2.0 / lr)));
    rows_ui(ui, "inspector network", &rows);
    ui.label(egui::RichText::new("layers: ‖W‖ ‖∇W‖ ‖b‖ ‖∇b‖ (the gradient flowing back)").small());
    let net = &l.training.net;
    let norms = net.layer_norms(&l.training.theta, l.training.gradient());
    egui::Grid::new("inspector layers")
        .num_columns(5)
        .spacing([10.0, 2.0])
        .striped(true)
        .show(ui, |ui| {
            for (k, n) in norms.iter().enumerate() {
                let last = k + 1 == norms.len();
                let act = if last {
                    net.loss.name()
                } else {
                    net.activation.name()
                };
                ui.label(format!("{}→{} {act}", n.shape.0, n.shape.1));
                for v in [n.weight, n.weight_grad, n.bias, n.bias_grad] {
                    ui.monospace(num(v));
                }
                ui.end_row();
            }
        });
}

pub fn inspector_ui(ui: &mut egui::Ui, racer: Option<&Racer>, formula: &Formula) {
    let Some(racer) = racer else {
        ui.weak("No racers: add one above.");
        return;
    };
    let run = &racer.run;
    ui.colored_label(super::race::colour32(racer.color), &racer.label);
    if let Some(l) = &racer.learner {
        return network_ui(ui, l);
    }
    rows_ui(ui, "inspector point", &point_rows(run, formula));
    let [gx, gy] = formula.gradient_text();
    ui.label(
        egui::RichText::new(format!("∂f/∂x = {gx}"))
            .monospace()
            .small(),
    );
    ui.label(
        egui::RichText::new(format!("∂f/∂y = {gy}"))
            .monospace()
            .small(),
    );
    ui.separator();
    match update_rows(run) {
        Some((rule, rows)) => {
            ui.label(egui::RichText::new(rule).monospace().strong());
            rows_ui(ui, "inspector update", &rows);
        }
        None => {
            ui.weak("No step yet: press S to take one and see it term by term.");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::optim::run::StopRules;
    use crate::core::optim::{Hyper, Kind, Optimizer};

    #[test]
    fn numbers_are_short_and_honest() {
        assert_eq!(num(-0.369523489), "-0.3695");
        assert_eq!(num(1234.5678), "1235");
        assert_eq!(num(2.5e-7), "2.500e-7");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(0.0), "0");
        assert_eq!(pair([1.0, -2.0]), "(1.000, -2.000)");
    }

    #[test]
    fn adams_update_is_written_out_with_this_steps_numbers() {
        let f = Formula::parse("x^2 + 10*y^2").unwrap();
        let hyper = Hyper {
            lr: 0.1,
            ..Hyper::defaults(Kind::Adam)
        };
        let mut run = Run::new(
            Optimizer::new(Kind::Adam, hyper),
            [2.0, 1.0],
            StopRules::default(),
            &f,
        );
        assert!(update_rows(&run).is_none());
        run.step(&f);
        let (rule, rows) = update_rows(&run).unwrap();
        assert!(rule.contains("m̂") && rule.contains("√v̂"), "{rule}");
        let get = |k: &str| {
            rows.iter()
                .find(|(n, _)| n.starts_with(k))
                .unwrap()
                .1
                .clone()
        };
        // t = 1: g = (4, 20); m = 0.1·g; v = 0.001·g²; m̂ = g; v̂ = g².
        assert_eq!(get("step t"), "1");
        assert_eq!(get("g"), "(4.000, 20.00)");
        assert_eq!(get("m (mean g)"), "(0.4000, 2.000)");
        assert_eq!(get("v (mean g²)"), "(0.01600, 0.4000)");
        assert_eq!(get("m̂"), "(4.000, 20.00)");
        assert_eq!(get("v̂"), "(16.00, 400.0)");
        assert_eq!(get("Δx"), "(-0.1000, -0.1000)");
        let point = point_rows(&run, &f);
        assert_eq!(
            point[4],
            ("Hessian λ".to_string(), "(2.000, 20.00)".to_string())
        );
        assert!(point[5].1.starts_with("10.00 — bowl"), "{:?}", point[5]);
    }

    #[test]
    fn annealing_shows_its_temperature_as_one_number_and_no_learning_rate() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let hyper = Hyper {
            temperature: 2.0,
            cooling: 0.5,
            ..Hyper::defaults(Kind::Annealing)
        };
        let mut run = Run::new(
            Optimizer::new(Kind::Annealing, hyper),
            [1.0, 1.0],
            StopRules::default(),
            &f,
        );
        run.step(&f);
        run.step(&f);
        let (_, rows) = update_rows(&run).unwrap();
        let get = |k: &str| {
            rows.iter()
                .find(|(n, _)| n.starts_with(k))
                .map(|r| r.1.clone())
        };
        // The second move's temperature: T₀·c = 1.
        assert_eq!(get("temperature T").as_deref(), Some("1.000"));
        assert_eq!(get("α"), None);
        assert!(get("proposal y").unwrap().starts_with('('));
    }
}
