//! Lesson timelines: the beats a scene plays — captions, camera moves, pauses, what is shown,
//! parameter tweens, predictions — and the lesson clock that plays them. The clock counts
//! ticks of 1/600 s (a whole number of ticks per frame at 24, 25, 30, 50 and 60 fps), so the
//! race, every tween and every beat happen at the same tick however the frames fall: a
//! recording, a replay and a presenter's clicks all reach a beat in the same state.

use crate::core::optim::HyperError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ticks of the lesson clock per second.
pub const TICKS_PER_SECOND: u64 = 600;
/// Seconds a recording waits at a click beat before it fires (a presenter would click).
pub const CLICK_HOLD: f64 = 1.5;
/// Seconds a recording shows a prediction's question before going on.
pub const PREDICT_HOLD: f64 = 4.0;
/// Seconds a camera move takes unless told.
pub const CAMERA_OVER: f64 = 1.5;

/// One beat: when it fires, and everything it changes (any of the fields, all at once).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Beat {
    /// Seconds on the lesson clock (which stands still while the lesson waits for a click).
    pub at: f64,
    /// Wait for the presenter (→ or Page Down) when the clock reaches `at`, then fire.
    pub click: bool,
    /// A line shown at the bottom until the next caption; "" clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A question shown while the lesson waits for the next click.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predict: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<CameraMove>,
    /// Play (true) or pause (false) the race; the lesson clock runs on either way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub play: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub show: Vec<Part>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hide: Vec<Part>,
    /// Formula parameters set at once (the surface changes under the racers).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tween: Option<Tween>,
    /// The racer (1-based) drawn with a halo; 0 takes the halo away.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<usize>,
    /// Seconds a recording waits at this click beat or shows this prediction (defaults:
    /// [`CLICK_HOLD`], [`PREDICT_HOLD`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold: Option<f64>,
}

impl Beat {
    /// Seconds a recording waits before this beat fires (0 unless it waits for a click).
    pub fn click_hold(&self) -> f64 {
        if self.click {
            self.hold.unwrap_or(CLICK_HOLD)
        } else {
            0.0
        }
    }

    /// Seconds a recording shows this beat's question (0 without one).
    pub fn predict_hold(&self) -> f64 {
        if self.predict.is_some() {
            self.hold.unwrap_or(PREDICT_HOLD)
        } else {
            0.0
        }
    }
}

/// Something a beat shows or hides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// One racer, 1-based.
    Racer(usize),
    Racers,
    Arrows,
    Markers,
    Basins,
}

/// A camera move, eased in and out over `over` seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraMove {
    pub to: Shot,
    #[serde(default = "camera_over")]
    pub over: f64,
}

fn camera_over() -> f64 {
    CAMERA_OVER
}

/// Where a camera move goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Shot {
    /// Yaw and pitch in degrees, distance, and the point looked at (world units; None: the
    /// landscape's centre).
    Pose {
        yaw: f64,
        pitch: f64,
        radius: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        focus: Option<[f64; 3]>,
    },
    /// The landscape's own view.
    Frame,
    /// Keep racer k (1-based) in the middle, from where the camera is.
    Follow(usize),
}

/// A value moving from `from` to `to` over `over` seconds: a hyperparameter by its torch name
/// (of one racer, 1-based, or of all) or a formula parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tween {
    pub name: String,
    pub from: f64,
    pub to: f64,
    pub over: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub racer: Option<usize>,
    /// Even steps in the logarithm (0.01 → 0.1 → 1 in equal times) rather than in the value.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
}

impl Tween {
    /// The value `elapsed` seconds after the tween began: `from` before, `to` after.
    pub fn value(&self, elapsed: f64) -> f64 {
        let s = if self.over > 0.0 {
            (elapsed / self.over).clamp(0.0, 1.0)
        } else {
            1.0
        };
        if s >= 1.0 {
            return self.to;
        }
        if self.log {
            (self.from.ln() + (self.to.ln() - self.from.ln()) * s).exp()
        } else {
            self.from + (self.to - self.from) * s
        }
    }
}

/// Eases a fraction of a move (0 to 1) in and out: smoothstep, 3s² − 2s³.
pub fn ease(s: f64) -> f64 {
    let s = s.clamp(0.0, 1.0);
    s * s * (3.0 - 2.0 * s)
}

