//! The side panel and the keyboard: landscape, race, plots, inspector, view and presentation.
//! Each section lives in its own file as plain functions over plain data.

mod boundary;
mod data;
mod drop;
mod inspector;
mod keys;
mod landscape;
mod lesson;
mod network;
mod plots;
mod present;
mod race;
mod scene;
mod sweep;

use super::arrows::Arrows;
use super::axes::ShowAxes;
use super::camera::{PanelWidth, TopDown};
use super::landscape::Landscape as LandscapeRes;
use super::markers::Markers;
use super::racers::{AddRacer, NewRace, Racer, RemoveRacer, Restart, Sim, Trail};
use super::scene::{OpenScene, SceneDesk, SceneName, SceneRequest};
use super::sets::{AppSet, StartSet};
use super::surface::Look;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use bevy_panorbit_camera::PanOrbitCamera;

use landscape::FormulaEdit;
use present::Presentation;

pub const ERROR_RED: egui::Color32 = egui::Color32::from_rgb(255, 110, 100);

/// What the panel remembers between frames.
#[derive(Resource, Default)]
pub struct PanelState {
    /// The racer the inspector shows.
    pub selected: Option<Entity>,
    /// The racer the pointer is over in the table.
    pub hovered: Option<Entity>,
    pub plot: plots::PlotSettings,
    /// The "your data" box.
    pub csv: landscape::CsvBox,
    /// The Network box (on a network landscape).
    pub network: network::NetworkBox,
    /// The system's file dialog, while one is open.
    pub dialog: drop::Dialog,
    /// The data view's model, made for this dataset and model formula.
    model: Option<(crate::core::data::Shared, data::Model)>,
    /// The Lesson section's fields.
    authoring: lesson::Authoring,
}

pub(super) fn plugin(ui_scale: f32, present: bool) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Presentation {
            ui_scale,
            panel: !present,
            ..Presentation::default()
        })
        .init_resource::<PanelState>()
        .add_plugins((keys::plugin, drop::plugin))
        .add_systems(Startup, init_edit.in_set(StartSet::Spawn))
        .add_systems(
            Update,
            (
                panel_key
                    .in_set(AppSet::Input)
                    .run_if(super::sets::keys_free),
                screenshot_key.in_set(AppSet::Input),
                follow_scene.after(AppSet::Input),
                title,
            ),
        )
        .add_systems(EguiPrimaryContextPass, (math_fonts, look, panel_ui).chain());
    }
}

fn init_edit(mut commands: Commands, landscape: Res<LandscapeRes>) {
    commands.insert_resource(FormulaEdit::new(landscape.formula.source()));
}

/// A scene opened: the formula box shows its formula and the inspector forgets the old racer.
fn follow_scene(
    mut opened: MessageReader<OpenScene>,
    landscape: Res<LandscapeRes>,
    mut edit: ResMut<FormulaEdit>,
    mut state: ResMut<PanelState>,
) {
    if opened.read().last().is_some() {
        *edit = FormulaEdit::new(landscape.formula.source());
        state.selected = None;
    }
}

/// egui's default fonts lack the math the panel writes (∇, ∂, √, ←); DejaVu fills the gaps.
fn math_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if *done {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    for (name, data, family) in [
        (
            "DejaVu Sans",
            &include_bytes!("../../assets/fonts/DejaVuSans.ttf")[..],
            egui::FontFamily::Proportional,
        ),
        (
            "DejaVu Sans Mono",
            &include_bytes!("../../assets/fonts/DejaVuSansMono.ttf")[..],
            egui::FontFamily::Monospace,
        ),
    ] {
        ctx.add_font(egui::epaint::text::FontInsert::new(
            name,
            egui::FontData::from_static(data),
            vec![egui::epaint::text::InsertFontFamily {
                family,
                priority: egui::epaint::text::FontPriority::Lowest,
            }],
        ));
    }
    *done = true;
    Ok(())
}

