//! Trails: each racer's path drawn as a polyline that follows the surface, just above it
//! (a network racer's at its true losses, over the surface).

use super::landscape::{Landscape, Surface};
use super::racers::{Racer, Trail};
use super::sets::AppSet;
use bevy::prelude::*;

/// Lift above the surface so the line is not hidden inside it.
const LIFT: f32 = 0.03;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, draw.in_set(AppSet::Present));
}

/// Segments longer than this (world units) are split, with heights from f, so a long step
/// is drawn over the surface rather than through a hill.
const MAX_SEGMENT: f32 = 0.2;
const MAX_SPLIT: usize = 24;

/// A network racer's trail is drawn over the surface (its heights are its true losses, which
/// may lie under the plane's) and is not split: a point between two steps has no true loss.
fn draw(
    mut gizmos: Gizmos,
    mut over: Gizmos<super::balls::OverlayGizmos>,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    racers: Query<(&Racer, &Trail, &InheritedVisibility)>,
) {
    let map = &surface.map;
    let lift = Vec3::Y * LIFT;
    for (racer, trail, visibility) in &racers {
        if !visibility.get() {
            continue;
        }
        let network = racer.learner.is_some();
        // Only the part inside the domain is drawn: a path that leaves is cut where it left.
        let domain = map.domain;
        for run in trail.points.split(|p| !domain.contains(p.pos)) {
            let mut points = Vec::with_capacity(run.len());
            let mut prev: Option<([f64; 2], Vec3)> = None;
            for p in run {
                let Some(w) = map.world_from_landscape(p.pos, p.f).map(Vec3::from) else {
                    continue;
                };
                if let Some((q, wq)) = prev {
                    let pieces = match network {
                        true => 0,
                        false => ((w.distance(wq) / MAX_SEGMENT) as usize).min(MAX_SPLIT),
                    };
                    for k in 1..pieces {
                        let t = k as f64 / pieces as f64;
                        let at = [q[0] + t * (p.pos[0] - q[0]), q[1] + t * (p.pos[1] - q[1])];
                        let between = map.world_from_landscape(at, landscape.formula.value(at));
                        points.extend(between.map(|b| Vec3::from(b) + lift));
                    }
                }
                points.push(w + lift);
                prev = Some((p.pos, w));
            }
            match network {
                true => over.linestrip(points, racer.color.with_alpha(0.85)),
                false => gizmos.linestrip(points, racer.color),
            }
        }
    }
}
