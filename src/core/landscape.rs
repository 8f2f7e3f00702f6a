//! A landscape: the formula (with parameter values) or a dataset's mean loss, its domain and
//! the preset it came from.
//! The command line, the scene loader and the app all build one through [`Landscape::new`];
//! what follows from it (where racers start, when they stop, the race it opens on) lives here
//! so the app and `gradscape race` agree.

use crate::core::data::{DataError, Dataset, builtin};
use crate::core::expr::{Formula, FormulaError};
use crate::core::net::stage::{NetworkSpec, Stage, StageError};
use crate::core::optim::run::StopRules;
use crate::core::optim::{Hyper, Kind};
use crate::core::presets::{self, Preset};
use crate::core::surface::{Domain, DomainError};
use std::sync::Arc;

/// Grid cells per side of a surface unless a scene or the panel says otherwise.
pub const DEFAULT_RESOLUTION: usize = 192;

/// The domain when neither a preset nor the user gives one.
pub const DEFAULT_DOMAIN: Domain = Domain::new(-2.0, 2.0, -2.0, 2.0);

/// Why a landscape could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LandscapeError {
    #[error("{}", presets::unknown(.0))]
    UnknownPreset(String),
    #[error("bad formula {shown}: {error}")]
    Formula { shown: String, error: FormulaError },
    #[error("the formula has no parameter '{0}'")]
    UnknownParam(String),
    #[error("parameter '{name}' must be finite, got {value}")]
    BadParam { name: String, value: f64 },
    // Not a `source`: the message holds it already, and a chain would print it twice.
    #[error("bad domain: {0}")]
    Domain(DomainError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Network(#[from] StageError),
    #[error("unknown dataset '{0}': use a CSV file's path or one of {names}", names = builtin::names())]
    UnknownDataset(String),
    #[error("a CSV file needs --loss: the per-example loss, a formula of its columns and two axes")]
    NoLoss,
    #[error(
        "the axes must be two different names a formula can use (a letter or _, then letters, digits, _) that are not columns, got {}", crate::core::escape::quote(.0)
    )]
    BadAxes(String),
    #[error(
        "the loss names '{name}', which is not a column of {data} (columns: {columns}); give it a value with --param {name}=VALUE"
    )]
    UnknownName {
        name: String,
        data: String,
        columns: String,
    },
}

impl From<DomainError> for LandscapeError {
    fn from(e: DomainError) -> LandscapeError {
        LandscapeError::Domain(e)
    }
}

/// Where a data landscape's rows come from.
#[derive(Debug, Clone, PartialEq)]
pub enum DataSource {
    /// A built-in dataset, generated from the seed.
    Builtin { name: String, seed: u64 },
    /// A CSV file.
    Csv(std::path::PathBuf),
}

impl DataSource {
    /// A built-in's name or a path (anything with a '.' or '/' is a path).
    pub fn parse(text: &str, seed: u64) -> DataSource {
        if text.contains(['.', '/', '\\']) {
            DataSource::Csv(text.into())
        } else {
            DataSource::Builtin {
                name: text.to_string(),
                seed,
            }
        }
    }

    pub fn builtin(&self) -> Option<&'static builtin::Builtin> {
        match self {
            DataSource::Builtin { name, .. } => builtin::find(name),
            DataSource::Csv(_) => None,
        }
    }

    fn load(&self) -> Result<Dataset, LandscapeError> {
        match self {
            DataSource::Builtin { name, seed } => builtin::find(name)
                .map(|b| b.generate(*seed))
                .ok_or_else(|| LandscapeError::UnknownDataset(name.clone())),
            DataSource::Csv(path) => Ok(Dataset::read(path)?),
        }
    }
}

/// A data landscape: the rows, the per-example loss and which two names are the axes (a
/// built-in dataset brings its own loss and axes).
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec<'a> {
    pub source: DataSource,
    pub loss: Option<&'a str>,
    pub axes: Option<[&'a str; 2]>,
}

