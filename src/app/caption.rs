//! Captions drawn into recorded frames: a lower third — white text on a dark, rounded-off
//! band, centred near the bottom — sized from the frame's height, so it reads the same at
//! 720p and at 4K. Drawn on the CPU in egui's own fonts, so a recording needs no UI and the
//! same caption gives the same pixels on every machine.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use image::RgbaImage;

/// Text height as a share of the frame's height (40 px at 720p, 120 px at 2160p).
const SIZE: f32 = 1.0 / 18.0;
/// The band's bottom edge above the frame's bottom, as a share of the height.
const MARGIN: f32 = 0.06;
/// The widest a line may be, as a share of the frame's width.
const WIDTH: f32 = 0.86;
const BAND: [u8; 3] = [12, 14, 20];
const BAND_ALPHA: f32 = 0.72;

/// The fonts in order, the panel's own: the first that has a character draws it (DejaVu
/// has Greek and the maths the panel writes — ∇, ∂, √, ←, ≈).
fn fonts() -> [FontRef<'static>; 2] {
    [
        &include_bytes!("../../assets/fonts/DejaVuSans.ttf")[..],
        &include_bytes!("../../assets/fonts/DejaVuSansMono.ttf")[..],
    ]
    .map(|bytes| FontRef::try_from_slice(bytes).expect("the bundled fonts parse"))
}

/// A laid-out glyph: its font, id and pen position.
struct Placed {
    font: usize,
    id: ab_glyph::GlyphId,
    x: f32,
}

/// Lays out one line from x = 0; returns the glyphs and the line's width.
fn lay_out(fonts: &[FontRef], scale: PxScale, text: &str) -> (Vec<Placed>, f32) {
    let mut x = 0.0;
    let mut out = Vec::new();
    let mut last: Option<(usize, ab_glyph::GlyphId)> = None;
    for c in text.chars() {
        let font = (0..fonts.len())
            .find(|&i| fonts[i].glyph_id(c).0 != 0)
            .unwrap_or(0);
        let f = fonts[font].as_scaled(scale);
        let id = f.glyph_id(c);
        if let Some((lf, lid)) = last.filter(|(lf, _)| *lf == font) {
            let _ = lf;
            x += f.kern(lid, id);
        }
        out.push(Placed { font, id, x });
        x += f.h_advance(id);
        last = Some((font, id));
    }
    (out, x)
}

/// Words into lines no wider than `max` pixels (a word longer than that gets a line alone).
fn wrap(fonts: &[FontRef], scale: PxScale, text: &str, max: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if lay_out(fonts, scale, &format!("{line} {word}")).1 <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws `text` as a lower third into the frame.
pub fn draw(frame: &mut RgbaImage, text: &str) {
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    let fonts = fonts();
    let px = (h * SIZE).max(10.0);
    let scale = PxScale::from(px);
    let lines = wrap(&fonts, scale, text, w * WIDTH);
    if lines.is_empty() {
        return;
    }
    let line_height = px * 1.3;
    let pad = px * 0.55;
    let widest = lines
        .iter()
        .map(|l| lay_out(&fonts, scale, l).1)
        .fold(0.0, f32::max);
    let band_h = line_height * lines.len() as f32 + pad;
    let bottom = h * (1.0 - MARGIN);
    let band = (
        (w - widest) / 2.0 - pad,
        bottom - band_h,
        (w + widest) / 2.0 + pad,
        bottom,
    );
    shade(frame, band, pad * 0.5);
    let ascent = fonts[0].as_scaled(scale).ascent();
    for (i, line) in lines.iter().enumerate() {
        let (glyphs, width) = lay_out(&fonts, scale, line);
        let left = (w - width) / 2.0;
        let baseline =
            band.1 + pad / 2.0 + line_height * i as f32 + (line_height - px) / 2.0 + ascent;
        for g in glyphs {
            let glyph =
                g.id.with_scale_and_position(scale, point(left + g.x, baseline));
            if let Some(outline) = fonts[g.font].outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, cover| {
                    let (x, y) = (
                        b.min.x as i64 + i64::from(gx),
                        b.min.y as i64 + i64::from(gy),
                    );
                    blend(frame, x, y, [255, 255, 255], cover);
                });
            }
        }
    }
}

