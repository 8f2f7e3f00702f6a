//! The director on a headless stage: → and ← through the real key path, beats reached in
//! the same state however they are reached, and the race's steps and tweens where the
//! lesson clock puts them (checked against gradient descent's closed form on a quadratic).

use super::*;
use crate::app::press_key;
use crate::core::landscape::{Landscape as Launched, LandscapeSpec};
use crate::core::optim::run::Run;
use crate::core::scene;
use bevy::input::ButtonState;
use bevy::time::TimeUpdateStrategy;

/// GD and momentum on x² + 3y²: one caption, a click, a tween of GD's rate, a prediction,
/// a racer hidden.
const LESSON: &str = r#"Scene(
    version: 3,
    name: "lesson",
    landscape: (formula: Some("x^2 + 3*y^2"), domain: Some((-2.0, 2.0, -2.0, 2.0))),
    racers: [
        (optimizer: gd, start: (1.5, 1.0), hyper: {"lr": 0.05}),
        (optimizer: momentum, start: (1.5, 1.0), hyper: {"lr": 0.05}),
    ],
    speed: 30.0,
    timeline: [
        (at: 0, caption: "one"),
        (at: 1, click: true, caption: "two"),
        (at: 2, caption: "three", tween: (name: "lr", racer: 1, from: 0.01, to: 0.1, over: 2)),
        (at: 3, predict: "Where does it stop?"),
        (at: 4, hide: [Racer(2)], caption: "four"),
    ],
)"#;

/// A stage that opened `scene`, its frames 1/30 s apart; `playing` false: the clock moves
/// only when → or ← moves it.
fn stage_of(scene: scene::Loaded, playing: bool) -> App {
    let default = Launched::new(&LandscapeSpec::default()).unwrap();
    let mut app = crate::app::headless_scene(default, Some(scene));
    app.add_plugins(bevy::input::InputPlugin)
        .add_systems(Update, keys.in_set(AppSet::Input))
        .insert_resource(TimeUpdateStrategy::ManualDuration(
            std::time::Duration::from_secs_f64(1.0 / 30.0),
        ));
    app.world_mut().resource_mut::<Sim>().playing = playing;
    app.update();
    app.update();
    app
}

/// The stage of [`LESSON`].
fn stage(playing: bool) -> App {
    stage_of(scene::parse(LESSON).unwrap(), playing)
}

/// What a beat is reached in: the clock, the beats fired, the hold, the caption, and each
/// racer's place, steps, rate and visibility.
type State = (
    u64,
    usize,
    Option<Hold>,
    Option<String>,
    Vec<([f64; 2], u64, f64, bool)>,
);

fn state(app: &mut App) -> State {
    let l = app.world().resource::<Director>().lesson.clone().unwrap();
    let mut racers: Vec<_> = app
        .world_mut()
        .query::<(&Racer, &Visibility)>()
        .iter(app.world())
        .map(|(r, v)| {
            let shown = *v != Visibility::Hidden;
            (
                r.slot,
                (r.run.pos, r.run.steps, r.run.optimizer.hyper.lr, shown),
            )
        })
        .collect();
    racers.sort_by_key(|r| r.0);
    let racers = racers.into_iter().map(|r| r.1).collect();
    (
        l.tick,
        l.fired,
        l.hold,
        l.shown_text().map(str::to_string),
        racers,
    )
}

fn key(app: &mut App, code: KeyCode) {
    press_key(app, code, "", ButtonState::Pressed);
    press_key(app, code, "", ButtonState::Released);
}

/// Gradient descent on x² + 3y² from (1.5, 1): each step multiplies x by 1 − 2α and y by
/// 1 − 6α. `rates` gives α for steps 1, 2, ….
fn gd(rates: impl Iterator<Item = f64>) -> [f64; 2] {
    rates.fold([1.5, 1.0], |[x, y], a| {
        [x * (1.0 - 2.0 * a), y * (1.0 - 6.0 * a)]
    })
}

/// GD's rate at step n: 0.05 until the tween begins at 2 s; step n is taken at tick 20n
/// (30 steps a second), with the tween's value there: 0.01 + 0.09 · (20n − 1200)/1200.
fn rate(n: u64) -> f64 {
    if n <= 60 {
        0.05
    } else {
        0.01 + (0.1 - 0.01) * ((20 * n - 1200) as f64 / 600.0 / 2.0)
    }
}

