//! Trails: each racer's path drawn as a polyline lifted just above the surface.

use super::AppSet;
use super::landscape::Surface;
use super::racers::{Racer, Trail};
use bevy::prelude::*;

/// Lift above the surface so the line is not hidden inside it.
const LIFT: f32 = 0.03;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, draw.in_set(AppSet::Present));
}

fn draw(mut gizmos: Gizmos, surface: Res<Surface>, racers: Query<(&Racer, &Trail, &Visibility)>) {
    for (racer, trail, visibility) in &racers {
        if *visibility == Visibility::Hidden {
            continue;
        }
        // Only the part inside the domain is drawn: a path that leaves is cut where it left.
        let domain = surface.map.domain;
        for run in trail.points.split(|p| !domain.contains([p[0], p[1]])) {
            let points = run
                .iter()
                .filter_map(|p| surface.map.world_from_landscape([p[0], p[1]], p[2]))
                .map(|w| Vec3::new(w[0], w[1] + LIFT, w[2]));
            gizmos.linestrip(points, racer.color);
        }
    }
}
