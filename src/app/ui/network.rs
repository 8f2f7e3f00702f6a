//! The Network part of the landscape section: which network learns which dataset, from
//! which start, and the plane through its parameters that the surface shows.

use super::drop::{Dialog, Target};
use crate::app::landscape::Landscape;
use crate::core::net::classes::{self, CLASSES};
use crate::core::net::stage::{MAX_PILOT, NetworkSpec, PlaneKind};
use crate::core::optim::{Hyper, Kind};
use bevy_egui::egui;

/// The network being edited (applied on a click), and the last refusal.
#[derive(Default)]
pub struct NetworkBox {
    pub spec: Option<NetworkSpec>,
    pub error: Option<String>,
    /// The landscape revision the box was filled from: a new landscape refills it.
    revision: Option<u64>,
    /// A CSV's features as typed, comma-separated (empty: every column but the target).
    features: String,
    /// A CSV's target as typed (empty: its last column).
    target: String,
    /// Open the box next frame (a file was dropped or picked): its result shows there.
    pub reveal: bool,
}

impl NetworkBox {
    /// Edits `spec` from now on.
    fn fill(&mut self, spec: NetworkSpec) {
        self.features = spec.features.join(", ");
        self.target = spec.target.clone().unwrap_or_default();
        self.spec = Some(spec);
    }

    /// The typed columns into the spec being edited.
    fn columns_into_spec(&mut self) {
        if let Some(spec) = self.spec.as_mut() {
            spec.features = self
                .features
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            let target = self.target.trim();
            spec.target = (!target.is_empty()).then(|| target.to_string());
        }
    }

    /// A CSV (dropped or picked) becomes the network's rows, its last column the target and
    /// the others its features, every other setting kept; the plane is fitted again on
    /// `racers`. A refusal stays in the box with the file named, the landscape as it was.
    pub fn open_data(&mut self, path: String, racers: &[(Kind, Hyper)], landscape: &mut Landscape) {
        let Some(stage) = landscape.formula.stage() else {
            return;
        };
        let spec = NetworkSpec {
            data: path,
            features: Vec::new(),
            target: None,
            ..stage.spec.clone()
        };
        self.reveal = true;
        self.error = landscape.fit_network(&spec, racers).err();
        if self.error.is_some() {
            self.fill(spec);
        }
    }
}

/// The network's settings and the plane; true when they were applied (racers restart).
pub fn network_ui(
    ui: &mut egui::Ui,
    b: &mut NetworkBox,
    dialog: &mut Dialog,
    landscape: &mut Landscape,
    racers: &[(Kind, Hyper)],
    first_step: Option<u64>,
) -> bool {
    let Some(stage) = landscape.formula.stage().cloned() else {
        return false;
    };
    if b.revision != Some(landscape.revision) {
        b.fill(stage.spec.clone());
        (b.error, b.revision) = (None, Some(landscape.revision));
    }
    ui.label(
        egui::RichText::new(format!(
            "f(α, β) = mean {} loss of {} ({} parameters) over {} rows, on the plane θ₀ + α·δ + β·η",
            stage.net.loss.name(),
            stage.net.text(),
            stage.net.parameters(),
            stage.rows.len()
        ))
        .small(),
    );
    egui::CollapsingHeader::new("Network and plane")
        .id_salt("network settings")
        .open(std::mem::take(&mut b.reveal).then_some(true))
        .show(ui, |ui| {
            settings_ui(ui, b, dialog);
            if let Some(spec) = b.spec.as_mut() {
                plane_ui(ui, spec);
            }
        });
    b.columns_into_spec();
    let Some(spec) = b.spec.clone() else {
        return false;
    };
    let mut applied = false;
    if let Some(fit) = fit_ui(ui, &spec, &stage.spec, first_step) {
        match landscape.fit_network(&fit, racers) {
            Ok(()) => applied = true,
            Err(e) => b.error = Some(e),
        }
    }
    if stage.fitted_on_another(racers) {
        ui.label(
            egui::RichText::new(
                "The plane was fitted on another race: Reset (or Refit the plane) fits it on this one",
            )
            .small()
            .weak(),
        );
    }
    if let Some(e) = &b.error {
        ui.colored_label(super::ERROR_RED, e);
    }
    applied
}

