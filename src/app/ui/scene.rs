//! The scene section: save what is on screen to a RON file, open one (refused with the reason
//! and the line, leaving the current scene untouched), and F12 screenshots' file names.

use crate::app::landscape::Landscape;
use crate::app::racers::Racer;
use crate::app::surface::Look;
use crate::core::race::RacerSpec;
use crate::core::scene::{self, Loaded, Scene, SceneLandscape, SceneLook, SceneRacer};
use bevy_egui::egui;

/// The scene box: the file path typed and the last message, and the recording settings.
pub struct SceneBox {
    pub path: String,
    pub message: Option<Result<String, String>>,
    pub record: RecordBox,
}

impl Default for SceneBox {
    fn default() -> SceneBox {
        SceneBox {
            path: String::new(),
            message: None,
            record: RecordBox {
                dir: "recording".into(),
                seconds: 10.0,
                fps: 30,
                size: 0,
                gif: false,
                mp4: false,
                child: None,
                message: None,
            },
        }
    }
}

/// Recording settings; a recording renders the current scene headless in a child process.
pub struct RecordBox {
    pub dir: String,
    pub seconds: f64,
    pub fps: u32,
    /// Index into `SIZES`.
    pub size: usize,
    pub gif: bool,
    pub mp4: bool,
    pub child: Option<std::process::Child>,
    pub message: Option<Result<String, String>>,
}

pub const SIZES: [(&str, [u32; 2]); 3] = [
    ("720p", [1280, 720]),
    ("1080p", [1920, 1080]),
    ("4K", [3840, 2160]),
];

impl RecordBox {
    /// The `gradscape render` arguments for `scene_file`.
    pub fn args(&self, scene_file: &std::path::Path) -> Vec<String> {
        let dir = std::path::Path::new(&self.dir);
        let [w, h] = SIZES[self.size.min(SIZES.len() - 1)].1;
        let mut args = vec![
            "render".to_string(),
            scene_file.display().to_string(),
            "--out".into(),
            dir.display().to_string(),
            "--seconds".into(),
            self.seconds.to_string(),
            "--fps".into(),
            self.fps.to_string(),
            "--size".into(),
            format!("{w}x{h}"),
        ];
        if self.gif {
            args.extend(["--gif".into(), dir.join("clip.gif").display().to_string()]);
        }
        if self.mp4 {
            args.extend(["--mp4".into(), dir.join("clip.mp4").display().to_string()]);
        }
        args
    }

    /// Starts recording `scene` in the background.
    pub fn start(&mut self, scene: &Scene) -> Result<String, String> {
        let dir = std::path::PathBuf::from(self.dir.trim());
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let file = dir.join("scene.ron");
        std::fs::write(&file, scene::to_text(scene))
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let log = std::fs::File::create(dir.join("render.log")).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let child = std::process::Command::new(exe)
            .args(self.args(&file))
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the recorder: {e}"))?;
        self.child = Some(child);
        Ok(format!("recording to {} in the background…", dir.display()))
    }

    /// Checks on a running recording.
    pub fn poll(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        match child.try_wait() {
            Ok(Some(status)) if status.success() => {
                self.message = Some(Ok(format!("recorded → {}", self.dir)));
                self.child = None;
            }
            Ok(Some(_)) => {
                self.message = Some(Err(format!(
                    "recording failed: see {}/render.log",
                    self.dir
                )));
                self.child = None;
            }
            Ok(None) => {}
            Err(e) => {
                self.message = Some(Err(e.to_string()));
                self.child = None;
            }
        }
    }
}

