//! How racers look: a lit ball per racer sized to the view, its start marker, and its status
//! (grey with a ✕ when diverged, a ring when converged, a label for anything but running).

use super::labels::{ViewLabels, colour32};
use super::landscape::{Landscape, Surface};
use super::racers::{Racer, Trail};
use super::sets::AppSet;
use crate::core::optim::run::Run;
use crate::core::optim::run::Status;
use crate::core::surface::Domain;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use bevy_panorbit_camera::PanOrbitCamera;

/// Camera distance at which balls have `BALL_RADIUS`: the home view's.
const REFERENCE_DISTANCE: f32 = super::camera::HOME_RADIUS;
pub const DIVERGED_GREY: Color = Color::srgb(0.45, 0.45, 0.48);

#[derive(Resource)]
struct BallMesh(Handle<Mesh>);

/// The status a ball's material currently shows, so materials change only when it does.
#[derive(Component)]
struct Shown(&'static str);

/// Statuses and start markers draw over the surface.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct OverlayGizmos;

/// Dresses every racer with a ball and draws its status; the race itself (which racers, where
/// they are) is `racers`'.
/// Where each racer's ball sits on the surface: no drawing, so headless tests and benchmarks
/// place balls too.
pub(super) fn placement(app: &mut App) {
    app.add_systems(Update, place_balls.in_set(AppSet::Present));
}

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(placement)
        .insert_gizmo_config(
            OverlayGizmos,
            GizmoConfig {
                depth_bias: -0.5,
                line: GizmoLineConfig {
                    width: 2.5,
                    ..default()
                },
                ..default()
            },
        )
        .add_systems(Startup, make_mesh)
        .add_systems(
            Update,
            (dress, recolour, size_to_view, draw_status).in_set(AppSet::Present),
        )
        .add_systems(
            EguiPrimaryContextPass,
            status_labels.in_set(super::labels::LabelOrder::Racers),
        );
}

fn make_mesh(mut commands: Commands, mut meshes: ResMut<Assets<Mesh>>) {
    let mesh = meshes.add(Sphere::new(BALL_RADIUS).mesh().uv(32, 18));
    commands.insert_resource(BallMesh(mesh));
}

fn material(color: Color) -> StandardMaterial {
    StandardMaterial {
        base_color: color,
        emissive: LinearRgba::from(color) * 0.35,
        perceptual_roughness: 0.3,
        ..default()
    }
}

/// Gives each new racer its ball.
fn dress(
    mut commands: Commands,
    mesh: Res<BallMesh>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    new: Query<(Entity, &Racer), Added<Racer>>,
) {
    for (e, racer) in &new {
        commands.entity(e).insert((
            Mesh3d(mesh.0.clone()),
            MeshMaterial3d(materials.add(material(racer.color))),
            Shown("running"),
        ));
    }
}

/// A diverged ball turns grey; any other status keeps the racer's colour.
fn recolour(
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut balls: Query<(&Racer, &MeshMaterial3d<StandardMaterial>, &mut Shown)>,
) {
    for (racer, handle, mut shown) in &mut balls {
        let label = racer.run.status.label();
        if shown.0 == label {
            continue;
        }
        shown.0 = label;
        let color = match racer.run.status {
            Status::Diverged(_) => DIVERGED_GREY,
            _ => racer.color,
        };
        if let Some(mut m) = materials.get_mut(&handle.0) {
            *m = material(color);
        }
    }
}

/// Ball scale for a camera at `distance`: constant on screen across zooms, within limits.
pub fn ball_scale(distance: f32) -> f32 {
    (distance / REFERENCE_DISTANCE).clamp(0.35, 3.0)
}

fn size_to_view(camera: Single<&PanOrbitCamera>, mut balls: Query<&mut Transform, With<Racer>>) {
    let s = ball_scale(camera.radius.unwrap_or(REFERENCE_DISTANCE));
    for mut t in &mut balls {
        if t.scale.x != s {
            t.scale = Vec3::splat(s);
        }
    }
}

/// Start markers (a ring in the racer's colour), a ✕ where a racer diverged, a ring around a
/// converged ball.
fn draw_status(
    mut gizmos: Gizmos<OverlayGizmos>,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    camera: Single<&PanOrbitCamera>,
    racers: Query<(&Racer, &Contact, &InheritedVisibility)>,
) {
    let s = ball_scale(camera.radius.unwrap_or(REFERENCE_DISTANCE)) * BALL_RADIUS;
    let flat = |at: Vec3| Isometry3d::new(at, Quat::from_rotation_x(std::f32::consts::FRAC_PI_2));
    for (racer, contact, visible) in &racers {
        if !visible.get() {
            continue;
        }
        let run = &racer.run;
        let start_f = landscape.formula.value(run.start);
        if let Some(w) = surface.map.world_from_landscape(run.start, start_f) {
            gizmos.circle(flat(Vec3::from(w) + Vec3::Y * 0.02), 1.6 * s, racer.color);
        }
        let at = contact.0;
        if racer.learner.is_some() {
            stalk(&mut gizmos, &surface, &landscape, racer, at);
        }
        match run.status {
            Status::Diverged(_) => {
                let (a, b) = (
                    Vec3::new(2.2 * s, 0.0, 2.2 * s),
                    Vec3::new(2.2 * s, 0.0, -2.2 * s),
                );
                let red = Color::srgb(1.0, 0.3, 0.25);
                let up = at + Vec3::Y * 2.0 * s;
                gizmos.line(up - a, up + a, red);
                gizmos.line(up - b, up + b, red);
            }
            Status::Converged => {
                gizmos.circle(flat(at + Vec3::Y * 0.02), 2.0 * s, Color::WHITE);
            }
            _ => {}
        }
    }
}