/// UI scale and theme, applied when they change.
fn look(
    mut contexts: EguiContexts,
    p: Res<Presentation>,
    mut applied: Local<Option<bool>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if ctx.zoom_factor() != p.ui_scale {
        ctx.set_zoom_factor(p.ui_scale);
    }
    if *applied != Some(p.high_contrast) {
        ctx.set_visuals(present::visuals(p.high_contrast));
        *applied = Some(p.high_contrast);
    }
    Ok(())
}

/// The window title names what is on screen.
fn title(
    landscape: Res<LandscapeRes>,
    scene: Res<SceneName>,
    mut window: Single<&mut Window, With<PrimaryWindow>>,
) {
    if !landscape.is_changed() {
        return;
    }
    let name = match (scene.current(&landscape), landscape.preset) {
        (Some(name), _) => name.to_string(),
        (_, Some(p)) => p.title.to_string(),
        _ => format!("f = {}", landscape.formula.source()),
    };
    let title = format!("gradscape — {name}");
    if window.title != title {
        window.title = title;
    }
}

/// H shows or hides the panel (presentation). The race, the arrows and the camera each
/// handle their keys in their own plugin.
fn panel_key(keys: Res<ButtonInput<KeyCode>>, mut presentation: ResMut<Presentation>) {
    if keys.just_pressed(KeyCode::KeyH) {
        presentation.panel = !presentation.panel;
    }
}

/// F12 saves a screenshot, even while typing.
fn screenshot_key(keys: Res<ButtonInput<KeyCode>>, mut commands: Commands) {
    if keys.just_pressed(KeyCode::F12) {
        screenshot(&mut commands);
    }
}

/// Saves the window to a timestamped PNG in the working directory.
fn screenshot(commands: &mut Commands) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let name = scene::screenshot_name(now);
    info!("screenshot: {name}");
    commands
        .spawn(bevy::render::view::screenshot::Screenshot::primary_window())
        .observe(bevy::render::view::screenshot::save_to_disk(name));
}

/// Everything the panel reads and edits.
#[derive(SystemParam)]
struct Panel<'w, 's> {
    commands: Commands<'w, 's>,
    landscape: ResMut<'w, LandscapeRes>,
    edit: ResMut<'w, FormulaEdit>,
    sim: ResMut<'w, Sim>,
    restart: MessageWriter<'w, Restart>,
    new_race: MessageWriter<'w, NewRace>,
    add_racer: MessageWriter<'w, AddRacer>,
    remove_racer: MessageWriter<'w, RemoveRacer>,
    racers: Query<
        'w,
        's,
        (
            Entity,
            &'static mut Racer,
            &'static mut Visibility,
            &'static Trail,
        ),
    >,
    arrows: ResMut<'w, Arrows>,
    markers: ResMut<'w, Markers>,
    presentation: ResMut<'w, Presentation>,
    state: ResMut<'w, PanelState>,
    width: ResMut<'w, PanelWidth>,
    camera: Single<'w, 's, &'static mut PanOrbitCamera>,
    look: ResMut<'w, Look>,
    top_down: ResMut<'w, TopDown>,
    axes: ResMut<'w, ShowAxes>,
    desk: ResMut<'w, SceneDesk>,
    ghost: ResMut<'w, super::ghost::Ghost>,
    basins: ResMut<'w, super::basins::BasinMap>,
    sweeps: ResMut<'w, super::sweeps::Sweeps>,
    rebuilding: Res<'w, super::landscape::Rebuilding>,
    open_scene: MessageWriter<'w, OpenScene>,
    scene_request: MessageWriter<'w, SceneRequest>,
    director: ResMut<'w, super::lesson::Director>,
    diagnostics: Option<Res<'w, bevy::diagnostic::DiagnosticsStore>>,
}

