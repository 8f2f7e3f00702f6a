//! The race section: play controls, line-ups, and the racer table with every hyperparameter.

use crate::app::landscape::Landscape;
use crate::app::racers::{NewRace, Racer, Restart, SPEEDS, Sim, default_race};
use crate::core::data::is_full_batch;
use crate::core::optim::run::{Run, Status};
use crate::core::optim::schedule::{self, Schedule};
use crate::core::optim::{Field, Hyper, HyperError, Kind, Optimizer, Widget};
use crate::core::race::{self, Lineup, RacerSpec};
use bevy::prelude::*;
use bevy_egui::egui;

/// What the table asked for this frame: racers to add or take out (sent to the race), and the
/// racer to inspect.
#[derive(Default)]
pub struct TableActions {
    pub add: Option<RacerSpec>,
    pub duplicate: Option<Entity>,
    pub remove: Option<Entity>,
    pub select: Option<Entity>,
    /// The racer whose name the pointer is over (its model is highlighted in the data view).
    pub hovered: Option<Entity>,
}

/// Play, step and reset; the speed; and the frame rate the machine draws at (`fps`), so a
/// slow machine says so.
pub fn controls_ui(
    ui: &mut egui::Ui,
    sim: &mut Sim,
    restart: &mut MessageWriter<Restart>,
    fps: Option<f64>,
) {
    ui.horizontal(|ui| {
        let play = if sim.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(play).on_hover_text("Space").clicked() {
            sim.playing = !sim.playing;
        }
        if ui
            .button("Step")
            .on_hover_text("One optimizer step (S or →)")
            .clicked()
        {
            sim.step_once();
        }
        if ui.button("⟲ Reset").on_hover_text("R").clicked() {
            restart.write(Restart(None));
        }
        if let Some(fps) = fps.filter(|f| f.is_finite()) {
            ui.label(
                egui::RichText::new(format!("{fps:.0} frames/s"))
                    .small()
                    .weak(),
            )
            .on_hover_text(
                "How often the view is drawn here. The race keeps its steps per second of \
                     wall time at any frame rate down to 1 a second.",
            );
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::Slider::new(&mut sim.steps_per_second, SPEEDS)
                .logarithmic(true)
                .text("steps / s"),
        );
        ui.checkbox(&mut sim.by_evals, "by evaluations")
            .on_hover_text(
                "A fair race: every racer spends the same number of evaluations of f per tick \
             (a gradient step costs 4, a Newton step 9, a Nelder–Mead step 1 to 3, annealing 1, \
             a population one per point)",
            );
    });
}

/// The line-up menu: replaces the racers with the one picked.
pub fn lineup_ui(
    ui: &mut egui::Ui,
    landscape: &Landscape,
    first: Option<&Racer>,
    new_race: &mut MessageWriter<NewRace>,
) {
    ui.horizontal(|ui| {
        ui.label("Line-up");
        egui::ComboBox::from_id_salt("lineup")
            .selected_text("New race…")
            .width(ui.available_width())
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(false, "The landscape's own race")
                    .clicked()
                {
                    new_race.write(NewRace(default_race(landscape)));
                }
                for lineup in Lineup::ALL {
                    if ui.selectable_label(false, lineup.label()).clicked() {
                        // From where the first racer starts; the ring repeats its optimizer.
                        let start = first.map_or(landscape.default_start(), |r| r.run.start);
                        let (kind, hyper) = first.map_or((Kind::Adam, Hyper::default()), |r| {
                            (r.run.optimizer.kind, r.run.optimizer.hyper.clone())
                        });
                        new_race.write(NewRace(race::lineup(
                            lineup,
                            &landscape.formula,
                            landscape.domain,
                            start,
                            (kind, &hyper),
                        )));
                    }
                }
            });
    });
}

/// A new racer of `kind` with a learning rate fitted to the landscape.
pub fn added(kind: Kind, landscape: &Landscape, start: [f64; 2]) -> RacerSpec {
    if let Some(stage) = landscape.formula.stage() {
        return RacerSpec::new(kind, race::network_hyper(kind, stage), start);
    }
    let lambda = race::curvature(&landscape.formula, landscape.domain, start);
    let size = landscape.domain.width().max(landscape.domain.height());
    let hyper = Hyper {
        lr: race::fitted_lr(kind, lambda, size),
        ..Hyper::defaults(kind)
    };
    RacerSpec::new(kind, hyper, start)
}

