//! The basin map: the first racer's optimizer run from every start of a grid, each start
//! coloured by the stationary point it reaches (`core::atlas`), drawn on the surface by its
//! shader and so in the 2D view too. A 32² map comes first, then 512² in the background;
//! a new formula, domain or hyperparameter cancels the stale map and starts again. B toggles.

use super::landscape::{Landscape, Surface};
use super::racers::Racer;
use super::sets::AppSet;
use super::surface::{SurfaceMaterial, SurfaceMesh};
use crate::core::atlas::{self, End, Plan, Watch};
use crate::core::optim::run::StopRules;
use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future::poll_once};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Starts per side of the first map and of the refined one.
pub const SIDES: [usize; 2] = [32, 512];
/// Steps each start may take before it counts as not settled.
pub const MAP_STEPS: u64 = 1000;

/// What a map was made for; any change makes it stale.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    revision: u64,
    /// The surface's stationary points are found with it, in the background: a map of the
    /// new formula waits for them, or its basins would be numbered by the old ones.
    surface: u64,
    plan_kind: crate::core::optim::Kind,
    hyper: crate::core::optim::Hyper,
    rules: StopRules,
}

struct Job {
    task: Task<Option<Vec<End>>>,
    watch: Arc<Watch>,
    side: usize,
}

/// The map's state: shown or not, the work under way, and the latest finished map.
#[derive(Resource, Default)]
pub struct BasinMap {
    pub shown: bool,
    /// Make the fine map at once, in the frame that asks (recordings: the same frames on
    /// every machine), instead of coarse first and fine in the background.
    pub blocking: bool,
    key: Option<Key>,
    job: Option<Job>,
    /// The latest map: starts per side and a colour per start, row 0 at the domain's ymin.
    pub done: Option<(usize, Vec<[u8; 3]>)>,
    /// Bumped with every finished map, so the texture is rewritten only then.
    pub generation: u64,
}

impl BasinMap {
    /// A map made at once when asked for: a recording's.
    pub fn blocking() -> BasinMap {
        BasinMap {
            blocking: true,
            ..BasinMap::default()
        }
    }

    /// The side being computed and the share of its starts done, while a map is under way.
    pub fn progress(&self) -> Option<(usize, f64)> {
        self.job.as_ref().map(|j| {
            let done = j.watch.done.load(Ordering::Relaxed) as f64;
            (j.side, done / (j.side * j.side) as f64)
        })
    }