/// The current state as a scene.
#[allow(clippy::too_many_arguments)]
pub fn capture(
    name: &str,
    landscape: &Landscape,
    look: &Look,
    top_down: bool,
    arrows: bool,
    racers: &[&Racer],
    speed: f64,
    camera: [f64; 3],
) -> Scene {
    let f = &landscape.formula;
    let params = f
        .params()
        .iter()
        .zip(f.param_values())
        .map(|(p, v)| (p.name.clone(), *v))
        .collect();
    let d = landscape.domain;
    Scene {
        version: scene::VERSION,
        name: name.to_string(),
        description: String::new(),
        landscape: SceneLandscape {
            preset: landscape.preset.map(|p| p.name.to_string()),
            formula: Some(f.source().to_string()),
            params,
            domain: Some([d.x[0], d.x[1], d.y[0], d.y[1]]),
            z_scale: Some(landscape.z_scale),
            resolution: landscape.resolution,
        },
        look: SceneLook {
            colormap: look.colormap,
            contours: look.contours,
            grid: look.grid,
            floor: look.floor,
            vertical_scale: landscape.vertical_scale,
            top_down,
            arrows,
        },
        racers: racers
            .iter()
            .map(|r| {
                SceneRacer::from_spec(&RacerSpec {
                    kind: r.run.optimizer.kind,
                    hyper: r.run.optimizer.hyper.clone(),
                    start: r.run.start,
                    label: r.label.clone(),
                })
            })
            .collect(),
        speed,
        duration: None,
        camera: Some(camera),
    }
}

/// What the section asks for this frame.
pub enum SceneAction {
    Save,
    Record,
    Open(Box<Loaded>),
}

pub fn scene_ui(ui: &mut egui::Ui, state: &mut SceneBox) -> Option<SceneAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.label("file");
        ui.add(
            egui::TextEdit::singleline(&mut state.path)
                .hint_text("scene.ron or a shipped name")
                .desired_width(ui.available_width()),
        );
    });
    ui.horizontal(|ui| {
        if ui.button("Open").clicked() {
            match scene::load(state.path.trim()) {
                Ok(l) => {
                    state.message = Some(Ok(format!("opened “{}”", l.scene.name)));
                    action = Some(SceneAction::Open(Box::new(l)));
                }
                Err(e) => state.message = Some(Err(e.to_string())),
            }
        }
        if ui.button("Save").clicked() {
            action = Some(SceneAction::Save);
        }
        egui::ComboBox::from_id_salt("shipped scenes")
            .selected_text("Lecture scenes…")
            .show_ui(ui, |ui| {
                for (name, _) in scene::SHIPPED {
                    if ui.selectable_label(false, name).clicked() {
                        state.path = name.to_string();
                        match scene::load(name) {
                            Ok(l) => {
                                state.message = Some(Ok(format!("opened “{}”", l.scene.name)));
                                action = Some(SceneAction::Open(Box::new(l)));
                            }
                            Err(e) => state.message = Some(Err(e.to_string())),
                        }
                    }
                }
            });
    });
    message_ui(ui, &state.message);
    ui.separator();
    let r = &mut state.record;
    r.poll();
    ui.horizontal(|ui| {
        ui.label("record to");
        ui.add(egui::TextEdit::singleline(&mut r.dir).desired_width(ui.available_width()));
    });
    ui.horizontal(|ui| {
        egui::ComboBox::from_id_salt("record size")
            .selected_text(SIZES[r.size].0)
            .width(64.0)
            .show_ui(ui, |ui| {
                for (i, (name, _)) in SIZES.iter().enumerate() {
                    ui.selectable_value(&mut r.size, i, *name);
                }
            });
        ui.add(
            egui::DragValue::new(&mut r.seconds)
                .range(0.5..=600.0)
                .suffix(" s"),
        );
        ui.add(
            egui::DragValue::new(&mut r.fps)
                .range(1..=120)
                .suffix(" fps"),
        );
        ui.checkbox(&mut r.gif, "GIF");
        ui.checkbox(&mut r.mp4, "MP4");
    });
    let busy = r.child.is_some();
    if ui
        .add_enabled(!busy, egui::Button::new(if busy { "● Recording…" } else { "● Record" }))
        .on_hover_text("Renders this scene from its start, headless, at a fixed frame rate: PNG frames, and GIF/MP4 if ticked")
        .clicked()
    {
        action = Some(SceneAction::Record);
    }
    message_ui(ui, &r.message);
    action
}

fn message_ui(ui: &mut egui::Ui, message: &Option<Result<String, String>>) {
    match message {
        Some(Ok(m)) => {
            ui.label(egui::RichText::new(m).small().weak());
        }
        Some(Err(e)) => {
            ui.colored_label(super::ERROR_RED, e);
        }
        None => {}
    }
}

