//! Scene files: everything needed to replay a demo exactly (landscape, look, racers with
//! their hyperparameters, seeds and starts, speed, camera), as RON. Loading validates all of
//! it and refuses a bad file with the reason and the line.

use crate::core::colormap::Colormap;
use crate::core::landscape::{DataSource, DataSpec, Landscape, LandscapeError, LandscapeSpec};
use crate::core::net::stage::NetworkSpec;
use crate::core::optim::schedule::ScheduleError;
use crate::core::optim::{Field, Hyper, HyperError, Kind};
use crate::core::presets::ZScale;
use crate::core::race::RacerSpec;
use crate::core::surface::Domain;
use crate::core::timeline::{self, Beat};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod layout;
use layout::Layout;

/// The scene format this build reads and writes (4: network landscapes).
pub const VERSION: u32 = 4;
/// The oldest version still read: version 1 had no data landscapes, 2 no timelines and 3 no
/// networks, and all mean the same.
pub const OLDEST: u32 = 1;
/// Larger files are refused before parsing.
pub const MAX_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub landscape: SceneLandscape,
    #[serde(default)]
    pub look: SceneLook,
    pub racers: Vec<SceneRacer>,
    /// Optimizer steps per second.
    #[serde(default = "default_speed")]
    pub speed: f64,
    /// Seconds a recording of the scene lasts.
    #[serde(default)]
    pub duration: Option<f64>,
    /// Camera yaw and pitch in degrees and distance; None: the preset's view.
    #[serde(default)]
    pub camera: Option<[f64; 3]>,
    /// Race by evaluations of f instead of by steps (the fair race for black boxes).
    #[serde(default)]
    pub by_evaluations: bool,
    /// The lesson: beats in time order (see `core::timeline`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<Beat>,
}

fn default_speed() -> f64 {
    30.0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneLandscape {
    /// A preset's name; its formula, parameters, domain and scale unless given here.
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub formula: Option<String>,
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// xmin, xmax, ymin, ymax.
    #[serde(default)]
    pub domain: Option<[f64; 4]>,
    #[serde(default)]
    pub z_scale: Option<ZScale>,
    #[serde(default = "default_resolution")]
    pub resolution: usize,
    /// A dataset whose mean loss is the landscape (instead of a preset or formula).
    #[serde(default)]
    pub data: Option<SceneData>,
    /// A network learning a dataset, its loss drawn on a plane through its parameters;
    /// every racer is a copy of the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSpec>,
}

/// A data landscape in a scene: a built-in dataset by name and seed, or a CSV file by its path
/// relative to the scene file; the loss and axes (a built-in brings its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneData {
    pub source: String,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub loss: Option<String>,
    #[serde(default)]
    pub axes: Option<(String, String)>,
}

