//! Scenes in the app: one message opens a checked scene (at start-up, from the panel, in a
//! recording) and one system applies it; one read-only view of what is on screen captures it,
//! for saving and recording.

use super::arrows::Arrows;
use super::camera::TopDown;
use super::landscape::Landscape;
use super::racers::{NewRace, Racer, Sim};
use super::sets::{AppSet, StartSet};
use super::surface::Look;
use crate::core::landscape::DataSource;
use crate::core::race::RacerSpec;
use crate::core::scene::{self, Loaded, Scene, SceneData, SceneLandscape, SceneLook, SceneRacer};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_panorbit_camera::PanOrbitCamera;

pub mod record;

/// Replaces everything on screen with a checked scene.
#[derive(Message, Clone)]
pub struct OpenScene(pub Box<Loaded>);

/// Writes what is on screen somewhere: a scene file, or a recording of it.
#[derive(Message, Clone)]
pub enum SceneRequest {
    /// Save to this path (`.ron` added when it has no extension).
    Save(String),
    /// Record with the desk's settings, in a child process.
    Record,
}

/// The name of the scene opened, shown in the title until the landscape's mathematics
/// changes (`revision` is the landscape's revision when it was opened).
#[derive(Resource, Default)]
pub struct SceneName {
    pub name: Option<String>,
    pub revision: u64,
}

impl SceneName {
    /// The scene's name while its landscape is unchanged.
    pub fn current(&self, landscape: &Landscape) -> Option<&str> {
        self.name
            .as_deref()
            .filter(|_| landscape.revision == self.revision)
    }
}

/// The scene desk: the file named, the last open or save's message and the recording; the
/// panel edits it, this plugin carries out what it asks.
#[derive(Resource, Default)]
pub struct SceneDesk {
    pub path: String,
    pub message: Option<Result<String, String>>,
    /// Open the scene section next frame (a file was dropped on the window).
    pub reveal: bool,
    pub record: record::RecordBox,
}

pub(super) fn plugin(opening: Option<Loaded>) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.add_message::<OpenScene>()
            .add_message::<SceneRequest>()
            .init_resource::<SceneName>()
            .init_resource::<SceneDesk>()
            .init_resource::<Look>()
            .insert_resource(FirstScene(opening.clone().map(Box::new)))
            .add_systems(Startup, open_first.in_set(StartSet::Open))
            .add_systems(Update, open.in_set(AppSet::Input))
            .add_systems(Update, (requests, poll_recording).in_set(AppSet::Present));
    }
}

/// The scene the app opens with, applied once at start-up.
#[derive(Resource)]
struct FirstScene(Option<Box<Loaded>>);

/// What opening a scene changes. The window's parts (the 2D view, the arrows, the orbit
/// camera) are optional: a recording has none of them.
#[derive(SystemParam)]
struct Stage<'w, 's> {
    landscape: ResMut<'w, Landscape>,
    look: ResMut<'w, Look>,
    sim: ResMut<'w, Sim>,
    name: ResMut<'w, SceneName>,
    race: MessageWriter<'w, NewRace>,
    top_down: Option<ResMut<'w, TopDown>>,
    arrows: Option<ResMut<'w, Arrows>>,
    basins: Option<ResMut<'w, super::basins::BasinMap>>,
    sweeps: Option<ResMut<'w, super::sweeps::Sweeps>>,
    camera: Option<Single<'w, 's, &'static mut PanOrbitCamera>>,
    director: Option<ResMut<'w, super::lesson::Director>>,
}

fn open_first(mut first: ResMut<FirstScene>, mut stage: Stage) {
    if let Some(l) = first.0.take() {
        apply(&l, &mut stage);
    }
}

/// Applies the last scene opened this frame.
fn open(mut messages: MessageReader<OpenScene>, mut stage: Stage) {
    if let Some(OpenScene(l)) = messages.read().last() {
        apply(l, &mut stage);
    }
}

