//! The current landscape (formula, domain, display) and its sampled surface, rebuilt on change.

use super::sets::{AppSet, StartSet};
use crate::core::critical::{self, CriticalPoint};
use crate::core::expr::Formula;
use crate::core::landscape::Landscape as Launched;
use crate::core::optim::run::StopRules;
use crate::core::presets::{Preset, ZScale};
use crate::core::surface::{self, Domain, SurfaceGrid};
use crate::core::view::{self, Density, MeshData, WorldMap};
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future::poll_once};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the user chose to look at. Bump `generation` to have the surface rebuilt.
#[derive(Resource, Clone)]
pub struct Landscape {
    pub formula: Formula,
    pub domain: Domain,
    pub z_scale: ZScale,
    pub resolution: usize,
    /// How densely the surface is meshed (its look is per pixel either way).
    pub density: Density,
    pub vertical_scale: f64,
    pub preset: Option<&'static Preset>,
    /// Where a data landscape's rows came from.
    pub data: Option<crate::core::landscape::DataSource>,
    /// Bumped on any change that needs a new surface (formula, domain, or display).
    pub generation: u64,
    /// Bumped when f or its domain changes: racers restart; display changes leave them be.
    pub revision: u64,
}

impl Landscape {
    /// `formula` over the bowl preset's domain at 64²: the panel tests' landscape.
    #[cfg(test)]
    pub fn of_formula(formula: Formula) -> Landscape {
        let p = crate::core::presets::find("bowl").expect("the bowl preset");
        Landscape {
            formula,
            domain: p.domain,
            z_scale: p.z_scale,
            resolution: 64,
            density: Density::default(),
            vertical_scale: 1.0,
            preset: None,
            data: None,
            generation: 0,
            revision: 0,
        }
    }

    /// Records a change to f, its parameters or its domain.
    pub fn changed_math(&mut self) {
        self.generation += 1;
        self.revision += 1;
    }

    /// Stop rules for racers here: leaving far beyond the domain counts as diverging.
    pub fn stop_rules(&self) -> StopRules {
        crate::core::landscape::stop_rules(self.domain)
    }

    /// The common start point for racers (the preset's first, never in a hole).
    pub fn default_start(&self) -> [f64; 2] {
        crate::core::landscape::default_start(&self.formula, self.domain, self.preset)
    }

    /// A landscape as core built it, with the default display.
    pub fn of(core: &Launched) -> Landscape {
        Landscape {
            formula: core.formula.clone(),
            domain: core.domain,
            z_scale: core.preset.map_or(ZScale::Linear, |p| p.z_scale),
            resolution: crate::core::landscape::DEFAULT_RESOLUTION,
            density: Density::default(),
            vertical_scale: 1.0,
            preset: core.preset,
            data: core.data.clone(),
            generation: 0,
            revision: 0,
        }
    }

    /// Puts a landscape core built in place of this one's mathematics (formula, domain,
    /// preset, data) with its height scale; racers restart on it.
    pub fn replace(&mut self, core: Launched, z_scale: ZScale) {
        self.formula = core.formula;
        self.domain = core.domain;
        self.preset = core.preset;
        self.data = core.data;
        self.z_scale = z_scale;
        self.changed_math();
    }

    /// Makes `spec`'s network the landscape, its plane fitted on a pilot run of `racers`
    /// (kind and hyperparameters, in line-up order); on a refusal the landscape stays.
    pub fn fit_network(
        &mut self,
        spec: &crate::core::net::stage::NetworkSpec,
        racers: &[(crate::core::optim::Kind, crate::core::optim::Hyper)],
    ) -> Result<(), String> {
        let built = Launched::of_network(spec, racers).map_err(|e| e.to_string())?;
        self.replace(built, ZScale::Linear);
        Ok(())
    }

    /// The landscape's mathematics, as core knows it.
    pub fn core(&self) -> crate::core::landscape::Landscape {
        crate::core::landscape::Landscape {
            formula: self.formula.clone(),
            domain: self.domain,
            preset: self.preset,
            data: self.data.clone(),
        }
    }
}

/// The sampled grid, the world mapping, the mesh and the stationary points made from one
/// generation of the landscape.
#[derive(Resource)]
pub struct Surface {
    pub grid: SurfaceGrid,
    pub map: WorldMap,
    /// The surface and floor meshes and the field the shader reads per pixel, built in the
    /// background; taken when uploaded.
    pub meshes: Option<(Mesh, Mesh, Image)>,
    pub critical: Vec<CriticalPoint>,
    pub generation: u64,
}

