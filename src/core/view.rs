//! From landscape coordinates to the drawn world, and the surface mesh, without Bevy.
//!
//! The world is y-up: landscape x runs along world X, landscape y along world −Z (away from
//! the default camera), and height along world Y.

use crate::core::presets::ZScale;
use crate::core::surface::{Domain, SurfaceGrid, ZRange};

/// Width of the longer side of the domain in world units.
pub const WORLD_SIZE: f64 = 10.0;
/// Height of the drawn z-range in world units at vertical scale 1.
pub const WORLD_HEIGHT: f64 = 3.5;

/// Maps landscape points (x, y, f) to world positions and back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldMap {
    pub domain: Domain,
    pub z_scale: ZScale,
    /// The drawn range of f (after `z_scale`'s mapping): world height 0 to `height`.
    pub lo: f64,
    pub hi: f64,
    /// f's minimum over the grid: the log scale's origin.
    pub f_min: f64,
    pub height: f64,
    scale: f64,
}

impl WorldMap {
    pub fn new(domain: Domain, range: &ZRange, z_scale: ZScale, vertical_scale: f64) -> WorldMap {
        let mut map = WorldMap {
            domain,
            z_scale,
            lo: 0.0,
            hi: 1.0,
            f_min: range.min,
            height: WORLD_HEIGHT * vertical_scale.clamp(0.05, 20.0),
            scale: WORLD_SIZE / domain.width().max(domain.height()),
        };
        map.lo = map.shape(range.robust[0]);
        map.hi = map.shape(range.robust[1]);
        if map.hi.partial_cmp(&map.lo) != Some(std::cmp::Ordering::Greater) {
            map.hi = map.lo + 1.0;
        }
        map
    }

    /// f after the z-scale (log: ln(1 + f − f_min)).
    pub fn shape(&self, f: f64) -> f64 {
        match self.z_scale {
            ZScale::Linear => f,
            ZScale::Log => (f - self.f_min).max(0.0).ln_1p(),
        }
    }

    /// d shape / d f, for normals.
    fn shape_slope(&self, f: f64) -> f64 {
        match self.z_scale {
            ZScale::Linear => 1.0,
            ZScale::Log => 1.0 / (1.0 + (f - self.f_min).max(0.0)),
        }
    }

    /// Height fraction in [0, 1] (clipped) of a value: the colormap's input.
    pub fn fraction(&self, f: f64) -> f64 {
        ((self.shape(f) - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }

    /// True where f lies above the drawn range and is clipped.
    pub fn is_clipped(&self, f: f64) -> bool {
        self.shape(f) > self.hi
    }

    /// World position of landscape point (x, y) at height f; `None` if anything is not finite.
    pub fn world_from_landscape(&self, p: [f64; 2], f: f64) -> Option<[f32; 3]> {
        if !(p[0].is_finite() && p[1].is_finite() && f.is_finite()) {
            return None;
        }
        let [cx, cy] = self.domain.center();
        let y = self.fraction(f) * self.height;
        Some([
            ((p[0] - cx) * self.scale) as f32,
            y as f32,
            (-(p[1] - cy) * self.scale) as f32,
        ])
    }

    /// Landscape (x, y) under a world position (height ignored).
    pub fn landscape_from_world(&self, w: [f32; 3]) -> [f64; 2] {
        let [cx, cy] = self.domain.center();
        [
            w[0] as f64 / self.scale + cx,
            -(w[2] as f64) / self.scale + cy,
        ]
    }

    /// Unit surface normal in world space from the exact gradient of f.
    pub fn normal(&self, f: f64, grad: [f64; 2]) -> [f32; 3] {
        if self.is_clipped(f) || self.shape(f) < self.lo || !grad.iter().all(|g| g.is_finite()) {
            return [0.0, 1.0, 0.0];
        }
        let k = self.height / (self.hi - self.lo) * self.shape_slope(f) / self.scale;
        // Height Y(X, Z) with dY/dX = k·f_x and dY/dZ = −k·f_y; normal ∝ (−dY/dX, 1, −dY/dZ).
        let n = [-k * grad[0], 1.0, k * grad[1]];
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        [
            (n[0] / len) as f32,
            (n[1] / len) as f32,
            (n[2] / len) as f32,
        ]
    }

    /// World units per landscape unit.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

/// A triangle mesh ready to hand to a renderer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshData {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    /// Linear RGBA vertex colours.
    pub colors: Vec<[f32; 4]>,
    /// Height fraction per vertex (for shaders that colour themselves).
    pub heights: Vec<f32>,
    pub indices: Vec<u32>,
}

/// Builds the surface mesh: one vertex per grid cell, two triangles per quad whose corners are
/// all finite (holes stay open), normals from the exact gradient.
pub fn surface_mesh(grid: &SurfaceGrid, map: &WorldMap) -> MeshData {
    let n = grid.n;
    let mut mesh = MeshData {
        positions: Vec::with_capacity(n * n),
        normals: Vec::with_capacity(n * n),
        colors: Vec::with_capacity(n * n),
        heights: Vec::with_capacity(n * n),
        indices: Vec::with_capacity((n - 1) * (n - 1) * 6),
    };
    for j in 0..n {
        let y = grid.domain.y_at(j, n);
        for i in 0..n {
            let x = grid.domain.x_at(i, n);
            let f = grid.at(i, j);
            let g = grid.gradient.as_ref().map_or([0.0; 2], |g| g[j * n + i]);
            // Holes keep a placeholder vertex (never indexed) so indices stay a plain grid.
            let pos = map.world_from_landscape([x, y], f).unwrap_or([0.0; 3]);
            let t = if f.is_finite() { map.fraction(f) } else { 0.0 };
            mesh.positions.push(pos);
            mesh.normals.push(if f.is_finite() {
                map.normal(f, g)
            } else {
                [0.0, 1.0, 0.0]
            });
            mesh.colors.push(viridis(t));
            mesh.heights.push(t as f32);
        }
    }
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let a = (j * n + i) as u32;
            let (b, c, d) = (a + 1, a + n as u32, a + n as u32 + 1);
            let ok = |k: u32| grid.z[k as usize].is_finite();
            // Counter-clockwise seen from above (+Y) given +y maps to −Z.
            if ok(a) && ok(b) && ok(d) {
                mesh.indices.extend([a, b, d]);
            }
            if ok(a) && ok(d) && ok(c) {
                mesh.indices.extend([a, d, c]);
            }
        }
    }
    mesh
}

