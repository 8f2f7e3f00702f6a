//! The lesson director: plays a scene's timeline (core `Lesson`) on the stage. Each frame it
//! turns time into lesson ticks and, tick by tick, sets the tweens, steps the race and fires
//! the beats due; → skips to the next beat and ← replays from the start to the one before,
//! so a beat is always reached in the same state. It also poses the camera and keeps the
//! caption, the question and the highlight for the window and the recorder to draw.

use super::arrows::Arrows;
use super::basins::BasinMap;
use super::landscape::Landscape;
use super::markers::Markers;
use super::racers::{self, Credit, Racer, Sim, Trail};
use super::sets::AppSet;
use crate::core::optim::run::Run;
use crate::core::optim::{Field, Optimizer};
use crate::core::scene::Loaded;
use crate::core::timeline::{Beat, Hold, Lesson, Part, Shot, TICKS_PER_SECOND};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

/// A camera pose: yaw and pitch in degrees, distance, and the point looked at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    pub yaw: f64,
    pub pitch: f64,
    pub radius: f64,
    pub focus: Vec3,
}

impl Pose {
    fn lerp(self, to: Pose, s: f64) -> Pose {
        let mix = |a: f64, b: f64| a + (b - a) * s;
        Pose {
            yaw: mix(self.yaw, to.yaw),
            pitch: mix(self.pitch, to.pitch),
            radius: mix(self.radius, to.radius),
            focus: self.focus.lerp(to.focus, s as f32),
        }
    }

    /// A preset's own view (the default view for a formula).
    pub fn home(preset: Option<&crate::core::presets::Preset>) -> Pose {
        let [yaw, pitch] = crate::core::presets::view_of(preset);
        Pose {
            yaw,
            pitch,
            radius: f64::from(super::camera::HOME_RADIUS),
            focus: Vec3::new(0.0, 1.0, 0.0),
        }
    }

    /// A scene's own camera pose, else its landscape's view.
    pub fn of_scene(l: &Loaded) -> Pose {
        let home = Pose::home(l.landscape.preset);
        l.scene.camera.map_or(home, |[yaw, pitch, radius]| Pose {
            yaw,
            pitch,
            radius,
            ..home
        })
    }

    /// Where a camera at this pose stands, looking at the focus.
    pub fn transform(self) -> Transform {
        let yaw = (self.yaw as f32).to_radians();
        let pitch = (self.pitch as f32).to_radians();
        let offset = Quat::from_rotation_y(yaw)
            * Quat::from_rotation_x(-pitch)
            * Vec3::Z
            * self.radius as f32;
        Transform::from_translation(self.focus + offset).looking_at(self.focus, Vec3::Y)
    }
}

/// What ← and → asked for this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cue {
    Next,
    Back,
}

/// The lesson being played, if the scene has a timeline.
#[derive(Resource, Default)]
pub struct Director {
    pub lesson: Option<Lesson>,
    /// The scene as opened: what a replay starts again from.
    opened: Option<Box<Loaded>>,
    /// Lesson ticks owed to the next frame (time is not a whole number of ticks).
    carry: f64,
    race: RaceClock,
    /// The camera pose the director last set, and where the current move began.
    pub pose: Option<Pose>,
    from: Option<Pose>,
    /// A recording waits out the holds instead of waiting for clicks.
    pub recording: bool,
    /// ← and → presses (and the panel's buttons) in order, carried out in the next frame's
    /// playing: two quick clicks of a presenter's clicker are two beats, at any frame rate.
    pub cues: Vec<Cue>,
    /// A newly opened scene: its beats at 0 s fire in the next frame, once its racers exist.
    fresh: bool,
    /// Replay to this many beats fired in the next frame (after an edit).
    replay: Option<usize>,
    /// The landscape's revision the lesson plays on: another f or domain ends the lesson
    /// (its replays could not give it back).
    revision: u64,
    /// Beats written where no scene was opened, with the beat to replay to: the scene
    /// plugin makes a scene of the stage for them (see `scene::requests`).
    pub unplaced: Option<(Vec<Beat>, usize)>,
}

