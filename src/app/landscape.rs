//! The current landscape (formula, domain, display) and its sampled surface, rebuilt on change.

use super::AppSet;
use crate::cli::Landscape as Launched;
use crate::core::expr::Formula;
use crate::core::optim::run::StopRules;
use crate::core::presets::{Preset, ZScale};
use crate::core::surface::{self, Domain, SurfaceGrid};
use crate::core::view::WorldMap;
use bevy::prelude::*;

/// What the user chose to look at. Bump `generation` to have the surface rebuilt.
#[derive(Resource, Clone)]
pub struct Landscape {
    pub formula: Formula,
    pub domain: Domain,
    pub z_scale: ZScale,
    pub resolution: usize,
    pub vertical_scale: f64,
    pub preset: Option<&'static Preset>,
    /// Bumped on any change that needs a new surface (formula, domain, or display).
    pub generation: u64,
    /// Bumped when f or its domain changes: racers restart; display changes leave them be.
    pub revision: u64,
}

impl Landscape {
    /// Records a change to f, its parameters or its domain.
    pub fn changed_math(&mut self) {
        self.generation += 1;
        self.revision += 1;
    }

    /// Stop rules for racers here: leaving far beyond the domain counts as diverging.
    pub fn stop_rules(&self) -> StopRules {
        let d = self.domain;
        let reach = [d.x[0], d.x[1], d.y[0], d.y[1]]
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        StopRules {
            bound: 10.0 * reach.max(d.width()).max(d.height()),
            ..StopRules::default()
        }
    }

    /// The common start point for racers: the preset's first, else the domain's corner area.
    pub fn default_start(&self) -> [f64; 2] {
        self.preset
            .and_then(|p| p.starts.first().copied())
            .unwrap_or_else(|| {
                let d = self.domain;
                [d.x[0] + 0.15 * d.width(), d.y[1] - 0.15 * d.height()]
            })
    }
}

/// The sampled grid and the world mapping made from it.
#[derive(Resource)]
pub struct Surface {
    pub grid: SurfaceGrid,
    pub map: WorldMap,
    pub generation: u64,
}

pub(super) fn plugin(launched: Launched) -> impl Fn(&mut App) {
    move |app: &mut App| {
        let landscape = Landscape {
            formula: launched.formula.clone(),
            domain: launched.domain,
            z_scale: launched.preset.map_or(ZScale::Linear, |p| p.z_scale),
            resolution: 192,
            vertical_scale: 1.0,
            preset: launched.preset,
            generation: 0,
            revision: 0,
        };
        let surface = sample(&landscape);
        app.insert_resource(surface)
            .insert_resource(landscape)
            .add_systems(Update, rebuild.in_set(AppSet::Rebuild));
    }
}

fn sample(l: &Landscape) -> Surface {
    let grid = surface::sample(&l.formula, l.domain, l.resolution, true);
    let map = WorldMap::new(l.domain, &grid.range, l.z_scale, l.vertical_scale);
    Surface {
        grid,
        map,
        generation: l.generation,
    }
}

pub(super) fn rebuild(landscape: Res<Landscape>, mut surface: ResMut<Surface>) {
    if landscape.generation != surface.generation {
        *surface = sample(&landscape);
    }
}