fn panel_ui(mut contexts: EguiContexts, mut p: Panel) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    // The lesson's caption, question and bar sit over the 3D view, right of the panel.
    let mut view = ctx.viewport_rect();
    view.min.x += p.width.0 / ctx.zoom_factor();
    lesson::overlay(&ctx, &p.director, view);
    if !p.presentation.panel {
        p.width.0 = 0.0;
        if p.presentation.overlay {
            let mut rows: Vec<(&Racer, bool)> = p
                .racers
                .iter()
                .map(|(_, r, v, _)| (r, *v != Visibility::Hidden))
                .collect();
            rows.sort_by_key(|(r, _)| r.slot);
            present::overlay_ui(&ctx, &rows);
        }
        return Ok(());
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let panel = egui::Panel::left("panel")
        .resizable(true)
        .default_size(340.0)
        .show_inside(&mut root, |ui| {
            // The plots keep the bottom of the panel whatever the window's size and however
            // many racers the table above lists; the sections scroll.
            egui::Panel::bottom("plots")
                .resizable(false)
                .show_inside(ui, |ui| plots_section(ui, &mut p));
            egui::ScrollArea::vertical().show(ui, |ui| sections(ui, &mut p));
        });
    // Physical layout is in logical pixels; egui's points are those divided by the zoom.
    p.width.0 = panel.response.rect.width() * ctx.zoom_factor();
    data_window(&ctx, &mut p);
    boundary_window(&ctx, &mut p);
    Ok(())
}

fn plots_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Plots")
        .default_open(true)
        .show(ui, |ui| {
            let mut rows: Vec<_> = p
                .racers
                .iter()
                .filter(|(_, _, v, _)| **v != Visibility::Hidden)
                .collect();
            rows.sort_by_key(|(_, r, ..)| r.slot);
            let series: Vec<_> = rows
                .iter()
                .map(|(_, r, _, t)| (&**r, &t.points[..]))
                .collect();
            let ground = match (p.landscape.data.is_some(), p.landscape.formula.stage()) {
                (_, Some(_)) => plots::Ground::Network,
                (true, None) => plots::Ground::Data,
                (false, None) => plots::Ground::Formula,
            };
            // A race by evaluations is plotted against them: a CMA-ES generation of 100
            // points and a gradient step then sit where their costs put them.
            p.state.plot.by_evals = p.sim.by_evals;
            let stage = p.landscape.formula.stage().map(|s| &**s);
            plots::plots_ui(
                ui,
                &mut p.state.plot,
                &series,
                &p.markers.points,
                ground,
                stage,
            );
        });
}

fn sections(ui: &mut egui::Ui, p: &mut Panel) {
    ui.add_space(6.0);
    ui.heading("gradscape");
    landscape_section(ui, p);
    race_section(ui, p);
    scene_section(ui, p);
    lesson_section(ui, p);
    inspector_section(ui, p);
    learning_rates_section(ui, p);
    view_section(ui, p);
}

/// The first racer's learning-rate sweep and phase diagram; a click sets its rate there.
fn learning_rates_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Learning rates")
        .default_open(p.sweeps.shown)
        .show(ui, |ui| {
            let mut rows: Vec<_> = p.racers.iter_mut().collect();
            rows.sort_by_key(|(_, r, ..)| r.slot);
            let lead = rows.into_iter().next().map(|(_, r, ..)| r);
            let pick = sweep::sweep_ui(ui, &mut p.sweeps, lead.as_deref());
            if let (Some((lr, second)), Some(mut racer)) = (pick, lead) {
                let mut h = racer.run.optimizer.hyper.clone();
                h.lr = lr;
                if let Some((field, v)) = second {
                    field.set(&mut h, v).ok();
                }
                // A refused value (out of range) leaves the racer as it was.
                if race::apply_hyper(&mut racer.run, h).is_ok() {
                    p.restart.write(Restart(None));
                }
            }
        });
}

/// Presets, the formula, its parameters, the look and the domain.
fn landscape_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Landscape")
        .default_open(true)
        .show(ui, |ui| {
            let lineup = super::racers::lineup(p.racers.iter().map(|(_, r, ..)| r));
            let first = p.racers.iter().map(|(_, r, ..)| r).min_by_key(|r| r.slot);
            let state = &mut *p.state;
            let boxes = landscape::Boxes {
                edit: &mut p.edit,
                look: &mut p.look,
                csv: &mut state.csv,
                network: &mut state.network,
                dialog: &mut state.dialog,
            };
            let first_step = first.map(|r| r.run.steps);
            let actions = landscape::landscape_ui(ui, &mut p.landscape, boxes, &lineup, first_step);
            if p.rebuilding.busy() && p.landscape.formula.averages() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(egui::RichText::new("building the surface…").small().weak());
                });
            }
            if let Some(view) = actions.preset_view {
                new_landscape(&p.landscape, view, &mut p.new_race, Some(&mut p.camera));
            }
        });
}

