//! The surface's triangles at the density its shape needs: a quadtree over the grid's cells
//! whose leaves are drawn as two triangles each, split until those stray less than
//! a tolerance from the grid's heights (a share of a pixel) (down to single cells at bumps, steep walls, the
//! rim of a clipped top and holes).
//!
//! Why: a software rasteriser (llvmpipe on a school laptop or a virtual machine) shades
//! whole pixel blocks per triangle, so a 192² mesh in a few hundred pixels costs 4–5× the
//! pixels' worth. Colour, contours and normals do not need the triangles: the shader reads
//! them per pixel from the full grid (the surface's field), so the mesh only carries the
//! silhouette and the parallax.

use rayon::prelude::*;

/// Cells per side of the largest block drawn as two triangles: the tiles the quadtree
/// starts from (in parallel).
pub const TILE: usize = 64;

/// How far (world units, the domain being 10 across) the drawn shape may stray from the
/// grid's heights in a view 1280 pixels wide: about a third of a pixel with the landscape
/// filling it.
pub const TOLERANCE_AT_1280: f32 = 0.004;

/// How densely the surface is meshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Density {
    /// Leaves as coarse as a view this many pixels wide allows: the tolerance is a fixed
    /// share of a pixel, so a 320-pixel recording gets 4× the tolerance of a 1280-pixel
    /// one, a 4K recording a third of it.
    Screen(u32),
    /// Every grid cell, two triangles each (what `Screen` is checked against).
    Full,
}

impl Default for Density {
    fn default() -> Density {
        Density::Screen(1280)
    }
}

impl Density {
    /// How far the drawn shape may stray from the grid's heights, in world units.
    pub fn tolerance(self) -> f32 {
        match self {
            Density::Screen(pixels) => TOLERANCE_AT_1280 * 1280.0 / pixels.max(64) as f32,
            Density::Full => 0.0,
        }
    }
}

/// A block of `w × h` grid cells from node (i0, j0), drawn as two triangles: a quadtree
/// leaf of side `side` (`w`, `h` are less at the grid's far edges).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Leaf {
    i0: usize,
    j0: usize,
    w: usize,
    h: usize,
    side: usize,
}

impl Leaf {
    /// The quadrants of side `side / 2` that hold cells (clipped to this leaf at the grid's far
    /// edges, as it is).
    fn children(self) -> impl Iterator<Item = Leaf> {
        let side = self.side / 2;
        [(0, 0), (1, 0), (0, 1), (1, 1)]
            .into_iter()
            .filter_map(move |(a, b)| {
                let (i0, j0) = (self.i0 + a * side, self.j0 + b * side);
                (i0 < self.i0 + self.w && j0 < self.j0 + self.h).then(|| Leaf {
                    i0,
                    j0,
                    w: side.min(self.i0 + self.w - i0),
                    h: side.min(self.j0 + self.h - j0),
                    side,
                })
            })
    }
}

/// The grid the quadtree reads: a world height per node (row-major, `n × n`) and the field,
/// whose fourth channel is 0 in a hole.
struct Nodes<'a> {
    heights: &'a [f32],
    field: &'a [[f32; 4]],
    n: usize,
}

impl Nodes<'_> {
    fn height(&self, i: usize, j: usize) -> f32 {
        self.heights[j * self.n + i]
    }

    /// Whether node k is on the surface (not a hole).
    fn exists(&self, k: usize) -> bool {
        self.field[k][3] > 0.0
    }
}

