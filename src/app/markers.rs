//! Critical-point markers: ▼ minima, ▲ maxima, ✕ saddles, ○ degenerate points, labelled;
//! the global minimum in gold.

use super::labels::{GLYPH_AIR, LabelOrder, Placed, ViewLabels, colour32};
use super::landscape::Surface;
use super::racers::Racer;
use super::sets::AppSet;
use crate::core::critical::{self, CriticalKind, CriticalPoint};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// The stationary points of the current landscape, and whether to show them.
#[derive(Resource, Default)]
pub struct Markers {
    pub points: Vec<CriticalPoint>,
    pub visible: bool,
    /// Which points are labelled this frame, and their glyphs drawn large: found once a
    /// frame (`label`) for the drawing and both label passes.
    labelled: Vec<bool>,
    big: Vec<Glyph>,
}

/// With more points than this, unlabelled saddles and maxima are not drawn and unlabelled
/// minima only up to [`MAX_GLYPHS`], lowest first (Levi has over two thousand points).
const CROWDED: usize = 12;
const MAX_GLYPHS: usize = 200;
const GOLD: Color = Color::srgb(1.0, 0.82, 0.2);

/// Markers draw over the surface, so a minimum at the bottom of a deep well stays visible.
#[derive(Default, Reflect, GizmoConfigGroup)]
struct MarkerGizmos;

pub(super) fn plugin(app: &mut App) {
    app.insert_gizmo_config(
        MarkerGizmos,
        GizmoConfig {
            depth_bias: -1.0,
            ..default()
        },
    )
    .insert_resource(Markers {
        visible: true,
        ..default()
    })
    .add_systems(
        Update,
        find.in_set(AppSet::Rebuild)
            .after(super::landscape::rebuild)
            .run_if(resource_changed::<Surface>),
    )
    .add_systems(Update, (label, draw).chain().in_set(AppSet::Present))
    .add_systems(
        EguiPrimaryContextPass,
        (
            keep_glyphs_clear.in_set(LabelOrder::Glyphs),
            labels_ui.in_set(LabelOrder::Markers),
        ),
    );
}

/// The stationary points come with each new surface (found in the background rebuild).
fn find(surface: Res<Surface>, mut markers: ResMut<Markers>) {
    markers.points = surface.critical.clone();
}

/// The index of the global minimum (lowest minimum) among `points`.
pub fn global_minimum(points: &[CriticalPoint]) -> Option<usize> {
    points.iter().position(|p| p.kind == CriticalKind::Minimum)
}

fn colour(kind: CriticalKind) -> Color {
    match kind {
        CriticalKind::Minimum => Color::srgb(0.55, 0.95, 0.75),
        CriticalKind::Maximum => Color::srgb(1.0, 0.45, 0.4),
        CriticalKind::Saddle => Color::srgb(0.95, 0.95, 0.95),
        CriticalKind::Degenerate => Color::srgb(0.7, 0.7, 0.9),
    }
}

/// Which markers are labelled this frame, the few that matter (see `critical::labelled`),
/// and their glyphs drawn large.
fn label(mut markers: ResMut<Markers>, surface: Res<Surface>, racers: Query<&Racer>) {
    if !markers.visible {
        return;
    }
    let near: Vec<[f64; 2]> = racers.iter().map(|r| r.run.pos).collect();
    let labelled = critical::labelled(&markers.points, &near, surface.map.domain);
    markers.big = big_glyphs(&markers, &surface, &labelled);
    markers.labelled = labelled;
}

