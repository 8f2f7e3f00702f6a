//! From landscape coordinates to the drawn world, and the surface mesh, without Bevy.
//!
//! The world is y-up: landscape x runs along world X, landscape y along world −Z (away from
//! the default camera), and height along world Y.

use crate::core::presets::ZScale;
use crate::core::surface::{Domain, SurfaceGrid, ZRange};
pub use shape::Density;

pub mod shape;

/// Width of the longer side of the domain in world units.
pub const WORLD_SIZE: f64 = 10.0;
/// Height of the drawn z-range in world units at vertical scale 1.
pub const WORLD_HEIGHT: f64 = 3.5;

/// A mesh vertex: its world position, its normal and its unclipped height fraction.
pub type VertexAt = ([f32; 3], [f32; 3], f64);

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
        self.fraction_of(self.shape(f))
    }

    fn fraction_of(&self, shape: f64) -> f64 {
        self.unclipped_of(shape).clamp(0.0, 1.0)
    }

    fn unclipped_of(&self, shape: f64) -> f64 {
        (shape - self.lo) / (self.hi - self.lo)
    }

    /// True where f lies above the drawn range and is clipped.
    pub fn is_clipped(&self, f: f64) -> bool {
        self.shape(f) > self.hi
    }

    /// World position of landscape point (x, y) at height f; `None` if anything is not finite.
    pub fn world_from_landscape(&self, p: [f64; 2], f: f64) -> Option<[f32; 3]> {
        self.world_at(p, f, self.shape(f))
    }

    /// A mesh vertex at landscape point `p` where f is `f` with gradient `grad`: its world
    /// position, normal and unclipped height fraction, f's shape (a logarithm on the log
    /// scale) computed once for all three. None if anything is not finite.
    pub fn vertex(&self, p: [f64; 2], f: f64, grad: [f64; 2]) -> Option<VertexAt> {
        let shape = self.shape(f);
        let at = self.world_at(p, f, shape)?;
        Some((at, self.normal_at(f, shape, grad), self.unclipped_of(shape)))
    }

    fn world_at(&self, p: [f64; 2], f: f64, shape: f64) -> Option<[f32; 3]> {
        if !(p[0].is_finite() && p[1].is_finite() && f.is_finite()) {
            return None;
        }
        let [cx, cy] = self.domain.center();
        let y = self.fraction_of(shape) * self.height;
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
        self.normal_at(f, self.shape(f), grad)
    }

    fn normal_at(&self, f: f64, shape: f64, grad: [f64; 2]) -> [f32; 3] {
        if shape > self.hi || shape < self.lo || !grad.iter().all(|g| g.is_finite()) {
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
    /// Where the surface shader reads its field, per vertex: [height fraction s (unclipped:
    /// above 1 where the top is cut), x and y as fractions of the domain (0 at xmin, ymin; 1
    /// at xmax, ymax), 1].
    pub data: Vec<[f32; 4]>,
    pub indices: Vec<u32>,
}

impl WorldMap {
    /// The f drawn at height fraction `s` (the inverse of `unclipped_fraction`).
    pub fn f_at_fraction(&self, s: f64) -> f64 {
        let v = self.lo + s * (self.hi - self.lo);
        match self.z_scale {
            ZScale::Linear => v,
            ZScale::Log => self.f_min + v.exp_m1(),
        }
    }

    /// Labelled heights for the f axis and the colour bar: (f, height fraction). Round values
    /// on a linear scale; on a log scale the minimum and then round values of f: powers of
    /// ten (0, ±1, ±10, …), with 2 and 5 between them when fewer than three decades fit.
    pub fn f_ticks(&self) -> Vec<(f64, f64)> {
        let (lo, hi) = (self.f_at_fraction(0.0), self.f_at_fraction(1.0));
        match self.z_scale {
            ZScale::Linear => self.spaced(ticks(lo, hi, 5)),
            ZScale::Log => {
                let with = |mantissas: &[f64]| {
                    let mut v: Vec<f64> = (-300..=308)
                        .flat_map(|k| mantissas.iter().map(move |m| m * 10f64.powi(k)))
                        .flat_map(|v| [v, -v])
                        .chain([0.0])
                        .filter(|f| *f > self.f_min.max(lo) && *f <= hi)
                        .collect();
                    v.sort_by(f64::total_cmp);
                    if lo <= self.f_min {
                        v.insert(0, self.f_min);
                    }
                    self.spaced(v)
                };
                let decades = with(&[1.0]);
                if decades.len() >= 3 {
                    decades
                } else {
                    with(&[1.0, 2.0, 5.0])
                }
            }
        }
    }

    /// Values with their height fractions, inside the drawn range, dropping any label closer
    /// than 10% of the height to the one below it (it would overlap).
    fn spaced(&self, values: Vec<f64>) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for (f, s) in values.into_iter().map(|f| (f, self.unclipped_fraction(f))) {
            let room = out.last().is_none_or(|last| s - last.1 >= 0.1);
            if (-1e-9..=1.0 + 1e-9).contains(&s) && room {
                out.push((f, s));
            }
        }
        out
    }

    /// Height fraction of f without clipping: below 0 or above 1 outside the drawn range.
    pub fn unclipped_fraction(&self, f: f64) -> f64 {
        self.unclipped_of(self.shape(f))
    }
}

