//! The race, headless: racers are entities whose numbers come from a core `Run`, stepped at a
//! fixed rate. Drawing them (balls, markers, arrows) lives in other plugins, so this one runs
//! under `MinimalPlugins` in tests and benchmarks.

use super::landscape::{Landscape, Surface};
use super::sets::{AppSet, StartSet};
use crate::core::net::stage::Learner;
use crate::core::optim::run::{Run, Status};
use crate::core::optim::{Hyper, Kind, Optimizer};
use crate::core::race::{Lineup, RacerSpec};
use bevy::prelude::*;

/// One optimizer racing from its start.
#[derive(Component)]
pub struct Racer {
    /// On a formula or dataset, the run itself; on a network, its shadow on the plane (the
    /// projection, the true loss, the steps and status), written after each network step.
    pub run: Run,
    pub color: Color,
    pub label: String,
    /// Position in the line-up: the key (1–9) that toggles it, and its default colour.
    pub slot: usize,
    /// On a network landscape: the network this racer trains (its own copy).
    pub learner: Option<Box<Learner>>,
    /// On a network: the seed of its own initial weights (None: the shared start θ₀).
    pub init_seed: Option<u64>,
}

impl Racer {
    /// One step: the run's own on a formula, the network's on a network (its shadow then
    /// follows); whether a finite point was reached (a diverged step is not taken).
    fn step_once(&mut self, landscape: &Landscape) -> bool {
        let (Some(learner), Some(stage)) = (self.learner.as_mut(), landscape.formula.stage())
        else {
            self.run.step(&landscape.formula);
            return self.run.last.as_ref().is_some_and(|u| u.to == self.run.pos);
        };
        // The panel and a lesson's tweens set the rate on the run; the network follows.
        learner.training.optimizer.hyper.lr = self.run.optimizer.hyper.lr;
        stage.step(learner);
        shadow(&mut self.run, learner);
        self.run.status.is_running()
    }

    /// A sample of where it stands now.
    pub fn sample(&self) -> Sample {
        let mut s = Sample::of(&self.run);
        if let Some(l) = &self.learner {
            s.grad_norm = l.standing.grad_norm;
            s.evals = l.training.evals;
            s.batch_loss = l.seen;
            s.noise = None;
            s.accuracy = l.standing.accuracy;
            s.sharpness = l.sharpness;
        }
        s
    }
}

/// A network racer's run as the plane shows it: its projection, its true loss over every
/// row, the slope along the plane, its steps; diverged once its loss is not finite.
fn shadow(run: &mut Run, learner: &Learner) {
    run.pos = learner.at.at;
    run.loss = learner.standing.loss;
    run.grad = learner.along;
    run.steps = learner.steps;
    let finite = learner.standing.loss.is_finite() && learner.at.at.iter().all(|v| v.is_finite());
    if !finite {
        run.status = Status::Diverged("the loss is not finite".into());
    } else if learner.standing.grad_norm <= run.rules.grad_tol {
        run.status = Status::Converged;
    } else if run.rules.max_steps.is_some_and(|m| learner.steps >= m) {
        run.status = Status::StepLimit;
    }
}

/// A network racer's learner for `spec` on `landscape` (None on a formula or dataset, or
/// where the network refuses the optimizer: Newton beyond its size; the run then stands).
fn learner_for(
    kind: Kind,
    hyper: &Hyper,
    init_seed: Option<u64>,
    landscape: &Landscape,
) -> Option<Box<Learner>> {
    let stage = landscape.formula.stage()?;
    match stage.learner_from(kind, hyper.clone(), init_seed) {
        Ok(l) => Some(Box::new(l)),
        Err(e) => {
            warn!("{e}");
            None
        }
    }
}