/// Apply (or Refit the plane), and Look around racer 1 at its step now: the network to fit
/// when one was clicked.
fn fit_ui(
    ui: &mut egui::Ui,
    spec: &NetworkSpec,
    now: &NetworkSpec,
    first_step: Option<u64>,
) -> Option<NetworkSpec> {
    let mut fit = None;
    ui.horizontal(|ui| {
        let label = if spec == now { "Refit the plane" } else { "Apply" };
        let hover = "Runs the race as it is set up now for the pilot's steps and fits the plane to its paths; every racer restarts";
        if ui.button(label).on_hover_text(hover).clicked() {
            fit = Some(spec.clone());
        }
        let off = PLANES[plane_index(now.plane)].0;
        ui.label(egui::RichText::new(format!("plane: {off}")).small().weak());
    });
    if let Some(step) = first_step.filter(|s| *s > 0) {
        let hover = "Random directions through the first racer's parameters now: the race runs again to this step on the new plane";
        let button = ui.button(format!("Look around racer 1 (step {step})"));
        if button.on_hover_text(hover).clicked() {
            let seed = match spec.plane {
                PlaneKind::Random(s) | PlaneKind::Around(s) => s,
                _ => 0,
            };
            fit = Some(NetworkSpec {
                pilot: step.min(MAX_PILOT),
                plane: PlaneKind::Around(seed),
                ..spec.clone()
            });
        }
    }
    fit
}

/// Dataset (a built-in with its seed and noise, or a CSV with its columns), hidden widths,
/// activation, loss and the init seed.
fn settings_ui(ui: &mut egui::Ui, b: &mut NetworkBox, dialog: &mut Dialog) {
    let NetworkBox {
        spec: Some(spec),
        features,
        target,
        ..
    } = b
    else {
        return;
    };
    let csv = classes::find(&spec.data).is_none();
    egui::Grid::new("network grid")
        .num_columns(2)
        .show(ui, |ui| {
            data_ui(ui, spec, csv);
            if csv {
                columns_ui(ui, spec, [features, target], dialog);
            }
            ui.label("hidden");
            ui.add(egui::TextEdit::singleline(&mut spec.hidden).desired_width(80.0))
                .on_hover_text("The hidden layers' widths, e.g. 16-16 (empty: none)");
            ui.end_row();
            ui.label("activation");
            egui::ComboBox::from_id_salt("network activation")
                .selected_text(&spec.activation)
                .show_ui(ui, |ui| {
                    for a in crate::core::net::Activation::ALL {
                        ui.selectable_value(&mut spec.activation, a.name().to_string(), a.name());
                    }
                });
            ui.end_row();
            ui.label("loss");
            let shown = spec.loss.clone().unwrap_or_else(|| "the data's".into());
            egui::ComboBox::from_id_salt("network loss")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut spec.loss, None, "the data's");
                    for l in crate::core::net::Loss::ALL {
                        ui.selectable_value(&mut spec.loss, Some(l.name().to_string()), l.name());
                    }
                });
            ui.end_row();
            ui.label("init seed");
            ui.add(egui::DragValue::new(&mut spec.init_seed));
            ui.end_row();
            if !csv {
                ui.label("data seed, noise");
                ui.horizontal(|ui| {
                    ui.add(egui::DragValue::new(&mut spec.data_seed));
                    ui.add(
                        egui::DragValue::new(&mut spec.noise)
                            .range(0.0..=10.0)
                            .speed(0.01),
                    );
                });
                ui.end_row();
            }
        });
}

/// The data: a built-in, or a CSV file.
fn data_ui(ui: &mut egui::Ui, spec: &mut NetworkSpec, csv: bool) {
    ui.label("data");
    egui::ComboBox::from_id_salt("network data")
        .selected_text(if csv { "a CSV file" } else { &spec.data })
        .show_ui(ui, |ui| {
            for c in &CLASSES {
                ui.selectable_value(&mut spec.data, c.name.to_string(), c.name)
                    .on_hover_text(c.teaches);
            }
            if ui.selectable_label(csv, "a CSV file").clicked() && !csv {
                spec.data = String::new();
            }
        });
    ui.end_row();
}

/// A CSV's path (typed, or picked with Open…), and the columns it reads and predicts.
fn columns_ui(
    ui: &mut egui::Ui,
    spec: &mut NetworkSpec,
    [features, target]: [&mut String; 2],
    dialog: &mut Dialog,
) {
    ui.label("file");
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut spec.data)
                .hint_text("rows.csv")
                .desired_width(150.0),
        );
        dialog.button(ui, Target::Network);
    });
    ui.end_row();
    ui.label("features");
    ui.add(
        egui::TextEdit::singleline(features)
            .hint_text("all but the target")
            .desired_width(150.0),
    );
    ui.end_row();
    ui.label("target");
    ui.add(
        egui::TextEdit::singleline(target)
            .hint_text("the last column")
            .desired_width(150.0),
    )
    .on_hover_text("0/1: bce; classes 0, 1, 2…: ce; other numbers: mse");
    ui.end_row();
}

