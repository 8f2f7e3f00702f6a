//! The ghost: on a data landscape, the loss surface of the mini-batch a racer just used, drawn
//! as a translucent wireframe over the full loss. It jumps at every step, which is why the
//! path zigzags; a larger batch makes it calmer. G shows or hides it.

use super::landscape::{Landscape, Surface};
use super::racers::Racer;
use super::sets::AppSet;
use bevy::prelude::*;

/// Wireframe lines per side.
pub const LINES: usize = 25;

/// Whether the ghost is drawn, and the batch it was last computed for.
#[derive(Resource)]
pub struct Ghost {
    pub shown: bool,
    /// The racer (by slot) and the rows its grid was computed for, and the grid's points.
    cache: Option<(usize, Vec<u32>, Vec<Vec3>)>,
}

impl Default for Ghost {
    fn default() -> Ghost {
        Ghost {
            shown: true,
            cache: None,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Ghost>()
        .add_systems(
            Update,
            key.in_set(AppSet::Input).run_if(super::sets::keys_free),
        )
        .add_systems(Update, draw.in_set(AppSet::Present));
}

fn key(keys: Res<ButtonInput<KeyCode>>, mut ghost: ResMut<Ghost>) {
    if keys.just_pressed(KeyCode::KeyG) {
        ghost.shown = !ghost.shown;
    }
}

/// The mini-batch loss on a LINES × LINES grid of the domain, as world points (row-major).
pub fn grid(landscape: &Landscape, surface: &Surface, rows: &[u32]) -> Vec<Vec3> {
    let d = surface.map.domain;
    (0..LINES * LINES)
        .map(|k| {
            let p = [d.x_at(k % LINES, LINES), d.y_at(k / LINES, LINES)];
            // An undefined value sits at the bottom of the range rather than reach a vertex
            // as NaN.
            let f = Some(landscape.formula.value_on(p, rows))
                .filter(|f| f.is_finite())
                .unwrap_or(surface.grid.range.min);
            surface
                .map
                .world_from_landscape(p, f)
                .map_or(Vec3::ZERO, Vec3::from)
        })
        .collect()
}

/// Draws the ghost of the first visible racer that steps on mini-batches.
fn draw(
    mut ghost: ResMut<Ghost>,
    landscape: Res<Landscape>,
    surface: Res<Surface>,
    racers: Query<(&Racer, &InheritedVisibility)>,
    mut gizmos: Gizmos,
) {
    if !ghost.shown || landscape.formula.data().is_none() {
        return;
    }
    let Some(racer) = racers
        .iter()
        .filter(|(r, v)| v.get() && r.run.optimizer.last_batch().is_some())
        .map(|(r, _)| r)
        .min_by_key(|r| r.slot)
    else {
        return;
    };
    let rows = racer.run.optimizer.last_batch().unwrap_or_default();
    let fresh = ghost
        .cache
        .as_ref()
        .is_some_and(|(slot, r, _)| *slot == racer.slot && r == rows);
    if !fresh || surface.is_changed() {
        let points = grid(&landscape, &surface, rows);
        ghost.cache = Some((racer.slot, rows.to_vec(), points));
    }
    let Some((_, _, points)) = &ghost.cache else {
        return;
    };
    let colour = racer.color.with_alpha(0.45);
    for i in 0..LINES {
        gizmos.linestrip((0..LINES).map(|j| points[i * LINES + j]), colour);
        gizmos.linestrip((0..LINES).map(|j| points[j * LINES + i]), colour);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::input::ButtonState;

    /// G as bevy_winit reports it: a press message, turned into key state by Bevy's input
    /// plugin, read by the ghost's own key system.
    #[test]
    fn g_from_the_keyboard_hides_and_shows_the_ghost() {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::input::InputPlugin))
            .init_resource::<Ghost>()
            .add_systems(Update, key);
        let press = |app: &mut App, state| crate::app::press_key(app, KeyCode::KeyG, "g", state);
        app.update();
        assert!(app.world().resource::<Ghost>().shown, "shown by default");
        press(&mut app, ButtonState::Pressed);
        assert!(!app.world().resource::<Ghost>().shown);
        press(&mut app, ButtonState::Released);
        assert!(
            !app.world().resource::<Ghost>().shown,
            "a release changes nothing"
        );
        press(&mut app, ButtonState::Pressed);
        assert!(app.world().resource::<Ghost>().shown);
    }

    #[test]
    fn the_ghost_is_the_loss_of_the_drawn_rows_on_the_surfaces_map() {
        let land = crate::core::landscape::Landscape::of_builtin("linear").unwrap();
        let mut app = crate::app::headless(land);
        app.update();
        let (l, s) = (
            app.world().resource::<Landscape>(),
            app.world().resource::<Surface>(),
        );
        let rows = [3, 17, 42];
        let points = grid(l, s, &rows);
        assert_eq!(points.len(), LINES * LINES);
        let d = s.map.domain;
        for k in [0, LINES + 3, LINES * LINES - 1] {
            let p = [d.x_at(k % LINES, LINES), d.y_at(k / LINES, LINES)];
            // The mean of those three rows' squared errors, written out.
            let data = l.formula.data().unwrap();
            let (x, y) = (data.column("x").unwrap(), data.column("y").unwrap());
            let f = rows
                .iter()
                .map(|&r| (p[0] * x[r as usize] + p[1] - y[r as usize]).powi(2))
                .sum::<f64>()
                / 3.0;
            let want = Vec3::from(s.map.world_from_landscape(p, f).unwrap());
            assert!(
                (points[k] - want).length() < 1e-5,
                "{k}: {} vs {want}",
                points[k]
            );
        }
    }
}