/// A point of a racer's path: where, how high, how steep, and when; on data, also what the
/// step saw (its mini-batch's loss, and how far its gradient was from the exact one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub pos: [f64; 2],
    pub f: f64,
    pub grad_norm: f64,
    pub step: u64,
    /// Evaluations of f paid to get here.
    pub evals: u64,
    /// The mini-batch's loss at the point the step left (None on a full batch or at the start).
    pub batch_loss: Option<f64>,
    /// ‖g_seen − ∇f‖ of the step that arrived here (None at the start).
    pub noise: Option<f64>,
    /// A network's share of rows classified right (None elsewhere).
    pub accuracy: Option<f64>,
    /// A network's sharpness λ_max, where it was found this step (None elsewhere).
    pub sharpness: Option<f64>,
}

impl Sample {
    pub fn of(run: &Run) -> Sample {
        let batched = run.optimizer.epochs().is_some();
        Sample {
            pos: run.pos,
            f: run.loss,
            grad_norm: run.grad[0].hypot(run.grad[1]),
            step: run.steps,
            evals: run.optimizer.evals(),
            batch_loss: run.last.as_ref().filter(|_| batched).map(|u| u.seen_loss),
            noise: (run.steps > 0).then_some(run.noise),
            accuracy: None,
            sharpness: None,
        }
    }
}

/// Where a racer has been; bounded in memory.
#[derive(Component, Default)]
pub struct Trail {
    pub points: Vec<Sample>,
}

/// Longest trail kept; beyond it the older half is thinned to every other point, so a long
/// run keeps its whole history at decreasing detail.
pub const TRAIL_MAX: usize = 4000;

impl Trail {
    pub fn push(&mut self, p: Sample) {
        self.points.push(p);
        if self.points.len() > TRAIL_MAX {
            let half = self.points.len() / 2;
            let mut keep = 0;
            for i in (0..half).step_by(2) {
                self.points[keep] = self.points[i];
                keep += 1;
            }
            self.points.drain(keep..half);
        }
    }

    /// Forgets the path but keeps where the racer is now.
    pub fn clear(&mut self) {
        let last = self.points.last().copied();
        self.points.clear();
        self.points.extend(last);
    }
}

/// Play state and speed of the race.
#[derive(Resource)]
pub struct Sim {
    pub playing: bool,
    /// Optimizer steps per second of wall time.
    pub steps_per_second: f64,
    /// Steps requested while paused ("step once").
    pub pending: u32,
    /// When set, exactly this many steps per rendered frame, whatever the frame rate: for
    /// recordings and tests that must come out the same on any machine.
    pub fixed_steps_per_frame: Option<u32>,
    /// Race by evaluations: each tick every racer may spend what one gradient step costs
    /// ([`STEP_EVALS`]) per step of the tick, so a method that pays less per step takes more
    /// steps; the fair comparison when evaluations are what costs.
    pub by_evals: bool,
    /// A lesson steps the race, tick by tick (see `lesson`): the frame's own stepping stands.
    pub directed: bool,
    carry: f64,
}

/// Evaluations one gradient step costs (see `optim::Seen`): the exchange rate of a race by
/// evaluations.
pub const STEP_EVALS: i64 = 4;

/// Evaluations a racer may still spend in a race by evaluations (negative: overspent).
#[derive(Component, Default, Debug, Clone, Copy, PartialEq)]
pub struct Credit(pub i64);

/// The speeds the panel offers, in optimizer steps per second.
pub const SPEEDS: std::ops::RangeInclusive<f64> = 0.1..=1000.0;

impl Sim {
    /// A race at `speed` optimizer steps per second.
    pub fn at(speed: f64) -> Sim {
        Sim {
            steps_per_second: speed,
            ..Sim::default()
        }
    }

    /// A race at `speed` that waits for play.
    pub fn paused_at(speed: f64) -> Sim {
        Sim {
            playing: false,
            ..Sim::at(speed)
        }
    }

    /// A race that advances exactly `n` steps per rendered frame.
    pub fn fixed(n: u32) -> Sim {
        Sim {
            fixed_steps_per_frame: Some(n),
            ..Sim::default()
        }
    }

    /// Pauses and asks for one step.
    pub fn step_once(&mut self) {
        self.playing = false;
        self.pending += 1;
    }
}

