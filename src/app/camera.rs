//! Camera (orbit, pan, zoom with the mouse), lights, and the viewport beside the panel.

use super::landscape::Landscape;
use super::sets::{AppSet, StartSet};
use bevy::anti_alias::fxaa::Fxaa;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::render::view::Msaa;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiGlobalSettings, PrimaryEguiContext};
use bevy_panorbit_camera::PanOrbitCamera;

/// The top-down 2D contour view (orthographic, looking straight down) instead of the orbit.
#[derive(Resource, Default, PartialEq)]
pub struct TopDown(pub bool);

/// Width in logical pixels that the side panel takes from the left of the window.
#[derive(Resource, Default)]
pub struct PanelWidth(pub f32);

/// How far the camera stands from the landscape's centre at its home view.
pub const HOME_RADIUS: f32 = 15.0;
/// The background behind the landscape, in the window and in recordings.
pub const BACKGROUND: Color = Color::srgb(0.055, 0.06, 0.075);

/// The ambient light, in the window and in recordings.
pub fn ambient() -> GlobalAmbientLight {
    GlobalAmbientLight {
        brightness: 350.0,
        ..default()
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PanelWidth>()
        .insert_resource(ambient())
        .add_systems(Startup, spawn.in_set(StartSet::Camera))
        .add_systems(Update, fit_viewport.in_set(AppSet::Present))
        .add_systems(Update, switch_view.in_set(AppSet::Present))
        .add_systems(
            Update,
            keys.in_set(AppSet::Input).run_if(super::sets::keys_free),
        );
}

/// F frames the landscape (and leaves the 2D view); T switches the 2D view from above.
fn keys(
    keys: Res<ButtonInput<KeyCode>>,
    landscape: Res<Landscape>,
    mut camera: Single<&mut PanOrbitCamera>,
    mut top_down: ResMut<TopDown>,
) {
    if keys.just_pressed(KeyCode::KeyF) {
        top_down.0 = false;
        frame(&mut camera, &landscape);
    }
    if keys.just_pressed(KeyCode::KeyT) {
        top_down.0 = !top_down.0;
    }
}

/// Points the camera at the whole landscape from the preset's angle.
pub fn frame(camera: &mut PanOrbitCamera, landscape: &Landscape) {
    aim(camera, crate::core::presets::view_of(landscape.preset));
}

/// Turns the camera to a view (yaw, pitch in degrees) at the home distance.
pub fn aim(camera: &mut PanOrbitCamera, view: [f64; 2]) {
    let home = orbit(view);
    camera.target_focus = home.focus;
    camera.target_radius = home.radius.unwrap_or(HOME_RADIUS);
    camera.target_yaw = home.yaw.unwrap_or(0.0);
    camera.target_pitch = home.pitch.unwrap_or(0.0);
}

/// Turns the camera to a scene's pose: yaw and pitch in degrees, distance. Before the orbit
/// camera's first frame its targets are overwritten by its starting pose, so that is set too.
pub fn pose(camera: &mut PanOrbitCamera, [yaw, pitch, radius]: [f64; 3]) {
    let (yaw, pitch, radius) = (
        (yaw as f32).to_radians(),
        (pitch as f32).to_radians(),
        radius as f32,
    );
    (camera.target_yaw, camera.target_pitch, camera.target_radius) = (yaw, pitch, radius);
    if !camera.initialized {
        (camera.yaw, camera.pitch, camera.radius) = (Some(yaw), Some(pitch), Some(radius));
    }
}

/// Orbit pose for a preset's view (yaw, pitch in degrees).
pub fn orbit(view: [f64; 2]) -> PanOrbitCamera {
    PanOrbitCamera {
        focus: Vec3::new(0.0, 1.0, 0.0),
        radius: Some(HOME_RADIUS),
        yaw: Some((view[0] as f32).to_radians()),
        pitch: Some((view[1] as f32).to_radians()),
        ..default()
    }
}

/// How the 3D view smooths its edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smoothing {
    /// 4× multisampling.
    Msaa,
    /// One FXAA pass over the finished picture.
    Fxaa,
}

impl Smoothing {
    /// The renderer's choice. A software renderer (llvmpipe: a school laptop without a
    /// driver, a virtual machine, a remote desktop) rasterises 4× multisampling at up to 4×
    /// the cost wherever triangles are small, so there FXAA does it (measured on
    /// `rosenbrock-race` at 1280×720: 2.3× the frame rate, edges as smooth); a GPU keeps MSAA.
    pub fn for_adapter(adapter: Option<&RenderAdapterInfo>) -> Smoothing {
        match adapter.map(|a| a.device_type) {
            Some(wgpu_types::DeviceType::Cpu) => Smoothing::Fxaa,
            _ => Smoothing::Msaa,
        }
    }