/// The rebuild running in the background, if any.
#[derive(Resource, Default)]
pub struct Rebuilding(Option<Job>);

/// A surface being built, and the flag that stops it when it is stale.
struct Job {
    task: Task<Option<Surface>>,
    stop: Arc<AtomicBool>,
    generation: u64,
    /// Over a dataset or a network: every node a pass over every row, seconds of work.
    slow: bool,
}

impl Rebuilding {
    /// Whether a surface is being built (the panel shows that it is coming).
    pub fn busy(&self) -> bool {
        self.0.is_some()
    }

    /// The stop flag of the build under way (tests check that a stale one was stopped).
    #[cfg(test)]
    fn stop_flag(&self) -> Option<Arc<AtomicBool>> {
        self.0.as_ref().map(|j| Arc::clone(&j.stop))
    }
}

pub(super) fn plugin(launched: Launched) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Landscape::of(&launched))
            .init_resource::<Rebuilding>()
            .add_systems(Startup, first_surface.in_set(StartSet::Surface))
            .add_systems(Update, rebuild.in_set(AppSet::Rebuild));
    }
}

/// The first surface is built before the first frame (after a scene opened at start-up has
/// set the landscape): nothing to wait for.
fn first_surface(world: &mut World) {
    let l = world.resource::<Landscape>();
    let surface = build(l, first_resolution(l));
    world.insert_resource(surface);
}

/// Cells per side of a data landscape's first, coarse surface: shown at once, refined next.
pub const COARSE: usize = 48;

/// A new landscape's first surface: over a dataset or a network every node is a pass over all rows, so a
/// coarse one comes first (the refinement follows in the background).
fn first_resolution(l: &Landscape) -> usize {
    match l.formula.averages() {
        true => l.resolution.min(COARSE),
        false => l.resolution,
    }
}

/// The resolution of the next rebuild, if one is due: a new generation starts over (coarse
/// first on data), a coarse surface of this generation is refined.
fn next_build(l: &Landscape, s: &Surface) -> Option<usize> {
    if l.generation != s.generation {
        Some(first_resolution(l))
    } else if s.grid.n != l.resolution.max(2) {
        Some(l.resolution)
    } else {
        None
    }
}

/// Everything a new surface needs at `n` cells per side, computed off the main thread when
/// rebuilding.
pub fn build(l: &Landscape, n: usize) -> Surface {
    build_until(l, n, &AtomicBool::new(false)).expect("never stopped")
}

/// [`build`], or None once `stop` is raised.
fn build_until(l: &Landscape, n: usize, stop: &AtomicBool) -> Option<Surface> {
    let grid = surface::sample_until(&l.formula, l.domain, n, true, stop)?;
    let map = WorldMap::new(l.domain, &grid.range, l.z_scale, l.vertical_scale);
    let view = view::surface(&grid, &map, l.density);
    let (mesh, field) = (view.mesh, field_image(&view.field, grid.n));
    let floor = view::floor_mesh(&mesh, FLOOR_Y);
    let meshes = Some((to_bevy(mesh), to_bevy(floor), field));
    // A network's plane is not searched: thousands of passes for points no racer seeks.
    let critical = match l.formula.stage() {
        Some(_) => Vec::new(),
        None => critical::find(&l.formula, l.domain),
    };
    Some(Surface {
        grid,
        map,
        meshes,
        critical,
        generation: l.generation,
    })
}

/// Rebuild in the frame that asks (a recording: a surface that changes, as a lesson's tween
/// morphs it, is the same in the same frame on every machine).
#[derive(Resource)]
pub struct Blocking;

/// Starts a background rebuild when the landscape changed, and swaps the result in when it
/// is ready; the UI never waits. A change made meanwhile starts the next rebuild after this
/// one lands, so slider drags show every surface they can; but a slow build (over a dataset
/// or a network) for a landscape already replaced is stopped, and the new one starts now.
pub(super) fn rebuild(
    landscape: Res<Landscape>,
    mut surface: ResMut<Surface>,
    mut rebuilding: ResMut<Rebuilding>,
    blocking: Option<Res<Blocking>>,
) {
    if blocking.is_some() {
        if let Some(n) = next_build(&landscape, &surface) {
            *surface = build(&landscape, n);
        }
        return;
    }
    if let Some(job) = rebuilding.0.as_mut() {
        if let Some(done) = block_on(poll_once(&mut job.task)) {
            if let Some(done) = done {
                *surface = done;
            }
            rebuilding.0 = None;
        } else if job.slow && job.generation != landscape.generation {
            job.stop.store(true, Ordering::Relaxed);
            rebuilding.0 = None;
        }
    }
    if rebuilding.0.is_none()
        && let Some(n) = next_build(&landscape, &surface)
    {
        let l = landscape.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let task = AsyncComputeTaskPool::get().spawn(async move { build_until(&l, n, &flag) });
        rebuilding.0 = Some(Job {
            task,
            stop,
            generation: landscape.generation,
            slow: landscape.formula.averages(),
        });
    }
}