/// A time in seconds as lesson ticks (rounded to the nearest).
pub fn ticks(seconds: f64) -> u64 {
    (seconds.max(0.0) * TICKS_PER_SECOND as f64).round() as u64
}

/// What a tick of the timeline checks a beat against.
pub struct Limits<'a> {
    pub racers: usize,
    /// The formula's slider parameters.
    pub params: &'a [String],
    /// Whether `name` is a hyperparameter.
    pub hyper: &'a dyn Fn(&str) -> bool,
    /// Whether racer k (1-based) may take this value of hyperparameter `name`: the rule its
    /// field in the panel and the scene's racer list keep.
    pub accepts: &'a dyn Fn(usize, &str, f64) -> Result<(), HyperError>,
}

/// Why a beat was refused (the scene adds the beat's number and line).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BeatError {
    #[error("'{name}' must be 0 to {most} seconds, got {value}")]
    Time {
        name: &'static str,
        most: f64,
        value: f64,
    },
    #[error("beats go in time order: this one is at {at} s, after one at {last} s")]
    Order { at: f64, last: f64 },
    #[error("a {0} is one line")]
    TwoLines(&'static str),
    #[error("a {0} has at most {MAX_TEXT} characters")]
    TooLong(&'static str),
    #[error("'predict' needs a question")]
    NoQuestion,
    #[error("a {what} takes 0 to {most} seconds, got {value}")]
    Takes {
        what: &'static str,
        most: f64,
        value: f64,
    },
    #[error("a camera pose needs a pitch between -90 and 90 degrees and a positive radius")]
    Pose,
    #[error("{what} {k}: the scene has racers 1 to {racers}")]
    NoRacer {
        what: &'static str,
        k: usize,
        racers: usize,
    },
    #[error("'{name}' is not a parameter of the formula ({})", known_params(.known))]
    UnknownParam { name: String, known: Vec<String> },
    #[error("'{name}' must be a finite number, got {value}")]
    NotFinite { name: String, value: f64 },
    #[error(
        "tween '{0}' is neither a hyperparameter (lr, momentum, beta1, …) nor a parameter of the formula"
    )]
    UnknownTween(String),
    #[error("'{0}' is the formula's: a tween of it has no racer")]
    RacerOfParam(String),
    #[error("a tween goes between finite numbers")]
    TweenNotFinite,
    #[error("a log tween goes between positive numbers")]
    LogNotPositive,
    #[error("tween of racer {k}: {error}")]
    Refused { k: usize, error: HyperError },
}

/// Longest caption or question, in characters.
pub const MAX_TEXT: usize = 160;

fn known_params(known: &[String]) -> String {
    if known.is_empty() {
        "the formula has none".to_string()
    } else {
        format!("the formula has {}", known.join(", "))
    }
}

/// The first beat refused (0-based) and why.
pub fn check(beats: &[Beat], limits: &Limits) -> Result<(), (usize, BeatError)> {
    let mut last = 0.0;
    for (i, b) in beats.iter().enumerate() {
        check_beat(b, last, limits).map_err(|e| (i, e))?;
        last = b.at;
    }
    Ok(())
}

fn check_beat(b: &Beat, last: f64, limits: &Limits) -> Result<(), BeatError> {
    within("at", b.at, 3600.0)?;
    if b.at < last {
        return Err(BeatError::Order { at: b.at, last });
    }
    check_texts(b)?;
    if let Some(h) = b.hold {
        within("hold", h, 60.0)?;
    }
    if let Some(c) = &b.camera {
        check_camera(c, limits)?;
    }
    for part in b.show.iter().chain(&b.hide) {
        if let Part::Racer(k) = part {
            racer(*k, "racer", limits)?;
        }
    }
    if let Some(k) = b.highlight.filter(|&k| k != 0) {
        racer(k, "highlight racer", limits)?;
    }
    for (name, v) in &b.set {
        if !limits.params.contains(name) {
            return Err(unknown_param(name, limits));
        }
        if !v.is_finite() {
            return Err(BeatError::NotFinite {
                name: name.clone(),
                value: *v,
            });
        }
    }
    if let Some(t) = &b.tween {
        check_tween(t, limits)?;
    }
    Ok(())
}

