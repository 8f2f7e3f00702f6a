//! Files dropped on the window open as in any desktop app: a scene (`.ron`) as the scene
//! box's Open does, a CSV as the data box's file with the box's loss and axes. The box that
//! took the file opens, so its result (or the refusal, with its line and column) is in view.

use super::landscape::{FormulaEdit, open_csv};
use super::{PanelState, new_landscape, scene::open_named};
use crate::app::landscape::Landscape;
use crate::app::racers::NewRace;
use crate::app::scene::{OpenScene, SceneDesk};
use crate::app::sets::AppSet;
use bevy::prelude::*;
use bevy::window::FileDragAndDrop;
use bevy_panorbit_camera::PanOrbitCamera;
use std::path::Path;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<FileDragAndDrop>()
        .add_systems(Update, dropped.in_set(AppSet::Input));
}

/// What a dropped file is, by its extension.
#[derive(Debug, PartialEq)]
enum Kind {
    Scene,
    Data,
    Other,
}

fn kind(path: &Path) -> Kind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    match ext.as_deref() {
        Some("ron") => Kind::Scene,
        Some("csv") => Kind::Data,
        _ => Kind::Other,
    }
}

#[allow(clippy::too_many_arguments)]
fn dropped(
    mut drops: MessageReader<FileDragAndDrop>,
    mut desk: ResMut<SceneDesk>,
    mut open: MessageWriter<OpenScene>,
    mut state: ResMut<PanelState>,
    mut landscape: ResMut<Landscape>,
    mut edit: ResMut<FormulaEdit>,
    mut new_race: MessageWriter<NewRace>,
    // None in a headless app (the tests'), where no camera turns.
    mut camera: Option<Single<&mut PanOrbitCamera>>,
) {
    for drop in drops.read() {
        let FileDragAndDrop::DroppedFile { path_buf, .. } = drop else {
            continue;
        };
        let path = path_buf.display().to_string();
        match kind(path_buf) {
            Kind::Data => {
                let csv = &mut state.csv;
                (csv.path, csv.reveal) = (path, true);
                if open_csv(csv, &mut landscape) {
                    *edit = FormulaEdit::new(landscape.formula.source());
                    let view = crate::core::presets::view_of(None);
                    let camera = camera.as_deref_mut().map(|c| &mut **c);
                    new_landscape(&landscape, view, &mut new_race, camera);
                }
            }
            Kind::Scene => {
                (desk.path, desk.reveal) = (path.clone(), true);
                open_named(&mut desk, &path, &mut open);
            }
            Kind::Other => {
                desk.reveal = true;
                desk.message = Some(Err(format!(
                    "{}: not a scene (.ron) or a data file (.csv)",
                    crate::core::escape::shown(&path)
                )));
            }
        }
    }
}

#[cfg(test)]
mod tests;
