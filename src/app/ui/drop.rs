//! Files open as in any desktop app: dropped on the window, or picked in the system's file
//! dialog (Open…). A scene (`.ron`) opens as the scene box's Open does; a CSV as the network's
//! data on a network landscape, else as the data box's file with the box's loss and axes. The
//! box that took the file opens, so its result (or the refusal, with its line and column) is
//! in view.

use super::landscape::{FormulaEdit, open_csv};
use super::{PanelState, new_landscape, scene::open_named};
use crate::app::landscape::Landscape;
use crate::app::racers::{NewRace, Racer};
use crate::app::scene::{OpenScene, SceneDesk};
use crate::app::sets::AppSet;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::FileDragAndDrop;
use bevy_egui::egui;
use bevy_panorbit_camera::PanOrbitCamera;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub(super) fn plugin(app: &mut App) {
    app.add_message::<FileDragAndDrop>()
        .add_systems(Update, (dropped, answered).in_set(AppSet::Input));
}

/// What a file is for: the box whose Open… asked for it, or, dropped, its extension's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Scene,
    /// A data landscape's rows (or a network's, on a network landscape).
    Data,
    /// A network's rows.
    Network,
}

/// The dialog's answer: a file, none (cancelled), or why no dialog could be shown.
type Answer = Result<Option<PathBuf>, String>;

/// The system's file dialog, asked on a thread of its own so frames go on while it is open.
#[derive(Default)]
pub struct Dialog {
    asked: Option<(Target, Arc<Mutex<Option<Answer>>>)>,
}

impl Dialog {
    /// An "Open…" button for `target`; greyed while a dialog is open.
    pub fn button(&mut self, ui: &mut egui::Ui, target: Target) {
        let button = ui
            .add_enabled(self.asked.is_none(), egui::Button::new("Open…"))
            .on_hover_text("Pick the file in the system's file dialog (or drop it on the window)");
        if button.clicked() {
            let slot = Arc::new(Mutex::new(None));
            let answer = Arc::clone(&slot);
            std::thread::spawn(move || {
                let picked = pick(target);
                *answer.lock().unwrap_or_else(|e| e.into_inner()) = Some(picked);
            });
            self.asked = Some((target, slot));
        }
    }

    /// A dialog that already answered, as if picked by a person (tests).
    #[cfg(test)]
    pub fn answered_with(target: Target, answer: Answer) -> Dialog {
        Dialog {
            asked: Some((target, Arc::new(Mutex::new(Some(answer))))),
        }
    }

    /// The answer once it came (then the dialog may be asked again).
    fn take(&mut self) -> Option<(Target, Answer)> {
        let (target, slot) = self.asked.as_ref()?;
        let answer = slot.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        let target = *target;
        self.asked = None;
        Some((target, answer))
    }
}

/// Whether a dialog can be shown, by the environment (`var`): a D-Bus session for the
/// desktop's portal (named, or at its usual socket), or zenity on the PATH.
fn dialog_available(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let bus = var("DBUS_SESSION_BUS_ADDRESS").is_some()
        || var("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists());
    let zenity =
        var("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("zenity").is_file()));
    bus || zenity
}

/// Shows the dialog (the desktop's portal over D-Bus, else zenity) and waits for it.
fn pick(target: Target) -> Answer {
    if !dialog_available(|name| std::env::var_os(name)) {
        return Err(NO_DIALOG.into());
    }
    let (title, name, ext) = match target {
        Target::Scene => ("Open a scene", "scenes", "ron"),
        Target::Data | Target::Network => ("Open data", "CSV data", "csv"),
    };
    let folder = std::env::current_dir().unwrap_or_default();
    Ok(rfd::FileDialog::new()
        .set_title(title)
        .add_filter(name, &[ext])
        .set_directory(folder)
        .pick_file())
}

const NO_DIALOG: &str = "no file dialog here (it needs a desktop's portal or zenity): type the path, or drop the file on the window";

/// What a dropped file is, by its extension.
fn kind(path: &Path) -> Option<Target> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    match ext.as_deref() {
        Some("ron") => Some(Target::Scene),
        Some("csv") => Some(Target::Data),
        _ => None,
    }
}

/// Everything opening a file touches.
#[derive(SystemParam)]
struct Opener<'w, 's> {
    desk: ResMut<'w, SceneDesk>,
    open: MessageWriter<'w, OpenScene>,
    state: ResMut<'w, PanelState>,
    landscape: ResMut<'w, Landscape>,
    edit: ResMut<'w, FormulaEdit>,
    new_race: MessageWriter<'w, NewRace>,
    // None in a headless app (the tests'), where no camera turns.
    camera: Option<Single<'w, 's, &'static mut PanOrbitCamera>>,
    racers: Query<'w, 's, &'static Racer>,
}

impl Opener<'_, '_> {
    /// Opens `path` as `target`: a CSV on a network landscape is the network's data.
    fn open(&mut self, path: &Path, target: Target) {
        let shown = path.display().to_string();
        let network = self.landscape.formula.stage().is_some();
        match target {
            Target::Scene => {
                (self.desk.path, self.desk.reveal) = (shown.clone(), true);
                open_named(&mut self.desk, &shown, &mut self.open);
            }
            Target::Network => self.network_data(shown),
            Target::Data if network => self.network_data(shown),
            Target::Data => self.data(shown),
        }
    }

    /// The CSV as a data landscape, with the data box's loss and axes, and its own race.
    fn data(&mut self, path: String) {
        let csv = &mut self.state.csv;
        (csv.path, csv.reveal) = (path, true);
        if open_csv(csv, &mut self.landscape) {
            *self.edit = FormulaEdit::new(self.landscape.formula.source());
            let view = crate::core::presets::view_of(None);
            let camera = self.camera.as_deref_mut().map(|c| &mut **c);
            new_landscape(&self.landscape, view, &mut self.new_race, camera);
        }
    }

    /// The CSV as the network's rows (its last column the target, the others its features),
    /// every other setting kept; the plane is fitted again on the race as it stands.
    fn network_data(&mut self, path: String) {
        let lineup = crate::app::racers::lineup(self.racers.iter());
        let network = &mut self.state.network;
        network.open_data(path, &lineup, &mut self.landscape);
    }

    /// The dialog could not be shown: said in the box that asked.
    fn refused(&mut self, target: Target, why: String) {
        match target {
            Target::Scene => (self.desk.message, self.desk.reveal) = (Some(Err(why)), true),
            Target::Data => (self.state.csv.error, self.state.csv.reveal) = (Some(why), true),
            Target::Network => self.state.network.error = Some(why),
        }
    }
}

fn dropped(mut drops: MessageReader<FileDragAndDrop>, mut opener: Opener) {
    for drop in drops.read() {
        let FileDragAndDrop::DroppedFile { path_buf, .. } = drop else {
            continue;
        };
        match kind(path_buf) {
            Some(target) => opener.open(path_buf, target),
            None => {
                opener.desk.reveal = true;
                opener.desk.message = Some(Err(format!(
                    "{}: not a scene (.ron) or a data file (.csv)",
                    crate::core::escape::shown(&path_buf.display().to_string())
                )));
            }
        }
    }
}

/// The file dialog's answer, opened for the box that asked.
fn answered(mut opener: Opener) {
    match opener.state.dialog.take() {
        Some((target, Ok(Some(path)))) => opener.open(&path, target),
        Some((target, Err(why))) => opener.refused(target, why),
        Some((_, Ok(None))) | None => {}
    }
}

#[cfg(test)]
mod tests;