    /// Stops the work under way: its result will be dropped.
    fn cancel(&mut self) {
        if let Some(job) = self.job.take() {
            job.watch.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The watch of the work under way (tests check that a stale one was cancelled).
    pub fn watch(&self) -> Option<Arc<Watch>> {
        self.job.as_ref().map(|j| j.watch.clone())
    }
}

/// The map's computation, without drawing: what headless tests add.
pub(super) fn compute(app: &mut App) {
    app.init_resource::<BasinMap>()
        .add_systems(Update, (plan, collect).chain().in_set(AppSet::Rebuild));
}

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(drawing).add_systems(
        Update,
        key.in_set(AppSet::Input).run_if(super::sets::keys_free),
    );
}

/// The map made and painted on the surface, with no keys: what recordings add.
pub(super) fn drawing(app: &mut App) {
    app.add_plugins(compute)
        .add_systems(Update, paint.in_set(AppSet::Present));
}

/// B shows or hides the basin map.
fn key(keys: Res<ButtonInput<KeyCode>>, mut map: ResMut<BasinMap>) {
    if keys.just_pressed(KeyCode::KeyB) {
        map.shown = !map.shown;
    }
}

/// The racer whose optimizer the map runs: the first in the line-up.
fn lead(racers: &Query<&Racer>) -> Option<Plan> {
    let r = racers.iter().min_by_key(|r| r.slot)?;
    Some(Plan {
        kind: r.run.optimizer.kind,
        hyper: r.run.optimizer.hyper.clone(),
        rules: StopRules {
            max_steps: Some(MAP_STEPS),
            ..r.run.rules.clone()
        },
    })
}

/// Starts a map when one is wanted and the current one is stale; cancels stale work.
fn plan(
    mut map: ResMut<BasinMap>,
    landscape: Res<Landscape>,
    surface: Res<Surface>,
    racers: Query<&Racer>,
) {
    let Some(plan) = lead(&racers).filter(|_| map.shown) else {
        map.cancel();
        map.key = None;
        return;
    };
    if surface.generation != landscape.generation {
        return;
    }
    let key = Key {
        revision: landscape.revision,
        surface: surface.generation,
        plan_kind: plan.kind,
        hyper: plan.hyper.clone(),
        rules: plan.rules.clone(),
    };
    if map.key.as_ref() == Some(&key) {
        return;
    }
    map.cancel();
    map.key = Some(key);
    if map.blocking {
        let side = SIDES[1];
        let (f, d) = (&landscape.formula, landscape.domain);
        if let Some(ends) = atlas::basins(f, d, &surface.critical, &plan, side, &Watch::default()) {
            map.done = Some((
                side,
                ends.iter().map(|e| atlas::colour(e, MAP_STEPS)).collect(),
            ));
            map.generation += 1;
        }
        return;
    }
    map.job = Some(spawn(&landscape, &surface, plan, SIDES[0]));
}

fn spawn(landscape: &Landscape, surface: &Surface, plan: Plan, side: usize) -> Job {
    let (f, domain) = (landscape.formula.clone(), landscape.domain);
    let points = surface.critical.clone();
    let watch = Arc::new(Watch::default());
    let w = watch.clone();
    let task = AsyncComputeTaskPool::get()
        .spawn(async move { atlas::basins(&f, domain, &points, &plan, side, &w) });
    Job { task, watch, side }
}

/// Takes a finished map; after the first, starts the refined one.
fn collect(
    mut map: ResMut<BasinMap>,
    landscape: Res<Landscape>,
    surface: Res<Surface>,
    racers: Query<&Racer>,
) {
    let Some(job) = map.job.as_mut() else {
        return;
    };
    let Some(result) = block_on(poll_once(&mut job.task)) else {
        return;
    };
    let side = job.side;
    map.job = None;
    // A cancelled map never lands (its job was dropped from `map` already).
    let Some(ends) = result else {
        return;
    };
    let colours = ends.iter().map(|e| atlas::colour(e, MAP_STEPS)).collect();
    map.done = Some((side, colours));
    map.generation += 1;
    if side == SIDES[0]
        && let Some(plan) = lead(&racers)
    {
        map.job = Some(spawn(&landscape, &surface, plan, SIDES[1]));
    }
}

/// The map as an image, y up: the grid's first row (y = ymin) is the image's last.
pub fn image_bytes(side: usize, colours: &[[u8; 3]]) -> Vec<u8> {
    (0..side)
        .rev()
        .flat_map(|row| &colours[row * side..(row + 1) * side])
        .flat_map(|&[r, g, b]| [r, g, b, 255])
        .collect()
}

/// Hands the newest map to the surface's shader, and switches it on or off.
fn paint(
    map: Res<BasinMap>,
    mut painted: Local<(u64, bool)>,
    mut images: ResMut<Assets<Image>>,
    surfaces: Query<&MeshMaterial3d<SurfaceMaterial>, With<SurfaceMesh>>,
    mut materials: ResMut<Assets<SurfaceMaterial>>,
) {
    let on = map.shown && map.done.is_some();
    if *painted == (map.generation, on) {
        return;
    }
    let fresh = painted.0 != map.generation;
    *painted = (map.generation, on);
    let image = match (&map.done, fresh) {
        (Some((side, colours)), true) => {
            let size = Extent3d {
                width: *side as u32,
                height: *side as u32,
                depth_or_array_layers: 1,
            };
            let bytes = image_bytes(*side, colours);
            let usage = RenderAssetUsages::RENDER_WORLD;
            let img = Image::new(
                size,
                TextureDimension::D2,
                bytes,
                TextureFormat::Rgba8Unorm,
                usage,
            );
            Some(images.add(img))
        }
        _ => None,
    };
    for handle in &surfaces {
        if let Some(mut m) = materials.get_mut(&handle.0) {
            if let Some(image) = &image {
                m.extension.basins = Some(image.clone());
            }
            m.extension.look.basins = if on { 1.0 } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::racers::{NewRace, Sim};
    use crate::core::optim::{Hyper, Kind};
    use crate::core::race::RacerSpec;

    fn app_on_himmelblau(lr: f64) -> App {
        let land = crate::core::landscape::Landscape::of_preset("himmelblau").unwrap();
        let mut app = crate::app::headless(land);
        let mut sim = Sim::fixed(1);
        sim.playing = false;
        app.insert_resource(sim);
        let hyper = Hyper {
            lr,
            ..Hyper::defaults(Kind::Gd)
        };
        let spec = RacerSpec::new(Kind::Gd, hyper, [0.0, 0.0]);
        app.world_mut().write_message(NewRace(vec![spec]));
        app.update();
        app
    }

    /// Updates until a new map of `side` starts lands (at most a minute).
    fn until_done(app: &mut App, side: usize) -> Vec<[u8; 3]> {
        let t = std::time::Instant::now();
        let before = app.world().resource::<BasinMap>().generation;
        loop {
            app.update();
            let map = app.world().resource::<BasinMap>();
            if let Some((s, colours)) = &map.done
                && *s == side
                && map.generation > before
            {
                return colours.clone();
            }
            assert!(t.elapsed().as_secs() < 60, "no {side}² map");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    fn set_lr(app: &mut App, lr: f64) {
        let mut q = app.world_mut().query::<&mut Racer>();
        for mut r in q.iter_mut(app.world_mut()) {
            r.run.optimizer.hyper.lr = lr;
        }
    }

    /// The map core::atlas makes for the same plan: what the app must show.
    fn expected(app: &App, lr: f64, side: usize) -> Vec<[u8; 3]> {
        let land = app.world().resource::<Landscape>();
        let points = &app.world().resource::<Surface>().critical;
        let plan = Plan {
            kind: Kind::Gd,
            hyper: Hyper {
                lr,
                ..Hyper::defaults(Kind::Gd)
            },
            rules: StopRules {
                max_steps: Some(MAP_STEPS),
                ..land.stop_rules()
            },
        };
        let ends = atlas::basins(
            &land.formula,
            land.domain,
            points,
            &plan,
            side,
            &Watch::default(),
        );
        ends.unwrap()
            .iter()
            .map(|e| atlas::colour(e, MAP_STEPS))
            .collect()
    }

    #[test]
    fn the_map_comes_coarse_then_fine_and_a_new_rate_cancels_and_remaps() {
        let mut app = app_on_himmelblau(0.01);
        app.update();
        assert!(
            app.world().resource::<BasinMap>().watch().is_none(),
            "nothing while hidden"
        );
        app.world_mut().resource_mut::<BasinMap>().shown = true;
        let coarse = until_done(&mut app, SIDES[0]);
        assert!(coarse == expected(&app, 0.01, SIDES[0]), "the core's map");
        // The fine map is under way now; a new learning rate makes it stale.
        let stale = app.world().resource::<BasinMap>().watch().unwrap();
        set_lr(&mut app, 0.005);
        app.update();
        assert!(
            stale.cancel.load(Ordering::Relaxed),
            "the stale map was cancelled"
        );
        let fresh = app.world().resource::<BasinMap>().watch().unwrap();
        assert!(!fresh.cancel.load(Ordering::Relaxed));
        let coarse2 = until_done(&mut app, SIDES[0]);
        assert!(
            coarse2 == expected(&app, 0.005, SIDES[0]),
            "the map of the new rate"
        );
        assert!(coarse2 != coarse, "a new rate, a new map");
        let fine = until_done(&mut app, SIDES[1]);
        assert_eq!(fine.len(), SIDES[1] * SIDES[1]);
        // Its corner starts, (±5, ±5), are the coarse map's corners too.
        let corners = |c: &[[u8; 3]], n: usize| [c[0], c[n - 1], c[n * (n - 1)], c[n * n - 1]];
        assert_eq!(corners(&fine, SIDES[1]), corners(&coarse2, SIDES[0]));
        // Hiding it stops any work.
        app.world_mut().resource_mut::<BasinMap>().shown = false;
        app.update();
        assert!(app.world().resource::<BasinMap>().watch().is_none());
    }

    #[test]
    fn a_recording_makes_the_fine_map_in_the_frame_that_asks() {
        let mut app = app_on_himmelblau(0.01);
        {
            let mut map = app.world_mut().resource_mut::<BasinMap>();
            map.blocking = true;
            map.shown = true;
        }
        app.update();
        let map = app.world().resource::<BasinMap>();
        assert!(map.watch().is_none(), "no work left in the background");
        let (side, colours) = map.done.clone().unwrap();
        assert_eq!(side, SIDES[1]);
        assert!(colours == expected(&app, 0.01, SIDES[1]), "the core's map");
    }

    #[test]
    fn b_from_the_keyboard_shows_and_hides_the_map() {
        use bevy::input::ButtonState;
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::input::InputPlugin))
            .init_resource::<BasinMap>()
            .add_systems(Update, key);
        let press = |app: &mut App, state| crate::app::press_key(app, KeyCode::KeyB, "b", state);
        app.update();
        assert!(!app.world().resource::<BasinMap>().shown, "hidden at first");
        press(&mut app, ButtonState::Pressed);
        assert!(app.world().resource::<BasinMap>().shown);
        press(&mut app, ButtonState::Released);
        assert!(
            app.world().resource::<BasinMap>().shown,
            "a release changes nothing"
        );
        press(&mut app, ButtonState::Pressed);
        assert!(!app.world().resource::<BasinMap>().shown);
    }

    #[test]
    fn the_image_puts_the_domain_top_in_its_first_row() {
        let colours = [[1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4]];
        assert_eq!(
            image_bytes(2, &colours),
            [3, 3, 3, 255, 4, 4, 4, 255, 1, 1, 1, 255, 2, 2, 2, 255]
        );
    }
}