/// Lesson ticks the race has run and the steps taken in them: the race's step count is a
/// function of its ticks alone (⌊ticks · speed / 600⌋), so it never depends on the frames.
#[derive(Debug, Default, Clone, Copy)]
struct RaceClock {
    ticks: u64,
    steps: u64,
    paused: bool,
}

impl RaceClock {
    /// One tick at `speed` steps per second: the steps due in it.
    fn tick(&mut self, speed: f64) -> u32 {
        if self.paused {
            return 0;
        }
        self.ticks += 1;
        let due = (self.ticks as f64 * speed / TICKS_PER_SECOND as f64 + 1e-9).floor() as u64;
        let n = due.saturating_sub(self.steps);
        self.steps = due;
        n as u32
    }
}

impl Director {
    /// Takes a newly opened scene: its timeline (if any) starts from the beginning.
    pub fn open(&mut self, loaded: &Loaded) {
        let beats = &loaded.scene.timeline;
        *self = Director {
            lesson: (!beats.is_empty()).then(|| Lesson::new(beats)),
            opened: Some(Box::new(loaded.clone())),
            recording: self.recording,
            fresh: true,
            ..Director::default()
        };
    }

    /// A director for the recorder: it waits out each hold instead of waiting for a click.
    pub fn recording() -> Director {
        Director {
            recording: true,
            ..Director::default()
        }
    }

    /// The beats, for the panel and for saving.
    pub fn beats(&self) -> &[Beat] {
        self.lesson.as_ref().map_or(&[], |l| l.beats())
    }

    /// Replaces the beats (the panel's editing) and replays to `at` beats fired.
    pub fn edit(&mut self, beats: Vec<Beat>, at: usize) {
        let at = at.min(beats.len());
        let Some(opened) = self.opened.as_mut() else {
            self.unplaced = Some((beats, at));
            return;
        };
        opened.scene.timeline = beats.clone();
        self.lesson = (!beats.is_empty()).then(|| Lesson::new(&beats));
        self.replay = (!beats.is_empty()).then_some(at);
    }

    /// What the beats change (tweened rates, parameters set or tweened) put back in a
    /// scene of the stage as the scene opened with them: saving mid-lesson keeps the
    /// lesson's starting values, not the moment's.
    pub fn as_opened(&self, scene: &mut crate::core::scene::Scene) {
        let Some(opened) = self.opened.as_ref() else {
            return;
        };
        for b in self.beats() {
            let tweened = b.tween.iter().map(|t| (t.name.as_str(), t.racer));
            let set = b.set.keys().map(|n| (n.as_str(), None));
            for (name, racer) in tweened.chain(set) {
                if Field::by_name(name).is_err() {
                    if let Some(v) = opened
                        .landscape
                        .formula
                        .params()
                        .iter()
                        .find(|p| p.name == name)
                    {
                        scene.landscape.params.insert(name.to_string(), v.value);
                    }
                    continue;
                }
                for (k, r) in scene.racers.iter_mut().enumerate() {
                    if racer.is_some_and(|n| n != k + 1) {
                        continue;
                    }
                    match opened.scene.racers.get(k).and_then(|o| o.hyper.get(name)) {
                        Some(v) => r.hyper.insert(name.to_string(), *v),
                        None => r.hyper.remove(name),
                    };
                }
            }
        }
    }

    /// Replays to `at` beats fired in the next frame.
    pub fn replay_to(&mut self, at: usize) {
        self.replay = Some(at);
    }
}

/// Everything the director changes on stage.
#[derive(SystemParam)]
pub struct Stage<'w, 's> {
    director: ResMut<'w, Director>,
    landscape: ResMut<'w, Landscape>,
    sim: ResMut<'w, Sim>,
    time: Res<'w, Time>,
    racers: Query<
        'w,
        's,
        (
            &'static mut Racer,
            &'static mut Trail,
            &'static mut Credit,
            &'static mut Visibility,
            &'static Transform,
        ),
    >,
    arrows: Option<ResMut<'w, Arrows>>,
    markers: Option<ResMut<'w, Markers>>,
    basins: Option<ResMut<'w, BasinMap>>,
    camera: Option<Single<'w, 's, &'static bevy_panorbit_camera::PanOrbitCamera>>,
}