impl Default for Sim {
    fn default() -> Sim {
        Sim {
            playing: true,
            steps_per_second: 30.0,
            pending: 0,
            fixed_steps_per_frame: None,
            by_evals: false,
            directed: false,
            carry: 0.0,
        }
    }
}

/// Asks for every racer to go back to its start (and trails to clear); with a point, that
/// point becomes every racer's start.
#[derive(Message, Default)]
pub struct Restart(pub Option<[f64; 2]>);

/// Moves one racer's start and restarts only that racer.
#[derive(Message)]
pub struct MoveStart(pub Entity, pub [f64; 2]);

/// Replaces the whole line-up.
#[derive(Message)]
pub struct NewRace(pub Vec<RacerSpec>);

/// Adds one racer to the line-up, in the next free slot (its key and colour).
#[derive(Message)]
pub struct AddRacer(pub RacerSpec);

/// Takes one racer out of the race.
#[derive(Message)]
pub struct RemoveRacer(pub Entity);

/// Racer palette: the first eight are Okabe–Ito's, distinct under common colour-vision
/// deficiencies (white stands in for black on the dark background); then four more from
/// Paul Tol's bright set for the all-optimizer race.
pub const PALETTE: [Color; 12] = [
    Color::srgb(0.90, 0.62, 0.0),
    Color::srgb(0.34, 0.71, 0.91),
    Color::srgb(0.94, 0.89, 0.26),
    Color::srgb(0.0, 0.62, 0.45),
    Color::srgb(0.80, 0.47, 0.65),
    Color::srgb(0.84, 0.37, 0.0),
    Color::srgb(0.0, 0.45, 0.70),
    Color::srgb(0.95, 0.95, 0.95),
    Color::srgb(0.93, 0.40, 0.47),
    Color::srgb(0.13, 0.53, 0.20),
    Color::srgb(0.67, 0.20, 0.47),
    Color::srgb(0.73, 0.73, 0.73),
];

/// The race without drawing: what tests and benchmarks run under `MinimalPlugins`.
pub fn sim_plugin(app: &mut App) {
    app.add_systems(Startup, wall_clock);
    app.init_resource::<Sim>()
        .add_message::<Restart>()
        .add_message::<MoveStart>()
        .add_message::<NewRace>()
        .add_message::<AddRacer>()
        .add_message::<RemoveRacer>()
        .add_systems(
            Update,
            (
                new_race,
                roster,
                refit_plane,
                restart_on_new_math,
                restart,
                move_start,
                follow_settings,
                step,
            )
                .chain()
                .in_set(AppSet::Simulate),
        )
        .add_systems(
            Update,
            keys.in_set(AppSet::Input)
                .run_if(resource_exists::<ButtonInput<KeyCode>>.and_then(super::sets::keys_free)),
        );
}

/// The race the landscape opens on (the preset's own, with tamed learning rates).
pub fn default_race(landscape: &Landscape) -> Vec<RacerSpec> {
    crate::core::race::opening(&landscape.core(), None)
}

/// The line-up the app opens on when no scene is opened (None: the landscape's own race).
#[derive(Resource)]
struct Opening(Option<Lineup>);

/// Starts the landscape's opening race (or a named line-up) at start-up; a scene opened at
/// start-up brings its own racers instead.
pub fn opening_plugin(race: Option<Lineup>) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Opening(race))
            .add_systems(Startup, start_opening_race.in_set(StartSet::Spawn));
    }
}

fn start_opening_race(
    landscape: Res<Landscape>,
    surface: Res<Surface>,
    opening: Res<Opening>,
    mut race: MessageWriter<NewRace>,
) {
    // The first surface was built with its stationary points: no need to find them again.
    let specs = crate::core::race::opening_among(&landscape.core(), opening.0, &surface.critical);
    race.write(NewRace(specs));
}

