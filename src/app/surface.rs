//! The landscape's mesh: built by core from the sampled grid, lit and coloured by height.

use super::landscape::Surface;
use crate::core::view::{MeshData, surface_mesh};
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;

#[derive(Component)]
pub struct SurfaceMesh;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn).add_systems(
        Update,
        update
            .in_set(super::AppSet::Rebuild)
            .run_if(surface_rebuilt),
    );
}

/// A new surface after start-up (`spawn` already meshed the first one).
fn surface_rebuilt(surface: Res<Surface>) -> bool {
    surface.is_changed() && !surface.is_added()
}

pub fn to_bevy(data: MeshData) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, data.positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, data.normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, data.colors)
    .with_inserted_indices(Indices::U32(data.indices))
}

fn spawn(
    mut commands: Commands,
    surface: Res<Surface>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let mesh = meshes.add(to_bevy(surface_mesh(&surface.grid, &surface.map)));
    let material = materials.add(StandardMaterial {
        base_color: Color::WHITE,
        perceptual_roughness: 0.55,
        reflectance: 0.3,
        // Seen from below too (the underside of a saddle, say).
        double_sided: true,
        cull_mode: None,
        ..default()
    });
    commands.spawn((
        Name::new("Surface"),
        SurfaceMesh,
        Mesh3d(mesh),
        MeshMaterial3d(material),
        Transform::IDENTITY,
    ));
}

fn update(
    surface: Res<Surface>,
    query: Query<&Mesh3d, With<SurfaceMesh>>,
    mut meshes: ResMut<Assets<Mesh>>,
) {
    for handle in &query {
        if let Some(mut mesh) = meshes.get_mut(&handle.0) {
            *mesh = to_bevy(surface_mesh(&surface.grid, &surface.map));
        }
    }
}