#[test]
fn next_goes_beat_by_beat_and_back_replays_to_the_same_state() {
    let mut app = stage(false);
    let start = state(&mut app);
    assert_eq!((start.0, start.1, start.3.as_deref()), (0, 1, Some("one")));
    let mut reached = vec![start];
    for _ in 0..3 {
        key(&mut app, KeyCode::ArrowRight);
        reached.push(state(&mut app));
    }
    let ticks: Vec<_> = reached.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        ticks,
        [
            (0, 1, None),
            (600, 2, None),
            (1200, 3, None),
            (1800, 4, Some(Hold::Predict))
        ]
    );
    assert_eq!(reached[3].3.as_deref(), Some("Where does it stop?"));
    // The race where the clock puts it: 30 steps a second, GD's rate tweened from 2 s.
    for (s, steps) in reached.iter().zip([0, 30, 60, 90]) {
        let gd_now = &s.4[0];
        assert_eq!(gd_now.1, steps);
        let want = gd((1..=steps).map(rate));
        assert!(
            (gd_now.0[0] - want[0]).abs() < 1e-14 && (gd_now.0[1] - want[1]).abs() < 1e-14,
            "after {steps} steps: {:?}, want {want:?}",
            gd_now.0
        );
    }
    // At 3 s the 2 s tween from 2 s is at its midpoint: (0.01 + 0.1)/2.
    assert!(
        (reached[3].4[0].2 - 0.055).abs() < 1e-15,
        "{}",
        reached[3].4[0].2
    );
    assert_eq!(reached[3].4[1].2, 0.05, "the tween is racer 1's alone");
    // ← replays to the beat before; → comes back to the same state; twice over.
    for _ in 0..2 {
        key(&mut app, KeyCode::ArrowLeft);
        let back = state(&mut app);
        assert_eq!((back.0, back.1, back.2), (1200, 3, Some(Hold::Back)));
        assert_eq!((&back.3, &back.4), (&reached[2].3, &reached[2].4));
        key(&mut app, KeyCode::ArrowRight);
        assert_eq!(state(&mut app), reached[3]);
    }
    // Page Up and Page Down are a clicker's ← and →.
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(state(&mut app).4, reached[1].4);
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(state(&mut app), reached[3]);
    // The answer plays on after a prediction; the last beat hides racer 2.
    key(&mut app, KeyCode::ArrowRight);
    assert_eq!(state(&mut app).2, None);
    key(&mut app, KeyCode::ArrowRight);
    let last = state(&mut app);
    assert_eq!((last.0, last.1, last.3.as_deref()), (2400, 5, Some("four")));
    assert_eq!((last.4[0].3, last.4[1].3), (true, false));
}

#[test]
fn quick_clicks_within_one_frame_are_each_a_beat() {
    let mut one_by_one = stage(false);
    for _ in 0..3 {
        key(&mut one_by_one, KeyCode::ArrowRight);
    }
    let third = state(&mut one_by_one);
    let mut quick = stage(false);
    let next = [KeyCode::PageDown, KeyCode::ArrowRight, KeyCode::PageDown];
    crate::app::taps_in_one_frame(&mut quick, &next);
    assert_eq!(state(&mut quick), third);
    assert_eq!((third.0, third.1), (1800, 4));
    // Back twice in one frame is two beats back, as two frames apart are.
    key(&mut one_by_one, KeyCode::ArrowLeft);
    key(&mut one_by_one, KeyCode::ArrowLeft);
    crate::app::taps_in_one_frame(&mut quick, &[KeyCode::PageUp, KeyCode::ArrowLeft]);
    assert_eq!(state(&mut quick), state(&mut one_by_one));
    assert_eq!(state(&mut quick).1, 2);
}