fn default_resolution() -> usize {
    crate::core::landscape::DEFAULT_RESOLUTION
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SceneLook {
    pub colormap: Colormap,
    pub contours: u32,
    pub grid: bool,
    pub floor: bool,
    pub vertical_scale: f64,
    pub top_down: bool,
    pub arrows: bool,
    /// The basin map of the first racer's optimizer over the surface.
    pub basins: bool,
    /// The first racer's learning-rate sweep (and phase diagram) in the panel.
    pub sweep: bool,
}

impl Default for SceneLook {
    fn default() -> SceneLook {
        SceneLook {
            colormap: Colormap::Viridis,
            contours: 16,
            grid: false,
            floor: false,
            vertical_scale: 1.0,
            top_down: false,
            arrows: false,
            basins: false,
            sweep: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SceneRacer {
    pub optimizer: Kind,
    #[serde(default)]
    pub label: Option<String>,
    /// Where it starts on a formula or dataset; a network's racers start from its
    /// initialisation and have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<[f64; 2]>,
    /// Hyperparameters by torch name; unnamed ones take torch's defaults for the optimizer.
    #[serde(default)]
    pub hyper: BTreeMap<String, f64>,
    #[serde(default)]
    pub schedule: Option<String>,
    /// On a network: this racer's own initialisation's seed (else the network's shared one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_seed: Option<u64>,
}

/// A loaded, checked scene: what the app needs to open it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub scene: Scene,
    pub landscape: Landscape,
    pub z_scale: ZScale,
    pub racers: Vec<RacerSpec>,
}

/// Why a scene was refused, with where as data: the file, the 1-based line and column, the
/// racer (1-based, with its optimizer) or the landscape field the reason is about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SceneError {
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub racer: Option<(usize, Kind)>,
    pub field: Option<&'static str>,
    pub reason: String,
}

impl SceneError {
    fn new(reason: impl Into<String>) -> SceneError {
        SceneError {
            reason: reason.into(),
            ..SceneError::default()
        }
    }

    fn at(self, line: Option<usize>) -> SceneError {
        SceneError { line, ..self }
    }

    fn in_file(self, file: &str) -> SceneError {
        SceneError {
            file: Some(file.to_string()),
            ..self
        }
    }
}

impl std::fmt::Display for SceneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        let line = self.line.map_or(String::new(), |l| format!(" (line {l})"));
        match (self.racer, self.field, self.line, self.column) {
            (Some((i, kind)), ..) => {
                write!(f, "racer {i} ({}){line}: {}", kind.name(), self.reason)
            }
            (None, Some(field), ..) => write!(f, "{field}: {}{line}", self.reason),
            (None, None, Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.reason),
            _ => write!(f, "{}{line}", self.reason),
        }
    }
}

impl std::error::Error for SceneError {}

/// Sets one hyperparameter by its torch name.
fn set(h: &mut Hyper, name: &str, v: f64) -> Result<(), HyperError> {
    Field::by_name(name)?.set(h, v)
}

/// Hyperparameters of a racer as the scene writes them: only those that differ from the
/// optimizer's defaults.
fn hyper_map(kind: Kind, h: &Hyper) -> BTreeMap<String, f64> {
    let d = Hyper::defaults(kind);
    Field::NUMERIC
        .into_iter()
        .filter(|f| f.get(h) != f.get(&d))
        .map(|f| (f.name().to_string(), f.get(h)))
        .collect()
}

impl SceneRacer {
    pub fn from_spec(spec: &RacerSpec) -> SceneRacer {
        SceneRacer {
            optimizer: spec.kind,
            label: (spec.label != spec.kind.label()).then(|| spec.label.clone()),
            start: Some(spec.start),
            hyper: hyper_map(spec.kind, &spec.hyper),
            schedule: (spec.hyper.schedule != Default::default())
                .then(|| crate::core::optim::schedule::text(&spec.hyper.schedule)),
            init_seed: spec.init_seed,
        }
    }
}

/// Just the version, read leniently (unknown fields skipped) so a newer file is told apart
/// from a broken one before the strict read.
#[derive(Deserialize)]
#[serde(rename = "Scene")]
struct VersionProbe {
    version: u32,
}

/// Reads and checks a scene. Errors name the reason and, where it can be found, the line.
pub fn parse(text: &str) -> Result<Loaded, SceneError> {
    parse_in(text, None)
}

/// [`parse`], with CSV paths taken relative to `base` (the scene file's folder).
fn parse_in(text: &str, base: Option<&std::path::Path>) -> Result<Loaded, SceneError> {
    if text.len() > MAX_BYTES {
        return Err(SceneError::new(format!(
            "the scene file is too large ({} bytes; at most {MAX_BYTES})",
            text.len()
        )));
    }
    if text.starts_with('\u{feff}') {
        return Err(SceneError {
            line: Some(1),
            column: Some(1),
            ..SceneError::new(
                "the file starts with a byte-order mark (U+FEFF); save it as UTF-8 without one",
            )
        });
    }
    let layout = Layout::new(text);
    // The version first, so a newer file gets a clear message rather than a field error.
    if let Ok(VersionProbe { version: v }) = ron::from_str::<VersionProbe>(text)
        && !(OLDEST..=VERSION).contains(&v)
    {
        let which = if v > VERSION { "newer" } else { "older" };
        return Err(SceneError::new(format!(
            "scene version {v} is {which} than this gradscape reads (version {VERSION})"
        ))
        .at(layout.field_line(&["version"])));
    }
    // `Some(..)` may be left out (`caption: "…"`), as beats read best that way.
    let options =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let scene: Scene = options.from_str(text).map_err(|e| SceneError {
        line: Some(e.span.start.line),
        column: Some(e.span.start.col),
        // The reader's message may quote the file (a field's name): a short piece of it.
        ..SceneError::new(short(&e.code.to_string()))
    })?;
    check(scene, &layout, base)
}

