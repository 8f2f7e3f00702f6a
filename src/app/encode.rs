//! Turning rendered frames into a video: an animated GIF with the `gif` crate, an MP4 by
//! piping the frames to ffmpeg (when it is installed; a clear message when it is not).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The frames `dir/frame_00001.png`… in order.
pub fn frames(dir: &Path, count: u32) -> Vec<PathBuf> {
    (1..=count)
        .map(|k| dir.join(format!("frame_{k:05}.png")))
        .collect()
}

/// Writes an endlessly looping GIF of `frames` at `fps`.
pub fn gif(frames: &[PathBuf], fps: u32, out: &Path) -> Result<(), String> {
    let first = frames.first().ok_or("no frames to encode")?;
    let (w, h) = image::image_dimensions(first).map_err(|e| format!("{}: {e}", first.display()))?;
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| format!("{w} px is too wide for a GIF"))?,
        u16::try_from(h).map_err(|_| format!("{h} px is too tall for a GIF"))?,
    );
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut encoder = gif::Encoder::new(std::io::BufWriter::new(file), w16, h16, &[])
        .map_err(|e| format!("{}: {e}", out.display()))?;
    encoder
        .set_repeat(gif::Repeat::Infinite)
        .map_err(|e| e.to_string())?;
    // GIF delays are in hundredths of a second.
    let delay = (100.0 / f64::from(fps.max(1))).round().max(1.0) as u16;
    for path in frames {
        let mut rgba = image::open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .to_rgba8()
            .into_raw();
        let mut frame = gif::Frame::from_rgba_speed(w16, h16, &mut rgba, 10);
        frame.delay = delay;
        encoder.write_frame(&frame).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Pipes `frames` to ffmpeg as a PNG stream and lets it write an H.264 MP4.
pub fn mp4(frames: &[PathBuf], fps: u32, out: &Path) -> Result<(), String> {
    let mut child = Command::new("ffmpeg")
        .args(["-y", "-loglevel", "error", "-f", "image2pipe", "-c:v", "png", "-framerate"])
        .arg(fps.to_string())
        .args(["-i", "-", "-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(out)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "cannot run ffmpeg ({e}): install it (apt-get install ffmpeg) for MP4, or use the PNG frames or --gif"
            )
        })?;
    {
        let stdin = child.stdin.as_mut().ok_or("ffmpeg has no input")?;
        for path in frames {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            stdin
                .write_all(&bytes)
                .map_err(|e| format!("ffmpeg stopped reading: {e}"))?;
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "ffmpeg failed ({status}) writing {}",
            out.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_become_a_looping_gif_and_a_missing_ffmpeg_is_explained() {
        let dir = std::env::temp_dir().join(format!("gradscape-encode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for k in 1..=3u8 {
            let img = image::RgbaImage::from_pixel(8, 6, image::Rgba([40 * k, 100, 200, 255]));
            img.save(dir.join(format!("frame_{k:05}.png"))).unwrap();
        }
        let list = frames(&dir, 3);
        let out = dir.join("clip.gif");
        gif(&list, 10, &out).unwrap();
        let mut decoder = gif::DecodeOptions::new()
            .read_info(std::fs::File::open(&out).unwrap())
            .unwrap();
        let mut count = 0;
        while let Some(frame) = decoder.read_next_frame().unwrap() {
            assert_eq!((frame.width, frame.height, frame.delay), (8, 6, 10));
            count += 1;
        }
        assert_eq!(count, 3);
        assert_eq!(gif(&[], 10, &out).unwrap_err(), "no frames to encode");
        // Where ffmpeg is missing the message says what to do; where present it encodes.
        match mp4(&list, 10, &dir.join("clip.mp4")) {
            Ok(()) => assert!(dir.join("clip.mp4").exists()),
            Err(e) => assert!(e.contains("ffmpeg"), "{e}"),
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