/// What a landscape is made from: a preset, a formula, or both (the formula replaces the
/// preset's; the preset still gives the domain and the look).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LandscapeSpec<'a> {
    pub preset: Option<&'a str>,
    pub formula: Option<&'a str>,
    /// Parameter values by name, applied after the preset's own.
    pub params: Vec<(&'a str, f64)>,
    pub domain: Option<Domain>,
    /// A dataset and its loss instead of a formula.
    pub data: Option<DataSpec<'a>>,
}

#[derive(Debug, Clone)]
pub struct Landscape {
    pub formula: Formula,
    pub domain: Domain,
    pub preset: Option<&'static Preset>,
    /// Where a data landscape's rows came from (None for a formula).
    pub data: Option<DataSource>,
}

impl Landscape {
    /// The one constructor. With neither preset nor formula: the default preset.
    pub fn new(spec: &LandscapeSpec) -> Result<Landscape, LandscapeError> {
        if let Some(data) = &spec.data {
            return data_landscape(data, spec);
        }
        let preset = match (spec.preset, spec.formula) {
            (Some(name), _) => Some(
                presets::find(name).ok_or_else(|| LandscapeError::UnknownPreset(name.into()))?,
            ),
            (None, None) => presets::find(presets::DEFAULT),
            (None, Some(_)) => None,
        };
        let source = spec
            .formula
            .or(preset.map(|p| p.formula))
            .unwrap_or_default();
        let mut formula = Formula::parse(source).map_err(|error| LandscapeError::Formula {
            shown: preview(source),
            error,
        })?;
        if spec.formula.is_none() {
            for (name, v) in preset.map(|p| p.params).unwrap_or_default() {
                formula.set_param(name, *v);
            }
        }
        set_params(&mut formula, &spec.params)?;
        let domain = spec
            .domain
            .or(preset.map(|p| p.domain))
            .unwrap_or(DEFAULT_DOMAIN);
        domain.validate()?;
        Ok(Landscape {
            formula,
            domain,
            preset,
            data: None,
        })
    }

    /// A preset's landscape by name: [`Landscape::new`] with just the preset.
    pub fn of_preset(name: &str) -> Result<Landscape, LandscapeError> {
        Landscape::new(&LandscapeSpec {
            preset: Some(name),
            ..LandscapeSpec::default()
        })
    }

    /// A formula's landscape on `domain` (None: the default domain).
    pub fn of_formula(formula: &str, domain: Option<Domain>) -> Result<Landscape, LandscapeError> {
        Landscape::new(&LandscapeSpec {
            formula: Some(formula),
            domain,
            ..LandscapeSpec::default()
        })
    }

    /// A built-in dataset's landscape (its own loss and axes) from seed 0.
    pub fn of_builtin(name: &str) -> Result<Landscape, LandscapeError> {
        Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::parse(name, 0),
                loss: None,
                axes: None,
            }),
            ..LandscapeSpec::default()
        })
    }

    /// A network's loss on the plane `spec` asks for, fitted (for the trajectories' plane)
    /// on a pilot run of `racers`; its domain is the plane's square the surface covers.
    pub fn of_network(
        spec: &NetworkSpec,
        racers: &[(Kind, Hyper)],
    ) -> Result<Landscape, LandscapeError> {
        let stage = Arc::new(Stage::new(spec, racers)?);
        Ok(Landscape {
            domain: stage.domain,
            formula: Formula::network(stage),
            preset: None,
            data: None,
        })
    }

    pub fn stop_rules(&self) -> StopRules {
        stop_rules(self.domain)
    }

    pub fn default_start(&self) -> [f64; 2] {
        default_start(&self.formula, self.domain, self.preset)
    }
}

/// Sets parameters by name; each must be finite and named by the formula.
fn set_params(formula: &mut Formula, params: &[(&str, f64)]) -> Result<(), LandscapeError> {
    for &(name, value) in params {
        if !value.is_finite() {
            return Err(LandscapeError::BadParam {
                name: name.into(),
                value,
            });
        }
        if !formula.set_param(name, value) {
            return Err(LandscapeError::UnknownParam(name.into()));
        }
    }
    Ok(())
}