/// Plays lessons: what the window, the recorder and the headless tests share.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Director>()
        .add_systems(Update, play.in_set(AppSet::Simulate).after(racers::step));
}

/// Draws the highlight (the window and the recorder).
pub(super) fn drawing(app: &mut App) {
    app.add_systems(
        Update,
        halo.in_set(AppSet::Present)
            .after(super::balls::place_balls),
    );
}

/// The window's part: the presenter's keys and the orbit camera.
pub(super) fn window(app: &mut App) {
    app.add_systems(
        Update,
        keys.in_set(AppSet::Input).run_if(super::sets::keys_free),
    )
    .add_systems(
        Update,
        pose_camera
            .in_set(AppSet::Present)
            .after(super::camera::switch_view),
    );
}

/// The frame's lesson: a cue from the keys, then the ticks the frame's time holds.
fn play(mut stage: Stage) {
    if stage.director.lesson.is_none() {
        stage.sim.directed = false;
        return;
    }
    stage.sim.directed = true;
    if stage.racers.is_empty() {
        return;
    }
    if std::mem::take(&mut stage.director.fresh) {
        stage.director.revision = stage.landscape.revision;
        settle(&mut stage, false);
    } else if stage.director.revision != stage.landscape.revision {
        info!("the landscape changed: the lesson ends");
        *stage.director = Director {
            recording: stage.director.recording,
            ..Director::default()
        };
        stage.sim.directed = false;
        return;
    }
    if let Some(target) = stage.director.replay.take() {
        replay(&mut stage, target);
    }
    for cue in std::mem::take(&mut stage.director.cues) {
        match cue {
            Cue::Next => next(&mut stage),
            Cue::Back => {
                let target = stage
                    .director
                    .lesson
                    .as_ref()
                    .map_or(0, Lesson::back_target);
                replay(&mut stage, target);
            }
        }
    }
    // S (one step, paused) moves the lesson on by one race step's worth of ticks.
    let steps = std::mem::take(&mut stage.sim.pending);
    let per_step = (TICKS_PER_SECOND as f64 / stage.sim.steps_per_second.max(0.1)).ceil() as u64;
    for _ in 0..u64::from(steps) * per_step {
        tick(&mut stage);
    }
    if stage.sim.playing {
        let due = stage.director.carry + stage.time.delta_secs_f64() * TICKS_PER_SECOND as f64;
        // Within a hair of a whole number is that number: 1/30 s is 20 ticks, not 19.99….
        let whole = (due + 1e-6).floor();
        stage.director.carry = (due - whole).max(0.0);
        // A stall (a window dragged) must not replay minutes in one frame.
        for _ in 0..(whole as u64).min(10 * TICKS_PER_SECOND) {
            tick(&mut stage);
        }
    }
    aim(&mut stage);
}

/// One tick: the clock (or the hold) moves, the tweens take their values, the race steps,
/// the beats due fire.
fn tick(stage: &mut Stage) {
    advance(stage);
    let recording = stage.director.recording;
    settle(stage, recording);
}

/// The clock one tick on (or the hold one tick longer); when the clock moved, the tweens take
/// their values there and the race steps what is due.
fn advance(stage: &mut Stage) {
    let moved = stage.director.lesson.as_mut().is_some_and(Lesson::advance);
    if moved {
        tweens(stage);
        let n = stage.director.race.tick(stage.sim.steps_per_second);
        if n > 0 {
            step(stage, n);
        }
    }
}

/// Fires what is due now and applies it.
fn settle(stage: &mut Stage, waits_out: bool) {
    let fired = match stage.director.lesson.as_mut() {
        Some(l) => l.settle(waits_out),
        None => return,
    };
    for i in fired {
        fire(stage, i);
    }
}