fn draw(
    mut gizmos: Gizmos<MarkerGizmos>,
    markers: Res<Markers>,
    surface: Res<Surface>,
    basins: Option<Res<super::basins::BasinMap>>,
) {
    // With the basin map shown, each point wears its basin's colour.
    let by_basin = basins.is_some_and(|b| b.shown && b.done.is_some());
    if !markers.visible {
        return;
    }
    let global = global_minimum(&markers.points);
    let labelled = &markers.labelled;
    let crowded = markers.points.len() > CROWDED;
    let mut minima = 0;
    for (i, p) in markers.points.iter().enumerate() {
        let minimum = p.kind == CriticalKind::Minimum;
        minima += usize::from(minimum);
        if crowded && !labelled[i] && !(minimum && minima <= MAX_GLYPHS) {
            continue;
        }
        let Some(w) = surface.map.world_from_landscape(p.pos, p.value) else {
            continue;
        };
        let at = Vec3::from(w) + Vec3::Y * 0.02;
        let is_global = Some(i) == global;
        let paint = if by_basin {
            let [r, g, b] = crate::core::atlas::basin_rgb(i).map(|c| c as f32);
            Color::srgb(r, g, b)
        } else if is_global {
            GOLD
        } else {
            colour(p.kind)
        };
        let s = glyph_size(is_global, labelled[i]);
        // The two bars of ▼ or ▲ from their apex, or the two strokes of ✕.
        let [apex, a, b, c, d] = corners(p.kind, at, s);
        match p.kind {
            CriticalKind::Minimum | CriticalKind::Maximum => {
                gizmos.linestrip([apex, a, b, apex], paint);
                gizmos.linestrip([apex, c, d, apex], paint);
            }
            CriticalKind::Saddle => {
                gizmos.line(a, b, paint);
                gizmos.line(c, d, paint);
            }
            CriticalKind::Degenerate => {
                gizmos.circle(
                    Isometry3d::new(at, Quat::from_rotation_x(std::f32::consts::FRAC_PI_2)),
                    s,
                    paint,
                );
            }
        }
    }
}

/// A glyph's size in world units: the global minimum's largest, labelled points' middling,
/// the rest small (they show where things are without burying the surface).
fn glyph_size(global: bool, labelled: bool) -> f32 {
    match (global, labelled) {
        (true, _) => 0.22,
        (false, true) => 0.14,
        (false, false) => 0.06,
    }
}

/// Where a glyph of size `s` at `at` has its corners. ▼ stands on its tip at a minimum and
/// ▲ sits on its base at a maximum: the tip or apex, then the ends of two crossed bars. A
/// saddle's ✕: the centre, then the ends of its two strokes; a degenerate point's ○ lies
/// within them.
fn corners(kind: CriticalKind, at: Vec3, s: f32) -> [Vec3; 5] {
    let up = Vec3::Y * 2.0 * s;
    let (x, z) = (Vec3::X * s, Vec3::Z * s);
    match kind {
        CriticalKind::Minimum => [at, at + up + x, at + up - x, at + up + z, at + up - z],
        CriticalKind::Maximum => [at + up, at + x, at - x, at + z, at - z],
        CriticalKind::Saddle | CriticalKind::Degenerate => {
            [at, at - x - z, at + x + z, at - x + z, at + x - z]
        }
    }
}

/// A marker's glyph drawn large: the global minimum's and the labelled points'.
#[derive(Clone, Copy)]
struct Glyph {
    /// Its index among the markers.
    i: usize,
    /// Where: a hair above the surface.
    at: Vec3,
    size: f32,
    labelled: bool,
}

/// The glyphs drawn large, at the landscape's points.
fn big_glyphs(markers: &Markers, surface: &Surface, labelled: &[bool]) -> Vec<Glyph> {
    let global = global_minimum(&markers.points);
    let big = |i: usize| labelled[i] || Some(i) == global;
    let glyph = |(i, p): (usize, &CriticalPoint)| {
        let w = surface.map.world_from_landscape(p.pos, p.value)?;
        Some(Glyph {
            i,
            at: Vec3::from(w) + Vec3::Y * 0.02,
            size: glyph_size(Some(i) == global, labelled[i]),
            labelled: labelled[i],
        })
    };
    let points = markers.points.iter().enumerate();
    points.filter(|(i, _)| big(*i)).filter_map(glyph).collect()
}

