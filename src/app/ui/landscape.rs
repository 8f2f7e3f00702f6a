//! The landscape section: preset menu, formula editor (live validation, the error column
//! underlined), parameter sliders, domain, resolution and height display.

use crate::app::landscape::Landscape;
use crate::app::surface::Look;
use crate::core::colormap::Colormap;
use crate::core::data::builtin;
use crate::core::expr::Formula;
use crate::core::landscape::{DataSource, DataSpec, LandscapeSpec};
use crate::core::presets::{PRESETS, Preset, ZScale};
use crate::core::surface::Domain;
use bevy::prelude::*;
use bevy_egui::egui;

/// The formula box: its text (which may not parse yet) and the last error.
#[derive(Resource)]
pub struct FormulaEdit {
    pub text: String,
    pub error: Option<String>,
    /// 1-based column of the error, underlined in the box.
    pub column: Option<usize>,
}

impl FormulaEdit {
    pub fn new(text: &str) -> FormulaEdit {
        FormulaEdit {
            text: text.to_string(),
            error: None,
            column: None,
        }
    }

    /// Re-validates the text as typed.
    pub fn validate(&mut self) {
        match Formula::parse(&self.text) {
            Ok(_) => (self.error, self.column) = (None, None),
            Err(e) => (self.error, self.column) = (Some(e.to_string()), e.column()),
        }
    }
}

/// Resolutions offered for the surface grid (cells per side).
pub const RESOLUTIONS: [usize; 6] = [64, 128, 192, 256, 384, 512];

/// Switches to a preset: formula with its parameter values, domain, height scale; returns
/// where the racers should start.
pub fn apply_preset(
    preset: &'static Preset,
    landscape: &mut Landscape,
) -> Result<[f64; 2], String> {
    let spec = crate::core::landscape::LandscapeSpec {
        preset: Some(preset.name),
        ..Default::default()
    };
    let built = crate::core::landscape::Landscape::new(&spec)
        .map_err(|e| format!("preset {}: {e}", preset.name))?;
    landscape.replace(built, preset.z_scale);
    Ok(landscape.default_start())
}

/// Applies an edited formula: on success the landscape is replaced (parameters with the same
/// names keep their values); on failure the last good surface stays and the error is kept.
/// On a data landscape the text is the per-example loss over the same rows and axes; a name
/// that is neither a column nor an existing parameter is refused.
pub fn apply_formula(text: &str, landscape: &mut Landscape) -> Result<(), String> {
    let old = &landscape.formula;
    let mut formula = match old.data() {
        Some(rows) => Formula::data_loss(text, old.axes(), rows.clone()),
        None => Formula::parse(text),
    }
    .map_err(|e| e.to_string())?;
    if let Some(rows) = old.data()
        && let Some(p) = formula
            .params()
            .iter()
            .find(|p| !old.params().iter().any(|q| q.name == p.name))
    {
        return Err(format!(
            "'{}' is not a column of the data ({})",
            p.name,
            rows.columns.join(", ")
        ));
    }
    formula.inherit_params(old);
    landscape.formula = formula;
    landscape.preset = None;
    landscape.changed_math();
    Ok(())
}

/// Applies an edited domain if it is usable.
pub fn apply_domain(domain: Domain, landscape: &mut Landscape) -> Result<(), String> {
    domain.validate().map_err(|e| e.to_string())?;
    if domain != landscape.domain {
        landscape.domain = domain;
        landscape.changed_math();
    }
    Ok(())
}

/// Switches to a data landscape (a built-in dataset, or a CSV with its loss and axes); on
/// failure the landscape is left as it was and the reason returned (with the file, line and
/// column of a bad cell).
pub fn apply_data(spec: DataSpec, landscape: &mut Landscape) -> Result<(), String> {
    let built = crate::core::landscape::Landscape::new(&LandscapeSpec {
        data: Some(spec),
        ..LandscapeSpec::default()
    })
    .map_err(|e| e.to_string())?;
    landscape.replace(built, ZScale::Linear);
    Ok(())
}

/// The "your data" box: a CSV path, its loss and axes, and the last refusal.
pub struct CsvBox {
    pub path: String,
    pub loss: String,
    pub axes: String,
    pub error: Option<String>,
    /// Open the box next frame (a file was dropped on the window): its result shows there.
    pub reveal: bool,
}

impl Default for CsvBox {
    fn default() -> CsvBox {
        CsvBox {
            path: String::new(),
            loss: "(w*x + b - y)^2".into(),
            axes: "w,b".into(),
            error: None,
            reveal: false,
        }
    }
}