/// → : at a click beat, fires it; at a prediction, lets the lesson play on (the answer);
/// otherwise (and where ← left it) plays on to the next beat and fires it.
fn next(stage: &mut Stage) {
    let Some(lesson) = stage.director.lesson.as_mut() else {
        return;
    };
    match lesson.hold {
        Some(Hold::Click) => {
            if let Some(i) = lesson.release() {
                fire(stage, i);
            }
            settle(stage, false);
            return;
        }
        Some(Hold::Predict) => {
            lesson.release();
            // Beats at the prediction's own time (the answer beginning) fire now.
            settle(stage, false);
            return;
        }
        Some(Hold::Back) | None => {
            lesson.release();
        }
    }
    let before = lesson.fired;
    let total = lesson.beats().len();
    settle(stage, false);
    let mut budget = 3600 * TICKS_PER_SECOND;
    while budget > 0 && before < total {
        let l = stage.director.lesson.as_ref().expect("a lesson");
        if l.fired > before || l.hold.is_some() {
            break;
        }
        budget -= 1;
        tick(stage);
    }
    // This → is the click the next beat waits for.
    if let Some(l) = stage.director.lesson.as_mut()
        && l.fired == before
        && l.hold == Some(Hold::Click)
        && let Some(i) = l.release()
    {
        fire(stage, i);
        settle(stage, false);
    }
}

/// ← (and edits): everything back as the scene opened, then played, every hold let go, until
/// `target` beats have fired; there it holds.
fn replay(stage: &mut Stage, target: usize) {
    let Some(opened) = stage.director.opened.clone() else {
        return;
    };
    reset(stage, &opened);
    let mut budget = 3600 * TICKS_PER_SECOND;
    loop {
        let l = stage.director.lesson.as_mut().expect("a lesson");
        if l.fired >= target || budget == 0 || l.finished() {
            break;
        }
        if l.hold.is_some() {
            if let Some(i) = l.release() {
                fire(stage, i);
            }
        } else if let Some(i) = l.fire_one_due() {
            fire(stage, i);
        } else if l.hold.is_none() {
            budget -= 1;
            advance(stage);
        }
    }
    if let Some(l) = stage.director.lesson.as_mut() {
        l.hold_back();
    }
}

/// The stage as the scene opened it: racers at their starts, parameters, what is shown.
fn reset(stage: &mut Stage, opened: &Loaded) {
    let beats = stage.director.beats().to_vec();
    stage.director.lesson = Some(Lesson::new(&beats));
    stage.director.race = RaceClock::default();
    stage.director.carry = 0.0;
    // The opened parameters back; the surface is rebuilt only if a beat had changed one.
    let formula = &mut stage.landscape.formula;
    let changed = opened
        .landscape
        .formula
        .named_values()
        .filter(|(name, v)| {
            formula
                .named_values()
                .any(|(n, now)| n == *name && now != *v)
        })
        .map(|(name, v)| (name.to_string(), v))
        .collect::<Vec<_>>();
    for (name, v) in &changed {
        formula.set_param(name, *v);
    }
    if !changed.is_empty() {
        stage.landscape.generation += 1;
    }
    let land = &*stage.landscape;
    for (mut racer, mut trail, mut credit, mut visible, _) in &mut stage.racers {
        if let Some(spec) = opened.racers.get(racer.slot) {
            racer.run = Run::new(
                Optimizer::new(spec.kind, spec.hyper.clone()),
                spec.start,
                land.stop_rules(),
                &land.formula,
            );
            trail.points.clear();
            trail.push(racers::Sample::of(&racer.run));
            *credit = Credit::default();
            *visible = Visibility::Inherited;
        }
    }
    let look = &opened.scene.look;
    if let Some(a) = stage.arrows.as_mut() {
        (a.gradient, a.velocity, a.update) = (look.arrows, look.arrows, look.arrows);
    }
    if let Some(m) = stage.markers.as_mut() {
        m.visible = true;
    }
    if let Some(b) = stage.basins.as_mut() {
        b.shown = look.basins;
    }
    settle(stage, false);
}

