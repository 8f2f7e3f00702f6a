//! The landscape's mesh and its look: a surface lit as PBR lights it, whose shader (shaders/surface.wgsl)
//! colours by height, draws contours, a grid and the clipped top; an optional contour floor.

use super::landscape::{Landscape, Surface};
use super::sets::{AppSet, StartSet};
use crate::core::colormap::Colormap;
use crate::core::view::Density;
use crate::core::view::ticks;
use bevy::asset::uuid_handle;
use bevy::pbr::{ExtendedMaterial, MaterialExtension};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::shader::ShaderRef;

/// The surface shader, compiled into the binary so the app runs from any directory.
const SHADER: Handle<Shader> = uuid_handle!("5b0f1e62-2a55-4f0e-9d7e-6b1f1c1f6a11");

/// How the surface is drawn.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct Look {
    pub colormap: Colormap,
    /// Contour bands over the drawn height range (0: none).
    pub contours: u32,
    pub grid: bool,
    /// Contours projected on a floor under the surface.
    pub floor: bool,
}

impl Default for Look {
    fn default() -> Look {
        Look {
            colormap: Colormap::Viridis,
            contours: 16,
            grid: false,
            floor: false,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, ShaderType, Reflect)]
pub struct LookUniform {
    colormap: u32,
    contours: f32,
    grid_step: Vec2,
    center: f32,
    floor: f32,
    hatch: f32,
    pad: f32,
    /// The domain (xmin, ymin, width, height): where the basin map's texture lies.
    domain: Vec4,
    /// 1 where the basin map is drawn over the colormap, 0 where not.
    pub basins: f32,
    pad2: Vec3,
}

impl LookUniform {
    /// Where the diverging map is white, as a height fraction.
    pub fn center(&self) -> f32 {
        self.center
    }
}

#[derive(Asset, AsBindGroup, Reflect, Debug, Clone)]
pub struct SurfaceLook {
    #[uniform(100)]
    pub look: LookUniform,
    /// The basin map, a colour per start (see `app::basins`); drawn when `look.basins` is 1.
    #[texture(101)]
    #[sampler(102)]
    pub basins: Option<Handle<Image>>,
    /// The surface's field (`SurfaceView::field`): height fraction and normal per grid node,
    /// read per pixel.
    #[texture(103, sample_type = "float", filterable = false)]
    pub field: Option<Handle<Image>>,
}

impl MaterialExtension for SurfaceLook {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Handle(SHADER)
    }
}

pub type SurfaceMaterial = ExtendedMaterial<StandardMaterial, SurfaceLook>;

#[derive(Component)]
pub struct SurfaceMesh;

#[derive(Component)]
pub struct FloorMesh;

pub(super) fn plugin(app: &mut App) {
    app.world_mut()
        .resource_mut::<Assets<Shader>>()
        .insert(
            SHADER.id(),
            Shader::from_wgsl(
                include_str!("../../shaders/surface.wgsl"),
                "shaders/surface.wgsl",
            ),
        )
        .ok();
    app.add_plugins(MaterialPlugin::<SurfaceMaterial>::default())
        .init_resource::<Look>()
        .add_systems(Startup, spawn.in_set(StartSet::Spawn))
        .add_systems(
            Update,
            follow_view_width
                .in_set(AppSet::Rebuild)
                .before(super::landscape::rebuild),
        )
        .add_systems(
            Update,
            (
                upload.run_if(surface_rebuilt),
                restyle.run_if(resource_changed::<Look>.or_eager(resource_changed::<Surface>)),
            )
                .chain()
                .in_set(AppSet::Rebuild)
                .after(super::landscape::rebuild),
        );
}

/// The density for a view `width` pixels wide, if the mesh should change: the tolerance is a
/// share of a pixel, so a view that grew to twice the width (or shrank to half) the mesh was
/// made for gets a new one; smaller changes keep it (a resize drag does not rebuild the
/// surface at every step, and the panel beside the view does not count).
pub fn retuned(density: Density, width: u32) -> Option<Density> {
    match density {
        Density::Screen(made_for)
            if width > 0 && (width >= 2 * made_for || 2 * width <= made_for) =>
        {
            Some(Density::Screen(width))
        }
        _ => None,
    }
}

/// Rebuilds the surface when the 3D view's width left the range its mesh was made for.
fn follow_view_width(cameras: Query<&Camera, With<Camera3d>>, mut landscape: ResMut<Landscape>) {
    let Some(size) = cameras.iter().find_map(Camera::physical_viewport_size) else {
        return;
    };
    if let Some(density) = retuned(landscape.density, size.x) {
        landscape.density = density;
        // A display change: the racers keep going.
        landscape.generation += 1;
    }
}

/// A new surface after start-up (`spawn` already meshed the first one).
fn surface_rebuilt(surface: Res<Surface>) -> bool {
    surface.is_changed() && !surface.is_added()
}