/// Darkens a rectangle with rounded corners of radius `r`.
fn shade(frame: &mut RgbaImage, (x0, y0, x1, y1): (f32, f32, f32, f32), r: f32) {
    let (w, h) = (frame.width() as i64, frame.height() as i64);
    for y in (y0.floor() as i64).max(0)..(y1.ceil() as i64).min(h) {
        for x in (x0.floor() as i64).max(0)..(x1.ceil() as i64).min(w) {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            // Distance outside the rounded rectangle, for a soft one-pixel edge.
            let dx = (x0 + r - px).max(px - (x1 - r)).max(0.0);
            let dy = (y0 + r - py).max(py - (y1 - r)).max(0.0);
            let outside = dx.hypot(dy) - r;
            let cover = (0.5 - outside).clamp(0.0, 1.0);
            blend(frame, x, y, BAND, cover * BAND_ALPHA);
        }
    }
}

fn blend(frame: &mut RgbaImage, x: i64, y: i64, colour: [u8; 3], alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(frame.width()) || y >= i64::from(frame.height()) {
        return;
    }
    let p = frame.get_pixel_mut(x as u32, y as u32);
    for (c, v) in p.0.iter_mut().zip(colour) {
        *c = (f32::from(*c) * (1.0 - alpha) + f32::from(v) * alpha).round() as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The share of pixels in rows `rows` brighter than the background.
    fn bright(frame: &RgbaImage, rows: std::ops::Range<u32>) -> usize {
        rows.flat_map(|y| (0..frame.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| frame.get_pixel(x, y).0[0] > 200)
            .count()
    }

    #[test]
    fn a_caption_is_white_text_on_a_dark_band_in_the_lower_third_at_any_size() {
        for (w, h) in [(1280, 720), (3840, 2160)] {
            let grey = image::Rgba([90, 90, 90, 255]);
            let mut frame = RgbaImage::from_pixel(w, h, grey);
            draw(
                &mut frame,
                "Momentum carries the ball over the saddle: v ← μv + ∇f",
            );
            let px = h as f32 * SIZE;
            // Text in the bottom fifth only, none above; the band darkens behind it.
            assert_eq!(bright(&frame, 0..h * 3 / 4), 0);
            let text = bright(&frame, h * 4 / 5..h);
            assert!(text as f32 > px * px, "{w}×{h}: {text} text pixels");
            let band = frame.get_pixel(w / 2, (h as f32 * (1.0 - MARGIN) - 3.0) as u32);
            assert!(band.0[0] < 50, "the band is dark: {band:?}");
            assert_eq!(
                *frame.get_pixel(2, h - 2),
                grey,
                "the corners are untouched"
            );
        }
    }

    #[test]
    fn a_long_caption_wraps_within_the_frame() {
        let (w, h) = (1280, 720);
        let mut frame = RgbaImage::from_pixel(w, h, image::Rgba([90, 90, 90, 255]));
        let long = "Plain gradient descent creeps along the valley floor of Rosenbrock's banana while Adam rescales every coordinate and reaches the minimum first";
        draw(&mut frame, long);
        let margin = (w as f32 * (1.0 - WIDTH) / 2.0 - h as f32 * SIZE) as u32;
        let edges: usize = (0..h)
            .flat_map(|y| (0..margin).chain(w - margin..w).map(move |x| (x, y)))
            .filter(|&(x, y)| frame.get_pixel(x, y).0[0] > 200)
            .count();
        assert_eq!(edges, 0, "no text beyond the margins");
        let fonts = fonts();
        assert!(wrap(&fonts, PxScale::from(40.0), long, w as f32 * WIDTH).len() >= 2);
    }
}