/// What the section asks of the rest of the app this frame.
#[derive(Default)]
pub struct LandscapeActions {
    /// A preset or dataset was picked: start its race and turn the camera to this view.
    pub preset_view: Option<[f64; 2]>,
}

/// What the landscape menu picked.
enum Pick {
    Preset(&'static Preset),
    Data(&'static builtin::Builtin),
    Network(&'static crate::core::net::classes::Classes),
}

/// The section's editing boxes.
pub struct Boxes<'a> {
    pub edit: &'a mut FormulaEdit,
    pub look: &'a mut Look,
    pub csv: &'a mut CsvBox,
    pub network: &'a mut super::network::NetworkBox,
    pub dialog: &'a mut super::drop::Dialog,
}

/// The section; `lineup` is the race's optimizers and settings, what a network's plane is
/// fitted on.
pub fn landscape_ui(
    ui: &mut egui::Ui,
    landscape: &mut Landscape,
    boxes: Boxes,
    lineup: &[(crate::core::optim::Kind, crate::core::optim::Hyper)],
    first_step: Option<u64>,
) -> LandscapeActions {
    let Boxes {
        edit,
        look,
        csv,
        network,
        dialog,
    } = boxes;
    let mut actions = LandscapeActions::default();
    if let Some(pick) = presets_ui(ui, landscape) {
        actions.preset_view = apply_pick(pick, landscape, edit, network);
    }
    if let Some(p) = landscape.preset {
        ui.label(egui::RichText::new(p.teaches).small());
        ui.label(
            egui::RichText::new(format!("The race: {}", p.race_note))
                .small()
                .weak(),
        );
    }
    if let Some(b) = landscape.data.as_ref().and_then(|d| d.builtin()) {
        ui.label(egui::RichText::new(b.teaches).small());
    }
    if landscape.formula.stage().is_some() {
        super::network::network_ui(ui, network, dialog, landscape, lineup, first_step);
    } else {
        formula_ui(ui, edit, landscape);
        params_ui(ui, landscape);
    }
    look_ui(ui, look);
    egui::CollapsingHeader::new("Domain, resolution, height")
        .id_salt("domain")
        .show(ui, |ui| {
            domain_ui(ui, landscape);
            display_ui(ui, landscape);
        });
    egui::CollapsingHeader::new("Your data (CSV)")
        .id_salt("csv")
        .open(std::mem::take(&mut csv.reveal).then_some(true))
        .show(ui, |ui| {
            if csv_ui(ui, csv, dialog, landscape) {
                *edit = FormulaEdit::new(landscape.formula.source());
                actions.preset_view = Some(crate::core::presets::view_of(None));
            }
        });
    actions
}

/// Opens what the menu picked; the view to turn to, or None (the refusal kept in its box).
fn apply_pick(
    pick: Pick,
    landscape: &mut Landscape,
    edit: &mut FormulaEdit,
    network: &mut super::network::NetworkBox,
) -> Option<[f64; 2]> {
    let fresh = Some(crate::core::presets::view_of(None));
    match pick {
        Pick::Network(c) => {
            let spec = crate::core::net::stage::NetworkSpec::of(c.name);
            let race: Vec<_> = crate::core::race::network_race([0.0, 0.0])
                .into_iter()
                .map(|r| (r.kind, r.hyper))
                .collect();
            match landscape.fit_network(&spec, &race) {
                Ok(()) => fresh,
                Err(e) => {
                    network.error = Some(e);
                    None
                }
            }
        }
        Pick::Preset(preset) => match apply_preset(preset, landscape) {
            Ok(_) => {
                *edit = FormulaEdit::new(preset.formula);
                Some(preset.view)
            }
            Err(e) => {
                edit.error = Some(e);
                None
            }
        },
        Pick::Data(b) => {
            let source = DataSource::Builtin {
                name: b.name.into(),
                seed: 0,
            };
            let spec = DataSpec {
                source,
                loss: None,
                axes: None,
            };
            match apply_data(spec, landscape) {
                Ok(()) => {
                    *edit = FormulaEdit::new(b.loss);
                    fresh
                }
                Err(e) => {
                    edit.error = Some(e);
                    None
                }
            }
        }
    }
}

/// A CSV file, the per-row loss over its columns and the two axes; true when it opened.
fn csv_ui(
    ui: &mut egui::Ui,
    csv: &mut CsvBox,
    dialog: &mut super::drop::Dialog,
    landscape: &mut Landscape,
) -> bool {
    let row = |ui: &mut egui::Ui, name: &str, text: &mut String, hint: &str| {
        ui.horizontal(|ui| {
            ui.label(name);
            ui.add(
                egui::TextEdit::singleline(text)
                    .hint_text(hint)
                    .desired_width(ui.available_width()),
            );
        });
    };
    row(
        ui,
        "file",
        &mut csv.path,
        "points.csv (a header row, then numbers)",
    );
    row(ui, "loss", &mut csv.loss, "per row, e.g. (w*x + b - y)^2");
    row(ui, "axes", &mut csv.axes, "w,b");
    let opened = ui
        .horizontal(|ui| {
            let open = ui.button("Open data").clicked() && open_csv(csv, landscape);
            dialog.button(ui, super::drop::Target::Data);
            open
        })
        .inner;
    if let Some(e) = &csv.error {
        ui.colored_label(super::ERROR_RED, e);
    }
    opened
}

/// Opens the box's file with its loss and axes; true when it opened. A refusal (with the
/// file, line and column of a bad cell) stays in the box, the landscape as it was.
pub fn open_csv(csv: &mut CsvBox, landscape: &mut Landscape) -> bool {
    let axes: Vec<&str> = csv.axes.split(',').map(str::trim).collect();
    let result = match <[&str; 2]>::try_from(axes) {
        Ok(axes) => apply_data(
            DataSpec {
                source: DataSource::Csv(csv.path.trim().into()),
                loss: Some(csv.loss.trim()),
                axes: Some(axes),
            },
            landscape,
        ),
        Err(_) => Err("the axes are two names, e.g. w,b".into()),
    };
    csv.error = result.err();
    csv.error.is_none()
}

/// The landscape menu (presets, then the built-in datasets); returns what was picked.
fn presets_ui(ui: &mut egui::Ui, landscape: &Landscape) -> Option<Pick> {
    let mut picked = None;
    let data = landscape
        .formula
        .data()
        .map(|d| format!("Data: {} ({} rows)", d.name, d.rows()));
    let network = landscape
        .formula
        .stage()
        .map(|s| format!("Network: {} ({})", s.spec.data_name(), s.net.text()));
    let current = match (&data, landscape.preset, &network) {
        (Some(d), ..) => d.as_str(),
        (None, Some(p), _) => p.title,
        (None, None, Some(n)) => n.as_str(),
        (None, None, None) => "Custom formula",
    };
    egui::ComboBox::from_id_salt("preset")
        .selected_text(current)
        .width(ui.available_width())
        .show_ui(ui, |ui| {
            for preset in PRESETS {
                let selected = landscape.preset.is_some_and(|p| p.name == preset.name);
                if ui
                    .selectable_label(selected, preset.title)
                    .on_hover_text(preset.teaches)
                    .clicked()
                {
                    picked = Some(Pick::Preset(preset));
                }
            }
            ui.separator();
            for b in &builtin::BUILTINS {
                let selected = landscape
                    .data
                    .as_ref()
                    .and_then(|d| d.builtin())
                    .is_some_and(|x| x.name == b.name);
                if ui
                    .selectable_label(selected, format!("Data: {} ({} rows)", b.name, b.rows))
                    .on_hover_text(b.teaches)
                    .clicked()
                {
                    picked = Some(Pick::Data(b));
                }
            }
            ui.separator();
            picked = super::network::menu_ui(ui, landscape)
                .map(Pick::Network)
                .or(picked.take());
        });
    picked
}

pub(super) fn formula_ui(ui: &mut egui::Ui, edit: &mut FormulaEdit, landscape: &mut Landscape) {
    match landscape.formula.data() {
        Some(d) => {
            let [a, b] = landscape.formula.axes();
            ui.label(format!("loss per row, as a function of {a}, {b} ="))
                .on_hover_text(format!(
                    "f({a}, {b}) is this loss averaged over the {} rows; columns: {}",
                    d.rows(),
                    d.columns.join(", ")
                ));
        }
        None => {
            ui.label("f(x, y) =");
        }
    }
    let output = egui::TextEdit::singleline(&mut edit.text)
        .font(egui::TextStyle::Monospace)
        .desired_width(f32::INFINITY)
        .show(ui);
    let response = &output.response.response;
    if response.changed() {
        // Live validation while typing; the surface changes on Enter.
        edit.validate();
    }
    if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        match apply_formula(&edit.text, landscape) {
            Ok(()) => (edit.error, edit.column) = (None, None),
            Err(e) => edit.error = Some(e),
        }
    }
    if let Some(column) = edit.column {
        // A red underline under the character the error names (or just past the end).
        let galley = &output.galley;
        let at = |c: usize| galley.pos_from_cursor(egui::text::CCursor::new(c));
        let (a, b) = (at(column - 1), at(column));
        let width = (b.min.x - a.min.x).max(7.0);
        let y = output.galley_pos.y + a.max.y + 1.0;
        let x = output.galley_pos.x + a.min.x;
        let clip = output.text_clip_rect;
        if clip.x_range().contains(x) {
            ui.painter().with_clip_rect(clip.expand(3.0)).line_segment(
                [egui::pos2(x, y), egui::pos2(x + width, y)],
                egui::Stroke::new(2.0, super::ERROR_RED),
            );
        }
    }
    match &edit.error {
        Some(e) => ui.colored_label(super::ERROR_RED, e),
        None => ui.label(
            egui::RichText::new("Enter rebuilds the surface")
                .small()
                .weak(),
        ),
    };
}

/// A slider per named parameter; a change rebuilds the surface at once.
fn params_ui(ui: &mut egui::Ui, landscape: &mut Landscape) {
    let params: Vec<(String, f64)> = landscape
        .formula
        .params()
        .iter()
        .map(|p| p.name.clone())
        .zip(landscape.formula.param_values().iter().copied())
        .collect();
    for (name, mut value) in params {
        let range = -10.0f64.max(value.abs() * -4.0)..=10.0f64.max(value.abs() * 4.0);
        let slider = egui::Slider::new(&mut value, range)
            .text(&name)
            .clamping(egui::SliderClamping::Never);
        if ui.add(slider).changed() && value.is_finite() {
            landscape.formula.set_param(&name, value);
            landscape.changed_math();
        }
    }
}

/// Colormap, contours, grid and floor: the shader's settings.
pub fn look_ui(ui: &mut egui::Ui, look: &mut Look) {
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("colormap")
            .selected_text(look.colormap.label())
            .show_ui(ui, |ui| {
                for c in Colormap::ALL {
                    ui.selectable_value(&mut look.colormap, c, c.label());
                }
            });
        ui.checkbox(&mut look.grid, "grid");
        ui.checkbox(&mut look.floor, "floor")
            .on_hover_text("The contours projected on a floor under the surface");
    });
    ui.add(egui::Slider::new(&mut look.contours, 0..=60).text("contours"));
}

