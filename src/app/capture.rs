//! Scripted screenshots: save the window at chosen frames, print the racers' state, then exit.
//! Used by the render test and for documentation images (`--capture DIR --capture-frames 30,90`).

use super::racers::{Racer, Sim};
use super::sets::AppSet;
use crate::core::number::exact;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct CaptureRequest {
    pub dir: PathBuf,
    /// Frame numbers (counted from 1) at which to save `frame_NNNNN.png`.
    pub frames: Vec<u32>,
    /// Optimizer steps per frame, fixed so captures do not depend on the machine's speed.
    pub steps_per_frame: u32,
}

#[derive(Resource)]
struct Capture {
    request: CaptureRequest,
    frame: u32,
    saved: usize,
}

pub(super) fn plugin(request: Option<CaptureRequest>) -> impl Fn(&mut App) {
    move |app: &mut App| {
        if let Some(request) = request.clone() {
            app.insert_resource(Sim::fixed(request.steps_per_frame))
                .insert_resource(Capture {
                    request,
                    frame: 0,
                    saved: 0,
                })
                .add_systems(Update, tick.in_set(AppSet::Present));
        }
    }
}

fn tick(
    mut commands: Commands,
    mut capture: ResMut<Capture>,
    racers: Query<&Racer>,
    mut exit: MessageWriter<AppExit>,
) {
    capture.frame += 1;
    let frame = capture.frame;
    if capture.request.frames.contains(&frame) {
        for racer in &racers {
            let r = &racer.run;
            println!(
                "frame {frame} racer {:?} step {} x {} y {} loss {} status {}",
                racer.label,
                r.steps,
                exact(r.pos[0]),
                exact(r.pos[1]),
                exact(r.loss),
                r.status.label()
            );
        }
        let path = capture.request.dir.join(format!("frame_{frame:05}.png"));
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(path))
            .observe(|_: On<ScreenshotCaptured>, mut capture: ResMut<Capture>| capture.saved += 1);
    }
    let last = capture.request.frames.iter().copied().max().unwrap_or(0);
    // Exit once every screenshot is on disk (or long after the last, if the renderer never delivers).
    if capture.saved >= capture.request.frames.len() || frame > last + 600 {
        exit.write(AppExit::Success);
    }
}
