//! Where a ray from the camera first meets the drawn surface: click-to-start and dragging.
//!
//! The drawn height of (x, y) is `WorldMap::fraction(f(x, y)) · height` (clipped to the
//! z-range), computed from the formula itself, so a click lands on the true surface at any
//! mesh resolution. Holes (f not finite) are not surface: a ray passes through them.

use crate::core::expr::Formula;
use crate::core::view::WorldMap;

/// Samples along the ray inside the surface's box; the crossing is then refined by bisection.
const MARCH: usize = 600;
const BISECT: usize = 48;

/// Height of the drawn surface above world (x, z), or `None` over a hole or outside the domain.
fn drawn_height(map: &WorldMap, f: &Formula, x: f32, z: f32) -> Option<f64> {
    let p = map.landscape_from_world([x, 0.0, z]);
    if !map.domain.contains(p) {
        return None;
    }
    let v = f.value(p);
    v.is_finite().then(|| map.fraction(v) * map.height)
}

/// Landscape (x, y) of the first point where the world-space ray `origin + t·dir` (t ≥ 0)
/// meets the surface from above; `None` if it misses.
pub fn ray_surface(
    map: &WorldMap,
    f: &Formula,
    origin: [f32; 3],
    dir: [f32; 3],
) -> Option<[f64; 2]> {
    let o = origin.map(f64::from);
    let d = dir.map(f64::from);
    // Clip the ray to the box the surface lives in (slab method).
    let s = map.scale();
    let half_x = map.domain.width() / 2.0 * s;
    let half_z = map.domain.height() / 2.0 * s;
    let slabs = [
        (-half_x, half_x),
        (-1e-3, map.height + 1e-3),
        (-half_z, half_z),
    ];
    let (mut t0, mut t1) = (0.0f64, f64::INFINITY);
    for axis in 0..3 {
        let (lo, hi) = slabs[axis];
        if d[axis].abs() < 1e-12 {
            if o[axis] < lo || o[axis] > hi {
                return None;
            }
            continue;
        }
        let (a, b) = ((lo - o[axis]) / d[axis], (hi - o[axis]) / d[axis]);
        t0 = t0.max(a.min(b));
        t1 = t1.min(a.max(b));
    }
    if !(t0 <= t1 && t1.is_finite()) {
        return None;
    }
    let at = |t: f64| [o[0] + t * d[0], o[1] + t * d[1], o[2] + t * d[2]];
    // Positive above the surface, negative below, None over a hole.
    let gap = |t: f64| {
        let p = at(t);
        drawn_height(map, f, p[0] as f32, p[2] as f32).map(|h| p[1] - h)
    };
    let mut prev: Option<(f64, f64)> = None;
    for i in 0..=MARCH {
        let t = t0 + (t1 - t0) * i as f64 / MARCH as f64;
        let Some(g) = gap(t) else {
            prev = None;
            continue;
        };
        if g <= 0.0 {
            // Entering from above between the previous sample and this one (or starting on it).
            let (mut lo, mut hi) = match prev {
                Some((tp, _)) => (tp, t),
                None => (t, t),
            };
            for _ in 0..BISECT {
                let mid = 0.5 * (lo + hi);
                match gap(mid) {
                    Some(g) if g > 0.0 => lo = mid,
                    _ => hi = mid,
                }
            }
            let p = at(hi);
            return Some(map.landscape_from_world([p[0] as f32, p[1] as f32, p[2] as f32]));
        }
        prev = Some((t, g));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets::ZScale;
    use crate::core::surface::{self, Domain};

    fn bowl() -> (Formula, WorldMap) {
        let f = Formula::parse("x^2 + y^2").unwrap();
        let domain: Domain = "-2,2,-2,2".parse().unwrap();
        let grid = surface::sample(&f, domain, 64, false);
        (
            f.clone(),
            WorldMap::new(domain, &grid.range, ZScale::Linear, 1.0),
        )
    }

    #[test]
    fn a_ray_straight_down_lands_under_itself() {
        let (f, map) = bowl();
        let w = map.world_from_landscape([0.7, -1.2], 0.0).unwrap();
        let hit = ray_surface(&map, &f, [w[0], 20.0, w[2]], [0.0, -1.0, 0.0]).unwrap();
        assert!(
            (hit[0] - 0.7).abs() < 1e-5 && (hit[1] + 1.2).abs() < 1e-5,
            "{hit:?}"
        );
    }

    #[test]
    fn a_slanted_ray_meets_the_surface_on_the_surface() {
        let (f, map) = bowl();
        // Aim from a camera-like position at the world point above (1, 0.5) on the surface.
        let target = map
            .world_from_landscape([1.0, 0.5], f.value([1.0, 0.5]))
            .unwrap();
        let origin = [8.0f32, 9.0, 12.0];
        let dir = [
            target[0] - origin[0],
            target[1] - origin[1],
            target[2] - origin[2],
        ];
        let hit = ray_surface(&map, &f, origin, dir).unwrap();
        // The bowl rises towards the camera, so the ray may meet it first nearer the camera;
        // wherever it lands, that point's drawn height is on the ray.
        let w = map.world_from_landscape(hit, f.value(hit)).unwrap();
        let t = (w[0] - origin[0]) / dir[0];
        let on_ray = [origin[1] + t * dir[1], origin[2] + t * dir[2]];
        assert!((on_ray[0] - w[1]).abs() < 1e-3 && (on_ray[1] - w[2]).abs() < 1e-3);
        assert!(
            (hit[0] - 1.0).abs() < 1e-3 && (hit[1] - 0.5).abs() < 1e-3,
            "{hit:?}"
        );
    }

    #[test]
    fn rays_that_miss_or_fall_into_holes_find_nothing() {
        let (f, map) = bowl();
        assert_eq!(
            ray_surface(&map, &f, [0.0, 20.0, 0.0], [0.0, 1.0, 0.0]),
            None
        );
        assert_eq!(
            ray_surface(&map, &f, [50.0, 20.0, 0.0], [0.0, -1.0, 0.0]),
            None
        );
        let ln = Formula::parse("ln(x)").unwrap();
        let domain: Domain = "-1,3,-2,2".parse().unwrap();
        let grid = surface::sample(&ln, domain, 64, false);
        let map = WorldMap::new(domain, &grid.range, ZScale::Linear, 1.0);
        let hole = map.world_from_landscape([-0.5, 0.0], 0.0).unwrap();
        assert_eq!(
            ray_surface(&map, &ln, [hole[0], 20.0, hole[2]], [0.0, -1.0, 0.0]),
            None
        );
        let ground = map.world_from_landscape([2.0, 1.0], 0.0).unwrap();
        let hit = ray_surface(&map, &ln, [ground[0], 20.0, ground[2]], [0.0, -1.0, 0.0]);
        assert!(hit.is_some_and(|h| (h[0] - 2.0).abs() < 1e-5));
    }
}