fn domain_ui(ui: &mut egui::Ui, landscape: &mut Landscape) {
    let d = landscape.domain;
    let (mut x, mut y) = (d.x, d.y);
    let speed = 0.01 * d.width().max(d.height());
    let mut changed = false;
    egui::Grid::new("domain grid")
        .num_columns(3)
        .show(ui, |ui| {
            for (name, v) in [("x", &mut x), ("y", &mut y)] {
                ui.label(name);
                changed |= ui
                    .add(egui::DragValue::new(&mut v[0]).speed(speed))
                    .changed();
                changed |= ui
                    .add(egui::DragValue::new(&mut v[1]).speed(speed))
                    .changed();
                ui.end_row();
            }
        });
    if changed && let Err(e) = apply_domain(Domain::new(x[0], x[1], y[0], y[1]), landscape) {
        ui.colored_label(super::ERROR_RED, e);
    }
}

fn display_ui(ui: &mut egui::Ui, landscape: &mut Landscape) {
    let mut res = landscape.resolution;
    egui::ComboBox::from_label("grid resolution")
        .selected_text(format!("{res} × {res}"))
        .show_ui(ui, |ui| {
            for r in RESOLUTIONS {
                ui.selectable_value(&mut res, r, format!("{r} × {r}"));
            }
        });
    let mut scale = landscape.z_scale;
    ui.horizontal(|ui| {
        ui.label("height");
        ui.selectable_value(&mut scale, ZScale::Linear, "linear");
        ui.selectable_value(&mut scale, ZScale::Log, "log")
            .on_hover_text("ln(1 + f − min f): for landscapes with huge walls");
    });
    let mut vertical = landscape.vertical_scale;
    ui.add(
        egui::Slider::new(&mut vertical, 0.1..=4.0)
            .logarithmic(true)
            .text("vertical scale"),
    );
    if (res, scale, vertical)
        != (
            landscape.resolution,
            landscape.z_scale,
            landscape.vertical_scale,
        )
    {
        landscape.resolution = res;
        landscape.z_scale = scale;
        landscape.vertical_scale = vertical;
        landscape.generation += 1;
    }
}
