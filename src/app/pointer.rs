//! The mouse on the surface: a click (or Shift+click) moves every racer's start there; dragging
//! a racer's start ring moves only that racer. Drags elsewhere still orbit the camera.

use super::landscape::{Landscape, Surface};
use super::racers::{MoveStart, Racer, Restart};
use super::sets::AppSet;
use crate::core::pick::ray_surface;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
use bevy_panorbit_camera::PanOrbitCamera;

/// A press further than this from where it started is a drag, not a click.
const CLICK_SLOP: f32 = 5.0;
/// How near (in logical pixels) a press must be to a start ring to grab it.
const GRAB_RADIUS: f32 = 14.0;

#[derive(Resource, Default)]
struct Press {
    /// Where the left button went down over the 3D view.
    at: Option<Vec2>,
    /// The racer whose start is being dragged.
    dragging: Option<Entity>,
    last: Option<[f64; 2]>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Press>()
        .add_systems(Update, pointer.in_set(AppSet::Input));
}

#[allow(clippy::too_many_arguments)]
fn pointer(
    buttons: Res<ButtonInput<MouseButton>>,
    wants: Res<EguiWantsInput>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform, &mut PanOrbitCamera)>,
    surface: Res<Surface>,
    landscape: Res<Landscape>,
    racers: Query<(Entity, &Racer, &InheritedVisibility)>,
    mut press: ResMut<Press>,
    mut restart: MessageWriter<Restart>,
    mut moved: MessageWriter<MoveStart>,
) {
    let (camera, transform, mut orbit) = camera.into_inner();
    let cursor = window.cursor_position();
    let hit = |c: Vec2| {
        let ray = camera.viewport_to_world(transform, c).ok()?;
        ray_surface(
            &surface.map,
            &landscape.formula,
            ray.origin.to_array(),
            ray.direction.to_array(),
        )
    };
    if buttons.just_pressed(MouseButton::Left) {
        let over_panel = wants.wants_any_pointer_input();
        *press = Press::default();
        if let (Some(c), false) = (cursor, over_panel) {
            press.at = Some(c);
            press.dragging = grab(camera, transform, &surface, &landscape, &racers, c);
            if press.dragging.is_some() {
                // The camera must not orbit while a start is being dragged.
                orbit.enabled = false;
            }
        }
    }
    if let (Some(entity), Some(c)) = (press.dragging, cursor)
        && let Some(p) = hit(c).filter(|p| press.last != Some(*p))
    {
        press.last = Some(p);
        moved.write(MoveStart(entity, p));
    }
    if buttons.just_released(MouseButton::Left) {
        if press.dragging.is_none() {
            let still =
                matches!((press.at, cursor), (Some(a), Some(c)) if a.distance(c) <= CLICK_SLOP);
            if let Some(p) = cursor.filter(|_| still).and_then(hit) {
                restart.write(Restart(Some(p)));
            }
        }
        orbit.enabled = true;
        *press = Press::default();
    }
}

/// The visible racer whose start ring is under the cursor, nearest first.
fn grab(
    camera: &Camera,
    transform: &GlobalTransform,
    surface: &Surface,
    landscape: &Landscape,
    racers: &Query<(Entity, &Racer, &InheritedVisibility)>,
    cursor: Vec2,
) -> Option<Entity> {
    racers
        .iter()
        .filter(|(_, _, v)| v.get())
        .filter_map(|(e, r, _)| {
            let f = landscape.formula.value(r.run.start);
            let w = surface.map.world_from_landscape(r.run.start, f)?;
            let s = camera.world_to_viewport(transform, Vec3::from(w)).ok()?;
            let d = s.distance(cursor);
            (d <= GRAB_RADIUS).then_some((e, d))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
}
