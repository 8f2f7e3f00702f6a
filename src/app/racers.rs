//! Optimizer balls: each racer is an entity whose numbers come from a core `Run`.

use super::AppSet;
use super::landscape::{Landscape, Surface};
use crate::core::optim::run::Run;
use crate::core::optim::{Hyper, Kind, Optimizer};
use bevy::prelude::*;

/// One optimizer racing from a start.
#[derive(Component)]
pub struct Racer {
    pub run: Run,
    pub color: Color,
    pub label: String,
}

/// Where a racer has been, in landscape coordinates (x, y, f); bounded in memory.
#[derive(Component, Default)]
pub struct Trail {
    pub points: Vec<[f64; 3]>,
}

/// Longest trail kept; beyond it the older half is thinned to every other point.
pub const TRAIL_MAX: usize = 4000;

impl Trail {
    pub fn push(&mut self, p: [f64; 3]) {
        self.points.push(p);
        if self.points.len() > TRAIL_MAX {
            let half = self.points.len() / 2;
            let mut kept: Vec<[f64; 3]> = self.points[..half].iter().step_by(2).copied().collect();
            kept.extend_from_slice(&self.points[half..]);
            self.points = kept;
        }
    }
}

/// Play state and speed of the race.
#[derive(Resource)]
pub struct Sim {
    pub playing: bool,
    /// Optimizer steps per second of wall time.
    pub steps_per_second: f64,
    /// Steps requested while paused ("step once").
    pub pending: u32,
    /// When set, exactly this many steps per rendered frame, whatever the frame rate: for
    /// recordings and tests that must come out the same on any machine.
    pub fixed_steps_per_frame: Option<u32>,
    carry: f64,
}

impl Sim {
    /// A race that advances exactly `n` steps per rendered frame.
    pub fn fixed(n: u32) -> Sim {
        Sim {
            fixed_steps_per_frame: Some(n),
            ..Sim::default()
        }
    }
}

impl Default for Sim {
    fn default() -> Sim {
        Sim {
            playing: true,
            steps_per_second: 30.0,
            pending: 0,
            fixed_steps_per_frame: None,
            carry: 0.0,
        }
    }
}

/// Asks for every racer to go back to its start (and trails to clear); with a point, that
/// point becomes every racer's start.
#[derive(Message, Default)]
pub struct Restart(pub Option<[f64; 2]>);

/// Racer palette: distinct under common colour-vision deficiencies (Okabe–Ito).
pub const PALETTE: [Color; 8] = [
    Color::srgb(0.90, 0.62, 0.0),
    Color::srgb(0.34, 0.71, 0.91),
    Color::srgb(0.94, 0.89, 0.26),
    Color::srgb(0.0, 0.62, 0.45),
    Color::srgb(0.80, 0.47, 0.65),
    Color::srgb(0.84, 0.37, 0.0),
    Color::srgb(0.0, 0.45, 0.70),
    Color::srgb(0.95, 0.95, 0.95),
];

/// Ball radius in world units.
pub const BALL_RADIUS: f32 = 0.13;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Sim>()
        .add_message::<Restart>()
        .add_systems(Startup, spawn_default_racers)
        .add_systems(
            Update,
            (restart_on_new_surface, restart)
                .chain()
                .in_set(AppSet::Simulate)
                .before(step),
        )
        .add_systems(Update, step.in_set(AppSet::Simulate))
        .add_systems(Update, place_balls.in_set(AppSet::Present));
}

/// The default race: gradient descent, momentum and Adam from one start.
fn default_racers() -> Vec<(Kind, Hyper)> {
    vec![
        (
            Kind::Gd,
            Hyper {
                lr: 0.1,
                ..Hyper::defaults(Kind::Gd)
            },
        ),
        (
            Kind::Momentum,
            Hyper {
                lr: 0.1,
                ..Hyper::defaults(Kind::Momentum)
            },
        ),
        (
            Kind::Adam,
            Hyper {
                lr: 0.1,
                ..Hyper::defaults(Kind::Adam)
            },
        ),
    ]
}