/// Replaces what is on stage with the scene: landscape, look, speed, camera and racers.
fn apply(l: &Loaded, stage: &mut Stage) {
    let s = &l.scene;
    let land = &mut stage.landscape;
    land.resolution = s.landscape.resolution;
    land.vertical_scale = s.look.vertical_scale;
    land.replace(l.landscape.clone(), l.z_scale);
    *stage.look = Look {
        colormap: s.look.colormap,
        contours: s.look.contours,
        grid: s.look.grid,
        floor: s.look.floor,
    };
    if let Some(t) = stage.top_down.as_mut() {
        t.0 = s.look.top_down;
    }
    if let Some(a) = stage.arrows.as_mut() {
        (a.gradient, a.velocity, a.update) = (s.look.arrows, s.look.arrows, s.look.arrows);
    }
    if let Some(b) = stage.basins.as_mut() {
        b.shown = s.look.basins;
    }
    if let Some(w) = stage.sweeps.as_mut() {
        w.shown = s.look.sweep;
    }
    stage.sim.steps_per_second = s.speed;
    stage.sim.by_evals = s.by_evaluations;
    if let Some(camera) = stage.camera.as_mut() {
        match s.camera {
            Some(p) => super::camera::pose(camera, p),
            None => super::camera::frame(camera, land),
        }
    }
    *stage.name = SceneName {
        name: Some(s.name.clone()),
        revision: land.revision,
    };
    stage.race.write(NewRace(l.racers.clone()));
    if let Some(d) = stage.director.as_mut() {
        d.open(l);
    }
}

/// What is on screen, read-only: everything a scene file records.
#[derive(SystemParam)]
pub struct Showing<'w, 's> {
    landscape: Res<'w, Landscape>,
    look: Res<'w, Look>,
    sim: Res<'w, Sim>,
    name: Res<'w, SceneName>,
    racers: Query<'w, 's, &'static Racer>,
    top_down: Option<Res<'w, TopDown>>,
    arrows: Option<Res<'w, Arrows>>,
    basins: Option<Res<'w, super::basins::BasinMap>>,
    sweeps: Option<Res<'w, super::sweeps::Sweeps>>,
    camera: Option<Single<'w, 's, &'static PanOrbitCamera>>,
}

impl Showing<'_, '_> {
    /// The current state as a scene, racers in line-up order.
    pub fn scene(&self) -> Scene {
        let land = &*self.landscape;
        let name = self.name.current(land).map_or_else(
            || {
                land.preset
                    .map_or("My scene".into(), |p| p.title.to_string())
            },
            str::to_string,
        );
        let mut racers: Vec<&Racer> = self.racers.iter().collect();
        racers.sort_by_key(|r| r.slot);
        let f = &land.formula;
        let d = land.domain;
        Scene {
            version: scene::VERSION,
            name,
            description: String::new(),
            landscape: match f.stage() {
                // The plane is fitted again on opening, on the same deterministic race.
                Some(stage) => SceneLandscape {
                    network: Some(stage.spec.clone()),
                    ..landscape_part(land, None, None, None)
                },
                None => landscape_part(
                    land,
                    land.data.is_none().then(|| f.source().to_string()),
                    land.data.as_ref().map(|d| scene_data(d, f)),
                    Some([d.x[0], d.x[1], d.y[0], d.y[1]]),
                ),
            },
            look: SceneLook {
                colormap: self.look.colormap,
                contours: self.look.contours,
                grid: self.look.grid,
                floor: self.look.floor,
                vertical_scale: land.vertical_scale,
                top_down: self.top_down.as_ref().is_some_and(|t| t.0),
                arrows: self.arrows.as_ref().is_some_and(|a| a.any()),
                basins: self.basins.as_ref().is_some_and(|b| b.shown),
                sweep: self.sweeps.as_ref().is_some_and(|w| w.shown),
            },
            racers: racers
                .iter()
                .map(|r| SceneRacer::from_spec(&spec(r)))
                .map(|r| match f.stage() {
                    Some(_) => SceneRacer { start: None, ..r },
                    None => r,
                })
                .collect(),
            speed: self.sim.steps_per_second,
            by_evaluations: self.sim.by_evals,
            duration: None,
            timeline: Vec::new(),
            camera: self.camera.as_ref().map(|c| {
                [
                    f64::from(c.target_yaw.to_degrees()),
                    f64::from(c.target_pitch.to_degrees()),
                    f64::from(c.target_radius),
                ]
            }),
        }
    }
}

/// The landscape's part of a scene: what it is made of, its parameters, scale and
/// resolution.
fn landscape_part(
    land: &Landscape,
    formula: Option<String>,
    data: Option<SceneData>,
    domain: Option<[f64; 4]>,
) -> SceneLandscape {
    SceneLandscape {
        preset: land.preset.map(|p| p.name.to_string()),
        formula,
        data,
        params: land
            .formula
            .named_values()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
        domain,
        z_scale: Some(land.z_scale),
        resolution: land.resolution,
        network: None,
    }
}

/// Where the rows came from, and the loss over them.
fn scene_data(source: &DataSource, f: &crate::core::expr::Formula) -> SceneData {
    let [a, b] = f.axes();
    let (source, seed) = match source {
        DataSource::Builtin { name, seed } => (name.clone(), *seed),
        DataSource::Csv(path) => (path.display().to_string(), 0),
    };
    SceneData {
        source,
        seed,
        loss: Some(f.source().to_string()),
        axes: Some((a.to_string(), b.to_string())),
    }
}