/// What the markers' label systems read: the points, the racers near them, and the camera
/// and screen space the labels share.
#[derive(SystemParam)]
struct MarkerView<'w, 's> {
    contexts: EguiContexts<'w, 's>,
    markers: Res<'w, Markers>,
    placed: ResMut<'w, Placed>,
    camera: Single<'w, 's, (&'static Camera, &'static GlobalTransform), With<Camera3d>>,
}

impl MarkerView<'_, '_> {
    /// The labelled markers' glyphs, with the points and a painter on the view; nothing
    /// while the markers are hidden.
    fn glyphs(&mut self) -> Result<Option<(&Markers, ViewLabels<'_>)>> {
        if !self.markers.visible {
            return Ok(None);
        }
        let ctx = self.contexts.ctx_mut()?;
        let (camera, transform) = *self.camera;
        let labels = ViewLabels::new(ctx, "marker labels", camera, transform, &mut self.placed);
        Ok(Some((&self.markers, labels)))
    }
}

/// No label covers a labelled marker's glyph (the global minimum's ▼ crossed the racers'
/// "✓ converged" around it).
fn keep_glyphs_clear(mut view: MarkerView) -> Result {
    let Some((markers, mut labels)) = view.glyphs()? else {
        return Ok(());
    };
    for g in &markers.big {
        labels.keep_clear(corners(markers.points[g.i].kind, g.at, g.size));
    }
    Ok(())
}

/// Short labels next to the labelled markers, below their glyphs.
fn labels_ui(mut view: MarkerView) -> Result {
    let Some((markers, mut labels)) = view.glyphs()? else {
        return Ok(());
    };
    let global = global_minimum(&markers.points);
    for &Glyph { i, at, size, .. } in markers.big.iter().filter(|g| g.labelled) {
        let p = &markers.points[i];
        let text = match (p.kind, Some(i) == global) {
            (CriticalKind::Minimum, true) => format!("global min {}", short(p.value)),
            (CriticalKind::Minimum, false) => format!("min {}", short(p.value)),
            _ => p.kind_name().to_string(),
        };
        let c = if Some(i) == global {
            GOLD
        } else {
            colour(p.kind)
        };
        // Below its own glyph's box, which is kept clear of labels: seen from above, a ▼'s
        // bars reach below its tip.
        let Some(tip) = labels.screen(at) else {
            continue;
        };
        let lowest = corners(p.kind, at, size)
            .iter()
            .filter_map(|c| labels.screen(*c))
            .fold(tip.y, |y, q| y.max(q.y));
        labels.text(
            at,
            egui::vec2(10.0, (lowest - tip.y + GLYPH_AIR + 2.0).max(4.0)),
            egui::Align2::LEFT_TOP,
            text,
            12.0,
            colour32(c),
        );
    }
    Ok(())
}

/// A critical value in four significant digits; below 1e-9 it is a zero up to rounding (the
/// minimum of x² + y² found at 7.9e-31) and reads 0.
fn short(v: f64) -> String {
    crate::core::number::short(if v.abs() < 1e-9 { 0.0 } else { v }, 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::critical;
    use crate::core::expr::Formula;
    use crate::core::presets;

    #[test]
    fn the_global_minimum_is_the_lowest_minimum_not_the_lowest_point() {
        let p = presets::find("two-wells").unwrap();
        let points = critical::find(&Formula::parse(p.formula).unwrap(), p.domain);
        let g = global_minimum(&points).unwrap();
        assert!((points[g].value + 1.619131087096998).abs() < 1e-12);
        // A saddle below every minimum must not be called the global minimum.
        let saddle_first = [
            CriticalPoint {
                pos: [0.0; 2],
                value: -5.0,
                kind: CriticalKind::Saddle,
                eigenvalues: [-1.0, 1.0],
                condition: 1.0,
                smooth: true,
            },
            points[g].clone(),
        ];
        assert_eq!(global_minimum(&saddle_first), Some(1));
        assert_eq!(short(7.9e-31), "0");
        assert_eq!(short(-1.6191), "-1.619");
    }
}