/// The same racer again, from the same start.
pub fn duplicate(racer: &Racer) -> RacerSpec {
    RacerSpec {
        label: format!("{} (copy)", racer.label),
        init_seed: racer.init_seed,
        ..RacerSpec::new(
            racer.run.optimizer.kind,
            racer.run.optimizer.hyper.clone(),
            racer.run.start,
        )
    }
}

/// Switches a racer to another optimizer where it stands: that optimizer's defaults, with the
/// learning rate (where it means a step either way), schedule and seed kept; fresh state (no
/// carried-over moments).
pub fn set_kind(run: &mut Run, kind: Kind) {
    let old = &run.optimizer.hyper;
    // A gradient step's α and a search's spread (σ₀, a swarm's radius) are different things.
    let same_meaning = run.optimizer.kind.uses_gradient() == kind.uses_gradient();
    let hyper = Hyper {
        lr: if same_meaning {
            old.lr
        } else {
            Hyper::defaults(kind).lr
        },
        seed: old.seed,
        schedule: old.schedule,
        ..Hyper::defaults(kind)
    };
    run.optimizer = Optimizer::new(kind, hyper);
}

/// Applies an edited copy of the hyperparameters if they are valid; the next step uses them.
/// A new seed restarts the noise stream (and the optimizer's state with it).
pub fn apply_hyper(run: &mut Run, edited: Hyper) -> Result<(), HyperError> {
    edited.validate_for(run.optimizer.kind)?;
    let reseed = edited.seed != run.optimizer.hyper.seed;
    run.optimizer.hyper = edited;
    if reseed {
        run.optimizer.reset();
    }
    Ok(())
}

pub use crate::app::labels::colour32;

/// The racer table: one line per racer (visibility, colour and name, step, loss, status,
/// copy, remove), so a six-racer race fits above the plots at 1280×720; the selected racer's
/// cost and settings open under it. A click on a name selects the racer (the inspector shows
/// it too).
pub fn table_ui<R, V>(
    ui: &mut egui::Ui,
    rows: &mut [(Entity, R, V)],
    selected: Option<Entity>,
    landscape: &Landscape,
) -> TableActions
where
    R: std::ops::DerefMut<Target = Racer>,
    V: std::ops::DerefMut<Target = Visibility>,
{
    let mut actions = TableActions::default();
    for (entity, racer, visibility) in rows.iter_mut() {
        let chosen = selected == Some(*entity);
        row_ui(ui, *entity, racer, visibility, chosen, &mut actions);
    }
    let any = !rows.is_empty();
    match rows.iter_mut().find(|(e, ..)| Some(*e) == selected) {
        Some((_, racer, _)) => {
            ui.separator();
            let title = egui::RichText::new(format!("settings · {}", racer.label))
                .color(colour32(racer.color));
            egui::CollapsingHeader::new(title)
                .id_salt("selected racer's settings")
                .default_open(true)
                .show(ui, |ui| {
                    let rows = landscape.formula.data().map(|d| d.rows());
                    progress_ui(ui, racer, rows);
                    let batches = landscape.data.is_some() || landscape.formula.stage().is_some();
                    settings_ui(ui, racer, batches);
                });
        }
        None if any => {
            ui.label(
                egui::RichText::new("Click a name for its settings")
                    .small()
                    .weak(),
            );
        }
        None => {}
    }
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("add racer")
            .selected_text("+ Add racer…")
            .show_ui(ui, |ui| {
                for kind in Kind::ALL {
                    if ui.selectable_label(false, kind.label()).clicked() {
                        let start = rows
                            .first()
                            .map_or(landscape.default_start(), |(_, r, _)| r.run.start);
                        actions.add = Some(added(kind, landscape, start));
                    }
                }
            });
    });
    actions
}