/// World height of the contour floor, just under the lowest point of the surface.
pub const FLOOR_Y: f32 = -0.6;

/// The field (`SurfaceView::field`) as a 32-bit float texture, a texel per grid node: read
/// with `textureLoad` and interpolated in the shader (32-bit floats are not filterable
/// everywhere, and 16 bits would step flat contours).
fn field_image(texels: &[[f32; 4]], n: usize) -> Image {
    use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};
    // One copy of the texels' bytes (native order: every GPU target is little-endian).
    let bytes = bytemuck::cast_slice(texels).to_vec();
    let size = Extent3d {
        width: n as u32,
        height: n as u32,
        depth_or_array_layers: 1,
    };
    Image::new(
        size,
        TextureDimension::D2,
        bytes,
        TextureFormat::Rgba32Float,
        RenderAssetUsages::RENDER_WORLD,
    )
}

/// A core mesh as Bevy's: positions, normals, the per-vertex data and the triangles.
pub fn to_bevy(data: MeshData) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, data.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, data.normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, data.data)
    .with_inserted_indices(Indices::U32(data.indices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_run_in_the_background_and_swap_in_when_ready() {
        let land = Launched::new(&Default::default()).unwrap();
        let mut app = crate::app::headless(land);
        app.update();
        {
            let mut l = app.world_mut().resource_mut::<Landscape>();
            l.formula = Formula::parse("x^2 + y^2").unwrap();
            l.resolution = 512;
            l.changed_math();
        }
        // The frame that sees the change does not wait for it: the old surface stays.
        app.update();
        assert_eq!(app.world().resource::<Surface>().generation, 0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while app.world().resource::<Surface>().generation != 1 {
            assert!(
                std::time::Instant::now() < deadline,
                "the rebuild never landed"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
            app.update();
        }
        let s = app.world().resource::<Surface>();
        assert_eq!(s.grid.n, 512);
        assert!(
            (0.0..1e-3).contains(&s.grid.range.min),
            "the new formula: x² + y²"
        );
        assert!(s.meshes.is_some(), "meshes built in the background");
        assert_eq!(
            s.critical.len(),
            1,
            "the bowl's one minimum: {:?}",
            s.critical
        );
    }

    /// A network of `hidden` widths on the moons, on a random plane (no pilot to wait for).
    fn network(hidden: &str) -> Launched {
        use crate::core::net::stage::{NetworkSpec, PlaneKind};
        let spec = NetworkSpec {
            hidden: hidden.into(),
            plane: PlaneKind::Random(0),
            ..NetworkSpec::of("moons")
        };
        Launched::of_network(&spec, &[]).unwrap()
    }

    /// The fine surface of a network is seconds of work: when another network replaces it
    /// meanwhile, that work is stopped and the new network's surface is built at once.
    #[test]
    fn a_stale_network_surface_is_stopped_and_the_new_one_built() {
        let mut app = crate::app::headless(network("16-16"));
        app.world_mut().resource_mut::<Landscape>().resolution = 400;
        app.update();
        let stale = app.world().resource::<Rebuilding>().stop_flag();
        let stale = stale.expect("the fine surface is under way");
        assert!(!stale.load(Ordering::Relaxed));
        app.world_mut()
            .resource_mut::<Landscape>()
            .replace(network("4"), ZScale::Linear);
        app.update();
        assert!(stale.load(Ordering::Relaxed), "the stale build was stopped");
        let fresh = app.world().resource::<Rebuilding>().stop_flag().unwrap();
        assert!(!fresh.load(Ordering::Relaxed));
        let generation = app.world().resource::<Landscape>().generation;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while app.world().resource::<Surface>().generation != generation {
            assert!(
                std::time::Instant::now() < deadline,
                "the new surface never landed"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
            app.update();
        }
        let s = app.world().resource::<Surface>();
        assert_eq!(s.grid.n, COARSE, "the new network's coarse surface first");
    }
}