    /// The camera's components for it.
    pub fn components(self) -> (Msaa, Fxaa) {
        match self {
            Smoothing::Fxaa => (Msaa::Off, Fxaa::default()),
            Smoothing::Msaa => {
                let off = Fxaa {
                    enabled: false,
                    ..default()
                };
                (Msaa::Sample4, off)
            }
        }
    }
}

fn spawn(
    mut commands: Commands,
    landscape: Res<Landscape>,
    mut egui: ResMut<EguiGlobalSettings>,
    adapter: Option<Res<RenderAdapterInfo>>,
) {
    let view = crate::core::presets::view_of(landscape.preset);
    commands.spawn((
        Name::new("Camera"),
        Camera3d::default(),
        Smoothing::for_adapter(adapter.as_deref()).components(),
        orbit(view),
        Transform::from_xyz(8.0, 9.0, 12.0),
    ));
    // The panel gets its own full-window camera: the 3D camera's viewport shrinks beside the
    // panel, and egui must not shrink (or shift) with it.
    egui.auto_create_primary_context = false;
    commands.spawn((
        Name::new("UI camera"),
        PrimaryEguiContext,
        Camera2d,
        // egui smooths its own shapes; multisampling here only copied the 3D picture into a
        // 4× buffer and back every frame.
        Msaa::Off,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
    spawn_lights(&mut commands);
}

/// The key and fill lights (also used by the headless renderer).
pub fn spawn_lights(commands: &mut Commands) {
    commands.spawn((
        Name::new("Sun"),
        DirectionalLight {
            illuminance: 9_000.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(4.0, 10.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    commands.spawn((
        Name::new("Fill light"),
        DirectionalLight {
            illuminance: 2_500.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(-6.0, 4.0, -5.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
}

fn fit_viewport(
    panel: Res<PanelWidth>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<&mut Camera, (With<Camera3d>, Without<PrimaryEguiContext>)>,
) {
    let scale = window.scale_factor();
    let left = (panel.0 * scale) as u32;
    let size = UVec2::new(
        window.physical_width().saturating_sub(left).max(1),
        window.physical_height().max(1),
    );
    let viewport = Viewport {
        physical_position: UVec2::new(left.min(window.physical_width().saturating_sub(1)), 0),
        physical_size: size,
        ..default()
    };
    if camera
        .viewport
        .as_ref()
        .map(|v| (v.physical_position, v.physical_size))
        != Some((viewport.physical_position, viewport.physical_size))
    {
        camera.viewport = Some(viewport);
    }
}

/// Orthographic scale (visible world height) that fits the landscape from above.
const TOP_DOWN_SCALE: f32 = 11.0;

/// Switches between the 3D orbit and the 2D view from straight above; the 3D pose is kept
/// and restored.
pub(super) fn switch_view(
    top: Res<TopDown>,
    landscape: Res<Landscape>,
    mut saved: Local<Option<(f32, f32, f32, Vec3)>>,
    mut shown: Local<Option<bool>>,
    camera: Single<(&mut PanOrbitCamera, &mut Projection)>,
) {
    let (mut orbit, mut projection) = camera.into_inner();
    // The orbit camera sets its own pose on its first frame; switch after that.
    if !orbit.initialized || *shown == Some(top.0) {
        return;
    }
    *shown = Some(top.0);
    if top.0 {
        *saved = Some((
            orbit.target_yaw,
            orbit.target_pitch,
            orbit.target_radius,
            orbit.target_focus,
        ));
        *projection = Projection::Orthographic(OrthographicProjection {
            scaling_mode: bevy::camera::ScalingMode::FixedVertical {
                viewport_height: 1.0,
            },
            scale: TOP_DOWN_SCALE,
            ..OrthographicProjection::default_3d()
        });
        orbit.target_yaw = 0.0;
        orbit.target_pitch = std::f32::consts::FRAC_PI_2;
        orbit.target_radius = TOP_DOWN_SCALE;
        orbit.target_focus = Vec3::ZERO;
        orbit.force_update = true;
    } else if matches!(*projection, Projection::Orthographic(_)) {
        *projection = Projection::Perspective(PerspectiveProjection::default());
        let view = crate::core::presets::view_of(landscape.preset);
        let home = orbit_pose(view);
        let (yaw, pitch, radius, focus) = saved.take().unwrap_or(home);
        (
            orbit.target_yaw,
            orbit.target_pitch,
            orbit.target_radius,
            orbit.target_focus,
        ) = (yaw, pitch, radius, focus);
        orbit.force_update = true;
    }
}

fn orbit_pose(view: [f64; 2]) -> (f32, f32, f32, Vec3) {
    let o = orbit(view);
    (
        o.yaw.unwrap_or(0.0),
        o.pitch.unwrap_or(0.0),
        o.radius.unwrap_or(HOME_RADIUS),
        o.focus,
    )
}