/// A preset or dataset was picked: it comes with its own race (the racers of the last
/// landscape, at their rates, may mean nothing, or an explosion, here) and view.
fn new_landscape(
    landscape: &LandscapeRes,
    view: [f64; 2],
    new_race: &mut MessageWriter<NewRace>,
    camera: Option<&mut PanOrbitCamera>,
) {
    new_race.write(NewRace(super::racers::default_race(landscape)));
    if let Some(camera) = camera {
        super::camera::aim(camera, view);
    }
}

/// Play controls, line-ups and the racer table.
fn race_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Race")
        .default_open(true)
        .show(ui, |ui| {
            let fps = p.diagnostics.as_ref().and_then(|d| {
                d.get(&bevy::diagnostic::FrameTimeDiagnosticsPlugin::FPS)?
                    .smoothed()
            });
            race::controls_ui(ui, &mut p.sim, &mut p.restart, fps);
            let mut rows: Vec<_> = p.racers.iter_mut().collect();
            rows.sort_by_key(|(_, r, ..)| r.slot);
            race::lineup_ui(
                ui,
                &p.landscape,
                rows.first().map(|(_, r, ..)| &**r),
                &mut p.new_race,
            );
            ui.separator();
            let mut table: Vec<_> = rows.into_iter().map(|(e, r, v, _)| (e, r, v)).collect();
            let actions = race::table_ui(ui, &mut table, p.state.selected, &p.landscape);
            if let Some(spec) = actions.add {
                p.add_racer.write(AddRacer(spec));
            }
            if let Some(e) = actions.duplicate
                && let Some((_, r, _)) = table.iter().find(|(x, ..)| *x == e)
            {
                p.add_racer.write(AddRacer(race::duplicate(r)));
            }
            if let Some(e) = actions.remove {
                p.remove_racer.write(RemoveRacer(e));
                if p.state.selected == Some(e) {
                    p.state.selected = None;
                }
            }
            if let Some(e) = actions.select {
                p.state.selected = Some(e);
            }
            p.state.hovered = actions.hovered;
        });
}

/// A data landscape's rows and every racer's model, in a window at the top right of the view
/// (the panel has no room left for a plot this size).
fn data_window(ctx: &egui::Context, p: &mut Panel) {
    let Some(rows) = p.landscape.formula.data().cloned() else {
        return;
    };
    let source = crate::core::data::builtin::model_for(p.landscape.formula.source());
    let stale = p
        .state
        .model
        .as_ref()
        .is_none_or(|(d, m)| !std::sync::Arc::ptr_eq(d, &rows) || Some(m.source()) != source);
    if stale {
        let axes = p.landscape.formula.axes();
        p.state.model = source
            .and_then(|s| data::Model::new(s, axes, &rows))
            .map(|m| (rows.clone(), m));
    }
    egui::Window::new(format!("Data: {}", rows.name))
        .anchor(egui::Align2::RIGHT_TOP, [-10.0, 10.0])
        .default_width(340.0)
        .resizable(false)
        .collapsible(true)
        .show(ctx, |ui| {
            let mut racers: Vec<&Racer> = p
                .racers
                .iter()
                .filter(|(_, _, v, _)| **v != Visibility::Hidden)
                .map(|(_, r, ..)| r)
                .collect();
            racers.sort_by_key(|r| r.slot);
            let focus = p.state.hovered.or(p.state.selected);
            let highlight = focus
                .and_then(|e| p.racers.get(e).ok())
                .map(|(_, r, ..)| r.slot);
            let model = p.state.model.as_ref().map(|(_, m)| m);
            data::data_ui(ui, &rows, model, &racers, highlight);
        });
}

