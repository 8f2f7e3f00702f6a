//! Arrows on the last step of each racer, to scale: the plain gradient step −α∇f, the
//! optimizer's velocity −α·v, and the update it actually took, with a legend. Side by side
//! they show momentum overshooting where the gradient turned back, and Adam rescaling.

use super::balls::OverlayGizmos;
use super::landscape::{Landscape, Surface};
use super::racers::Racer;
use super::sets::AppSet;
use crate::core::optim::run::{Run, Status};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// Which arrows to draw, and how much to magnify them.
#[derive(Resource)]
pub struct Arrows {
    pub gradient: bool,
    pub velocity: bool,
    pub update: bool,
    /// Every arrow is drawn `scale` times its length in x–y (1 = exactly to scale).
    pub scale: f64,
    /// Pick `scale` by itself: the power of ten that makes the longest arrow visible.
    pub auto: bool,
}

impl Default for Arrows {
    fn default() -> Arrows {
        Arrows {
            gradient: false,
            velocity: false,
            update: false,
            scale: 1.0,
            auto: true,
        }
    }
}

impl Arrows {
    pub fn any(&self) -> bool {
        self.gradient || self.velocity || self.update
    }

    pub fn toggle_all(&mut self) {
        let on = !self.any();
        (self.gradient, self.velocity, self.update) = (on, on, on);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrowKind {
    Gradient,
    /// On a mini-batch step: the full-batch gradient step, beside the batch's own.
    FullGradient,
    Velocity,
    Update,
}

impl ArrowKind {
    pub fn color(self) -> Color {
        match self {
            ArrowKind::Gradient => Color::srgb(1.0, 0.33, 0.33),
            ArrowKind::FullGradient => Color::srgb(1.0, 0.75, 0.2),
            ArrowKind::Velocity => Color::srgb(0.25, 0.85, 1.0),
            ArrowKind::Update => Color::WHITE,
        }
    }

    pub fn legend(self) -> &'static str {
        match self {
            ArrowKind::Gradient => "−α∇f  plain gradient step (a mini-batch's, on data)",
            ArrowKind::FullGradient => "−α∇f  over every row: what the batch estimates",
            ArrowKind::Velocity => "−α·v  velocity (momentum b, Adam m)",
            ArrowKind::Update => "Δx  update actually taken",
        }
    }
}

/// The arrows of a run's last step, in landscape units: (kind, tail, vector). Before the
/// first step, only −α∇f from the start, with the learning rate the first step will use.
pub fn step_arrows(run: &Run) -> Vec<(ArrowKind, [f64; 2], [f64; 2])> {
    let scaled = |a: f64, v: [f64; 2]| [-a * v[0], -a * v[1]];
    let mut out = Vec::with_capacity(3);
    match &run.last {
        None => {
            let h = &run.optimizer.hyper;
            let lr = h.schedule.lr(h.lr, 0);
            if run.optimizer.kind.uses_gradient() {
                out.push((ArrowKind::Gradient, run.pos, scaled(lr, run.grad)));
            }
        }
        Some(u) => {
            if u.grad.iter().all(|g| g.is_finite()) {
                out.push((ArrowKind::Gradient, u.from, scaled(u.lr, u.grad)));
            }
            if run.optimizer.last_batch().is_some() {
                out.push((ArrowKind::FullGradient, u.from, scaled(u.lr, run.grad_from)));
            }
            if let Some(v) = run.optimizer.velocity() {
                out.push((ArrowKind::Velocity, u.from, scaled(u.lr, v)));
            }
            out.push((ArrowKind::Update, u.from, u.delta()));
        }
    }
    out.retain(|(_, p, v)| p.iter().chain(v).all(|c| c.is_finite()));
    out
}

pub(super) fn plugin(shown: bool) -> impl Fn(&mut App) {
    move |app: &mut App| {
        let mut arrows = Arrows::default();
        if shown {
            arrows.toggle_all();
        }
        app.insert_resource(arrows)
            .add_systems(
                Update,
                key.in_set(AppSet::Input).run_if(super::sets::keys_free),
            )
            .add_systems(Update, draw.in_set(AppSet::Present))
            .add_systems(EguiPrimaryContextPass, legend);
    }
}

/// A shows or hides all the step arrows.
fn key(keys: Res<ButtonInput<KeyCode>>, mut arrows: ResMut<Arrows>) {
    if keys.just_pressed(KeyCode::KeyA) {
        arrows.toggle_all();
    }
}

/// The magnification for arrows whose longest is `longest` world units: a power of ten, so
/// the legend reads "× 100" and the factor changes rarely, bringing it to at least 0.6.
pub fn decade_scale(longest: f64) -> f64 {
    if longest.is_nan() || longest <= 0.0 || longest >= 0.6 {
        return 1.0;
    }
    10f64.powf((0.6 / longest).log10().ceil()).min(1e4)
}

/// Longest arrow drawn, in world units: a diverging step must not shoot across the screen.
const MAX_WORLD_LENGTH: f32 = 6.0;

fn draw(
    mut gizmos: Gizmos<OverlayGizmos>,
    mut arrows: ResMut<Arrows>,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    racers: Query<(&Racer, &InheritedVisibility)>,
) {
    if !arrows.any() {
        return;
    }
    let map = &surface.map;
    let shown: Vec<_> = racers
        .iter()
        .filter(|(_, visible)| visible.get())
        .flat_map(|(racer, _)| {
            let diverged = matches!(racer.run.status, Status::Diverged(_));
            step_arrows(&racer.run)
                .into_iter()
                .map(move |a| (a, diverged))
        })
        .filter(|((kind, ..), _)| match kind {
            ArrowKind::Gradient | ArrowKind::FullGradient => arrows.gradient,
            ArrowKind::Velocity => arrows.velocity,
            ArrowKind::Update => arrows.update,
        })
        .collect();
    if arrows.auto {
        // The step that left the landscape is drawn (clipped) but does not set the scale.
        let longest = shown
            .iter()
            .filter(|(_, diverged)| !diverged)
            .map(|((_, _, v), _)| v[0].hypot(v[1]) * map.scale())
            .fold(0.0, f64::max);
        let scale = decade_scale(longest);
        if arrows.scale != scale {
            arrows.scale = scale;
        }
    }
    for ((kind, tail, v), _) in shown {
        let d = [v[0] * arrows.scale, v[1] * arrows.scale];
        // The head sits on the tangent plane at the tail, so the arrow lies along the surface.
        let (f, g) = landscape.formula.gradient(tail);
        let head_f = f + g[0] * d[0] + g[1] * d[1];
        let (Some(a), Some(b)) = (
            map.world_from_landscape(tail, f),
            map.world_from_landscape([tail[0] + d[0], tail[1] + d[1]], head_f),
        ) else {
            continue;
        };
        let (a, b) = (Vec3::from(a), Vec3::from(b));
        let lift = Vec3::Y * 0.04;
        let len = (b - a).length();
        if len < 1e-4 {
            continue;
        }
        let b = a + (b - a) * (len.min(MAX_WORLD_LENGTH) / len);
        gizmos
            .arrow(a + lift, b + lift, kind.color())
            .with_tip_length((0.25 * len).min(0.18));
    }
}

/// The arrows' key, in the top right corner of the 3D view.
fn legend(
    mut contexts: EguiContexts,
    arrows: Res<Arrows>,
    landscape: Res<Landscape>,
    racers: Query<&Racer>,
) -> Result {
    if !arrows.any() {
        return Ok(());
    }
    let batches = racers
        .iter()
        .any(|r| r.run.optimizer.last_batch().is_some());
    let ctx = contexts.ctx_mut()?;
    // On data the data view holds the top right corner: the key goes under it.
    let top = if landscape.data.is_some() {
        260.0
    } else {
        12.0
    };
    egui::Area::new("arrow legend".into())
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, top))
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                for (kind, on) in [
                    (ArrowKind::Gradient, arrows.gradient),
                    (ArrowKind::FullGradient, arrows.gradient && batches),
                    (ArrowKind::Velocity, arrows.velocity),
                    (ArrowKind::Update, arrows.update),
                ] {
                    if !on {
                        continue;
                    }
                    let [r, g, b, _] = kind.color().to_srgba().to_u8_array();
                    ui.colored_label(egui::Color32::from_rgb(r, g, b), kind.legend());
                }
                let scale = if arrows.scale == 1.0 {
                    "arrows to scale: one step".to_string()
                } else {
                    format!("arrows drawn × {} longer than one step", arrows.scale)
                };
                ui.label(egui::RichText::new(scale).small().weak());
            });
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::expr::Formula;
    use crate::core::optim::run::StopRules;
    use crate::core::optim::{Hyper, Kind, Optimizer};

    fn run(kind: Kind, lr: f64, f: &Formula) -> Run {
        let hyper = Hyper {
            lr,
            ..Hyper::defaults(kind)
        };
        Run::new(
            Optimizer::new(kind, hyper),
            [2.0, 1.0],
            StopRules::default(),
            f,
        )
    }

    #[test]
    fn momentum_arrows_show_the_gradient_step_the_velocity_and_the_update() {
        let f = Formula::parse("x^2 + 10*y^2").unwrap();
        let mut r = run(Kind::Momentum, 0.01, &f);
        // Before the first step: only −α∇f at the start, ∇f(2, 1) = (4, 20).
        let a = step_arrows(&r);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0], (ArrowKind::Gradient, [2.0, 1.0], [-0.04, -0.2]));
        for _ in 0..3 {
            r.step(&f);
        }
        let a = step_arrows(&r);
        let u = r.last.unwrap();
        let get = |k| a.iter().find(|x| x.0 == k).unwrap().2;
        let close =
            |p: [f64; 2], q: [f64; 2]| (p[0] - q[0]).abs() < 1e-15 && (p[1] - q[1]).abs() < 1e-15;
        // torch's momentum step is exactly −α·b; the gradient step differs from it.
        assert!(close(get(ArrowKind::Update), get(ArrowKind::Velocity)));
        assert!(close(get(ArrowKind::Update), u.delta()));
        let g = f.gradient(u.from).1;
        assert!(close(
            get(ArrowKind::Gradient),
            [-0.01 * g[0], -0.01 * g[1]]
        ));
        assert!(!close(get(ArrowKind::Gradient), get(ArrowKind::Update)));
        assert!(a.iter().all(|x| x.1 == u.from));
    }

    #[test]
    fn a_mini_batch_step_shows_its_gradient_beside_the_full_one() {
        use crate::core::landscape::{DataSource, DataSpec, Landscape, LandscapeSpec};
        let land = Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::Builtin {
                    name: "linear".into(),
                    seed: 0,
                },
                loss: None,
                axes: None,
            }),
            ..LandscapeSpec::default()
        })
        .unwrap();
        let f = &land.formula;
        let hyper = Hyper {
            lr: 0.1,
            batch: 4,
            ..Hyper::defaults(Kind::Gd)
        };
        let mut r = Run::new(
            Optimizer::new(Kind::Gd, hyper),
            [0.0, 0.0],
            StopRules::default(),
            f,
        );
        r.step(f);
        let a = step_arrows(&r);
        let get = |k| a.iter().find(|x| x.0 == k).map(|x| x.2);
        let rows = r.optimizer.last_batch().unwrap();
        let (batch, full) = (f.gradient_on([0.0, 0.0], rows).1, f.gradient([0.0, 0.0]).1);
        assert_eq!(
            get(ArrowKind::Gradient),
            Some([-0.1 * batch[0], -0.1 * batch[1]])
        );
        assert_eq!(
            get(ArrowKind::FullGradient),
            Some([-0.1 * full[0], -0.1 * full[1]])
        );
        assert_ne!(batch, full);
        // A full-batch run has no second arrow.
        let mut plain = run(Kind::Gd, 0.1, &Formula::parse("x^2 + y^2").unwrap());
        plain.step(&Formula::parse("x^2 + y^2").unwrap());
        assert_eq!(
            step_arrows(&plain)
                .iter()
                .filter(|x| x.0 == ArrowKind::FullGradient)
                .count(),
            0
        );
    }

    #[test]
    fn automatic_arrow_lengths_go_up_in_powers_of_ten() {
        assert_eq!(decade_scale(2.0), 1.0);
        assert_eq!(decade_scale(0.6), 1.0);
        assert_eq!(decade_scale(0.1), 10.0);
        assert_eq!(decade_scale(0.05), 100.0);
        assert_eq!(decade_scale(1e-9), 1e4);
        assert_eq!(decade_scale(0.0), 1.0);
        assert_eq!(decade_scale(f64::NAN), 1.0);
    }

    #[test]
    fn adam_rescales_its_velocity_and_nelder_mead_has_no_gradient_arrow() {
        let f = Formula::parse("x^2 + 10*y^2").unwrap();
        let mut r = run(Kind::Adam, 0.1, &f);
        r.step(&f);
        let a = step_arrows(&r);
        let get = |k| a.iter().find(|x| x.0 == k).unwrap().2;
        // First Adam step: m = (1−β₁)g, and the update is −α·sign(g) (to ε).
        let update = get(ArrowKind::Update);
        assert!((update[0] + 0.1).abs() < 1e-7 && (update[1] + 0.1).abs() < 1e-7);
        let v = get(ArrowKind::Velocity);
        assert!((v[0] + 0.1 * 0.1 * 4.0).abs() < 1e-12 && (v[1] + 0.1 * 0.1 * 20.0).abs() < 1e-12);
        let mut nm = run(Kind::NelderMead, 0.5, &f);
        assert!(step_arrows(&nm).is_empty());
        nm.step(&f);
        assert!(step_arrows(&nm).iter().all(|x| x.0 == ArrowKind::Update));
    }
}