/// A time in seconds from 0 to `most`.
fn within(name: &'static str, value: f64, most: f64) -> Result<(), BeatError> {
    if value.is_finite() && (0.0..=most).contains(&value) {
        Ok(())
    } else {
        Err(BeatError::Time { name, most, value })
    }
}

/// Captions and questions: one line each, short enough to read, a question not blank.
fn check_texts(b: &Beat) -> Result<(), BeatError> {
    for (what, text) in [("caption", &b.caption), ("predict", &b.predict)] {
        if let Some(t) = text {
            if t.contains(['\n', '\r']) {
                return Err(BeatError::TwoLines(what));
            }
            if t.chars().count() > MAX_TEXT {
                return Err(BeatError::TooLong(what));
            }
        }
    }
    if b.predict.as_deref().is_some_and(|q| q.trim().is_empty()) {
        return Err(BeatError::NoQuestion);
    }
    Ok(())
}

fn check_camera(c: &CameraMove, limits: &Limits) -> Result<(), BeatError> {
    takes("camera move", c.over, 60.0)?;
    match &c.to {
        Shot::Pose {
            yaw,
            pitch,
            radius,
            focus,
        } => {
            let finite = [*yaw, *pitch, *radius]
                .into_iter()
                .chain(focus.iter().flatten().copied())
                .all(f64::is_finite);
            if !finite || *radius <= 0.0 || pitch.abs() >= 90.0 {
                return Err(BeatError::Pose);
            }
            Ok(())
        }
        Shot::Frame => Ok(()),
        Shot::Follow(k) => racer(*k, "follow racer", limits),
    }
}

/// How long a move lasts: 0 to `most` seconds.
fn takes(what: &'static str, value: f64, most: f64) -> Result<(), BeatError> {
    if value.is_finite() && (0.0..=most).contains(&value) {
        Ok(())
    } else {
        Err(BeatError::Takes { what, most, value })
    }
}

/// Racer k (1-based) is one of the scene's.
fn racer(k: usize, what: &'static str, limits: &Limits) -> Result<(), BeatError> {
    if (1..=limits.racers).contains(&k) {
        Ok(())
    } else {
        Err(BeatError::NoRacer {
            what,
            k,
            racers: limits.racers,
        })
    }
}

fn unknown_param(name: &str, limits: &Limits) -> BeatError {
    BeatError::UnknownParam {
        name: name.to_string(),
        known: limits.params.to_vec(),
    }
}

fn check_tween(t: &Tween, limits: &Limits) -> Result<(), BeatError> {
    let param = limits.params.contains(&t.name);
    if !param && !(limits.hyper)(&t.name) {
        return Err(BeatError::UnknownTween(t.name.clone()));
    }
    if param && t.racer.is_some() {
        return Err(BeatError::RacerOfParam(t.name.clone()));
    }
    if let Some(k) = t.racer {
        racer(k, "tween racer", limits)?;
    }
    if !(t.from.is_finite() && t.to.is_finite()) {
        return Err(BeatError::TweenNotFinite);
    }
    takes("tween", t.over, 3600.0)?;
    if t.log && !(t.from > 0.0 && t.to > 0.0) {
        return Err(BeatError::LogNotPositive);
    }
    if !param {
        // Every field's valid values form an interval, so both ends valid means every value
        // on the way is.
        let racers = t.racer.map_or(1..=limits.racers, |k| k..=k);
        for k in racers {
            for v in [t.from, t.to] {
                (limits.accepts)(k, &t.name, v).map_err(|error| BeatError::Refused { k, error })?;
            }
        }
    }
    Ok(())
}

/// Why the lesson clock stands still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// At a click beat, before it fires.
    Click,
    /// After a prediction fired, its question showing.
    Predict,
    /// Where ← left the lesson.
    Back,
}

/// The playing of a timeline: the clock, the beats fired, the hold, and what the beats have
/// set so far (caption, question, highlight, tweens, camera move). Everything here is a
/// function of the ticks played and the holds released, never of wall time.
#[derive(Debug, Clone)]
pub struct Lesson {
    beats: Vec<Beat>,
    at: Vec<u64>,
    /// Ticks of the lesson clock so far.
    pub tick: u64,
    /// Beats fired so far (they fire in order).
    pub fired: usize,
    pub hold: Option<Hold>,
    /// Ticks the current hold has lasted (a recording releases it after the beat's hold).
    held: u64,
    pub caption: Option<String>,
    pub highlight: Option<usize>,
    /// Tweens under way, with the tick each began (retired once they reach their end).
    pub tweens: Vec<(Tween, u64)>,
    /// The last camera move, with the tick it began.
    pub camera: Option<(CameraMove, u64)>,
}