fn spawn_default_racers(
    mut commands: Commands,
    landscape: Res<Landscape>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let ball = meshes.add(Sphere::new(BALL_RADIUS).mesh().uv(32, 18));
    let start = landscape.default_start();
    for (i, (kind, hyper)) in default_racers().into_iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let run = Run::new(
            Optimizer::new(kind, hyper),
            start,
            landscape.stop_rules(),
            &landscape.formula,
        );
        let mut trail = Trail::default();
        trail.push([start[0], start[1], run.loss]);
        commands.spawn((
            Name::new(format!("Racer {}", kind.label())),
            Racer {
                run,
                color,
                label: kind.label().to_string(),
            },
            trail,
            Mesh3d(ball.clone()),
            MeshMaterial3d(materials.add(StandardMaterial {
                base_color: color,
                emissive: LinearRgba::from(color) * 0.35,
                perceptual_roughness: 0.3,
                ..default()
            })),
            Transform::IDENTITY,
        ));
    }
}

fn restart_on_new_surface(surface: Res<Surface>, mut restart: MessageWriter<Restart>) {
    if surface.is_changed() && !surface.is_added() {
        restart.write(Restart(None));
    }
}

fn restart(
    mut messages: MessageReader<Restart>,
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail)>,
) {
    let (mut any, mut new_start) = (false, None);
    for Restart(start) in messages.read() {
        any = true;
        new_start = start.or(new_start);
    }
    if !any {
        return;
    }
    for (mut racer, mut trail) in &mut racers {
        let start = new_start.unwrap_or(racer.run.start);
        racer.run.rules = landscape.stop_rules();
        racer.run.restart(start, &landscape.formula);
        trail.points.clear();
        trail.push([start[0], start[1], racer.run.loss]);
    }
}

/// How many optimizer steps this frame: fixed-rate accumulation, so the number of steps per
/// second of wall time does not depend on the frame rate.
pub fn steps_this_frame(sim: &mut Sim, dt: f64) -> u32 {
    let mut n = std::mem::take(&mut sim.pending);
    if let (true, Some(fixed)) = (sim.playing, sim.fixed_steps_per_frame) {
        return n + fixed;
    }
    if sim.playing {
        sim.carry += dt * sim.steps_per_second;
        let whole = sim.carry.floor();
        sim.carry -= whole;
        // A long stall (window dragged, breakpoint) must not replay thousands of steps at once.
        n += whole.min(10_000.0) as u32;
    }
    n
}

fn step(
    time: Res<Time>,
    mut sim: ResMut<Sim>,
    landscape: Res<Landscape>,
    mut racers: Query<(&mut Racer, &mut Trail)>,
) {
    let n = steps_this_frame(&mut sim, time.delta_secs_f64());
    if n == 0 {
        return;
    }
    for (mut racer, mut trail) in &mut racers {
        for _ in 0..n {
            if !racer.run.status.is_running() {
                break;
            }
            racer.run.step(&landscape.formula);
            // A diverged step is not taken: the trail ends at the last finite point.
            if racer
                .run
                .last
                .as_ref()
                .is_some_and(|u| u.to == racer.run.pos)
            {
                let p = racer.run.pos;
                trail.push([p[0], p[1], racer.run.loss]);
            }
        }
    }
}

fn place_balls(surface: Res<Surface>, mut racers: Query<(&Racer, &mut Transform)>) {
    for (racer, mut transform) in &mut racers {
        // A racer's position is always finite (diverged runs keep their last finite point);
        // if the map cannot place it, the ball stays where it was rather than take a NaN.
        if let Some(w) = surface
            .map
            .world_from_landscape(racer.run.pos, racer.run.loss)
        {
            transform.translation = Vec3::new(w[0], w[1] + BALL_RADIUS, w[2]);
        }
    }
}
