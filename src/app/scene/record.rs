//! Recording from the panel: the scene on screen is written beside the frames and rendered
//! headless by `gradscape render` in a child process, so the window stays responsive.

use crate::core::scene::{self, Scene};

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

impl Default for RecordBox {
    fn default() -> RecordBox {
        RecordBox {
            dir: "recording".into(),
            seconds: 10.0,
            fps: 30,
            size: 0,
            gif: false,
            mp4: false,
            child: None,
            message: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_asks_the_renderer_for_the_chosen_size_rate_and_formats() {
        let mut r = RecordBox {
            dir: "out".into(),
            size: 1,
            gif: true,
            ..RecordBox::default()
        };
        let args = r.args(std::path::Path::new("out/scene.ron"));
        assert_eq!(
            args.join(" "),
            "render out/scene.ron --out out --seconds 10 --fps 30 --size 1920x1080 --gif out/clip.gif"
        );
        r.mp4 = true;
        assert!(
            r.args(std::path::Path::new("s.ron"))
                .join(" ")
                .ends_with("--mp4 out/clip.mp4")
        );
    }
}