/// The racer as it was set off: optimizer, settings, start and name.
fn spec(r: &Racer) -> RacerSpec {
    RacerSpec {
        kind: r.run.optimizer.kind,
        hyper: r.run.optimizer.hyper.clone(),
        start: r.run.start,
        label: r.label.clone(),
        init_seed: r.init_seed,
    }
}

/// Saves or records what is on screen, with the lesson's beats, as the panel asked; and
/// gives the director a scene to replay from when beats are written on a stage that was
/// never a scene.
fn requests(
    mut messages: MessageReader<SceneRequest>,
    showing: Showing,
    mut desk: ResMut<SceneDesk>,
    mut director: Option<ResMut<super::lesson::Director>>,
) {
    if let Some(d) = director.as_mut()
        && let Some((beats, at)) = d.unplaced.take()
    {
        let mut now = showing.scene();
        now.timeline = beats;
        match scene::parse(&scene::to_text(&now)) {
            Ok(loaded) => {
                d.open(&loaded);
                d.replay_to(at);
            }
            Err(e) => desk.message = Some(Err(e.to_string())),
        }
    }
    for request in messages.read() {
        let mut now = showing.scene();
        if let Some(d) = director.as_ref() {
            now.timeline = d.beats().to_vec();
            d.as_opened(&mut now);
        }
        match request {
            SceneRequest::Save(path) => desk.message = Some(save(path, &now)),
            SceneRequest::Record => desk.record.message = Some(desk.record.start(&now)),
        }
    }
}

fn poll_recording(mut desk: ResMut<SceneDesk>) {
    desk.record.poll();
}