/// The shader's settings for the current look and surface.
pub fn uniform(look: &Look, surface: &Surface, floor: bool) -> LookUniform {
    let d = surface.map.domain;
    let step = |lo: f64, hi: f64| {
        let t = ticks(lo, hi, 8);
        if t.len() >= 2 {
            (t[1] - t[0]) as f32
        } else {
            0.0
        }
    };
    let grid_step = if look.grid {
        Vec2::new(step(d.x[0], d.x[1]), step(d.y[0], d.y[1]))
    } else {
        Vec2::ZERO
    };
    // The diverging map turns white where f = 0 when 0 is in the drawn range.
    let zero = surface.map.unclipped_fraction(0.0);
    let center = if (0.02..0.98).contains(&zero) {
        zero as f32
    } else {
        0.5
    };
    LookUniform {
        colormap: look.colormap.index(),
        contours: look.contours as f32,
        grid_step,
        center,
        floor: if floor { 1.0 } else { 0.0 },
        // About 60 hatch lines across the landscape.
        hatch: (60.0 / d.width().max(d.height())) as f32,
        pad: 0.0,
        domain: Vec4::new(
            d.x[0] as f32,
            d.y[0] as f32,
            d.width() as f32,
            d.height() as f32,
        ),
        basins: 0.0,
        pad2: Vec3::ZERO,
    }
}

fn material(look: &Look, surface: &Surface, floor: bool, field: Handle<Image>) -> SurfaceMaterial {
    ExtendedMaterial {
        base: StandardMaterial {
            base_color: Color::WHITE,
            perceptual_roughness: if floor { 0.95 } else { 0.55 },
            reflectance: 0.3,
            // Seen from below too (the underside of a saddle, say).
            double_sided: true,
            cull_mode: None,
            ..default()
        },
        extension: SurfaceLook {
            look: uniform(look, surface, floor),
            basins: None,
            field: Some(field),
        },
    }
}

fn spawn(
    mut commands: Commands,
    mut surface: ResMut<Surface>,
    look: Res<Look>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<SurfaceMaterial>>,
) {
    // The first surface is built with the plugin, meshes included.
    let Some((mesh, floor, field)) = surface.bypass_change_detection().meshes.take() else {
        return;
    };
    let field = images.add(field);
    commands.spawn((
        Name::new("Surface"),
        SurfaceMesh,
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.add(material(&look, &surface, false, field.clone()))),
        Transform::IDENTITY,
    ));
    commands.spawn((
        Name::new("Contour floor"),
        FloorMesh,
        Mesh3d(meshes.add(floor)),
        MeshMaterial3d(materials.add(material(&look, &surface, true, field))),
        Transform::IDENTITY,
        shown(look.floor),
    ));
}

/// Swaps in the meshes and the field the background rebuild made: no mesh work on the main
/// thread. The field is a new image, so the materials' bind groups are made anew.
fn upload(
    mut surface: ResMut<Surface>,
    parts: Query<(&Mesh3d, &MeshMaterial3d<SurfaceMaterial>, Has<FloorMesh>)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut images: ResMut<Assets<Image>>,
    mut materials: ResMut<Assets<SurfaceMaterial>>,
) {
    let Some((new_surface, new_floor, field)) = surface.bypass_change_detection().meshes.take()
    else {
        return;
    };
    let field = images.add(field);
    let mut new = [Some(new_surface), Some(new_floor)];
    for (mesh, material, floor) in parts {
        if let Some(m) = new[usize::from(floor)].take() {
            meshes.insert(&mesh.0, m).ok();
        }
        if let Some(mut m) = materials.get_mut(&material.0) {
            m.extension.field = Some(field.clone());
        }
    }
}

fn shown(on: bool) -> Visibility {
    if on {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    }
}

fn restyle(
    look: Res<Look>,
    surface: Res<Surface>,
    parts: Query<(
        &MeshMaterial3d<SurfaceMaterial>,
        Has<FloorMesh>,
        &mut Visibility,
    )>,
    mut materials: ResMut<Assets<SurfaceMaterial>>,
) {
    for (handle, floor, mut visibility) in parts {
        if let Some(mut m) = materials.get_mut(&handle.0) {
            // The basin map's switch is the basin plugin's.
            let basins = m.extension.look.basins;
            m.extension.look = LookUniform {
                basins,
                ..uniform(&look, &surface, floor)
            };
        }
        if floor {
            let want = shown(look.floor);
            if *visibility != want {
                *visibility = want;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_twice_or_half_as_wide_gets_a_new_mesh() {
        let made = Density::Screen(1280);
        assert_eq!(retuned(made, 912), None, "the panel beside the view");
        assert_eq!(retuned(made, 2000), None);
        assert_eq!(retuned(made, 2560), Some(Density::Screen(2560)));
        assert_eq!(retuned(made, 640), Some(Density::Screen(640)));
        assert_eq!(retuned(made, 0), None, "a minimised window");
        assert_eq!(
            retuned(Density::Full, 4000),
            None,
            "every cell stays every cell"
        );
    }
}