/// A network landscape's decision boundary: the rows and what the hovered, selected or first
/// racer's network says over their plane, at the top right of the view.
fn boundary_window(ctx: &egui::Context, p: &mut Panel) {
    let Some(stage) = p.landscape.formula.stage().cloned() else {
        return;
    };
    let focus = p.state.hovered.or(p.state.selected);
    let mut shown: Vec<&Racer> = p.racers.iter().map(|(_, r, ..)| r).collect();
    shown.sort_by_key(|r| r.slot);
    let racer = focus
        .and_then(|e| p.racers.get(e).ok())
        .map(|(_, r, ..)| r)
        .or(shown.first().copied());
    let Some(racer) = racer else {
        return;
    };
    let title = egui::RichText::new(format!("Decision boundary · {}", racer.label))
        .color(race::colour32(racer.color));
    egui::Window::new(title)
        .id(egui::Id::new("decision boundary"))
        .anchor(egui::Align2::RIGHT_TOP, [-10.0, 10.0])
        .resizable(false)
        .collapsible(true)
        .show(ctx, |ui| {
            boundary::boundary_ui(ui, &stage, racer, 220.0);
            let accuracy = racer
                .learner
                .as_ref()
                .and_then(|l| l.standing.accuracy)
                .map_or(String::new(), |a| format!(" · {:.1}% right", 100.0 * a));
            ui.label(
                egui::RichText::new(format!(
                    "{} rows of {}{accuracy}; click a racer to see its network",
                    stage.rows.len(),
                    stage.spec.data_name()
                ))
                .small()
                .weak(),
            );
        });
}

/// Save, open and record scenes.
fn scene_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Scene")
        .default_open(false)
        .open(std::mem::take(&mut p.desk.reveal).then_some(true))
        .show(ui, |ui| {
            let dialog = &mut p.state.dialog;
            scene::scene_ui(
                ui,
                &mut p.desk,
                dialog,
                &mut p.open_scene,
                &mut p.scene_request,
            );
        });
}

/// The lesson: where it is, and writing its beats.
fn lesson_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Lesson")
        .default_open(p.director.lesson.is_some())
        .show(ui, |ui| {
            let here = here(p);
            lesson::lesson_ui(ui, &mut p.director, &mut p.state.authoring, &here);
        });
}

/// The stage as "add a beat here" records it.
fn here(p: &Panel) -> lesson::Here {
    let c = &*p.camera;
    let f = &p.landscape.formula;
    let mut racers: Vec<(usize, bool)> = p
        .racers
        .iter()
        .map(|(_, r, v, _)| (r.slot + 1, *v != Visibility::Hidden))
        .collect();
    racers.sort();
    lesson::Here {
        camera: (
            [
                f64::from(c.target_yaw.to_degrees()),
                f64::from(c.target_pitch.to_degrees()),
                f64::from(c.target_radius),
            ],
            c.target_focus.to_array().map(f64::from),
        ),
        params: f.named_values().map(|(n, v)| (n.to_string(), v)).collect(),
        racers,
        arrows: p.arrows.any(),
        markers: p.markers.visible,
        basins: p.basins.shown,
    }
}

/// One racer's point, curvature and last update; step by step.
fn inspector_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("Inspector")
        .default_open(true)
        .show(ui, |ui| {
            // The chosen racer, else the first: a teacher sees numbers without hunting.
            let selected = p
                .state
                .selected
                .and_then(|e| p.racers.get(e).ok())
                .or_else(|| p.racers.iter().min_by_key(|(_, r, ..)| r.slot));
            inspector::inspector_ui(ui, selected.map(|(_, r, ..)| r), &p.landscape.formula);
            if ui
                .button("Step by step")
                .on_hover_text(
                    "Pause, show the arrows, and take one step: the inspector explains it",
                )
                .clicked()
            {
                if p.state.selected.is_none() {
                    p.state.selected = p
                        .racers
                        .iter()
                        .min_by_key(|(_, r, ..)| r.slot)
                        .map(|(e, ..)| e);
                }
                p.arrows.gradient = true;
                p.arrows.velocity = true;
                p.arrows.update = true;
                p.sim.step_once();
            }
        });
}