/// Writes the scene to `path` (adding `.ron` when it has no extension).
pub fn save(path: &str, scene: &Scene) -> Result<String, String> {
    let mut p = std::path::PathBuf::from(path.trim());
    if p.as_os_str().is_empty() {
        return Err("type a file name first".into());
    }
    if p.extension().is_none() {
        p.set_extension("ron");
    }
    let (placed, warning) = scene::placed(scene.clone(), &p);
    std::fs::write(&p, scene::to_text(&placed)).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(match warning {
        Some(w) => format!("saved {}; {w}", p.display()),
        None => format!("saved {}", p.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::landscape::Surface;
    use crate::core::landscape::{Landscape as Launched, LandscapeSpec};
    use crate::core::optim::Kind;

    /// A scene unlike the default landscape in every field the app applies.
    const SCENE: &str = r#"(
        version: 1,
        name: "Tilted bowl",
        landscape: (
            formula: Some("a*x^2 + y^2 + 0.5*x"),
            params: {"a": 3.0},
            domain: Some((-3.0, 1.0, -2.0, 2.0)),
            resolution: 96,
        ),
        look: (colormap: magma, contours: 12, grid: true, floor: false, vertical_scale: 1.5),
        racers: [
            (optimizer: sgd, start: (-2.5, 1.5), label: Some("noisy"), hyper: {"lr": 0.03, "noise": 0.2, "seed": 9.0}, schedule: Some("cosine:200:0.001")),
            (optimizer: adam, start: (0.5, -1.0), hyper: {"lr": 0.1}),
        ],
        speed: 12.0,
    )"#;

    /// An app that opened the scene at start-up, or from a message after running a while.
    fn app_opening(text: &str, at_start_up: bool) -> App {
        let default = Launched::new(&LandscapeSpec::default()).unwrap();
        let loaded = scene::parse(text).unwrap();
        let mut app = if at_start_up {
            crate::app::headless_scene(default, Some(loaded))
        } else {
            let mut app = crate::app::headless(default);
            app.update();
            app.world_mut().write_message(OpenScene(Box::new(loaded)));
            app
        };
        app.update();
        app.update();
        app
    }

    type Racers = Vec<(usize, String, Kind, [f64; 2])>;
    type Land = (String, Vec<f64>, crate::core::surface::Domain, usize, f64);

    /// Everything opening a scene sets, as data.
    fn staged(app: &mut App) -> (Land, Look, Option<String>, f64, Racers) {
        let land = app.world().resource::<Landscape>();
        let look = app.world().resource::<Look>().clone();
        let name = app
            .world()
            .resource::<SceneName>()
            .current(land)
            .map(str::to_string);
        let l = (
            land.formula.source().to_string(),
            land.formula.param_values().to_vec(),
            land.domain,
            land.resolution,
            land.vertical_scale,
        );
        let speed = app.world().resource::<Sim>().steps_per_second;
        let mut racers: Vec<_> = app
            .world_mut()
            .query::<&Racer>()
            .iter(app.world())
            .map(|r| (r.slot, r.label.clone(), r.run.optimizer.kind, r.run.start))
            .collect();
        racers.sort_by_key(|r| r.0);
        (l, look, name, speed, racers)
    }

    #[test]
    fn a_scene_opens_the_same_at_start_up_and_from_the_panel() {
        let mut first = app_opening(SCENE, true);
        let mut later = app_opening(SCENE, false);
        assert_eq!(staged(&mut first), staged(&mut later));
        let (l, look, name, speed, racers) = staged(&mut first);
        assert_eq!(l.0, "a*x^2 + y^2 + 0.5*x");
        assert_eq!(l.1, [3.0]);
        assert_eq!((l.2.x, l.2.y), ([-3.0, 1.0], [-2.0, 2.0]));
        assert_eq!((l.3, l.4), (96, 1.5));
        assert_eq!((look.contours, look.grid, look.floor), (12, true, false));
        assert_eq!((name.as_deref(), speed), (Some("Tilted bowl"), 12.0));
        assert_eq!(racers.len(), 2);
        assert_eq!(racers[0], (0, "noisy".into(), Kind::Sgd, [-2.5, 1.5]));
        assert_eq!((racers[1].0, racers[1].2), (1, Kind::Adam));
    }

    #[test]
    fn a_scene_opened_at_start_up_is_the_first_surface() {
        let app = app_opening(SCENE, true);
        let land = app.world().resource::<Landscape>();
        // Built before the first frame from the scene's landscape, not the default one:
        // f = 3x² + y² + x/2 has its one minimum at x = −1/12.
        let surface = app.world().resource::<Surface>();
        assert_eq!((surface.generation, surface.grid.n), (land.generation, 96));
        assert_eq!(surface.critical.len(), 1);
        assert!((surface.critical[0].pos[0] + 1.0 / 12.0).abs() < 1e-9);
    }

    #[test]
    fn a_saved_scene_opens_to_the_same_landscape_racers_and_look() {
        let mut app = app_opening(SCENE, false);
        let dir = std::env::temp_dir().join(format!("gradscape-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mine");
        app.world_mut()
            .write_message(SceneRequest::Save(path.display().to_string()));
        app.update();
        let said = app.world().resource::<SceneDesk>().message.clone();
        let said = said.unwrap().unwrap();
        assert!(said.ends_with("mine.ron"), "{said}");
        let again = scene::load(dir.join("mine.ron").to_str().unwrap()).unwrap();
        let first = scene::parse(SCENE).unwrap();
        assert_eq!(again.scene.name, "Tilted bowl");
        assert_eq!(
            again.landscape.formula.param_values(),
            first.landscape.formula.param_values()
        );
        assert_eq!(again.landscape.domain, first.landscape.domain);
        assert_eq!(again.racers, first.racers);
        assert_eq!(again.scene.look, first.scene.look);
        assert_eq!(
            (again.scene.speed, again.scene.landscape.resolution),
            (12.0, 96)
        );
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            save("  ", &again.scene).unwrap_err(),
            "type a file name first"
        );
    }

    #[test]
    fn changing_the_landscape_drops_the_scene_name() {
        let mut app = app_opening(SCENE, true);
        app.world_mut().resource_mut::<Landscape>().changed_math();
        let land = app.world().resource::<Landscape>();
        assert_eq!(app.world().resource::<SceneName>().current(land), None);
    }

    /// A network scene's plane is fitted on its race once, when it opens: the race it then
    /// starts is that race, so nothing is fitted again (a second pilot would be a wait for
    /// nothing), at start-up and from the panel alike.
    #[test]
    fn a_network_scene_is_fitted_once() {
        for name in ["network-learns", "batch-noise-network"] {
            let text = scene::SHIPPED.iter().find(|(n, _)| *n == name).unwrap().1;
            for at_start_up in [true, false] {
                let mut app = app_opening(text, at_start_up);
                let revision = app.world().resource::<Landscape>().revision;
                // The default landscape's revision 0, then the scene's network: one fit.
                assert_eq!(revision, 1, "{name}, at start-up {at_start_up}");
                app.world_mut()
                    .write_message(crate::app::racers::Restart(None));
                for _ in 0..3 {
                    app.update();
                }
                let land = app.world().resource::<Landscape>();
                assert_eq!(land.revision, revision, "{name}, at start-up {at_start_up}");
                assert!(land.formula.stage().is_some());
            }
        }
    }
}