impl Lesson {
    pub fn new(beats: &[Beat]) -> Lesson {
        Lesson {
            at: beats.iter().map(|b| ticks(b.at)).collect(),
            beats: beats.to_vec(),
            tick: 0,
            fired: 0,
            hold: None,
            held: 0,
            caption: None,
            highlight: None,
            tweens: Vec::new(),
            camera: None,
        }
    }

    pub fn beats(&self) -> &[Beat] {
        &self.beats
    }

    /// Seconds on the lesson clock.
    pub fn seconds(&self) -> f64 {
        self.tick as f64 / TICKS_PER_SECOND as f64
    }

    /// The question showing, while a prediction holds the lesson.
    pub fn question(&self) -> Option<&str> {
        match self.hold {
            Some(Hold::Predict) => self.beats[self.fired - 1].predict.as_deref(),
            _ => None,
        }
    }

    /// The line at the bottom of the picture: the question while one holds, else the caption.
    pub fn shown_text(&self) -> Option<&str> {
        self.question().or(self.caption.as_deref())
    }

    /// Fires the beats due at this tick, in order, stopping at a click beat (which holds)
    /// or after a prediction (which holds); returns the indices fired.
    pub fn fire_due(&mut self) -> Vec<usize> {
        std::iter::from_fn(|| self.fire_one_due()).collect()
    }

    /// Fires the next beat if it is due and nothing holds (a click beat holds instead).
    pub fn fire_one_due(&mut self) -> Option<usize> {
        if self.hold.is_some() || self.fired >= self.beats.len() || self.at[self.fired] > self.tick
        {
            return None;
        }
        if self.beats[self.fired].click {
            self.hold(Hold::Click);
            return None;
        }
        Some(self.fire())
    }

    /// Fires the next beat and takes in what it sets.
    fn fire(&mut self) -> usize {
        let i = self.fired;
        self.fired += 1;
        let b = &self.beats[i];
        if let Some(c) = &b.caption {
            self.caption = (!c.is_empty()).then(|| c.clone());
        }
        if let Some(h) = b.highlight {
            self.highlight = (h != 0).then_some(h);
        }
        if let Some(t) = &b.tween {
            // A new tween of the same thing replaces the old one.
            self.tweens
                .retain(|(old, _)| (old.name.as_str(), old.racer) != (t.name.as_str(), t.racer));
            self.tweens.push((t.clone(), self.tick));
        }
        if let Some(c) = &b.camera {
            self.camera = Some((c.clone(), self.tick));
        }
        if b.predict.is_some() {
            self.hold(Hold::Predict);
        }
        i
    }

    fn hold(&mut self, why: Hold) {
        self.hold = Some(why);
        self.held = 0;
    }

    /// Lets the lesson go on (the presenter's click): a click beat fires; returns it.
    pub fn release(&mut self) -> Option<usize> {
        match self.hold.take()? {
            Hold::Click => Some(self.fire()),
            Hold::Predict | Hold::Back => None,
        }
    }

    /// Holds the lesson where it is (after ← replayed to here).
    pub fn hold_back(&mut self) {
        self.hold(Hold::Back);
    }

    /// Whether a recording has waited out the current hold (the beat's `hold` seconds).
    fn waited_out(&self) -> bool {
        let Some(why) = self.hold else {
            return false;
        };
        let hold = match why {
            Hold::Click => self.beats[self.fired].click_hold(),
            Hold::Predict => self.beats[self.fired - 1].predict_hold(),
            Hold::Back => return false,
        };
        self.held >= ticks(hold)
    }

    /// One tick: the clock moves on, or the hold lasts a tick longer; true if the clock moved
    /// (the race then moves one tick too). [`Lesson::settle`] follows.
    pub fn advance(&mut self) -> bool {
        if self.hold.is_some() {
            self.held += 1;
            return false;
        }
        self.tick += 1;
        true
    }