/// The planes to choose from: a name, and what it shows.
const PLANES: [(&str, &str); 4] = [
    (
        "the race's paths",
        "The first two principal components of the racers' paths on a pilot run: the whole journey lies on screen",
    ),
    (
        "two ends",
        "Through the start and where the first two racers end the pilot run: both lie on the surface there",
    ),
    (
        "random, through the start",
        "Two filter-normalised Gaussian directions through the start (Li et al. 2018)",
    ),
    (
        "random, around racer 1",
        "Two filter-normalised Gaussian directions through where the first racer is after the pilot's steps: the landscape around the point it reached (Li et al. 2018)",
    ),
];

fn plane_index(plane: PlaneKind) -> usize {
    match plane {
        PlaneKind::Trajectories => 0,
        PlaneKind::Ends => 1,
        PlaneKind::Random(_) => 2,
        PlaneKind::Around(_) => 3,
    }
}

/// Which plane, with the pilot's length or the directions' seed.
fn plane_ui(ui: &mut egui::Ui, spec: &mut NetworkSpec) {
    let now = plane_index(spec.plane);
    ui.horizontal(|ui| {
        ui.label("plane");
        egui::ComboBox::from_id_salt("network plane")
            .selected_text(PLANES[now].0)
            .show_ui(ui, |ui| {
                for (k, (name, says)) in PLANES.iter().enumerate() {
                    let seed = match spec.plane {
                        PlaneKind::Random(s) | PlaneKind::Around(s) => s,
                        _ => 0,
                    };
                    let plane = [
                        PlaneKind::Trajectories,
                        PlaneKind::Ends,
                        PlaneKind::Random(seed),
                        PlaneKind::Around(seed),
                    ][k];
                    ui.selectable_value(&mut spec.plane, plane, *name)
                        .on_hover_text(*says);
                }
            });
    });
    if let PlaneKind::Random(seed) | PlaneKind::Around(seed) = &mut spec.plane {
        ui.horizontal(|ui| {
            ui.label("directions' seed");
            ui.add(egui::DragValue::new(seed));
        });
    }
    if !matches!(spec.plane, PlaneKind::Random(_)) {
        ui.add(
            egui::Slider::new(&mut spec.pilot, 1..=MAX_PILOT)
                .logarithmic(true)
                .text("pilot steps"),
        );
    }
}

/// The menu's networks: "Network: moons" and the rest, with what each teaches.
pub fn menu_ui(ui: &mut egui::Ui, landscape: &Landscape) -> Option<&'static classes::Classes> {
    let current = landscape.formula.stage().map(|s| s.spec.data.clone());
    let mut picked = None;
    for c in &CLASSES {
        let selected = current.as_deref() == Some(c.name);
        if ui
            .selectable_label(selected, format!("Network: {}", c.name))
            .on_hover_text(c.teaches)
            .clicked()
        {
            picked = Some(c);
        }
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::expr::Formula;

    /// A refused network leaves the landscape as it was, with the reason; a good one becomes
    /// the landscape (racers restart: a new revision).
    #[test]
    fn a_refused_network_changes_nothing_and_a_good_one_is_the_landscape() {
        let mut l = Landscape::of_formula(Formula::parse("x^2 + y^2").unwrap());
        let race = [(Kind::Adam, Hyper::defaults(Kind::Adam))];
        let bad = NetworkSpec {
            hidden: "16-x".into(),
            ..NetworkSpec::of("moons")
        };
        let e = l.fit_network(&bad, &race).unwrap_err();
        assert!(e.contains("'2-16-x-1' is not a network's widths"), "{e}");
        assert_eq!((l.formula.source(), l.revision), ("x^2 + y^2", 0));
        let good = NetworkSpec {
            hidden: "4".into(),
            pilot: 20,
            ..NetworkSpec::of("xor")
        };
        l.fit_network(&good, &race).unwrap();
        let stage = l.formula.stage().expect("a network landscape");
        assert_eq!((stage.net.text().as_str(), l.revision), ("2-4-1", 1));
        assert_eq!(l.domain, stage.domain);
    }
}