/// One racer's line: its name takes what the numbers and buttons on the right leave.
fn row_ui(
    ui: &mut egui::Ui,
    entity: Entity,
    racer: &Racer,
    visibility: &mut Visibility,
    chosen: bool,
    actions: &mut TableActions,
) {
    ui.horizontal(|ui| {
        let mut shown = *visibility != Visibility::Hidden;
        let key = if racer.slot < 9 {
            format!("Show or hide (key {})", racer.slot + 1)
        } else {
            "Show or hide".into()
        };
        if ui.checkbox(&mut shown, "").on_hover_text(key).changed() {
            *visibility = if shown {
                Visibility::Inherited
            } else {
                Visibility::Hidden
            };
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.small_button("✕").on_hover_text("Remove").clicked() {
                actions.remove = Some(entity);
            }
            if ui.small_button("copy").on_hover_text("Duplicate").clicked() {
                actions.duplicate = Some(entity);
            }
            let status = &racer.run.status;
            let (glyph, colour) = status_mark(status);
            ui.label(egui::RichText::new(glyph).color(colour))
                .on_hover_text(status.to_string());
            let mut numbers = format!(
                "{:>6} {:>9}",
                racer.run.steps,
                super::format_loss(racer.run.loss)
            );
            let mut hover = "steps taken, and f where it stands".to_string();
            if let Some(l) = &racer.learner {
                let share = l.standing.accuracy.map_or("—".into(), |a| format!("{:.0}%", 100.0 * a));
                numbers.push_str(&format!(" {share:>4}"));
                hover = format!(
                    "steps taken, the loss over every row, and the share of rows it classifies right; off the plane by ‖θ − θ_plane‖ = {}",
                    crate::core::number::short(l.at.off, 3)
                );
            }
            ui.monospace(numbers).on_hover_text(hover);
            let name = egui::RichText::new(&racer.label)
                .color(colour32(racer.color))
                .strong();
            // Left-aligned in the space left, cut with … where it does not fit.
            let left = egui::Layout::left_to_right(egui::Align::Center);
            let label = ui
                .with_layout(left, |ui| {
                    ui.add(egui::Button::selectable(chosen, name).truncate())
                })
                .inner
                .on_hover_text(format!("{}: inspect it, and its settings", racer.label));
            if label.clicked() {
                actions.select = Some(entity);
            }
            if label.hovered() {
                actions.hovered = Some(entity);
            }
        });
    });
}

/// A status as one mark in the table (its words on hover).
fn status_mark(status: &Status) -> (&'static str, egui::Color32) {
    let grey = egui::Color32::from_gray(160);
    match status {
        Status::Running => ("▸", grey),
        Status::Converged => ("✓", egui::Color32::from_rgb(120, 200, 120)),
        Status::StepLimit => ("■", grey),
        Status::Diverged(_) => ("✕", super::ERROR_RED),
        Status::Stalled(_) => ("—", egui::Color32::from_rgb(230, 190, 90)),
    }
}

/// Where the selected racer stands: its status in words, what it has cost, and on
/// mini-batches its epoch and the examples it has seen.
fn progress_ui(ui: &mut egui::Ui, racer: &Racer, data_rows: Option<usize>) {
    ui.label(racer.run.status.to_string());
    if let Some(l) = &racer.learner {
        return learner_ui(ui, l);
    }
    let o = &racer.run.optimizer;
    let mut cost = format!("{} evaluations of f", o.evals());
    if o.hyper.fd > 0.0 && o.kind.uses_gradient() {
        cost.push_str(" · finite differences");
    }
    if let Some((t, taken)) = o.temperature() {
        cost.push_str(&format!(
            " · T {} · {:.0}% of moves taken",
            crate::core::number::short(t, 3),
            100.0 * taken
        ));
    }
    if let Some(n) = o.population().map(<[_]>::len) {
        cost.push_str(&format!(" · {n} points a step"));
    }
    let batch = o.hyper.batch;
    if let Some(n) = data_rows.filter(|&n| batch > 0 && is_full_batch(batch, n)) {
        cost.push_str(&format!(" · batch {batch} ≥ {n} rows: the full batch"));
    }
    if let Some((epoch, seen)) = o.epochs() {
        cost.push_str(&format!(
            " · batch {} · epoch {epoch} · {seen} examples",
            o.hyper.batch
        ));
    }
    ui.label(egui::RichText::new(cost).small().weak())
        .on_hover_text(
            "A value counts 1, a gradient 4 (central differences in 2D), a Hessian 9; a population pays one per point",
        );
}