fn check(
    scene: Scene,
    layout: &Layout,
    base: Option<&std::path::Path>,
) -> Result<Loaded, SceneError> {
    check_look_and_timing(&scene)?;
    let racers = racers_of(&scene, layout)?;
    let landscape = match &scene.landscape.network {
        Some(spec) => network_of(&scene.landscape, spec, &racers, layout, base)?,
        None => landscape_of(&scene.landscape, layout, base)?,
    };
    check_timeline(&scene, &landscape, &racers, layout)?;
    Ok(Loaded {
        z_scale: scene
            .landscape
            .z_scale
            .or(landscape.preset.map(|p| p.z_scale))
            .unwrap_or_default(),
        landscape,
        racers,
        scene,
    })
}

/// The landscape part, built as every landscape is (`Landscape::new`), with the line of the
/// field an error is about.
fn landscape_of(
    l: &SceneLandscape,
    layout: &Layout,
    base: Option<&Path>,
) -> Result<Landscape, SceneError> {
    if l.preset.is_none() && l.formula.is_none() && l.data.is_none() {
        return Err(SceneError::new(
            "the landscape needs a preset, a formula or data",
        ));
    }
    let line = |field: &str| layout.field_line(&["landscape", field]);
    let in_field = |field: &'static str, reason: String| SceneError {
        field: Some(field),
        ..SceneError::new(reason).at(line(field))
    };
    let data = match &l.data {
        Some(d) => Some(DataSpec {
            source: match (DataSource::parse(&d.source, d.seed), base) {
                (DataSource::Csv(path), Some(base)) => {
                    DataSource::Csv(inside(base, &path).map_err(|e| in_field("data", e.reason))?)
                }
                (source, _) => source,
            },
            loss: d.loss.as_deref(),
            axes: d.axes.as_ref().map(|(a, b)| [a.as_str(), b.as_str()]),
        }),
        None => None,
    };
    let spec = LandscapeSpec {
        preset: l.preset.as_deref(),
        formula: l.formula.as_deref(),
        params: l.params.iter().map(|(n, v)| (n.as_str(), *v)).collect(),
        domain: l.domain.map(|[a, b, c, d]| Domain::new(a, b, c, d)),
        data,
    };
    Landscape::new(&spec).map_err(|e| match e {
        LandscapeError::UnknownPreset(_) => SceneError::new(e.to_string()).at(line("preset")),
        LandscapeError::Formula { error, .. } => in_field("formula", error.to_string()),
        LandscapeError::Domain(reason) => in_field("domain", reason.to_string()),
        LandscapeError::Data(_)
        | LandscapeError::UnknownDataset(_)
        | LandscapeError::NoLoss
        | LandscapeError::BadAxes(_)
        | LandscapeError::UnknownName { .. } => in_field("data", e.to_string()),
        other => SceneError::new(other.to_string()),
    })
}