/// Steps every racer `n` steps (or, racing by evaluations, `n` steps' worth).
fn step(stage: &mut Stage, n: u32) {
    let land = &*stage.landscape;
    let by_evals = stage.sim.by_evals;
    for (mut racer, mut trail, mut credit, ..) in &mut stage.racers {
        if by_evals {
            racers::spend(&mut racer, &mut trail, &mut credit, n, land);
        } else {
            racers::advance(&mut racer, &mut trail, n, land);
        }
    }
}

/// Each tween's value now, into its racers' hyperparameters or the formula.
fn tweens(stage: &mut Stage) {
    let Some(lesson) = stage.director.lesson.as_ref() else {
        return;
    };
    if lesson.tweens.is_empty() {
        return;
    }
    let values: Vec<(String, Option<usize>, f64)> = lesson
        .tween_values()
        .map(|(t, v)| (t.name.clone(), t.racer, v))
        .collect();
    for (name, racer, v) in values {
        set_value(stage, &name, racer, v);
    }
    if let Some(l) = stage.director.lesson.as_mut() {
        l.retire_tweens();
    }
}

/// A hyperparameter of one racer (1-based) or all, or a formula parameter (the surface is
/// rebuilt; the racers go on across it).
fn set_value(stage: &mut Stage, name: &str, racer: Option<usize>, v: f64) {
    if let Ok(field) = Field::by_name(name) {
        for (mut r, ..) in &mut stage.racers {
            if racer.is_none_or(|k| k == r.slot + 1) && field.get(&r.run.optimizer.hyper) != v {
                field.set(&mut r.run.optimizer.hyper, v).ok();
            }
        }
    } else {
        let f = &mut stage.landscape.formula;
        let now = f
            .params()
            .iter()
            .position(|p| p.name == name)
            .map(|i| f.param_values()[i]);
        if now.is_some_and(|now| now != v) && f.set_param(name, v) {
            stage.landscape.generation += 1;
            for (mut r, ..) in &mut stage.racers {
                r.run.resample(&stage.landscape.formula);
            }
        }
    }
}

/// Carries out beat `i`.
fn fire(stage: &mut Stage, i: usize) {
    let Some(beat) = stage.director.lesson.as_ref().map(|l| l.beats()[i].clone()) else {
        return;
    };
    if let Some(play) = beat.play {
        stage.director.race.paused = !play;
    }
    for (name, v) in &beat.set {
        set_value(stage, name, None, *v);
    }
    for (parts, shown) in [(&beat.show, true), (&beat.hide, false)] {
        for part in parts {
            show(stage, *part, shown);
        }
    }
    if beat.camera.is_some() {
        stage.director.from = Some(current_pose(stage));
    }
    if let Some(t) = &beat.tween {
        set_value(stage, &t.name, t.racer, t.from);
    }
}