/// A network racer's cost and where it stands against the plane.
fn learner_ui(ui: &mut egui::Ui, l: &crate::core::net::stage::Learner) {
    let rows = l.training.rows.len();
    let mut cost = format!("{} rows through the network", l.training.evals);
    let batch = l.training.optimizer.hyper.batch;
    if batch > 0 && is_full_batch(batch, rows) {
        cost.push_str(&format!(" · batch {batch} ≥ {rows} rows: the full batch"));
    } else if batch > 0 {
        let epoch = l.steps * batch / rows as u64;
        cost.push_str(&format!(" · batch {batch} · epoch {epoch}"));
    }
    if let Some(seed) = l.init_seed {
        cost.push_str(&format!(" · its own start (init seed {seed})"));
    }
    ui.label(egui::RichText::new(cost).small().weak());
    let accuracy = l
        .standing
        .accuracy
        .map_or(String::new(), |a| format!(" · accuracy {:.1}%", 100.0 * a));
    ui.label(format!(
        "‖∇L‖ {}{accuracy} · off the plane by {}",
        crate::core::number::short(l.standing.grad_norm, 3),
        crate::core::number::short(l.at.off, 3)
    ))
    .on_hover_text(
        "The ball is where the network's parameters project onto the plane, at the height of its true loss; off the plane, the surface under it is another network's loss (the stalk shows the gap)",
    );
}

/// One racer's optimizer, colour and hyperparameters (on data, also where its gradients come
/// from: the batch size and the shuffle's seed). Returns whether anything changed.
pub fn settings_ui(ui: &mut egui::Ui, racer: &mut Racer, data: bool) -> bool {
    let mut changed = false;
    egui::Grid::new(("hyper", racer.slot, racer.label.as_str()))
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            ui.label("optimizer");
            let mut kind = racer.run.optimizer.kind;
            egui::ComboBox::from_id_salt(("kind", racer.slot))
                .selected_text(kind.label())
                .show_ui(ui, |ui| {
                    for k in Kind::ALL {
                        ui.selectable_value(&mut kind, k, k.label());
                    }
                });
            if kind != racer.run.optimizer.kind {
                set_kind(&mut racer.run, kind);
                changed = true;
            }
            ui.end_row();

            ui.label("colour");
            let mut rgb = racer.color.to_srgba().to_f32_array_no_alpha();
            if ui.color_edit_button_rgb(&mut rgb).changed() {
                racer.color = Color::srgb(rgb[0], rgb[1], rgb[2]);
                changed = true;
            }
            ui.end_row();

            let mut h = racer.run.optimizer.hyper.clone();
            let kind = racer.run.optimizer.kind;
            // A network's gradient is backpropagation's: no finite differences to choose.
            let network = racer.learner.is_some();
            let source = [Field::Batch, Field::Seed, Field::Fd]
                .into_iter()
                .filter(|f| !kind.fields().contains(f))
                .filter(|f| match f {
                    Field::Fd => kind.is_first_order() && !network,
                    _ => data,
                });
            for field in kind.fields().iter().copied().chain(source) {
                field_ui(ui, field, &mut h, kind);
                ui.end_row();
            }
            if h != racer.run.optimizer.hyper {
                // Widgets keep values in range; validation is the last word.
                if apply_hyper(&mut racer.run, h).is_ok() {
                    changed = true;
                }
            }
            if racer.learner.is_some() {
                changed |= init_seed_ui(ui, &mut racer.init_seed);
                ui.end_row();
            }
        });
    changed
}

/// A network racer's start: the shared θ₀, or weights of its own from a seed (the racer
/// starts over on a change).
fn init_seed_ui(ui: &mut egui::Ui, seed: &mut Option<u64>) -> bool {
    ui.label("start").on_hover_text(
        "Every racer starts from the network's shared initialisation θ₀, or from weights of its own (torch's nn.Linear initialisation from this seed), off the plane through θ₀",
    );
    let mut own = seed.is_some();
    let mut value = seed.unwrap_or(1);
    ui.horizontal(|ui| {
        ui.checkbox(&mut own, "its own, seed");
        ui.add_enabled(own, egui::DragValue::new(&mut value).range(0..=u32::MAX));
    });
    let wanted = own.then_some(value);
    let changed = wanted != *seed;
    *seed = wanted;
    changed
}