/// A network landscape, its plane fitted on a pilot run of the scene's racers; the network
/// stands alone (no preset, formula or data beside it). Its CSV, as a data landscape's, lies
/// in the scene's folder.
fn network_of(
    l: &SceneLandscape,
    spec: &NetworkSpec,
    racers: &[RacerSpec],
    layout: &Layout,
    base: Option<&Path>,
) -> Result<Landscape, SceneError> {
    let at = layout.field_line(&["landscape", "network"]);
    let in_field = |reason: String| SceneError {
        field: Some("network"),
        ..SceneError::new(reason).at(at)
    };
    if l.preset.is_some() || l.formula.is_some() || l.data.is_some() || l.domain.is_some() {
        return Err(in_field(
            "a network landscape stands alone: remove preset, formula, data and domain (the plane's square follows the race)".into(),
        ));
    }
    let mut spec = spec.clone();
    if let (DataSource::Csv(path), Some(base)) = (DataSource::parse(&spec.data, 0), base) {
        let inside = inside(base, &path).map_err(|e| in_field(e.reason))?;
        spec.data = inside.to_string_lossy().into_owned();
    }
    let pairs: Vec<_> = racers.iter().map(|r| (r.kind, r.hyper.clone())).collect();
    Landscape::of_network(&spec, &pairs).map_err(|e| in_field(e.to_string()))
}

/// A message about a file, cut to a readable length, control characters escaped.
fn short(message: &str) -> String {
    const MOST: usize = 200;
    let shown = crate::core::escape::shown(message);
    match shown.char_indices().nth(MOST) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

/// A scene file's CSV path, which must lie in the scene's folder or below: a scene from a
/// stranger reads no file the person did not name (`/etc/shadow`, `../secret.csv`, a link out
/// of the folder). Another file is opened by naming it: `--data`, or the panel's CSV box.
fn inside(base: &Path, path: &Path) -> Result<PathBuf, SceneError> {
    use std::path::Component;
    let refuse = |why: &str| {
        SceneError::new(format!(
            "{} {why}: a scene reads only CSV files in its own folder and below; open another file by naming it yourself (--data, or the panel's CSV box)",
            crate::core::escape::quote(&path.to_string_lossy())
        ))
    };
    if !path
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(refuse("is outside the scene's folder"));
    }
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let joined = folder.join(path);
    let (Ok(folder), Ok(real)) = (
        std::fs::canonicalize(folder),
        std::fs::canonicalize(&joined),
    ) else {
        // Missing: reading it says so, with its name.
        return Ok(joined);
    };
    if !real.starts_with(&folder) {
        return Err(refuse("leads outside the scene's folder (through a link)"));
    }
    Ok(joined)
}

/// The scene as a file at `file` should hold it: a CSV named by its path from that file's
/// folder, so the scene opens from anywhere and can be shared with the file beside it. Where
/// the CSV lies outside that folder the path stays as it is, and the second value says so
/// (such a scene will not open it: a scene reads only its own folder).
pub fn placed(mut scene: Scene, file: &Path) -> (Scene, Option<String>) {
    let l = &mut scene.landscape;
    let source = match (l.data.as_mut(), l.network.as_mut()) {
        (Some(data), _) => &mut data.source,
        (None, Some(network)) => &mut network.data,
        (None, None) => return (scene, None),
    };
    let DataSource::Csv(csv) = DataSource::parse(source, 0) else {
        return (scene, None);
    };
    let folder = file.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = std::fs::canonicalize(folder.unwrap_or(Path::new(".")));
    let relative = match (folder, std::fs::canonicalize(&csv)) {
        (Ok(folder), Ok(real)) => real.strip_prefix(&folder).ok().map(Path::to_path_buf),
        _ => None,
    };
    match relative.and_then(|r| r.to_str().map(str::to_string)) {
        Some(r) => {
            *source = r;
            (scene, None)
        }
        None => {
            let warning = format!(
                "its data {} lies outside the scene's folder: copy it beside the scene, or the scene will not open it",
                crate::core::escape::quote(source)
            );
            (scene, Some(warning))
        }
    }
}