#[test]
fn a_beat_played_in_real_time_is_reached_in_the_state_the_keys_reach_it_in() {
    let mut keys = stage(false);
    for _ in 0..3 {
        key(&mut keys, KeyCode::ArrowRight);
    }
    let by_keys = state(&mut keys);
    let mut played = stage(true);
    // The click beat at 1 s holds the clock until →.
    for _ in 0..40 {
        played.update();
    }
    assert_eq!(state(&mut played).2, Some(Hold::Click));
    key(&mut played, KeyCode::ArrowRight);
    for _ in 0..80 {
        played.update();
    }
    assert_eq!(state(&mut played), by_keys, "the prediction holds at 3 s");
}

/// A shipped lesson played to its last beat with → alone.
fn to_the_end(name: &str) -> (App, Vec<Run>) {
    let mut app = stage_of(scene::load(name).unwrap(), false);
    for _ in 0..40 {
        let l = app.world().resource::<Director>().lesson.clone().unwrap();
        if l.fired == l.beats().len() && l.hold.is_none() {
            break;
        }
        key(&mut app, KeyCode::ArrowRight);
    }
    let l = app.world().resource::<Director>().lesson.clone().unwrap();
    assert_eq!(l.fired, l.beats().len(), "{name}: → reaches every beat");
    let mut racers: Vec<_> = app
        .world_mut()
        .query::<&Racer>()
        .iter(app.world())
        .map(|r| (r.slot, r.run.clone()))
        .collect();
    racers.sort_by_key(|r| r.0);
    (app, racers.into_iter().map(|r| r.1).collect())
}

#[test]
fn the_shipped_lessons_say_what_the_race_shows_at_their_last_beat() {
    use crate::core::optim::run::Status;
    // Momentum: paused until 5 s, then 6 s at 12 steps/s = 72 steps.
    let (_, r) = to_the_end("momentum-escapes");
    assert_eq!(r[0].steps, 72);
    assert!(
        r[0].loss > -0.5 && r[2].loss > -0.5,
        "GD and Adam in the shallow well"
    );
    assert!(r[1].loss < -1.6, "momentum in the deep one: {}", r[1].loss);
    // Learning rates: 10 s at 10 steps/s.
    let (_, r) = to_the_end("learning-rates");
    assert_eq!(r[0].steps, 100);
    assert!(r[0].loss > 0.1, "too small crawls: {}", r[0].loss);
    assert!(r[1].loss < 1e-6, "about right arrives: {}", r[1].loss);
    assert!(
        matches!(r[2].status, Status::Diverged(_)),
        "too large blows up: {}",
        r[2].status
    );
    // The saddle: 9.5 s at 20 steps/s; GD on the ridge is at the saddle, the others gone.
    let (_, r) = to_the_end("saddle-noise");
    assert!(r[0].pos[0].hypot(r[0].pos[1]) < 1e-3, "{:?}", r[0].pos);
    assert!(matches!(r[0].status, Status::Running | Status::Stalled(_)));
    assert!(r[1].pos[1].abs() > 1.0 && r[2].pos[1].abs() > 1.0);
}