/// The mean of a per-example loss over a dataset, with every name the loss uses accounted
/// for: an axis, a column, or a parameter given a value.
fn data_landscape(data: &DataSpec, spec: &LandscapeSpec) -> Result<Landscape, LandscapeError> {
    let rows = Arc::new(data.source.load()?);
    let known = data.source.builtin();
    let loss = data
        .loss
        .or(known.map(|b| b.loss))
        .ok_or(LandscapeError::NoLoss)?;
    let axes = data.axes.or(known.map(|b| b.axes)).unwrap_or(["w", "b"]);
    let usable = |a: &str| {
        let mut chars = a.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if axes[0] == axes[1]
        || !axes.iter().all(|a| usable(a))
        || axes.iter().any(|a| rows.columns.iter().any(|c| c == a))
    {
        return Err(LandscapeError::BadAxes(axes.join(",")));
    }
    let shown = rows.name.clone();
    // A wide file's names are not all listed: the first few say what the columns are like.
    const LISTED: usize = 12;
    let mut columns: Vec<String> = rows
        .columns
        .iter()
        .take(LISTED)
        .map(|c| crate::core::escape::shown(c))
        .collect();
    if rows.columns.len() > LISTED {
        columns.push(format!("… {} columns in all", rows.columns.len()));
    }
    let columns = columns.join(", ");
    let mut formula =
        Formula::data_loss(loss, axes, rows).map_err(|error| LandscapeError::Formula {
            shown: preview(loss),
            error,
        })?;
    set_params(&mut formula, &spec.params)?;
    if let Some(p) = formula
        .params()
        .iter()
        .find(|p| !spec.params.iter().any(|(n, _)| *n == p.name))
    {
        return Err(LandscapeError::UnknownName {
            name: p.name.clone(),
            data: shown,
            columns,
        });
    }
    let domain = match spec.domain {
        Some(d) => d,
        None => around_minimum(&formula),
    };
    domain.validate()?;
    Ok(Landscape {
        formula,
        domain,
        preset: None,
        data: Some(data.source.clone()),
    })
}

/// A box holding the untrained model (the origin) and the loss's minimum, found by Newton's
/// method from the origin (exact for least squares, whose loss is quadratic); ±4 when there
/// is no minimum to find (separable data, whose loss falls forever).
fn around_minimum(f: &Formula) -> Domain {
    let fallback = Domain::new(-4.0, 4.0, -4.0, 4.0);
    let Some(c) = newton_minimum(f, [0.0, 0.0]) else {
        return fallback;
    };
    let margin = 1.0f64.max(0.5 * c[0].abs().max(c[1].abs()));
    let (lo, hi) = (
        [c[0].min(0.0) - margin, c[1].min(0.0) - margin],
        [c[0].max(0.0) + margin, c[1].max(0.0) + margin],
    );
    Domain::new(lo[0], hi[0], lo[1], hi[1])
}

/// Newton's method on ∇f = 0 from `start`; the point if it converges to a minimum (positive
/// definite Hessian) within 50 steps and ±1e6.
pub fn newton_minimum(f: &Formula, start: [f64; 2]) -> Option<[f64; 2]> {
    let mut x = start;
    for _ in 0..50 {
        let d = f.derivatives(x);
        let [[a, b], [_, c]] = d.hessian;
        let det = a * c - b * b;
        if !(a > 0.0 && det > 0.0) {
            return None;
        }
        let [gx, gy] = d.gradient;
        let step = [(c * gx - b * gy) / det, (a * gy - b * gx) / det];
        x = [x[0] - step[0], x[1] - step[1]];
        if !x.iter().all(|v| v.is_finite() && v.abs() < 1e6) {
            return None;
        }
        if step[0].hypot(step[1]) <= 1e-12 * (1.0 + x[0].hypot(x[1])) {
            return Some(x);
        }
    }
    None
}

/// The start of a long input, quoted, for a message (a 100 KB formula is not echoed whole).
pub fn preview(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{:?}… ({} characters)", &text[..cut], text.chars().count()),
        None => format!("{text:?}"),
    }
}

/// Stop rules for racers on a domain: leaving far beyond it counts as diverging.
pub fn stop_rules(d: Domain) -> StopRules {
    let reach = [d.x[0], d.x[1], d.y[0], d.y[1]]
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    StopRules {
        bound: 10.0 * reach.max(d.width()).max(d.height()),
        ..StopRules::default()
    }
}