/// Resolution, look, speed, duration, camera and the number of racers: each in its range.
fn check_look_and_timing(scene: &Scene) -> Result<(), SceneError> {
    let refuse = |reason: String| Err(SceneError::new(reason));
    let l = &scene.landscape;
    if !(16..=1024).contains(&l.resolution) {
        return refuse(format!(
            "resolution must be 16 to 1024, got {}",
            l.resolution
        ));
    }
    let v = scene.look.vertical_scale;
    if !(v.is_finite() && (0.05..=20.0).contains(&v)) {
        return refuse(format!("vertical_scale must be 0.05 to 20, got {v}"));
    }
    if !(scene.speed.is_finite() && (0.1..=1000.0).contains(&scene.speed)) {
        let speed = scene.speed;
        return refuse(format!(
            "speed must be 0.1 to 1000 steps per second, got {speed}"
        ));
    }
    if let Some(d) = scene
        .duration
        .filter(|d| !(d.is_finite() && *d > 0.0 && *d <= 3600.0))
    {
        return refuse(format!("duration must be 0 to 3600 seconds, got {d}"));
    }
    if scene
        .camera
        .is_some_and(|c| c.iter().any(|v| !v.is_finite()) || c[2] <= 0.0)
    {
        return refuse("camera must be [yaw, pitch, distance] with a positive distance".into());
    }
    if scene.racers.is_empty() || scene.racers.len() > 256 {
        return refuse(format!(
            "a scene has 1 to 256 racers, not {}",
            scene.racers.len()
        ));
    }
    Ok(())
}

/// Each beat against the scene's racers and the formula's parameters; an error names the
/// beat (1-based) and its line.
fn check_timeline(
    scene: &Scene,
    land: &Landscape,
    racers: &[RacerSpec],
    layout: &Layout,
) -> Result<(), SceneError> {
    let params: Vec<String> = land
        .formula
        .params()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let accepts = |k: usize, name: &str, v: f64| {
        let racer = &racers[k - 1];
        let mut h = racer.hyper.clone();
        let field = Field::by_name(name)?;
        if matches!(
            field,
            Field::Seed | Field::Batch | Field::Population | Field::Centered
        ) {
            return Err(HyperError::Untweenable(field.name()));
        }
        field.set(&mut h, v)?;
        h.validate_for(racer.kind)
    };
    let limits = timeline::Limits {
        racers: scene.racers.len(),
        params: &params,
        hyper: &|name| Field::by_name(name).is_ok(),
        accepts: &accepts,
    };
    timeline::check(&scene.timeline, &limits).map_err(|(i, reason)| SceneError {
        field: Some("timeline"),
        ..SceneError::new(format!("beat {}: {reason}", i + 1))
            .at(layout.element_lines(&["timeline"]).get(i).copied())
    })
}

/// Each racer with its hyperparameters checked; an error names the racer and its line.
fn racers_of(scene: &Scene, layout: &Layout) -> Result<Vec<RacerSpec>, SceneError> {
    let lines = layout.element_lines(&["racers"]);
    let mut racers = Vec::with_capacity(scene.racers.len());
    for (i, r) in scene.racers.iter().enumerate() {
        let place = |reason: String| SceneError {
            racer: Some((i + 1, r.optimizer)),
            ..SceneError::new(reason).at(lines.get(i).copied())
        };
        let refuse = |e: HyperError| place(e.to_string());
        let mut hyper = Hyper::defaults(r.optimizer);
        for (name, value) in &r.hyper {
            set(&mut hyper, name, *value).map_err(refuse)?;
        }
        if let Some(s) = &r.schedule {
            hyper.schedule = s.parse().map_err(|e: ScheduleError| refuse(e.into()))?;
        }
        hyper.validate_for(r.optimizer).map_err(refuse)?;
        let start = match (r.start, scene.landscape.network.is_some()) {
            (Some(s), false) if s.iter().all(|v| v.is_finite()) => s,
            (Some(s), false) => {
                return Err(place(format!("the start must be finite, got {s:?}")));
            }
            (None, false) => return Err(place("a racer needs a start: start: (x, y)".into())),
            (Some(_), true) => {
                return Err(place(
                    "a network's racers start from its initialisation (init_seed): remove start"
                        .into(),
                ));
            }
            // The plane passes through the initialisation: its origin.
            (None, true) => [0.0, 0.0],
        };
        if r.init_seed.is_some() && scene.landscape.network.is_none() {
            return Err(place(
                "init_seed starts a network racer from its own weights; this landscape has no network".into(),
            ));
        }
        racers.push(RacerSpec {
            label: r
                .label
                .clone()
                .unwrap_or_else(|| r.optimizer.label().to_string()),
            init_seed: r.init_seed,
            ..RacerSpec::new(r.optimizer, hyper, start)
        });
    }
    Ok(racers)
}