/// The triangle indices (grid nodes, row-major) of the surface over an `n × n` grid's
/// `heights`, snapping the heights of nodes that lie on a larger neighbour's edge onto that
/// edge so the surface has no cracks. Holes (nodes whose `field` texel is 0) are drawn open,
/// cell by cell.
pub fn triangulate(
    heights: &mut [f32],
    field: &[[f32; 4]],
    n: usize,
    density: Density,
) -> Vec<u32> {
    let cells = n - 1;
    let (side, per_side) = match density {
        Density::Screen(_) => (TILE, cells.div_ceil(TILE)),
        Density::Full => (1, cells),
    };
    let tolerance = density.tolerance();
    let grid = Nodes { heights, field, n };
    let mut leaves: Vec<Leaf> = (0..per_side * per_side)
        .into_par_iter()
        .flat_map_iter(|t| {
            let (i0, j0) = ((t % per_side) * side, (t / per_side) * side);
            let tile = Leaf {
                i0,
                j0,
                w: side.min(cells - i0),
                h: side.min(cells - j0),
                side,
            };
            let mut out = Vec::new();
            split(tile, &grid, tolerance, &mut out);
            out
        })
        .collect();
    // Larger leaves first: a node on a large leaf's edge is put on it before the smaller
    // leaves whose corners it is are used to place others.
    leaves.sort_by_key(|l| std::cmp::Reverse(l.side));
    snap(heights, &leaves, n);
    let grid = Nodes { heights, field, n };
    let mut indices = Vec::with_capacity(leaves.len() * 6);
    for leaf in &leaves {
        triangles(leaf, &grid, &mut indices);
    }
    indices
}

/// Splits `leaf` until each part is drawn within `tolerance` by two triangles (or is one
/// cell); a part with a hole in it is split down to cells.
fn split(leaf: Leaf, grid: &Nodes, tolerance: f32, out: &mut Vec<Leaf>) {
    if leaf.side <= 1 || fits(leaf, grid, tolerance) {
        out.push(leaf);
        return;
    }
    for child in leaf.children() {
        split(child, grid, tolerance, out);
    }
}

/// Whether every node of the leaf exists and lies within `tolerance` of its two triangles.
fn fits(leaf: Leaf, grid: &Nodes, tolerance: f32) -> bool {
    let (i0, j0, w, h) = (leaf.i0, leaf.j0, leaf.w, leaf.h);
    let (a, b) = (grid.height(i0, j0), grid.height(i0 + w, j0));
    let (c, d) = (grid.height(i0, j0 + h), grid.height(i0 + w, j0 + h));
    let (per_w, per_h) = (1.0 / w as f32, 1.0 / h as f32);
    for j in j0..=j0 + h {
        let ty = (j - j0) as f32 * per_h;
        let row = j * grid.n;
        for i in i0..=i0 + w {
            let tx = (i - i0) as f32 * per_w;
            // The triangles [a, b, d] (tx ≥ ty) and [a, d, c], as `triangles` draws them.
            let drawn = if tx >= ty {
                a + tx * (b - a) + ty * (d - b)
            } else {
                a + ty * (c - a) + tx * (d - c)
            };
            if !grid.exists(row + i) || (drawn - grid.heights[row + i]).abs() > tolerance {
                return false;
            }
        }
    }
    true
}

/// Puts every node inside a leaf's edge onto that edge's straight line (the finer leaves
/// beside it then meet it without a crack), larger leaves first.
fn snap(heights: &mut [f32], leaves: &[Leaf], n: usize) {
    let mut along = |first: usize, step: usize, len: usize| {
        let (a, b) = (heights[first], heights[first + len * step]);
        for k in 1..len {
            heights[first + k * step] = a + (k as f32 / len as f32) * (b - a);
        }
    };
    for l in leaves.iter().filter(|l| l.side > 1) {
        let (corner, far_row) = (l.j0 * n + l.i0, (l.j0 + l.h) * n + l.i0);
        along(corner, 1, l.w);
        along(far_row, 1, l.w);
        along(corner, n, l.h);
        along(corner + l.w, n, l.h);
    }
}

/// A leaf's two triangles, counter-clockwise seen from above (+Y, with +y mapping to −Z); a
/// triangle with a corner in a hole is left out.
fn triangles(l: &Leaf, grid: &Nodes, out: &mut Vec<u32>) {
    let finite = |k: usize| grid.exists(k);
    let a = l.j0 * grid.n + l.i0;
    let (b, c, d) = (a + l.w, a + l.h * grid.n, a + l.h * grid.n + l.w);
    if finite(a) && finite(b) && finite(d) {
        out.extend([a, b, d].map(|k| k as u32));
    }
    if finite(a) && finite(d) && finite(c) {
        out.extend([a, d, c].map(|k| k as u32));
    }
}

#[cfg(test)]
mod tests;