fn show(stage: &mut Stage, part: Part, shown: bool) {
    let visibility = if shown {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    match part {
        Part::Racer(k) => {
            for (r, _, _, mut v, _) in &mut stage.racers {
                if r.slot + 1 == k {
                    *v = visibility;
                }
            }
        }
        Part::Racers => {
            for (.., mut v, _) in &mut stage.racers {
                *v = visibility;
            }
        }
        Part::Arrows => {
            if let Some(a) = stage.arrows.as_mut() {
                (a.gradient, a.velocity, a.update) = (shown, shown, shown);
            }
        }
        Part::Markers => {
            if let Some(m) = stage.markers.as_mut() {
                m.visible = shown;
            }
        }
        Part::Basins => {
            if let Some(b) = stage.basins.as_mut() {
                b.shown = shown;
            }
        }
    }
}

/// Where the camera is: the window's orbit camera, or the pose last set.
fn current_pose(stage: &Stage) -> Pose {
    if let Some(c) = stage.camera.as_ref() {
        return Pose {
            yaw: f64::from(c.target_yaw.to_degrees()),
            pitch: f64::from(c.target_pitch.to_degrees()),
            radius: f64::from(c.target_radius),
            focus: c.target_focus,
        };
    }
    stage.director.pose.unwrap_or_else(|| {
        stage
            .director
            .opened
            .as_deref()
            .map_or_else(|| Pose::home(stage.landscape.preset), Pose::of_scene)
    })
}

/// The camera pose the lesson asks for now, while a move is under way or a racer followed.
fn aim(stage: &mut Stage) {
    let Some(lesson) = stage.director.lesson.as_ref() else {
        return;
    };
    let Some((mv, _)) = lesson.camera.as_ref() else {
        return;
    };
    let s = lesson.camera_progress();
    let from = stage.director.from.unwrap_or_else(|| current_pose(stage));
    let to = match &mv.to {
        Shot::Pose {
            yaw,
            pitch,
            radius,
            focus,
        } => Pose {
            yaw: *yaw,
            pitch: *pitch,
            radius: *radius,
            focus: focus.map_or(Vec3::new(0.0, 1.0, 0.0), |f| {
                Vec3::new(f[0] as f32, f[1] as f32, f[2] as f32)
            }),
        },
        Shot::Frame => Pose::home(stage.landscape.preset),
        Shot::Follow(k) => {
            let at = stage
                .racers
                .iter()
                .find(|(r, ..)| r.slot + 1 == *k)
                .map_or(from.focus, |(.., t)| t.translation);
            Pose { focus: at, ..from }
        }
    };
    // The window's camera takes the pose only when it changes, so once a move is over the
    // person may orbit freely (a followed racer keeps moving it).
    stage.director.pose = Some(from.lerp(to, s));
}

/// → or Page Down (a presenter's clicker) and ← or Page Up, while a lesson plays.
fn keys(presses: Res<super::sets::Presses>, mut director: ResMut<Director>) {
    if director.lesson.is_none() {
        return;
    }
    for key in presses.in_order() {
        match key {
            KeyCode::ArrowRight | KeyCode::PageDown => director.cues.push(Cue::Next),
            KeyCode::ArrowLeft | KeyCode::PageUp => director.cues.push(Cue::Back),
            _ => {}
        }
    }
}

/// The window's orbit camera takes each new pose the lesson sets; like F, a camera move
/// leaves the 2D view from above.
fn pose_camera(
    director: Res<Director>,
    mut applied: Local<Option<Pose>>,
    mut camera: Single<&mut bevy_panorbit_camera::PanOrbitCamera>,
    mut top_down: ResMut<super::camera::TopDown>,
) {
    let Some(pose) = director.pose.filter(|p| Some(*p) != *applied) else {
        return;
    };
    if top_down.0 {
        // Back to 3D first (that restores the orbit); the pose follows in the next frame.
        top_down.0 = false;
        return;
    }
    *applied = Some(pose);
    super::camera::pose(&mut camera, [pose.yaw, pose.pitch, pose.radius]);
    camera.target_focus = pose.focus;
    if !camera.initialized {
        camera.focus = pose.focus;
    }
}

/// A ring around the highlighted racer's ball, facing the camera.
fn halo(
    director: Res<Director>,
    mut gizmos: Gizmos<super::balls::OverlayGizmos>,
    cameras: Query<&Transform, (With<Camera3d>, Without<Racer>)>,
    racers: Query<(&Racer, &Transform, &InheritedVisibility)>,
) {
    let Some(k) = director.lesson.as_ref().and_then(|l| l.highlight) else {
        return;
    };
    let Some(eye) = cameras.iter().next() else {
        return;
    };
    for (r, at, shown) in &racers {
        if r.slot + 1 != k || !shown.get() {
            continue;
        }
        // This frame's places (the global transforms follow only after the frame).
        let at = at.translation;
        let facing = Quat::from_rotation_arc(Vec3::Z, (eye.translation - at).normalize_or(Vec3::Y));
        let radius = super::balls::BALL_RADIUS * at.distance(eye.translation) / 9.0;
        for (grow, alpha) in [(2.2, 1.0), (2.6, 0.5)] {
            gizmos.circle(
                Isometry3d::new(at, facing),
                radius * grow,
                Color::srgba(1.0, 0.95, 0.55, alpha),
            );
        }
    }
}

#[cfg(test)]
mod tests;