/// One hyperparameter's row, drawn from the core's table: name, hint and widget.
fn field_ui(ui: &mut egui::Ui, field: Field, h: &mut Hyper, kind: Kind) {
    ui.label(field.label(kind)).on_hover_text(field.tip());
    let mut v = field.get(h);
    let changed = match field.widget() {
        Widget::Linear { min, max } => ui
            .add(egui::Slider::new(&mut v, min..=max).max_decimals(4))
            .changed(),
        Widget::Log { min, max, smallest } => {
            // Enough decimals to show the smallest value the slider reaches.
            let decimals = 2 - smallest.log10() as i32;
            ui.add(
                egui::Slider::new(&mut v, min..=max)
                    .logarithmic(true)
                    .smallest_positive(smallest)
                    .max_decimals(decimals.max(4) as usize)
                    .clamping(egui::SliderClamping::Never),
            )
            .changed()
        }
        Widget::Switch(text) => {
            let mut on = v != 0.0;
            let changed = ui.checkbox(&mut on, text).changed();
            v = f64::from(u8::from(on));
            changed
        }
        Widget::Whole => ui
            .add(egui::DragValue::new(&mut v).speed(1.0).range(0.0..=9.0e15))
            .changed(),
        Widget::Text => {
            schedule_ui(ui, &mut h.schedule);
            false
        }
    };
    // The widgets keep values in their ranges; a refused value leaves the field as it was.
    if changed {
        field.set(h, v).ok();
    }
}

/// The schedule as text, applied when it parses and validates; errors show in place.
fn schedule_ui(ui: &mut egui::Ui, schedule: &mut Schedule) {
    let id = ui.id().with("schedule text");
    let mut text = ui
        .data_mut(|d| d.get_temp::<String>(id))
        .unwrap_or_else(|| schedule::text(schedule));
    ui.vertical(|ui| {
        let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(140.0));
        let parsed = text
            .parse::<Schedule>()
            .and_then(|s| s.validate().map(|_| s));
        match parsed {
            Ok(s) => {
                if response.changed() {
                    *schedule = s;
                }
            }
            Err(e) => {
                ui.colored_label(super::ERROR_RED, e.to_string());
            }
        }
        if response.has_focus() || parsed_differs(&text, schedule) {
            ui.data_mut(|d| d.insert_temp(id, text.clone()));
        } else {
            ui.data_mut(|d| d.remove::<String>(id));
        }
    });
}