/// Keys 1–9 in order, for showing and hiding racers.
const DIGITS: [KeyCode; 9] = [
    KeyCode::Digit1,
    KeyCode::Digit2,
    KeyCode::Digit3,
    KeyCode::Digit4,
    KeyCode::Digit5,
    KeyCode::Digit6,
    KeyCode::Digit7,
    KeyCode::Digit8,
    KeyCode::Digit9,
];

/// The race's keys: Space plays or pauses, S or → takes one step, R restarts every racer,
/// C clears the trails, 1–9 show or hide a racer.
fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    presses: Res<super::sets::Presses>,
    mut sim: ResMut<Sim>,
    mut restart: MessageWriter<Restart>,
    mut racers: Query<(&Racer, &mut Trail, &mut Visibility)>,
) {
    // Each press counts: two quick taps of S on a slow machine are two steps.
    if presses.count(&[KeyCode::Space]) % 2 == 1 {
        sim.playing = !sim.playing;
    }
    // While a lesson plays, → is its next beat (see `lesson`).
    let step_keys: &[KeyCode] = match sim.directed {
        true => &[KeyCode::KeyS],
        false => &[KeyCode::KeyS, KeyCode::ArrowRight],
    };
    for _ in 0..presses.count(step_keys) {
        sim.step_once();
    }
    if keys.just_pressed(KeyCode::KeyR) {
        restart.write(Restart(None));
    }
    if keys.just_pressed(KeyCode::KeyC) {
        for (_, mut trail, _) in &mut racers {
            trail.clear();
        }
    }
    for (slot, key) in DIGITS.iter().enumerate() {
        if keys.just_pressed(*key) {
            for (_, _, mut v) in racers.iter_mut().filter(|(r, ..)| r.slot == slot) {
                toggle(&mut v);
            }
        }
    }
}

/// Hidden ↔ shown.
pub fn toggle(v: &mut Visibility) {
    *v = if *v == Visibility::Hidden {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
}

fn new_race(
    mut commands: Commands,
    mut races: MessageReader<NewRace>,
    landscape: Res<Landscape>,
    old: Query<Entity, With<Racer>>,
) {
    let Some(NewRace(specs)) = races.read().last() else {
        return;
    };
    for e in &old {
        commands.entity(e).despawn();
    }
    for (slot, spec) in specs.iter().enumerate() {
        commands.spawn(racer_bundle(spec, slot, &landscape));
    }
}

/// Racers joining and leaving one at a time; the line-up's other racers run on.
fn roster(
    mut commands: Commands,
    mut joining: MessageReader<AddRacer>,
    mut leaving: MessageReader<RemoveRacer>,
    landscape: Res<Landscape>,
    racers: Query<&Racer>,
) {
    for RemoveRacer(e) in leaving.read() {
        if racers.contains(*e) {
            commands.entity(*e).despawn();
        }
    }
    let first = next_slot(racers.iter().map(|r| r.slot));
    for (slot, AddRacer(spec)) in (first..).zip(joining.read()) {
        commands.spawn(racer_bundle(spec, slot, &landscape));
    }
}

/// The slot after the highest taken: a new racer never shares a key or colour.
pub fn next_slot(slots: impl Iterator<Item = usize>) -> usize {
    slots.max().map_or(0, |m| m + 1)
}

/// The components of one racer (its ball is added by the drawing plugin).
pub fn racer_bundle(
    spec: &RacerSpec,
    slot: usize,
    landscape: &Landscape,
) -> (Name, Racer, Trail, Credit, Transform, Visibility) {
    let run = Run::new(
        Optimizer::new(spec.kind, spec.hyper.clone()),
        spec.start,
        landscape.stop_rules(),
        &landscape.formula,
    );
    let mut racer = Racer {
        learner: learner_for(spec.kind, &spec.hyper, spec.init_seed, landscape),
        init_seed: spec.init_seed,
        run,
        color: PALETTE[slot % PALETTE.len()],
        label: spec.label.clone(),
        slot,
    };
    if let Some(l) = &racer.learner {
        shadow(&mut racer.run, l);
    }
    let mut trail = Trail::default();
    trail.push(racer.sample());
    (
        Name::new(format!("Racer {}", spec.label)),
        racer,
        trail,
        Credit::default(),
        Transform::IDENTITY,
        Visibility::Inherited,
    )
}

/// The race as a network's plane is fitted on it: each racer's optimizer and settings, in
/// line-up order.
pub fn lineup<'a>(racers: impl Iterator<Item = &'a Racer>) -> Vec<(Kind, Hyper)> {
    let mut racers: Vec<&Racer> = racers.collect();
    racers.sort_by_key(|r| r.slot);
    racers
        .iter()
        .map(|r| (r.run.optimizer.kind, r.run.optimizer.hyper.clone()))
        .collect()
}