/// The scene as RON text, formatted for people to read and edit.
pub fn to_text(scene: &Scene) -> String {
    let config = ron::ser::PrettyConfig::new().struct_names(true);
    ron::ser::to_string_pretty(scene, config).unwrap_or_else(|e| format!("// {e}"))
}

/// The lecture scenes shipped in assets/scenes, compiled in: (file stem, RON text).
pub const SHIPPED: [(&str, &str); 17] = [
    (
        "update-rule",
        include_str!("../../assets/scenes/update-rule.ron"),
    ),
    (
        "learning-rates",
        include_str!("../../assets/scenes/learning-rates.ron"),
    ),
    (
        "momentum-escapes",
        include_str!("../../assets/scenes/momentum-escapes.ron"),
    ),
    (
        "saddle-noise",
        include_str!("../../assets/scenes/saddle-noise.ron"),
    ),
    ("plateau", include_str!("../../assets/scenes/plateau.ron")),
    (
        "ill-conditioning",
        include_str!("../../assets/scenes/ill-conditioning.ron"),
    ),
    (
        "rosenbrock-race",
        include_str!("../../assets/scenes/rosenbrock-race.ron"),
    ),
    (
        "rastrigin-noise",
        include_str!("../../assets/scenes/rastrigin-noise.ron"),
    ),
    (
        "batch-size",
        include_str!("../../assets/scenes/batch-size.ron"),
    ),
    (
        "ball-is-the-model",
        include_str!("../../assets/scenes/ball-is-the-model.ron"),
    ),
    (
        "separable",
        include_str!("../../assets/scenes/separable.ron"),
    ),
    (
        "himmelblau-basins",
        include_str!("../../assets/scenes/himmelblau-basins.ron"),
    ),
    (
        "momentum-phase",
        include_str!("../../assets/scenes/momentum-phase.ron"),
    ),
    (
        "black-box",
        include_str!("../../assets/scenes/black-box.ron"),
    ),
    (
        "network-learns",
        include_str!("../../assets/scenes/network-learns.ron"),
    ),
    (
        "edge-of-stability",
        include_str!("../../assets/scenes/edge-of-stability.ron"),
    ),
    (
        "batch-noise-network",
        include_str!("../../assets/scenes/batch-noise-network.ron"),
    ),
];

/// A shipped scene by its name, or a scene file by its path.
pub fn load(name_or_path: &str) -> Result<Loaded, SceneError> {
    if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name_or_path) {
        return parse(text);
    }
    let path = std::path::Path::new(name_or_path);
    if !path.exists() {
        return Err(SceneError::new(format!(
            "no scene file '{name_or_path}', and no shipped scene of that name (see `gradscape scenes`)"
        )));
    }
    read_bounded(path)
        .and_then(|text| parse_in(&text, path.parent()))
        .map_err(|e| e.in_file(name_or_path))
}

/// Reads at most [`MAX_BYTES`] (and one more byte to know it was more): a scene path may name
/// a device or a pipe whose metadata says nothing of its length (`/dev/zero`).
fn read_bounded(path: &std::path::Path) -> Result<String, SceneError> {
    use std::io::Read;
    let io = |e: std::io::Error| SceneError::new(e.to_string());
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_BYTES {
        return Err(SceneError::new(format!(
            "the scene file is too large (more than {MAX_BYTES} bytes)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        SceneError {
            line: Some(good.iter().filter(|&&b| b == b'\n').count() + 1),
            column: Some(good.iter().rev().take_while(|&&b| b != b'\n').count() + 1),
            ..SceneError::new("the file is not UTF-8 text")
        }
    })
}

#[cfg(test)]
mod tests;