/// The surface as a renderer takes it: the triangles as dense as the density asks, over
/// only the grid nodes they use, and the field the shader reads per pixel at every node.
#[derive(Debug, Clone, PartialEq)]
pub struct SurfaceView {
    pub mesh: MeshData,
    /// A texel per grid node (rows from ymin): [height fraction s (unclipped), normal x,
    /// normal z, 1], or all 0 in a hole. The normal's y is positive, so x and z give it.
    pub field: Vec<[f32; 4]>,
}

/// Builds the surface: normals from the exact gradient, the triangles as dense as `density`
/// asks (see [`shape`]); holes stay open.
///
/// Why per node only a height and a texel: a coarse mesh uses few of the grid's nodes, and
/// a rebuild that wrote a whole vertex for each of 512² nodes touched 10 MB of fresh memory
/// for them (page faults, whenever the allocator has handed its heap back).
pub fn surface(grid: &SurfaceGrid, map: &WorldMap, density: Density) -> SurfaceView {
    let mut nodes = on_nodes(grid, map);
    let indices = shape::triangulate(&mut nodes.heights, &nodes.field, grid.n, density);
    SurfaceView {
        mesh: vertices(grid, map, &nodes.heights, &indices),
        field: nodes.field,
    }
}

/// The surface at every grid node (row-major): its world height and its field texel.
struct OnNodes {
    heights: Vec<f32>,
    field: Vec<[f32; 4]>,
}

/// Heights and texels of every node, rows in parallel; a hole has height 0 and texel 0.
fn on_nodes(grid: &SurfaceGrid, map: &WorldMap) -> OnNodes {
    use rayon::prelude::*;
    let n = grid.n;
    let mut nodes = OnNodes {
        heights: vec![0.0; n * n],
        field: vec![[0.0; 4]; n * n],
    };
    nodes
        .heights
        .par_chunks_mut(n)
        .zip(nodes.field.par_chunks_mut(n))
        .enumerate()
        .for_each(|(j, (heights, field))| {
            for i in 0..n {
                if let Some((p, normal, s)) = node(grid, map, i, j) {
                    heights[i] = p[1];
                    field[i] = [s as f32, normal[0], normal[2], 1.0];
                }
            }
        });
    nodes
}

/// The vertex at grid node (i, j): world position, normal and unclipped height fraction;
/// None in a hole.
fn node(grid: &SurfaceGrid, map: &WorldMap, i: usize, j: usize) -> Option<VertexAt> {
    let n = grid.n;
    let p = [grid.domain.x_at(i, n), grid.domain.y_at(j, n)];
    let g = grid.gradient.as_ref().map_or([0.0; 2], |g| g[j * n + i]);
    map.vertex(p, grid.at(i, j), g)
}

/// The mesh over the nodes `indices` use (grid nodes, row-major), numbered in order of first
/// use, at the quadtree's (snapped) `heights`.
fn vertices(grid: &SurfaceGrid, map: &WorldMap, heights: &[f32], indices: &[u32]) -> MeshData {
    const UNUSED: u32 = u32::MAX;
    let n = grid.n;
    let last = (n - 1) as f64;
    let mut new_index = vec![UNUSED; n * n];
    let mut mesh = MeshData {
        indices: Vec::with_capacity(indices.len()),
        ..MeshData::default()
    };
    for &k in indices {
        let k = k as usize;
        if new_index[k] == UNUSED {
            new_index[k] = mesh.positions.len() as u32;
            let (i, j) = (k % n, k / n);
            // Indices hold only nodes on the surface, which have a vertex.
            let (p, normal, s) = node(grid, map, i, j).unwrap_or_default();
            mesh.positions.push([p[0], heights[k], p[2]]);
            mesh.normals.push(normal);
            let at = [i as f64 / last, j as f64 / last];
            mesh.data.push([s as f32, at[0] as f32, at[1] as f32, 1.0]);
        }
        mesh.indices.push(new_index[k]);
    }
    mesh
}

/// The floor under the surface: the same grid flattened to world height `y`, facing up, with
/// the same per-vertex data so its shader draws the same contours.
pub fn floor_mesh(surface: &MeshData, y: f32) -> MeshData {
    MeshData {
        positions: surface.positions.iter().map(|p| [p[0], y, p[2]]).collect(),
        normals: vec![[0.0, 1.0, 0.0]; surface.normals.len()],
        data: surface.data.clone(),
        indices: surface.indices.clone(),
    }
}

