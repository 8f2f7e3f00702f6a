//! What a step looked at, drawn where it looked: a population's points (CMA-ES's samples, the
//! particles), CMA-ES's covariance ellipse, Nelder–Mead's triangle, annealing's proposal, and
//! the four probes of a finite-difference gradient — so a black-box method's cost is visible.

use super::balls::{BALL_RADIUS, OverlayGizmos, ball_scale};
use super::landscape::{Landscape, Surface};
use super::racers::Racer;
use super::sets::AppSet;
use crate::core::optim::probes;
use crate::core::optim::run::Run;
use bevy::prelude::*;
use bevy_panorbit_camera::PanOrbitCamera;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, draw.in_set(AppSet::Present));
}

/// What to draw for one racer, in landscape coordinates.
#[derive(Debug, Default, PartialEq)]
pub struct Looked {
    /// Points f was evaluated at (or will be, for a swarm's particles).
    pub points: Vec<[f64; 2]>,
    /// Closed outlines: the simplex, the 1-σ and 2-σ ellipses.
    pub outlines: Vec<Vec<[f64; 2]>>,
    /// The finite-difference probes of the last step, around the point it left.
    pub probes: Option<([f64; 2], [[f64; 2]; 4])>,
}

/// Points around an ellipse with centre `c` and half-axes `a`, `b`.
fn ellipse(c: [f64; 2], [a, b]: [[f64; 2]; 2], k: f64) -> Vec<[f64; 2]> {
    (0..=48)
        .map(|i| {
            let t = std::f64::consts::TAU * f64::from(i) / 48.0;
            let (cos, sin) = (k * t.cos(), k * t.sin());
            [
                c[0] + cos * a[0] + sin * b[0],
                c[1] + cos * a[1] + sin * b[1],
            ]
        })
        .collect()
}

/// The points and outlines of a run's last step.
pub fn looked(run: &Run) -> Looked {
    let o = &run.optimizer;
    let mut out = Looked::default();
    if let Some(points) = o.population() {
        out.points = points.to_vec();
    }
    if let Some(p) = o.proposal() {
        out.points.push(p);
    }
    if let Some((c, axes)) = o.ellipse() {
        out.outlines.push(ellipse(c, axes, 1.0));
        out.outlines.push(ellipse(c, axes, 2.0));
    }
    if let Some([a, b, c]) = o.simplex() {
        out.outlines.push(vec![a, b, c, a]);
    }
    if o.hyper.fd > 0.0 && o.kind.uses_gradient() {
        out.probes = run
            .last
            .as_ref()
            .map(|u| (u.from, probes(u.from, o.hyper.fd)));
    }
    out.points.retain(|p| p.iter().all(|v| v.is_finite()));
    out.outlines
        .retain(|l| l.iter().flatten().all(|v| v.is_finite()));
    out
}

/// Pieces each outline edge is cut into, so it follows the surface.
const PIECES: usize = 8;

fn draw(
    mut gizmos: Gizmos<OverlayGizmos>,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    camera: Single<&PanOrbitCamera>,
    racers: Query<(&Racer, &InheritedVisibility)>,
) {
    let map = &surface.map;
    let f = &landscape.formula;
    let lift = Vec3::Y * 0.03;
    let on_surface = |p: [f64; 2]| {
        map.domain
            .contains(p)
            .then(|| map.world_from_landscape(p, f.value(p)))
            .flatten()
            .map(|w| Vec3::from(w) + lift)
    };
    let dot = ball_scale(camera.radius.unwrap_or(super::camera::HOME_RADIUS)) * BALL_RADIUS;
    let flat = |at: Vec3| Isometry3d::new(at, Quat::from_rotation_x(std::f32::consts::FRAC_PI_2));
    for (racer, visible) in &racers {
        if !visible.get() || !racer.run.status.is_running() && racer.run.last.is_none() {
            continue;
        }
        let seen = looked(&racer.run);
        let faint = racer.color.with_alpha(0.85);
        for p in &seen.points {
            if let Some(w) = on_surface(*p) {
                gizmos.circle(flat(w), 0.28 * dot, faint).resolution(8);
            }
        }
        for outline in &seen.outlines {
            let along = outline.windows(2).flat_map(|e| {
                (0..PIECES).map(move |i| {
                    let t = i as f64 / PIECES as f64;
                    [
                        e[0][0] + t * (e[1][0] - e[0][0]),
                        e[0][1] + t * (e[1][1] - e[0][1]),
                    ]
                })
            });
            let points: Vec<Vec3> = along
                .chain(outline.last().copied())
                .filter_map(on_surface)
                .collect();
            gizmos.linestrip(points, racer.color);
        }
        if let Some((from, probes)) = seen.probes {
            draw_probes(&mut gizmos, map, f, from, probes, dot, racer.color);
        }
    }
}