/// Writes the scene to `path` (adding `.ron` when it has no extension).
pub fn save(path: &str, scene: &Scene) -> Result<String, String> {
    let mut p = std::path::PathBuf::from(path.trim());
    if p.as_os_str().is_empty() {
        return Err("type a file name first".into());
    }
    if p.extension().is_none() {
        p.set_extension("ron");
    }
    std::fs::write(&p, scene::to_text(scene)).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(format!("saved {}", p.display()))
}

/// `gradscape-YYYYMMDD-HHMMSS.png` for a time in seconds since the Unix epoch (UTC).
pub fn screenshot_name(unix_seconds: u64) -> String {
    let (days, secs) = (unix_seconds / 86_400, unix_seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "gradscape-{y:04}{m:02}{d:02}-{:02}{:02}{:02}.png",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::racers::PALETTE;
    use crate::core::expr::Formula;
    use crate::core::optim::run::{Run, StopRules};
    use crate::core::optim::{Hyper, Kind, Optimizer};
    use crate::core::presets;

    #[test]
    fn a_recording_asks_the_renderer_for_the_chosen_size_rate_and_formats() {
        let mut r = SceneBox::default().record;
        r.dir = "out".into();
        r.size = 1;
        r.gif = true;
        let args = r.args(std::path::Path::new("out/scene.ron"));
        assert_eq!(
            args.join(" "),
            "render out/scene.ron --out out --seconds 10 --fps 30 --size 1920x1080 --gif out/clip.gif"
        );
    }

    #[test]
    fn screenshots_are_named_by_utc_time() {
        assert_eq!(screenshot_name(0), "gradscape-19700101-000000.png");
        assert_eq!(
            screenshot_name(1_795_467_600),
            "gradscape-20261123-210000.png"
        );
        assert_eq!(
            screenshot_name(951_782_400),
            "gradscape-20000229-000000.png"
        );
    }

    #[test]
    fn a_saved_scene_opens_to_the_same_landscape_and_racers() {
        let p = presets::find("ill-conditioned").unwrap();
        let mut formula = Formula::parse(p.formula).unwrap();
        assert!(formula.set_param("kappa", 7.0));
        let landscape = Landscape {
            formula: formula.clone(),
            domain: p.domain,
            z_scale: p.z_scale,
            resolution: 256,
            vertical_scale: 1.5,
            preset: Some(p),
            generation: 3,
            revision: 3,
        };
        let hyper = Hyper {
            lr: 0.03,
            noise: 0.2,
            seed: 9,
            schedule: "cosine:200:0.001".parse().unwrap(),
            ..Hyper::defaults(Kind::Sgd)
        };
        let racer = Racer {
            run: Run::new(
                Optimizer::new(Kind::Sgd, hyper.clone()),
                [-2.0, 1.0],
                StopRules::default(),
                &formula,
            ),
            color: PALETTE[0],
            label: "noisy".into(),
            slot: 0,
        };
        let look = Look {
            contours: 30,
            grid: true,
            ..Look::default()
        };
        let scene = capture(
            "mine",
            &landscape,
            &look,
            true,
            false,
            &[&racer],
            12.0,
            [30.0, 45.0, 14.0],
        );
        let dir = std::env::temp_dir().join(format!("gradscape-save-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("mine");
        let said = save(path.to_str().unwrap(), &scene).unwrap();
        assert!(said.ends_with("mine.ron"), "{said}");
        let loaded = scene::load(dir.join("mine.ron").to_str().unwrap()).unwrap();
        assert_eq!(loaded.formula.param_values(), [7.0]);
        assert_eq!((loaded.domain, loaded.z_scale), (p.domain, p.z_scale));
        assert_eq!(loaded.racers[0].hyper, hyper);
        assert_eq!(
            (loaded.racers[0].start, loaded.racers[0].label.as_str()),
            ([-2.0, 1.0], "noisy")
        );
        assert_eq!(loaded.scene.look.contours, 30);
        assert!(loaded.scene.look.grid && loaded.scene.look.top_down);
        assert_eq!(
            (loaded.scene.speed, loaded.scene.camera),
            (12.0, Some([30.0, 45.0, 14.0]))
        );
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(save("  ", &scene).unwrap_err(), "type a file name first");
    }
}