/// A network racer's stalk: from its ball (its true loss) to the surface under it (the loss
/// on the plane at its projection), so a ball far off the plane is seen to float or sink.
fn stalk(
    gizmos: &mut Gizmos<OverlayGizmos>,
    surface: &Surface,
    l: &Landscape,
    r: &Racer,
    at: Vec3,
) {
    let under = l.formula.value(r.run.pos);
    let Some(w) = surface.map.world_from_landscape(r.run.pos, under) else {
        return;
    };
    let w = Vec3::from(w);
    if w.is_finite() && w.distance(at) > 1e-3 {
        gizmos.line(at, w, r.color.with_alpha(0.8));
        gizmos.sphere(Isometry3d::from_translation(w), 0.01, r.color);
    }
}

/// "diverged", "converged", "stalled" next to balls that stopped. Racers stopped at one
/// spot for one reason share one label, led by a dot in each one's colour: four racers at
/// Rosenbrock's minimum made four "✓ converged" around it.
fn status_labels(
    mut contexts: EguiContexts,
    camera: Single<(&Camera, &GlobalTransform), With<Camera3d>>,
    racers: Query<(&Racer, &Contact, &InheritedVisibility)>,
    mut placed: ResMut<super::labels::Placed>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let (camera, transform) = *camera;
    let mut labels = ViewLabels::new(ctx, "racer status", camera, transform, &mut placed);
    // Each stopped racer on screen: where, its status's words and its colour.
    let stopped: Vec<(Vec3, egui::Pos2, &str, egui::Color32)> = racers
        .iter()
        .filter(|(r, _, visible)| !r.run.status.is_running() && visible.get())
        .filter_map(|(r, contact, _)| {
            let p = labels.screen(contact.0)?;
            Some((contact.0, p, status_text(&r.run.status), colour32(r.color)))
        })
        .collect();
    let spots: Vec<(egui::Pos2, &str)> = stopped.iter().map(|s| (s.1, s.2)).collect();
    for group in same_spot(&spots) {
        let (at, _, text, _) = stopped[group[0]];
        let colours: Vec<egui::Color32> = group.iter().map(|&i| stopped[i].3).collect();
        let job = status_job(text, &colours);
        labels.job(at, egui::vec2(12.0, -14.0), egui::Align2::LEFT_BOTTOM, job);
    }
    Ok(())
}

const DIVERGED: &str = "✕ diverged";

fn status_text(status: &Status) -> &'static str {
    match status {
        Status::Diverged(_) => DIVERGED,
        Status::Converged => "✓ converged",
        other => other.label(),
    }
}

/// Labels with the same text less than 6 points apart on screen, grouped: each group lists
/// its labels in order, the first where it stands.
fn same_spot(spots: &[(egui::Pos2, &str)]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, (p, text)) in spots.iter().enumerate() {
        let near = |g: &&mut Vec<usize>| {
            let (q, t) = spots[g[0]];
            t == *text && q.distance(*p) < 6.0
        };
        match groups.iter_mut().find(near) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups
}

/// Most dots a shared label shows; the rest are counted (a hundred racers at one minimum).
const MAX_DOTS: usize = 8;

/// A status label: the racer's colour for one racer (red when diverged); for several, a dot
/// in each one's colour (at most [`MAX_DOTS`], then "+n"), then the words (red when
/// diverged, else light grey).
fn status_job(text: &str, colours: &[egui::Color32]) -> egui::text::LayoutJob {
    let font = egui::FontId::proportional(13.0);
    let red = egui::Color32::from_rgb(255, 110, 100);
    let grey = egui::Color32::from_gray(225);
    let words = match (text == DIVERGED, colours) {
        (true, _) => red,
        (false, [one]) => *one,
        (false, _) => grey,
    };
    let mut job = egui::text::LayoutJob::default();
    if colours.len() > 1 {
        for c in colours.iter().take(MAX_DOTS) {
            job.append("●", 0.0, egui::TextFormat::simple(font.clone(), *c));
        }
        if colours.len() > MAX_DOTS {
            let more = format!("+{}", colours.len() - MAX_DOTS);
            job.append(&more, 2.0, egui::TextFormat::simple(font.clone(), grey));
        }
    }
    let gap = if colours.len() > 1 { 4.0 } else { 0.0 };
    job.append(text, gap, egui::TextFormat::simple(font, words));
    job
}