/// A network's plane is fitted on the race: a race restarted (Reset, a new line-up) with
/// settings it was not fitted on fits it again, so the whole journey stays on screen. The
/// pilot is bounded (about 2 s at most); a refusal keeps the plane, and the Network box says
/// the plane is another race's.
fn refit_plane(
    mut restarts: MessageReader<Restart>,
    mut races: MessageReader<NewRace>,
    racers: Query<&Racer>,
    mut landscape: ResMut<Landscape>,
) {
    let asked = restarts.read().count() + races.read().count() > 0;
    let Some(stage) = landscape.formula.stage().filter(|_| asked).cloned() else {
        return;
    };
    let lineup = lineup(racers.iter());
    if !lineup.is_empty()
        && stage.fitted_on_another(&lineup)
        && let Err(e) = landscape.fit_network(&stage.spec, &lineup)
    {
        warn!("the plane stays fitted on the last race: {e}");
    }
}

/// A new f (or domain) restarts the race; a new look (resolution, height scale) does not.
fn restart_on_new_math(
    landscape: Res<Landscape>,
    mut seen: Local<u64>,
    mut restart: MessageWriter<Restart>,
) {
    if landscape.revision != *seen {
        *seen = landscape.revision;
        restart.write(Restart(None));
    }
}

/// Sends a racer back to `start` with fresh state and an empty trail.
fn restart_racer(racer: &mut Racer, trail: &mut Trail, start: [f64; 2], landscape: &Landscape) {
    racer.run.rules = landscape.stop_rules();
    racer.run.restart(start, &landscape.formula);
    let opt = &racer.run.optimizer;
    racer.learner = learner_for(opt.kind, &opt.hyper, racer.init_seed, landscape);
    if let Some(l) = &racer.learner {
        shadow(&mut racer.run, l);
    }
    trail.points.clear();
    trail.push(racer.sample());
}

fn restart(
    mut messages: MessageReader<Restart>,
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail, Option<&mut Credit>)>,
) {
    let (mut any, mut new_start) = (false, None);
    for Restart(start) in messages.read() {
        any = true;
        new_start = start.or(new_start);
    }
    if !any {
        return;
    }
    for (mut racer, mut trail, credit) in &mut racers {
        let start = new_start.unwrap_or(racer.run.start);
        restart_racer(&mut racer, &mut trail, start, &landscape);
        if let Some(mut c) = credit {
            *c = Credit::default();
        }
    }
}

/// A network racer whose settings changed (in the panel or by a lesson) other than its rate,
/// which the network takes at its next step, starts over with a network trained by them: an
/// optimizer's state, a batch size or a start cannot change mid-run.
fn follow_settings(
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail), Changed<Racer>>,
) {
    for (mut racer, mut trail) in &mut racers {
        let Some(l) = &racer.learner else {
            continue;
        };
        let (run, trained) = (&racer.run.optimizer, &l.training.optimizer);
        let hyper = Hyper {
            lr: run.hyper.lr,
            ..trained.hyper.clone()
        };
        if (run.kind, &run.hyper, racer.init_seed) != (trained.kind, &hyper, l.init_seed) {
            let start = racer.run.start;
            restart_racer(&mut racer, &mut trail, start, &landscape);
        }
    }
}