fn parsed_differs(text: &str, schedule: &Schedule) -> bool {
    text.parse::<Schedule>().ok().as_ref() != Some(schedule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::racers::PALETTE;
    use crate::core::expr::Formula;
    use crate::core::optim::run::{Status, StopRules};
    use egui::accesskit::Role;
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn racer(kind: Kind, lr: f64, f: &Formula) -> Racer {
        let hyper = Hyper {
            lr,
            ..Hyper::defaults(kind)
        };
        Racer {
            run: Run::new(
                Optimizer::new(kind, hyper),
                [1.0, 1.0],
                StopRules::default(),
                f,
            ),
            color: PALETTE[0],
            label: kind.label().into(),
            slot: 0,
            learner: None,
            init_seed: None,
        }
    }

    /// The table as the panel draws it.
    struct Table {
        rows: Vec<(Entity, Box<Racer>, Box<Visibility>)>,
        selected: Option<Entity>,
    }

    /// Six racers take a line each (so a six-racer race fits above the plots at 1280×720),
    /// and a click on a name selects that racer and opens its settings under the table.
    #[test]
    fn six_racers_take_a_line_each_and_a_click_opens_one_racers_settings() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let kinds = [
            Kind::Gd,
            Kind::Momentum,
            Kind::Nesterov,
            Kind::Adam,
            Kind::RmsProp,
            Kind::Adagrad,
        ];
        let mut world = World::new();
        let rows = kinds
            .iter()
            .enumerate()
            .map(|(slot, &kind)| {
                let r = Racer {
                    slot,
                    ..racer(kind, 0.1, &f)
                };
                let e = world.spawn_empty().id();
                (e, Box::new(r), Box::new(Visibility::Inherited))
            })
            .collect();
        let landscape = Landscape::of_formula(f.clone());
        let mut h = Harness::builder().with_size([340.0, 600.0]).build_ui_state(
            |ui, t: &mut Table| {
                if let Some(e) = table_ui(ui, &mut t.rows, t.selected, &landscape).select {
                    t.selected = Some(e);
                }
            },
            Table {
                rows,
                selected: None,
            },
        );
        h.run();
        let tops: Vec<f32> = kinds
            .iter()
            .map(|k| h.get_by_label(k.label()).rect().top())
            .collect();
        for pair in tops.windows(2) {
            let line = pair[1] - pair[0];
            assert!((10.0..=24.0).contains(&line), "a line each: {tops:?}");
        }
        assert!(
            h.query_by_label("optimizer").is_none(),
            "no settings before a click"
        );
        h.get_by_label(Kind::Adam.label()).click();
        h.run();
        let adam = h.state().rows[3].0;
        assert_eq!(h.state().selected, Some(adam));
        h.get_by_label(&format!("settings · {}", Kind::Adam.label()));
        assert!(
            h.query_by_label("optimizer").is_some(),
            "its settings opened"
        );
    }

    #[test]
    fn typing_a_learning_rate_into_the_panel_changes_the_next_step() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let mut harness = Harness::new_ui_state(
            |ui, racer: &mut Racer| {
                settings_ui(ui, racer, false);
            },
            racer(Kind::Gd, 0.1, &f),
        );
        harness.run();
        // The learning rate's number box is the first; click it and type a new value.
        harness
            .get_all_by_role(Role::SpinButton)
            .next()
            .unwrap()
            .click();
        harness.run();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.get_by_role(Role::TextInput).type_text("0.5");
        harness.key_press(egui::Key::Enter);
        harness.run();
        let run = &mut harness.state_mut().run;
        assert_eq!(run.optimizer.hyper.lr, 0.5);
        // x ← x − α·2x: at α = 0.5 the first step lands exactly on the minimum (at 0.1, on 0.8).
        run.step(&f);
        assert_eq!(run.pos, [0.0, 0.0]);
        assert_eq!(run.status, Status::Converged);
    }

    #[test]
    fn switching_optimizer_keeps_the_place_and_learning_rate_and_resets_state() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let mut r = racer(Kind::Momentum, 0.05, &f);
        for _ in 0..3 {
            r.run.step(&f);
        }
        let pos = r.run.pos;
        set_kind(&mut r.run, Kind::Adam);
        let h = &r.run.optimizer.hyper;
        assert_eq!(
            (r.run.optimizer.kind, h.lr, h.beta1, h.momentum),
            (Kind::Adam, 0.05, 0.9, 0.0)
        );
        assert_eq!((r.run.optimizer.steps(), r.run.pos), (0, pos));
        assert_eq!(r.run.optimizer.velocity(), None);
    }

    #[test]
    fn invalid_hyperparameters_are_refused_and_a_new_seed_restarts_the_noise() {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let mut r = racer(Kind::Sgd, 0.05, &f);
        let before = r.run.optimizer.hyper.clone();
        let bad = Hyper {
            beta1: 1.0,
            ..before.clone()
        };
        assert_eq!(
            apply_hyper(&mut r.run, bad).unwrap_err().to_string(),
            "beta1 must be in [0, 1), got 1"
        );
        assert_eq!(r.run.optimizer.hyper, before);
        let mut twin = r.run.clone();
        r.run.step(&f);
        apply_hyper(
            &mut r.run,
            Hyper {
                seed: 7,
                ..before.clone()
            },
        )
        .unwrap();
        assert_eq!(
            r.run.optimizer.steps(),
            0,
            "state restarted with the new seed"
        );
        apply_hyper(&mut twin, Hyper { seed: 7, ..before }).unwrap();
        // Same seed from the same state: the same noisy step.
        let (a, b) = (
            r.run.optimizer.step(r.run.pos, &f),
            twin.optimizer.step(r.run.pos, &f),
        );
        assert_eq!(a.grad, b.grad);
    }

    #[test]
    fn schedules_read_back_as_the_command_line_writes_them() {
        for text in [
            "constant",
            "step:100:0.5",
            "exp:0.99",
            "cosine:500:0.001",
            "warmup:20:0.1",
        ] {
            let s: Schedule = text.parse().unwrap();
            assert_eq!(schedule::text(&s), text);
        }
    }

    #[test]
    fn a_duplicate_is_the_same_racer_from_the_same_start() {
        let r = racer(Kind::Adam, 0.1, &Formula::parse("x^2").unwrap());
        let d = duplicate(&r);
        assert_eq!(
            (d.kind, d.start, d.label.as_str()),
            (Kind::Adam, [1.0, 1.0], "Adam (copy)")
        );
    }
}