/// The common start point for racers: the preset's first, else near the domain's top-left
/// corner, moved to the nearest point where f and ∇f are defined (never into a hole).
pub fn default_start(f: &Formula, d: Domain, preset: Option<&Preset>) -> [f64; 2] {
    if let Some(p) = preset.and_then(|p| p.starts.first()) {
        return *p;
    }
    // A network starts where every racer starts: its initialisation.
    if let Some(stage) = f.stage() {
        return stage.project(&stage.init).at;
    }
    // A model starts untrained: all weights zero, where the domain allows.
    if f.data().is_some() && d.contains([0.0, 0.0]) {
        return [0.0, 0.0];
    }
    let want = [d.x[0] + 0.15 * d.width(), d.y[1] - 0.15 * d.height()];
    let defined = |p: [f64; 2]| {
        let (v, g) = f.gradient(p);
        v.is_finite() && g.iter().all(|g| g.is_finite())
    };
    if defined(want) {
        return want;
    }
    let n = 24;
    let candidates = (0..n * n).map(|k| {
        let (i, j) = ((k % n) as f64 + 0.5, (k / n) as f64 + 0.5);
        [
            d.x[0] + d.width() * i / n as f64,
            d.y[0] + d.height() * j / n as f64,
        ]
    });
    candidates
        .filter(|p| defined(*p))
        .min_by(|a, b| {
            let dist = |p: &[f64; 2]| (p[0] - want[0]).hypot(p[1] - want[1]);
            dist(a).total_cmp(&dist(b))
        })
        .unwrap_or(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(preset: Option<&'a str>, formula: Option<&'a str>) -> LandscapeSpec<'a> {
        LandscapeSpec {
            preset,
            formula,
            ..Default::default()
        }
    }

    #[test]
    fn presets_formulas_and_parameters_resolve_in_one_place() {
        let l = Landscape::new(&spec(None, None)).unwrap();
        assert_eq!(l.preset.unwrap().name, presets::DEFAULT);
        let l = Landscape::new(&spec(Some("ill-conditioned"), None)).unwrap();
        assert_eq!(l.formula.param_values(), [20.0], "the preset's kappa");
        assert_eq!(l.formula.value([0.0, 1.0]), 10.0);
        let l = Landscape::new(&LandscapeSpec {
            params: vec![("kappa", 4.0)],
            ..spec(Some("ill-conditioned"), None)
        })
        .unwrap();
        assert_eq!(l.formula.value([0.0, 1.0]), 2.0);
        let l = Landscape::new(&spec(None, Some("x^2 + y"))).unwrap();
        assert_eq!((l.preset, l.domain), (None, DEFAULT_DOMAIN));
    }

    #[test]
    fn bad_parts_are_named() {
        let e = |s: LandscapeSpec| Landscape::new(&s).unwrap_err().to_string();
        assert!(e(spec(Some("rosenbruck"), None)).starts_with("unknown preset 'rosenbruck'"));
        assert_eq!(
            e(spec(None, Some("x +"))),
            "bad formula \"x +\": the formula ends early: an operand is missing at column 4"
        );
        let long = format!("x{}", "+x".repeat(50_000));
        assert!(e(spec(None, Some(&long))).len() < 200);
        assert_eq!(
            e(LandscapeSpec {
                params: vec![("b", 1.0)],
                ..spec(None, Some("a*x"))
            }),
            "the formula has no parameter 'b'"
        );
        assert!(
            e(LandscapeSpec {
                domain: Some(Domain::new(-1e-310, 1e-310, -1.0, 1.0)),
                ..spec(None, Some("x"))
            })
            .contains("too narrow")
        );
    }

    #[test]
    fn a_default_start_is_never_in_a_hole() {
        let l = Landscape::new(&LandscapeSpec {
            domain: Some(Domain::new(-1.0, 3.0, -2.0, 2.0)),
            ..spec(None, Some("ln(x) + y^2"))
        })
        .unwrap();
        let p = l.default_start();
        assert!(p[0] > 0.0 && l.formula.value(p).is_finite(), "{p:?}");
    }
}