/// The four probes around the point the step left, each at least a ball's radius out so
/// that steps of 10⁻⁶ still show (the true offset when it is larger), joined by a cross.
fn draw_probes(
    gizmos: &mut Gizmos<OverlayGizmos>,
    map: &crate::core::view::WorldMap,
    f: &crate::core::expr::Formula,
    from: [f64; 2],
    probes: [[f64; 2]; 4],
    dot: f32,
    color: Color,
) {
    let Some(centre) = map
        .world_from_landscape(from, f.value(from))
        .map(Vec3::from)
    else {
        return;
    };
    let least = f64::from(1.6 * dot) / map.scale();
    let shown: Vec<Vec3> = probes
        .iter()
        .filter_map(|p| {
            let d = [p[0] - from[0], p[1] - from[1]];
            let len = d[0].hypot(d[1]);
            let k = if len > 0.0 { len.max(least) / len } else { 0.0 };
            let q = [from[0] + k * d[0], from[1] + k * d[1]];
            map.world_from_landscape(q, f.value(q)).map(Vec3::from)
        })
        .collect();
    let up = Vec3::Y * 0.05;
    for w in &shown {
        gizmos.line(centre + up, *w + up, color.with_alpha(0.5));
        gizmos.sphere(
            Isometry3d::from_translation(*w + up),
            0.22 * dot,
            Color::WHITE,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::expr::Formula;
    use crate::core::optim::run::StopRules;
    use crate::core::optim::{Hyper, Kind, Optimizer};

    fn run_of(kind: Kind, hyper: Hyper, steps: usize) -> Run {
        let f = Formula::parse("x^2 + 4*y^2").unwrap();
        let mut run = Run::new(
            Optimizer::new(kind, hyper),
            [1.0, 1.0],
            StopRules::default(),
            &f,
        );
        for _ in 0..steps {
            run.step(&f);
        }
        run
    }

    #[test]
    fn each_method_shows_what_its_step_looked_at() {
        // CMA-ES: its λ samples and two ellipses about the mean.
        let cma = looked(&run_of(Kind::CmaEs, Hyper::defaults(Kind::CmaEs), 3));
        assert_eq!(cma.points.len(), 100);
        assert_eq!(cma.outlines.len(), 2);
        let run = run_of(Kind::CmaEs, Hyper::defaults(Kind::CmaEs), 3);
        let (c, [a, _]) = run.optimizer.ellipse().unwrap();
        assert_eq!(c, run.pos, "the ball is the mean");
        let far = cma.outlines[1][0];
        assert!(((far[0] - c[0]) - 2.0 * a[0]).abs() < 1e-12);
        // The swarm: every particle, no outline.
        let pso = looked(&run_of(Kind::Pso, Hyper::defaults(Kind::Pso), 2));
        assert_eq!((pso.points.len(), pso.outlines.len()), (40, 0));
        // Nelder–Mead: a closed triangle; annealing: its proposal.
        let nm = looked(&run_of(
            Kind::NelderMead,
            Hyper::defaults(Kind::NelderMead),
            2,
        ));
        assert_eq!(nm.outlines[0].len(), 4);
        assert_eq!(nm.outlines[0][0], nm.outlines[0][3]);
        assert_eq!(
            looked(&run_of(
                Kind::Annealing,
                Hyper::defaults(Kind::Annealing),
                1
            ))
            .points
            .len(),
            1
        );
        // Finite differences: four probes h·max(|x|, 1) from the point the step left.
        let fd = Hyper {
            fd: 1e-3,
            lr: 0.1,
            ..Hyper::defaults(Kind::Gd)
        };
        let seen = looked(&run_of(Kind::Gd, fd, 1));
        let (from, p) = seen.probes.unwrap();
        assert_eq!(from, [1.0, 1.0]);
        assert_eq!(p, [[0.999, 1.0], [1.001, 1.0], [1.0, 0.999], [1.0, 1.001]]);
        // Exact gradients probe nothing.
        let exact = looked(&run_of(Kind::Gd, Hyper::defaults(Kind::Gd), 1));
        assert_eq!(exact, Looked::default());
    }
}