/// Round tick values inside [lo, hi]: steps of 1, 2 or 5 × 10ᵏ, about `count` of them.
pub fn ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || count == 0 {
        return Vec::new();
    }
    // hi/n − lo/n rather than (hi − lo)/n: the width of ±1e308 overflows.
    let raw = hi / count as f64 - lo / count as f64;
    let e = raw.log10().floor() as i32;
    // The nearest of 1, 2, 5, 10 (× 10ᵉ) to the raw step, by ratio.
    let m = [1.0f64, 2.0, 5.0, 10.0]
        .into_iter()
        .min_by(|a, b| {
            let off = |m: f64| (m * 10f64.powi(e) / raw).ln().abs();
            off(*a).total_cmp(&off(*b))
        })
        .unwrap_or(1.0);
    // k·m·10ᵉ, dividing by 10⁻ᵉ when e < 0 so 0.6 prints as 0.6, not 0.6000000000000001.
    let value = |k: i64| {
        if e < 0 {
            k as f64 * m / 10f64.powi(-e)
        } else {
            k as f64 * m * 10f64.powi(e)
        }
    };
    let step = value(1);
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    // A range near the limits of f64 (a width of 1e-310, subnormal) has no usable round step:
    // label its ends rather than ask for billions of ticks.
    if !(step > 0.0 && step.is_finite() && last - first <= 10.0 * count as f64) {
        return vec![lo, hi];
    }
    (first as i64..=last as i64).map(value).collect()
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
        let v = surface(&g, &map, Density::Full);
        assert_eq!(v.mesh.positions.len(), 256);
        assert_eq!(v.field.len(), 256);
        assert_eq!(v.mesh.indices.len(), 15 * 15 * 6);
        assert!(v.mesh.positions.iter().flatten().all(|v| v.is_finite()));
    }

    /// The vertex of `m` at grid node (i, j) of an `n × n` grid, from its data's place in
    /// the domain.
    fn vertex_at(m: &MeshData, n: usize, i: usize, j: usize) -> usize {
        let last = (n - 1) as f32;
        let found = m.data.iter().position(|d| {
            (d[1] * last).round() as usize == i && (d[2] * last).round() as usize == j
        });
        found.expect("the node has a vertex")
    }

    #[test]
    fn normals_equal_the_exact_gradient_normal() {
        let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
        let (g, map) = grid("x^2 + 3*y", d, 9);
        let m = surface(&g, &map, Density::Full).mesh;
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
        let n = m.normals[vertex_at(&m, 9, i, j)];
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
        let m = surface(&g, &map, Density::Full).mesh;
        // Columns 0..=5 (x ≤ 0) are holes: only the 4 quad columns between x = 0.2 and 1
        // remain, and only their 5 columns of nodes have vertices.
        assert_eq!(m.indices.len(), 4 * 10 * 6);
        assert_eq!(m.positions.len(), 5 * 11);
        for d in &m.data {
            let x = g.domain.x_at((d[1] * 10.0).round() as usize, 11);
            assert!(x > 0.0, "a vertex at x = {x}");
        }
    }

    #[test]
    fn the_field_holds_each_nodes_height_fraction_and_normal() {
        let (g, map) = grid("ln(x) + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 11);
        let texels = surface(&g, &map, Density::default()).field;
        for (k, t) in texels.iter().enumerate() {
            let (x, y) = (g.domain.x_at(k % 11, 11), g.domain.y_at(k / 11, 11));
            if x <= 0.0 {
                assert_eq!(*t, [0.0; 4], "a hole at ({x}, {y})");
                continue;
            }
            let f = x.ln() + y * y;
            let s = map.unclipped_fraction(f);
            let nor = map.normal(f, [1.0 / x, 2.0 * y]);
            assert!(
                (t[0] as f64 - s).abs() < 1e-5,
                "s at ({x}, {y}): {t:?} vs {s}"
            );
            assert_eq!([t[1], t[2], t[3]], [nor[0], nor[2], 1.0]);
        }
    }

    #[test]
    fn each_vertex_is_its_nodes_point_height_and_normal() {
        let d = Domain::new(-1.0, 1.0, -1.0, 1.0);
        let (g, map) = grid("ln(x) + y^2", d, 11);
        let m = surface(&g, &map, Density::Full).mesh;
        for (k, (p, d)) in m.positions.iter().zip(&m.data).enumerate() {
            let (i, j) = (
                (d[1] * 10.0).round() as usize,
                (d[2] * 10.0).round() as usize,
            );
            let (x, y) = (g.domain.x_at(i, 11), g.domain.y_at(j, 11));
            let f = x.ln() + y * y;
            let at = map.world_from_landscape([x, y], f).unwrap();
            assert!(
                (0..3).all(|a| (p[a] - at[a]).abs() < 1e-5),
                "{p:?} vs {at:?}"
            );
            let nor = map.normal(f, [1.0 / x, 2.0 * y]);
            assert!((0..3).all(|a| (m.normals[k][a] - nor[a]).abs() < 1e-6));
            assert!((d[0] as f64 - map.unclipped_fraction(f)).abs() < 1e-5);
        }
        // Each used node once: 6 columns (x > 0) of 11 nodes.
        assert_eq!(m.positions.len(), 5 * 11);
    }

    #[test]
    fn heights_are_clipped_to_the_robust_range() {
        let (g, mut map) = grid("x^2 + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 5);
        map.hi = map.lo + 0.5;
        let m = surface(&g, &map, Density::Full).mesh;
        let top = m.positions.iter().map(|p| p[1]).fold(f32::MIN, f32::max);
        assert_eq!(top, map.height as f32);
        assert_eq!(
            m.normals[vertex_at(&m, 5, 0, 0)],
            [0.0, 1.0, 0.0],
            "clipped corners are flat"
        );
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
    fn vertex_data_carries_the_unclipped_height_and_the_point_in_the_domain() {
        let (g, mut map) = grid("x^2 + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 5);
        map.hi = map.lo + 0.5;
        let m = surface(&g, &map, Density::Full).mesh;
        // Corner (−1, −1): f = 2 is 4× the clipped range of 0.5 above f = 0.
        let d = m.data[vertex_at(&m, 5, 0, 0)];
        assert_eq!([d[1], d[2], d[3]], [0.0, 0.0, 1.0]);
        // Node (3, 1) of 5 × 5: x = 0.5 (3/4 of the way), y = −0.5 (1/4); its vertex is there.
        let k = vertex_at(&m, 5, 3, 1);
        assert_eq!([m.data[k][1], m.data[k][2]], [0.75, 0.25]);
        let p = map.landscape_from_world(m.positions[k]);
        assert!(
            (p[0] - 0.5).abs() < 1e-6 && (p[1] + 0.5).abs() < 1e-6,
            "{p:?}"
        );
        assert!((d[0] as f64 - (2.0 - map.lo) / 0.5).abs() < 1e-6, "{d:?}");
        assert!(d[0] > 1.0, "clipped tops are marked above 1");
        let floor = floor_mesh(&m, -0.2);
        assert!(floor.positions.iter().all(|p| p[1] == -0.2));
        assert_eq!(
            (floor.indices.len(), floor.data[7]),
            (m.indices.len(), m.data[7])
        );
    }

    #[test]
    fn f_ticks_sit_at_their_heights_on_linear_and_log_scales() {
        let (g, map) = grid("x^2 + y^2", Domain::new(-1.0, 1.0, -1.0, 1.0), 33);
        for (f, s) in map.f_ticks() {
            assert!((map.f_at_fraction(s) - f).abs() < 1e-9 && (0.0..=1.0).contains(&s));
        }
        assert!(map.f_ticks().len() >= 3);
        let log = WorldMap::new(map.domain, &g.range, ZScale::Log, 1.0);
        let t = log.f_ticks();
        assert_eq!(t[0].0, log.f_min, "the log axis starts at the minimum");
        // Above it, round values of f (Himmelblau's labels read 100.0017, 10.0017 before).
        for (f, _) in &t[1..] {
            let m = f / 10f64.powf(f.abs().log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|r| (m.abs() - r).abs() < 1e-9),
                "{f}"
            );
        }
        assert!(
            t.windows(2).all(|w| w[1].1 - w[0].1 >= 0.06),
            "labels never overlap"
        );
        assert!((log.f_at_fraction(log.unclipped_fraction(1.5)) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(-2.0, 2.0, 4), [-2.0, -1.0, 0.0, 1.0, 2.0]);
        assert_eq!(ticks(0.0, 1.0, 5), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(-4.0, 4.5, 5), [-4.0, -2.0, 0.0, 2.0, 4.0]);
        assert_eq!(ticks(0.13, 0.91, 3), [0.2, 0.4, 0.6, 0.8]);
        assert!(ticks(1.0, 1.0, 5).is_empty() && ticks(0.0, f64::NAN, 5).is_empty());
        // Subnormal and huge widths: the ends, never a panic or an endless list.
        assert_eq!(ticks(-1e-310, 1e-310, 6), [-1e-310, 1e-310]);
        assert_eq!(ticks(-5e-324, 5e-324, 6), [-5e-324, 5e-324]);
        assert_eq!(ticks(-1e308, 1e308, 4).len(), 5);
    }
}