/// Ball radius in world units at the default camera distance (the drawing plugin scales it).
pub const BALL_RADIUS: f32 = 0.17;

/// Where a racer's ball touches the surface, in world space.
#[derive(Component, Default, Clone, Copy, Debug, PartialEq)]
pub struct Contact(pub Vec3);

/// The landscape point a racer is shown at: where it is, or, once it has left the domain,
/// the point where its path crossed the edge (the start's nearest edge point if it never was
/// inside). Never a huge coordinate.
pub fn shown_point(run: &Run, trail: &Trail, domain: Domain) -> [f64; 2] {
    if domain.contains(run.pos) {
        return run.pos;
    }
    let clamp = |p: [f64; 2]| {
        [
            p[0].clamp(domain.x[0], domain.x[1]),
            p[1].clamp(domain.y[0], domain.y[1]),
        ]
    };
    // The newest point inside, and the one after it: scanned from the end, so a racer that
    // left long ago costs only its points outside.
    let points = &trail.points;
    let Some(i) = points.iter().rposition(|s| domain.contains(s.pos)) else {
        return clamp(run.pos);
    };
    let a = points[i].pos;
    let b = points.get(i + 1).map_or(run.pos, |s| s.pos);
    // The largest t in [0, 1] with a + t·(b − a) inside, per axis.
    let mut t = 1.0f64;
    for (axis, [lo, hi]) in [domain.x, domain.y].into_iter().enumerate() {
        let d = b[axis] - a[axis];
        if b[axis] > hi {
            t = t.min((hi - a[axis]) / d);
        } else if b[axis] < lo {
            t = t.min((lo - a[axis]) / d);
        }
    }
    clamp([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
}

/// The contact point and the ball's centre (resting on the surface along its normal, for a
/// ball of radius `radius`), in world space; `None` only if nothing finite can be placed.
pub fn ball_world(
    surface: &Surface,
    landscape: &Landscape,
    run: &Run,
    trail: &Trail,
    radius: f32,
) -> Option<(Vec3, Vec3)> {
    let p = shown_point(run, trail, surface.map.domain);
    let (f, g) = if p == run.pos {
        (run.loss, run.grad)
    } else {
        landscape.formula.gradient(p)
    };
    let contact = Vec3::from(surface.map.world_from_landscape(p, f)?);
    let normal = Vec3::from(surface.map.normal(f, g));
    let centre = contact + normal * radius;
    centre.is_finite().then_some((contact, centre))
}

pub(super) fn place_balls(
    mut commands: Commands,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    mut racers: Query<(Entity, &Racer, &Trail, &mut Transform, Option<&mut Contact>)>,
) {
    for (e, racer, trail, mut transform, contact) in &mut racers {
        // If nothing can be placed, the ball stays where it was rather than take a NaN.
        let radius = BALL_RADIUS * transform.scale.x;
        let Some((at, centre)) = ball_world(&surface, &landscape, &racer.run, trail, radius) else {
            continue;
        };
        transform.translation = centre;
        match contact {
            Some(mut c) => c.0 = at,
            None => {
                commands.entity(e).insert(Contact(at));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn racers_stopped_at_one_spot_for_one_reason_share_a_label_with_a_dot_each() {
        let at = |x: f32, y: f32| egui::pos2(x, y);
        let converged = status_text(&Status::Converged);
        let diverged = status_text(&Status::Diverged("left the domain".into()));
        let spots = [
            (at(100.0, 100.0), converged),
            (at(103.0, 98.0), converged),
            (at(100.0, 100.0), diverged),
            (at(130.0, 100.0), converged),
            (at(99.0, 104.0), converged),
        ];
        assert_eq!(same_spot(&spots), vec![vec![0, 1, 4], vec![2], vec![3]]);

        let (gold, blue) = (egui::Color32::GOLD, egui::Color32::LIGHT_BLUE);
        let one = status_job(converged, &[gold]);
        assert_eq!(one.text, "✓ converged");
        assert_eq!(one.sections[0].format.color, gold);
        let two = status_job(converged, &[gold, blue]);
        assert_eq!(two.text, "●●✓ converged");
        let colours: Vec<_> = two.sections.iter().map(|s| s.format.color).collect();
        assert_eq!(colours, [gold, blue, egui::Color32::from_gray(225)]);
        assert_eq!(two.sections[2].leading_space, 4.0);
        let red = egui::Color32::from_rgb(255, 110, 100);
        assert_eq!(status_job(diverged, &[gold]).sections[0].format.color, red);
        assert_eq!(
            status_job(diverged, &[gold, blue]).sections[2].format.color,
            red
        );
        // A hundred racers at one minimum: eight dots, then the count of the rest.
        let hundred = status_job(converged, &[blue; 100]);
        assert_eq!(hundred.text, "●●●●●●●●+92✓ converged");
        assert_eq!(hundred.sections.len(), 10);
    }
}
