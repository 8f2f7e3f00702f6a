//! The adaptive mesh against the full one: heights within the tolerance, no cracks, holes
//! and bumps drawn cell by cell, flat ground drawn coarse.

use crate::core::expr::Formula;
use crate::core::presets::ZScale;
use crate::core::surface::SurfaceGrid;
use crate::core::surface::{Domain, sample};
use crate::core::view::{Density, WorldMap, on_nodes};

/// The triangles over the grid's nodes (row-major) and the nodes' drawn heights.
struct Drawn {
    heights: Vec<f32>,
    indices: Vec<u32>,
}

fn drawn(g: &SurfaceGrid, map: &WorldMap, density: Density) -> Drawn {
    let mut nodes = on_nodes(g, map);
    let indices = super::triangulate(&mut nodes.heights, &nodes.field, g.n, density);
    Drawn {
        heights: nodes.heights,
        indices,
    }
}

fn meshes(src: &str, d: Domain, n: usize) -> (Drawn, Drawn) {
    let f = Formula::parse(src).unwrap();
    let g = sample(&f, d, n, true);
    let map = WorldMap::new(d, &g.range, ZScale::Linear, 1.0);
    (
        drawn(&g, &map, Density::default()),
        drawn(&g, &map, Density::Full),
    )
}

/// A node's place in the grid (i, j), from its index.
fn at(k: u32, n: usize) -> [f64; 2] {
    [(k as usize % n) as f64, (k as usize / n) as f64]
}

/// The drawn height at grid point p, from the triangle that holds it (barycentric).
fn drawn_height(m: &Drawn, n: usize, p: [f64; 2]) -> Option<f64> {
    m.indices.chunks_exact(3).find_map(|t| {
        let [a, b, c] = [at(t[0], n), at(t[1], n), at(t[2], n)];
        let det = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1]);
        let wa = ((b[1] - c[1]) * (p[0] - c[0]) + (c[0] - b[0]) * (p[1] - c[1])) / det;
        let wb = ((c[1] - a[1]) * (p[0] - c[0]) + (a[0] - c[0]) * (p[1] - c[1])) / det;
        let wc = 1.0 - wa - wb;
        let h = |k: u32| f64::from(m.heights[k as usize]);
        (wa >= -1e-9 && wb >= -1e-9 && wc >= -1e-9)
            .then(|| wa * h(t[0]) + wb * h(t[1]) + wc * h(t[2]))
    })
}

/// Twice the area (in cells) the triangles cover.
fn area(m: &Drawn, n: usize) -> f64 {
    m.indices
        .chunks_exact(3)
        .map(|t| {
            let [a, b, c] = [at(t[0], n), at(t[1], n), at(t[2], n)];
            ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs()
        })
        .sum()
}

#[test]
fn a_plane_is_two_triangles_a_block() {
    // 63 cells a side: one tile, two triangles; 100 cells: tiles of 64 and 36 a side.
    let (needed, full) = meshes("x + 2*y", Domain::new(-1.0, 1.0, -1.0, 1.0), 64);
    assert_eq!(needed.indices.len(), 2 * 3);
    assert_eq!(
        meshes("x + 2*y", Domain::new(-1.0, 1.0, -1.0, 1.0), 101)
            .0
            .indices
            .len(),
        4 * 2 * 3
    );
    assert_eq!(full.indices.len(), 63 * 63 * 2 * 3);
    assert_eq!(area(&needed, 64), area(&full, 64));
}

#[test]
fn the_drawn_shape_stays_within_the_tolerance_without_cracks() {
    // Flat for x < 0, a parabola beyond (a kink at 0, log-scaled): both strides and more.
    let n = 65;
    let f = Formula::parse("(x + abs(x))^2 + 0.1*y").unwrap();
    let d = Domain::new(-2.0, 2.0, -2.0, 2.0);
    let g = sample(&f, d, n, true);
    let map = WorldMap::new(d, &g.range, ZScale::Log, 1.0);
    let (needed, full) = (
        drawn(&g, &map, Density::default()),
        drawn(&g, &map, Density::Full),
    );
    let (coarse, fine) = (needed.indices.len(), full.indices.len());
    assert!(
        coarse * 2 < fine,
        "mostly coarse: {coarse} of {fine} indices"
    );
    assert!(
        coarse > 3 * 16 * 2 * 4,
        "refined where curved: {coarse} indices"
    );
    assert_eq!(area(&needed, n), area(&full, n));
    for k in 0..(n * n) as u32 {
        let truth = f64::from(full.heights[k as usize]);
        let drawn = drawn_height(&needed, n, at(k, n)).expect("every node is covered");
        assert!(
            (drawn - truth).abs() <= 2.0 * f64::from(Density::default().tolerance()) + 1e-6,
            "node {:?}: drawn {drawn}, true {truth}",
            at(k, n)
        );
    }
    // No T-junction: a node used by one triangle that lies inside another's edge lies on it
    // in height too.
    let used: std::collections::BTreeSet<u32> = needed.indices.iter().copied().collect();
    for t in needed.indices.chunks_exact(3) {
        for (u, v) in [(t[0], t[1]), (t[1], t[2]), (t[2], t[0])] {
            let (a, b) = (at(u, n), at(v, n));
            for &w in &used {
                let p = at(w, n);
                let cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
                let s = ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1]))
                    / ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2));
                if cross == 0.0 && s > 0.0 && s < 1.0 {
                    let h = |k: u32| needed.heights[k as usize];
                    let on_edge = h(u) + s as f32 * (h(v) - h(u));
                    assert!((h(w) - on_edge).abs() < 1e-5, "a crack at {p:?}");
                }
            }
        }
    }
}

#[test]
fn holes_and_bumps_are_drawn_cell_by_cell() {
    let d = Domain::new(-1.0, 1.0, -1.0, 1.0);
    // A plane with a hole for x < −0.5: the leaves touching it are split down to cells.
    let (needed, full) = meshes("y + 0*ln(x + 0.5)", d, 65);
    assert!(needed.indices.len() * 2 < full.indices.len());
    // The same ground is covered: coarse blocks cover their cells, the hole's edge is fine.
    assert_eq!(area(&needed, 65), area(&full, 65));
    let f = Formula::parse("y + 0*ln(x + 0.5)").unwrap();
    for &k in &needed.indices {
        let [i, j] = at(k, 65);
        let (x, y) = (d.x_at(i as usize, 65), d.y_at(j as usize, 65));
        assert!(f.value([x, y]).is_finite(), "({x}, {y}) is in the hole");
    }
    let (needed, full) = meshes("sin(40*x)", d, 33);
    let sorted = |m: &Drawn| {
        let mut t: Vec<&[u32]> = m.indices.chunks_exact(3).collect();
        t.sort();
        t.concat()
    };
    assert!(sorted(&needed) == sorted(&full), "bumps need every cell");
}

#[test]
fn a_wider_view_gets_a_finer_mesh() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let d = Domain::new(-2.0, 2.0, -1.0, 3.0);
    let g = sample(&f, d, 192, true);
    let map = WorldMap::new(d, &g.range, ZScale::Log, 1.0);
    let count = |density| drawn(&g, &map, density).indices.len();
    let widths = [320, 1280, 3840].map(|w| count(Density::Screen(w)));
    assert!(
        widths[0] < widths[1] && widths[1] < widths[2] && widths[2] < count(Density::Full),
        "indices at 320, 1280 and 3840 pixels: {widths:?}"
    );
    assert_eq!(
        Density::Screen(320).tolerance(),
        4.0 * Density::Screen(1280).tolerance()
    );
}