/// Viridis (matplotlib's perceptual colormap) at t ∈ [0, 1], as linear RGBA.
pub fn viridis(t: f64) -> [f32; 4] {
    const STOPS: [[f64; 3]; 9] = [
        [0.267, 0.005, 0.329],
        [0.279, 0.175, 0.483],
        [0.230, 0.322, 0.546],
        [0.173, 0.449, 0.558],
        [0.128, 0.567, 0.551],
        [0.153, 0.683, 0.502],
        [0.369, 0.789, 0.383],
        [0.678, 0.864, 0.190],
        [0.993, 0.906, 0.144],
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let u = x - i as f64;
    let srgb = |k: usize| STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * u;
    let linear = |c: f64| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    [
        linear(srgb(0)) as f32,
        linear(srgb(1)) as f32,
        linear(srgb(2)) as f32,
        1.0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::expr::Formula;
    use crate::core::surface::sample;

    fn grid(src: &str, d: Domain, n: usize) -> (SurfaceGrid, WorldMap) {
        let f = Formula::parse(src).unwrap();
        let g = sample(&f, d, n, true);
        let map = WorldMap::new(d, &g.range, ZScale::Linear, 1.0);
        (g, map)
    }

    #[test]
    fn vertex_and_triangle_counts() {
        let (g, map) = grid("x^2 + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 16);
        let m = surface_mesh(&g, &map);
        assert_eq!(m.positions.len(), 256);
        assert_eq!(m.indices.len(), 15 * 15 * 6);
        assert!(m.positions.iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn normals_equal_the_exact_gradient_normal() {
        let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let (g, map) = grid("x^2 + 3*y", d, 9);
        let m = surface_mesh(&g, &map);
        // At (1, −1): ∇f = (2, 3). Compare with the normal of the tangent plane built from
        // world-space tangents along x and y.
        let (i, j) = (6, 2);
        let k = map.height / (map.hi - map.lo) / map.scale();
        let tx = [1.0, k * 2.0, 0.0];
        let ty = [0.0, k * 3.0, -1.0];
        let cross = [
            tx[1] * ty[2] - tx[2] * ty[1],
            tx[2] * ty[0] - tx[0] * ty[2],
            tx[0] * ty[1] - tx[1] * ty[0],
        ];
        let len = (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt();
        let n = m.normals[j * 9 + i];
        for a in 0..3 {
            assert!(
                (n[a] as f64 - cross[a] / len).abs() < 1e-6,
                "{n:?} vs {cross:?}"
            );
        }
        assert!(n[1] > 0.0, "normals face up");
    }

    #[test]
    fn holes_are_skipped() {
        let (g, map) = grid("ln(x)", Domain::new(-1.0, 1.0, -1.0, 1.0), 11);
        let m = surface_mesh(&g, &map);
        // Columns 0..=5 (x ≤ 0) are holes: only the 4 quad columns between x = 0.2 and 1 remain.
        assert_eq!(m.indices.len(), 4 * 10 * 6);
        for &k in &m.indices {
            assert!(g.z[k as usize].is_finite());
        }
    }

    #[test]
    fn heights_are_clipped_to_the_robust_range() {
        let (g, mut map) = grid("x^2 + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 5);
        map.hi = map.lo + 0.5;
        let m = surface_mesh(&g, &map);
        let top = m.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        assert_eq!(top, map.height as f32);
        assert_eq!(m.normals[0], [0.0, 1.0, 0.0], "clipped corners are flat");
    }

    #[test]
    fn world_and_landscape_round_trip() {
        let d = Domain::new(-2.0, 4.0, -1.0, 1.0);
        let (g, _) = grid("x + y", d, 4);
        let map = WorldMap::new(d, &g.range, ZScale::Log, 1.0);
        let w = map.world_from_landscape([3.0, -0.5], 1.0).unwrap();
        let p = map.landscape_from_world(w);
        assert!((p[0] - 3.0).abs() < 1e-6 && (p[1] + 0.5).abs() < 1e-6);
        assert!(map.world_from_landscape([0.0, f64::NAN], 1.0).is_none());
        assert!(
            map.world_from_landscape([0.0, 0.0], f64::INFINITY)
                .is_none()
        );
    }

    #[test]
    fn viridis_ends() {
        let lo = viridis(0.0);
        let hi = viridis(1.0);
        assert!(lo[2] > lo[1], "dark purple");
        assert!(hi[0] > 0.9 && hi[2] < 0.1, "yellow");
        assert_eq!(viridis(f64::NAN), lo);
    }
}