#[test]
fn edited_beats_replay_to_where_the_lesson_was_and_save_with_the_scene() {
    let mut app = stage(false);
    key(&mut app, KeyCode::ArrowRight);
    key(&mut app, KeyCode::ArrowRight);
    let at_three = state(&mut app);
    let mut beats = app.world().resource::<Director>().beats().to_vec();
    beats[0].caption = Some("the first, rewritten".into());
    beats.remove(4);
    app.world_mut()
        .resource_mut::<Director>()
        .edit(beats.clone(), 3);
    app.update();
    let again = state(&mut app);
    assert_eq!((again.0, again.1, &again.4), (at_three.0, 3, &at_three.4));
    let dir = std::env::temp_dir().join(format!("gradscape-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lesson.ron");
    app.world_mut()
        .write_message(crate::app::scene::SceneRequest::Save(
            path.display().to_string(),
        ));
    app.update();
    let saved = scene::load(path.to_str().unwrap()).unwrap();
    assert_eq!(saved.scene.timeline, beats);
    // The racers' own rates, not the tween's value of the moment they were saved at.
    assert_eq!(saved.racers[0].hyper.lr, 0.05);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_parameter_tween_morphs_the_surface_under_racers_that_run_on() {
    let text = r#"Scene(
        version: 3,
        name: "morph",
        landscape: (formula: Some("a*x^2 + y^2"), params: {"a": 1.0}, domain: Some((-2.0, 2.0, -2.0, 2.0))),
        racers: [(optimizer: gd, start: (1.5, 1.0), hyper: {"lr": 0.05})],
        speed: 30.0,
        timeline: [
            (at: 0, tween: (name: "a", from: 1, to: 3, over: 2), show: [Basins]),
            (at: 1, predict: "What does a steeper valley do to the ball?"),
        ],
    )"#;
    let mut app = stage_of(scene::parse(text).unwrap(), false);
    let generation = app.world().resource::<Landscape>().generation;
    key(&mut app, KeyCode::ArrowRight);
    let land = app.world().resource::<Landscape>();
    // Halfway through the tween: a = 2; the surface is rebuilt, the race not restarted.
    assert_eq!(land.formula.param_values(), [2.0]);
    assert!(land.generation > generation);
    assert!(app.world().resource::<crate::app::basins::BasinMap>().shown);
    let s = state(&mut app);
    assert_eq!(
        s.4[0].1, 30,
        "30 steps in the first second, none lost to a restart"
    );
    // Each step multiplies x by 1 − 2·α·a(t) with a at the step's tick (step n at tick 20n).
    let x = (1..=30u32).fold(1.5, |x, n| {
        x * (1.0 - 2.0 * 0.05 * (1.0 + 2.0 * f64::from(20 * n) / 1200.0))
    });
    assert!((s.4[0].0[0] - x).abs() < 1e-14, "{} vs {x}", s.4[0].0[0]);
    // ← goes back to the first beat: the tween starts again from a = 1.
    key(&mut app, KeyCode::ArrowLeft);
    assert_eq!(
        app.world().resource::<Landscape>().formula.param_values(),
        [1.0]
    );
    assert_eq!(state(&mut app).4[0].1, 0);
}

#[test]
fn another_landscape_ends_the_lesson_and_the_race_runs_on_its_own() {
    let mut app = stage(true);
    app.world_mut().resource_mut::<Landscape>().changed_math();
    app.update();
    assert!(app.world().resource::<Director>().lesson.is_none());
    assert!(!app.world().resource::<Sim>().directed);
    let steps = |app: &mut App| {
        app.world_mut()
            .query::<&Racer>()
            .iter(app.world())
            .map(|r| r.run.steps)
            .max()
    };
    let before = steps(&mut app);
    for _ in 0..10 {
        app.update();
    }
    assert!(steps(&mut app) > before, "the race steps by itself again");
}

#[test]
fn a_beat_written_on_a_stage_that_was_never_a_scene_starts_a_lesson_of_it() {
    let default = Launched::new(&LandscapeSpec::default()).unwrap();
    let mut app = crate::app::headless(default);
    app.add_plugins(crate::app::racers::opening_plugin(None));
    app.update();
    app.update();
    assert!(app.world().resource::<Director>().lesson.is_none());
    let beat = crate::core::timeline::Beat {
        caption: Some("Where does each ball go?".into()),
        ..Default::default()
    };
    app.world_mut()
        .resource_mut::<Director>()
        .edit(vec![beat], 1);
    for _ in 0..3 {
        app.update();
    }
    let d = app.world().resource::<Director>();
    let l = d.lesson.as_ref().expect("a lesson of the stage");
    assert_eq!((l.fired, l.hold), (1, Some(Hold::Back)));
    assert_eq!(l.caption.as_deref(), Some("Where does each ball go?"));
    assert!(app.world().resource::<Sim>().directed);
}

#[test]
fn s_steps_a_paused_lesson_by_one_race_step() {
    let mut app = stage(false);
    key(&mut app, KeyCode::ArrowRight);
    let before = state(&mut app);
    assert_eq!((before.0, before.4[0].1), (600, 30));
    key(&mut app, KeyCode::KeyS);
    let after = state(&mut app);
    // 30 steps a second: one step is 20 ticks of the lesson clock.
    assert_eq!((after.0, after.4[0].1), (620, 31));
    let want = gd((1..=31).map(rate));
    assert!((after.4[0].0[0] - want[0]).abs() < 1e-14);
}