fn move_start(
    mut messages: MessageReader<MoveStart>,
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail)>,
) {
    for MoveStart(entity, start) in messages.read() {
        if let Ok((mut racer, mut trail)) = racers.get_mut(*entity) {
            restart_racer(&mut racer, &mut trail, *start, &landscape);
        }
    }
}

/// The longest frame that counts in full. Bevy counts at most 0.25 s of a frame, so below 4
/// frames a second (software rendering, a school laptop) a race ran slower than its speed
/// said; up to a second a frame, a race at N steps/s takes N steps per second of wall time
/// (the lesson clock, which reads the same time, too). Longer stalls still count as a second.
pub const LONGEST_FRAME: std::time::Duration = std::time::Duration::from_secs(1);

fn wall_clock(mut time: ResMut<Time<Virtual>>) {
    time.set_max_delta(LONGEST_FRAME);
}

/// How many optimizer steps this frame: a fixed timestep of 1/speed seconds, accumulated, so
/// the steps per second of wall time do not depend on the frame rate and every step is the
/// same computation whatever the machine.
pub fn steps_this_frame(sim: &mut Sim, dt: f64) -> u32 {
    let mut n = std::mem::take(&mut sim.pending);
    if let (true, Some(fixed)) = (sim.playing, sim.fixed_steps_per_frame) {
        return n + fixed;
    }
    if sim.playing {
        let speed = sim.steps_per_second.clamp(*SPEEDS.start(), *SPEEDS.end());
        sim.carry += dt * speed;
        let whole = sim.carry.floor();
        sim.carry -= whole;
        // A long stall (window dragged, breakpoint) must not replay thousands of steps at once.
        n += whole.min(1_000.0) as u32;
    }
    n
}

/// Advances every running racer `n` steps, recording each finite point in its trail.
pub fn advance(racer: &mut Racer, trail: &mut Trail, n: u32, landscape: &Landscape) {
    for _ in 0..n {
        if !racer.run.status.is_running() {
            break;
        }
        // A diverged step is not taken: the trail ends at the last finite point.
        if racer.step_once(landscape) {
            trail.push(racer.sample());
        }
    }
}

pub(super) fn step(
    time: Res<Time>,
    mut sim: ResMut<Sim>,
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail, Option<&mut Credit>)>,
) {
    if sim.directed {
        return;
    }
    let n = steps_this_frame(&mut sim, time.delta_secs_f64());
    if n == 0 {
        return;
    }
    let by_evals = sim.by_evals;
    racers
        .par_iter_mut()
        .for_each(|(mut racer, mut trail, credit)| match (by_evals, credit) {
            (true, Some(mut credit)) => spend(&mut racer, &mut trail, &mut credit, n, &landscape),
            _ => advance(&mut racer, &mut trail, n, &landscape),
        });
}

/// A race by evaluations: `n` gradient steps' worth of evaluations added to the racer's
/// credit, then steps while the credit lasts (a step may overspend; the debt carries over).
/// On a network a gradient step over every row costs the rows (an evaluation is a row
/// through the network), so a full-batch racer takes a step a tick and SGD on batches of
/// 16 takes rows/16.
pub fn spend(racer: &mut Racer, trail: &mut Trail, credit: &mut Credit, n: u32, land: &Landscape) {
    let rate = land
        .formula
        .stage()
        .map_or(STEP_EVALS, |s| s.rows.len() as i64);
    credit.0 += rate * i64::from(n);
    while credit.0 > 0 && racer.run.status.is_running() {
        let evals = |r: &Racer| {
            r.learner
                .as_ref()
                .map_or(r.run.optimizer.evals(), |l| l.training.evals)
        };
        let before = evals(racer);
        advance(racer, trail, 1, land);
        // Every step pays at least one evaluation, so the loop ends.
        let paid = (evals(racer) - before).max(1);
        credit.0 -= paid as i64;
    }
}

#[cfg(test)]
mod tests;