/// The 2D view, axes, arrows, markers and presentation settings.
/// The basin map's switch, and how far its refinement has got.
fn basins_ui(ui: &mut egui::Ui, map: &mut super::basins::BasinMap) {
    ui.checkbox(&mut map.shown, "Basin map (B): where each start ends")
        .on_hover_text(
            "The first racer's optimizer from every start of a grid: each start coloured by \
             the stationary point it reaches (its marker's colour), brighter the faster; grey \
             diverged, dark not settled in 1,000 steps",
        );
    if let (true, Some((side, done))) = (map.shown, map.progress()) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("mapping {side}² starts: {:.0}%", 100.0 * done));
        });
    }
}

fn view_section(ui: &mut egui::Ui, p: &mut Panel) {
    egui::CollapsingHeader::new("View")
        .default_open(false)
        .show(ui, |ui| {
            ui.checkbox(&mut p.top_down.0, "2D contour view from above (T)");
            basins_ui(ui, &mut p.basins);
            ui.checkbox(&mut p.axes.0, "Axes and colour bar");
            if ui.button("📷 Screenshot (F12)").clicked() {
                screenshot(&mut p.commands);
            }
            arrows_ui(ui, &mut p.arrows);
            ui.checkbox(
                &mut p.markers.visible,
                "Critical points (minima, saddles, maxima)",
            );
            if p.landscape.data.is_some() {
                ui.checkbox(
                    &mut p.ghost.shown,
                    "Ghost: the current mini-batch's loss (G)",
                );
            }
            present::presentation_ui(ui, &mut p.presentation);
        });
    ui.add_space(8.0);
    ui.label(
        egui::RichText::new(
            "Click the surface: start there · Drag a start ring: move one racer\n\
             Drag: orbit · Right-drag: pan · Wheel: zoom · F: frame · T: 2D view\n\
             Space: play/pause · S: step · R: reset · C: clear trails\n\
             1–9: show/hide racer · A: arrows · B: basin map · G: mini-batch ghost\n\
             → / ←, Page Down / Up: a lesson's next / previous beat\n\
             H: hide panel · F12: screenshot",
        )
        .small()
        .weak(),
    );
}

fn arrows_ui(ui: &mut egui::Ui, arrows: &mut Arrows) {
    ui.horizontal(|ui| {
        ui.label("Arrows:");
        ui.checkbox(&mut arrows.gradient, "−α∇f");
        ui.checkbox(&mut arrows.velocity, "velocity");
        ui.checkbox(&mut arrows.update, "update");
    });
    if arrows.any() {
        ui.horizontal(|ui| {
            ui.checkbox(&mut arrows.auto, "auto length")
                .on_hover_text("Magnify by a power of ten so the longest arrow is visible");
            ui.add_enabled(
                !arrows.auto,
                egui::Slider::new(&mut arrows.scale, 1.0..=10_000.0)
                    .logarithmic(true)
                    .text("×"),
            );
        });
    }
}

/// Losses in the table and overlay: four significant digits, exponent form when tiny or huge.
pub fn format_loss(v: f64) -> String {
    crate::core::number::short(v, 4)
}

#[cfg(test)]
mod tests {
    use super::format_loss;
    use super::landscape::*;
    use crate::app::landscape::Landscape;
    use crate::core::expr::Formula;
    use crate::core::presets::{self, ZScale};

    fn landscape() -> Landscape {
        let p = presets::find("two-wells").unwrap();
        Landscape {
            formula: Formula::parse(p.formula).unwrap(),
            domain: p.domain,
            z_scale: p.z_scale,
            resolution: 64,
            density: Default::default(),
            vertical_scale: 1.0,
            preset: Some(p),
            data: None,
            generation: 0,
            revision: 0,
        }
    }