    /// Fires what is due now; a recording (`waits_out`) also releases the holds it has
    /// waited out. Returns the beats fired, in order.
    pub fn settle(&mut self, waits_out: bool) -> Vec<usize> {
        let mut fired = self.fire_due();
        while waits_out && self.waited_out() {
            fired.extend(self.release());
            fired.extend(self.fire_due());
        }
        fired
    }

    /// Forgets the tweens that have reached their end (their last value is already set), so
    /// a lesson does not set them again every tick.
    pub fn retire_tweens(&mut self) {
        let now = self.tick;
        self.tweens
            .retain(|(t, from)| ((now - from) as f64) < t.over * TICKS_PER_SECOND as f64);
    }

    /// The value each tween gives now: (tween, value).
    pub fn tween_values(&self) -> impl Iterator<Item = (&Tween, f64)> {
        self.tweens.iter().map(|(t, from)| {
            (
                t,
                t.value((self.tick - from) as f64 / TICKS_PER_SECOND as f64),
            )
        })
    }

    /// How far the last camera move has come, eased (1 when done or none).
    pub fn camera_progress(&self) -> f64 {
        self.camera.as_ref().map_or(1.0, |(c, from)| {
            if c.over <= 0.0 {
                1.0
            } else {
                ease((self.tick - from) as f64 / TICKS_PER_SECOND as f64 / c.over)
            }
        })
    }

    /// Whether every beat has fired and nothing holds.
    pub fn finished(&self) -> bool {
        self.fired == self.beats.len() && self.hold.is_none()
    }

    /// The beat ← goes back to: the one before the last fired (the first, from the first).
    pub fn back_target(&self) -> usize {
        if self.fired > 1 {
            self.fired - 1
        } else {
            self.fired
        }
    }
}

/// One caption of a recording, in seconds of the video.
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub text: String,
}

/// The captions of a recording of `frames` frames at `fps`, as the recorder plays them: frame
/// k (1-based) shows the lesson k frames in (holds waited out) and is on screen from
/// (k − 1)/fps. Each caption runs from the first frame showing it to the first frame that
/// does not; a prediction's question is a caption while it shows. Computed by the same
/// [`Lesson`] that plays the frames, so the two cannot disagree.
pub fn cues(beats: &[Beat], fps: u32, frames: u32) -> Vec<Cue> {
    let fps = fps.max(1);
    let per_frame = TICKS_PER_SECOND / u64::from(fps);
    let mut lesson = Lesson::new(beats);
    lesson.settle(true);
    let mut cues: Vec<Cue> = Vec::new();
    let mut showing: Option<String> = None;
    let end = f64::from(frames) / f64::from(fps);
    for k in 1..=frames {
        for _ in 0..per_frame {
            lesson.advance();
            lesson.settle(true);
        }
        let text = lesson.shown_text().map(str::to_string);
        if text != showing {
            let now = f64::from(k - 1) / f64::from(fps);
            if let Some(last) = cues.last_mut().filter(|c| c.end.is_nan()) {
                last.end = now;
            }
            cues.extend(text.iter().map(|t| Cue {
                start: now,
                end: f64::NAN,
                text: t.clone(),
            }));
            showing = text;
        }
    }
    for c in cues.iter_mut().filter(|c| c.end.is_nan()) {
        c.end = end;
    }
    cues.retain(|c| c.end > c.start);
    cues
}

/// The cues as a SubRip (.srt) file.
pub fn srt(cues: &[Cue]) -> String {
    let stamp = |s: f64| {
        let ms = (s * 1000.0).round() as u64;
        format!(
            "{:02}:{:02}:{:02},{:03}",
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )
    };
    cues.iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{}\n{} --> {}\n{}\n\n",
                i + 1,
                stamp(c.start),
                stamp(c.end),
                // One line of text, whatever the scene held: no control sequence reaches a
                // player or a terminal.
                crate::core::escape::shown(&c.text)
            )
        })
        .collect()
}

/// Seconds a recording of the timeline needs: its last beat (holds included) and a few
/// seconds for it to be seen.
pub fn length(beats: &[Beat]) -> f64 {
    let holds: f64 = beats
        .iter()
        .map(|b| b.click_hold() + b.predict_hold())
        .sum();
    beats.last().map_or(0.0, |b| b.at) + holds + 4.0
}

#[cfg(test)]
mod tests;