    #[test]
    fn a_preset_sets_formula_parameters_domain_scale_and_start_in_one_go() {
        let mut l = landscape();
        let p = presets::find("ill-conditioned").unwrap();
        let start = apply_preset(p, &mut l).unwrap();
        assert_eq!(l.formula.source(), p.formula);
        assert_eq!(l.formula.param_values(), [20.0]);
        assert_eq!(
            (l.domain, l.z_scale, l.generation),
            (p.domain, ZScale::Linear, 1)
        );
        assert_eq!(start, p.starts[0]);
        let rosen = presets::find("rosenbrock").unwrap();
        apply_preset(rosen, &mut l).unwrap();
        assert_eq!((l.z_scale, l.generation), (ZScale::Log, 2));
    }

    #[test]
    fn a_bad_csv_is_refused_with_its_line_and_column_and_the_landscape_stays() {
        use crate::core::landscape::{DataSource, DataSpec};
        let dir = std::env::temp_dir().join(format!("gradscape-ui-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (bad, good) = (dir.join("bad.csv"), dir.join("good.csv"));
        std::fs::write(&bad, "x,y\n1,2\n2,\n").unwrap();
        std::fs::write(&good, "x,y\n0,1\n1,3\n").unwrap();
        let spec = |path: &std::path::Path| DataSpec {
            source: DataSource::Csv(path.to_path_buf()),
            loss: Some("(w*x + b - y)^2"),
            axes: Some(["w", "b"]),
        };
        let mut l = landscape();
        let before = (l.formula.clone(), l.generation);
        let err = apply_data(spec(&bad), &mut l).unwrap_err();
        assert_eq!(
            err,
            format!("{}:3: column 2 ('y'): the cell is empty", bad.display())
        );
        assert_eq!((l.formula.clone(), l.generation), before);
        apply_data(spec(&good), &mut l).unwrap();
        // Two rows on y = 2x + 1: the fit is exact.
        assert_eq!(l.formula.value([2.0, 1.0]), 0.0);
        assert!(l.data.is_some() && l.preset.is_none() && l.generation == 1);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_broken_formula_keeps_the_last_good_surface() {
        let mut l = landscape();
        let before = l.formula.clone();
        let err = apply_formula("x^2 + (y", &mut l).unwrap_err();
        assert_eq!(err, "missing 1 closing ')' at column 9");
        assert_eq!((l.formula.clone(), l.generation), (before, 0));
        apply_formula("a*x^2 + y^2", &mut l).unwrap();
        assert_eq!(
            (l.formula.source(), l.generation, l.preset.is_none()),
            ("a*x^2 + y^2", 1, true)
        );
    }

    #[test]
    fn a_custom_formulas_default_start_is_never_in_a_hole() {
        let mut l = landscape();
        apply_formula("ln(x) + 0.3*y^2", &mut l).unwrap();
        l.domain = "-1,3,-2,2".parse().unwrap();
        let s = l.default_start();
        assert!(l.formula.value(s).is_finite(), "{s:?}");
        // The nearest defined point to (−0.4, 1.4): just right of x = 0, same height.
        assert!(
            s[0] > 0.0 && s[0] < 0.2 && (s[1] - 1.4).abs() < 0.1,
            "{s:?}"
        );
        apply_formula("x^2 + y^2", &mut l).unwrap();
        assert_eq!(l.default_start(), [-0.4, 1.4]);
    }

    #[test]
    fn edited_formulas_keep_parameter_values_by_name() {
        let mut l = landscape();
        apply_formula("a*x^2 + b*y^2", &mut l).unwrap();
        l.formula.set_param("a", 5.0);
        apply_formula("a*x^2 + c*y^2", &mut l).unwrap();
        assert_eq!(l.formula.param_values(), [5.0, 1.0]);
    }

    #[test]
    fn losses_are_formatted_compactly() {
        assert_eq!(format_loss(-0.36952348), "-0.3695");
        assert_eq!(format_loss(1.6e23), "1.600e23");
        assert_eq!(format_loss(2.5e-7), "2.500e-7");
        assert_eq!(format_loss(f64::NAN), "NaN");
    }
}
