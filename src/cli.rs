//! The command line: no subcommand opens the app; `trace`, `critical` and `presets` print CSV.

use crate::core::critical;
use crate::core::landscape::{DataSource, DataSpec, Landscape, LandscapeSpec};
use crate::core::optim::run::{Run, StopRules};
use crate::core::optim::schedule::Schedule;
use crate::core::optim::{Field, Hyper, Kind, Optimizer};
use crate::core::presets;
use crate::core::surface::Domain;
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

mod atlas;
mod slice;
mod torch;
mod train;

#[derive(Debug, Parser)]
#[command(name = "gradscape", version, about = "Watch optimizers race across loss landscapes.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A scene to open: a file (scene.ron) or a shipped scene's name (see `gradscape scenes`).
    #[arg(value_name = "SCENE")]
    pub scene: Option<String>,
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// Save screenshots of the app into this folder at --capture-frames, print the racers'
    /// state at those frames, then exit.
    #[arg(long, value_name = "DIR")]
    pub capture: Option<std::path::PathBuf>,
    /// Frame numbers for --capture.
    #[arg(long, value_delimiter = ',', default_value = "60")]
    pub capture_frames: Vec<u32>,
    /// Optimizer steps per frame while capturing (fixed, so captures replay on any machine).
    #[arg(long, default_value_t = 2)]
    pub steps_per_frame: u32,
    /// Open on a race line-up instead of GD, Momentum and Adam: all (every optimizer),
    /// goldilocks (GD at three learning rates) or ring (eight starts).
    #[arg(long, value_parser = |s: &str| s.parse::<crate::core::race::Lineup>())]
    pub race: Option<crate::core::race::Lineup>,
    /// Show the step arrows (−α∇f, velocity, update) from the start.
    #[arg(long)]
    pub arrows: bool,
    /// Window size in pixels, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x720", value_parser = parse_size)]
    pub size: [u32; 2],
    /// Panel and label scale, 1 to 2.5 (for projectors and recordings).
    #[arg(long, default_value_t = 1.0, value_parser = parse_ui_scale)]
    pub ui_scale: f32,
    /// Presentation mode: the panel hidden (H shows it), a legend and step counter instead.
    #[arg(long)]
    pub present: bool,
    /// Open on the 2D contour view from above (T switches).
    #[arg(long)]
    pub top_down: bool,
}

/// `1920x1080` → [1920, 1080], each side 64 to 8192.
pub fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{s}' is not WIDTHxHEIGHT, e.g. 1920x1080"))?;
    let side = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (64..=8192).contains(n))
            .ok_or_else(|| format!("'{v}' in '{s}' is not a size from 64 to 8192 pixels"))
    };
    Ok([side(w)?, side(h)?])
}

/// Most pixels a recorded frame may have: 4K (a larger one took minutes and gigabytes a frame).
pub const MAX_FRAME_PIXELS: u64 = 3840 * 2160;

/// [`parse_size`], at most [`MAX_FRAME_PIXELS`] in all.
fn parse_frame_size(s: &str) -> Result<[u32; 2], String> {
    let [w, h] = parse_size(s)?;
    if u64::from(w) * u64::from(h) > MAX_FRAME_PIXELS {
        return Err(format!(
            "'{s}' is {} pixels; a frame has at most {MAX_FRAME_PIXELS} (3840x2160)",
            u64::from(w) * u64::from(h)
        ));
    }
    Ok([w, h])
}

fn parse_ui_scale(s: &str) -> Result<f32, String> {
    s.parse::<f32>()
        .ok()
        .filter(|v| (1.0..=2.5).contains(v))
        .ok_or_else(|| format!("the UI scale must be a number from 1 to 2.5, got '{s}'"))
}

/// Which landscape: a preset, or a formula with an optional domain.
#[derive(Debug, Clone, Args, Default)]
pub struct LandscapeArgs {
    /// A named landscape (see `gradscape presets`).
    #[arg(long, conflicts_with = "formula")]
    pub preset: Option<String>,
    /// f(x, y) in the formula language, e.g. "(1-x)^2 + 100*(y-x^2)^2".
    #[arg(long, allow_hyphen_values = true)]
    pub formula: Option<String>,
    /// xmin,xmax,ymin,ymax
    #[arg(long, allow_hyphen_values = true)]
    pub domain: Option<String>,
    /// A formula parameter's value, NAME=VALUE (repeatable), e.g. --param kappa=20.
    #[arg(long = "param", value_name = "NAME=VALUE", allow_hyphen_values = true, value_parser = parse_param)]
    pub params: Vec<(String, f64)>,
    /// A dataset: a CSV file with a header row, or a built-in name (see `gradscape datasets`).
    /// The landscape is then the mean of --loss over its rows.
    #[arg(long, conflicts_with_all = ["preset", "formula"])]
    pub data: Option<String>,
    /// The per-example loss: a formula of the data's columns and the two --axes, e.g.
    /// "(w*x + b - y)^2" (a built-in dataset brings its own).
    #[arg(long, requires = "data", allow_hyphen_values = true)]
    pub loss: Option<String>,
    /// The two names in --loss that are the landscape's coordinates, e.g. w,b.
    #[arg(long, requires = "data", value_parser = parse_axes)]
    pub axes: Option<[String; 2]>,
    /// The seed a built-in dataset is generated from (default 0).
    #[arg(long = "data-seed", requires = "data")]
    pub data_seed: Option<u64>,
}

/// `exact` → 0, `fd` → the default step, `fd:H` → H.
fn parse_gradient(s: &str) -> Result<f64, String> {
    match s.trim().split_once(':') {
        None if s.trim() == "exact" => Ok(0.0),
        None if s.trim() == "fd" => Ok(crate::core::optim::FD_STEP),
        Some(("fd", h)) => h
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && *h > 0.0)
            .ok_or_else(|| format!("the step in '{s}' must be a number > 0")),
        _ => Err(format!("'{s}' is not exact, fd or fd:H")),
    }
}

fn parse_axes(s: &str) -> Result<[String; 2], String> {
    let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
    <[String; 2]>::try_from(names)
        .map_err(|n| format!("--axes takes two names, e.g. w,b; got {}", n.len()))
}

fn parse_param(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not NAME=VALUE, e.g. kappa=20"))?;
    let v = value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("'{value}' in '{s}' is not a finite number"))?;
    Ok((name.trim().to_string(), v))
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one optimizer and print its trajectory as CSV: step,x,y,loss,evals.
    Trace(TraceArgs),
    /// Find and classify the stationary points in a domain; CSV: x,y,f,kind.
    Critical {
        #[command(flatten)]
        landscape: LandscapeArgs,
    },
    /// Run the race the app would open with, headless, and print where each racer ended;
    /// CSV: racer,optimizer,lr,start_x,start_y,steps,x,y,loss,status.
    Race(RaceArgs),
    /// List the built-in landscapes: name, formula, parameters, domain.
    Presets,
    /// Render a scene to PNG frames with no window: DIR/frame_00001.png, …
    Render(RenderArgs),
    /// List the lecture scenes shipped with gradscape: name and title. Open one with
    /// `gradscape NAME`.
    Scenes,
    /// List the built-in datasets (data landscapes, then networks' classification sets);
    /// CSV: name,rows,columns,loss,teaches.
    Datasets,
    /// f, its gradient and Hessian at one point of any landscape; CSV: f,gx,gy,hxx,hxy,hyy.
    Eval(EvalArgs),
    /// Search each optimizer's learning rate for the lowest loss after --steps steps from
    /// --start (a fair race); CSV: optimizer,lr,loss,steps,status.
    Tune(TuneArgs),
    /// Run the optimizer from every start of a G×G grid and say where each ended (the basins
    /// of attraction); CSV: x,y,end_x,end_y,steps,status,basin, or a PNG of the map.
    Basins(atlas::BasinsArgs),
    /// Run the optimizer at log-spaced learning rates (and a second hyperparameter's values,
    /// for a phase diagram); CSV: lr[,second],final_loss,steps,status.
    Sweep(atlas::SweepArgs),
    /// Train a neural network on a dataset by backpropagation; CSV
    /// step,loss,accuracy,grad_norm,evals,sharpness,batch_loss (evals: row gradients computed).
    Train(Box<train::TrainArgs>),
    /// A network's loss on a plane through its parameters, θ + α·δ + β·η (Li et al. 2018);
    /// CSV alpha,beta,loss, or a PNG.
    Slice(Box<slice::SliceArgs>),
    /// Write the scene's race as a short PyTorch script (the landscape as a torch function,
    /// each racer's torch.optim optimizer and schedule, the loop) that prints each path as
    /// `trace` does: `gradscape export-torch SCENE > race.py`.
    ExportTorch {
        /// A scene file or a shipped scene's name.
        scene: String,
    },
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TuneArgs {
    /// A scene (a file or a shipped name) whose landscape to tune on.
    #[arg(value_name = "SCENE", conflicts_with_all = ["preset", "formula", "domain", "data"])]
    pub scene: Option<String>,
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// The optimizers, comma-separated (default: every one).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub optimizer: Vec<Kind>,
    /// Start point x,y (default: the landscape's usual start).
    #[arg(long, allow_hyphen_values = true)]
    pub start: Option<String>,
    #[arg(long, default_value_t = 300)]
    pub steps: u64,
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct EvalArgs {
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// The point, as the landscape's two coordinates: x,y (or w,b).
    #[arg(long, allow_hyphen_values = true)]
    pub at: String,
}

/// The command line offers exactly the optimizers there are: a new `Kind` appears in
/// `--help` and is accepted without another edit here.
impl clap::ValueEnum for Kind {
    fn value_variants<'a>() -> &'a [Kind] {
        &Kind::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TraceArgs {
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// The optimizer (its torch-style name).
    #[arg(long, value_enum, default_value = "gd")]
    pub optimizer: Kind,
    /// Start point x,y (default: the preset's first start, else the domain's centre).
    #[arg(long, allow_hyphen_values = true)]
    pub start: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub steps: u64,
    #[command(flatten)]
    pub hyper: HyperArgs,
}

/// A value, or for `sweep` a range `A..B`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span(pub f64, pub f64);

impl Span {
    pub fn is_range(self) -> bool {
        self.0 != self.1
    }
}

fn parse_span(s: &str) -> Result<Span, String> {
    let number = |v: &str| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("'{v}' in '{s}' is not a finite number"))
    };
    if s.contains("...") {
        return Err(format!("'{s}' is not a range: write A..B, e.g. 0.001..1"));
    }
    match s.split_once("..") {
        Some((a, b)) if number(a)? == number(b)? => Err(format!(
            "the range '{s}' has one value: give one number, or two different ends"
        )),
        Some((a, b)) => Ok(Span(number(a)?, number(b)?)),
        None => number(s).map(|v| Span(v, v)),
    }
}

/// The hyperparameters, as torch.optim names them; unset ones keep the optimizer's defaults.
#[derive(Debug, Args, Default)]
#[command(allow_negative_numbers = true)]
pub struct HyperArgs {
    /// The learning rate (for sweep a range A..B, swept on a log scale).
    #[arg(long, value_parser = parse_span)]
    pub lr: Option<Span>,
    /// SGD / RMSprop momentum (for sweep also a range C..D: the phase diagram's second axis).
    #[arg(long, value_parser = parse_span)]
    pub momentum: Option<Span>,
    #[arg(long)]
    pub dampening: Option<f64>,
    /// Adam's β₁ (for sweep also a range C..D).
    #[arg(long, value_parser = parse_span)]
    pub beta1: Option<Span>,
    #[arg(long)]
    pub beta2: Option<f64>,
    #[arg(long)]
    pub eps: Option<f64>,
    /// RMSprop smoothing constant.
    #[arg(long)]
    pub alpha: Option<f64>,
    #[arg(long)]
    pub weight_decay: Option<f64>,
    #[arg(long)]
    pub lr_decay: Option<f64>,
    /// Centered RMSprop.
    #[arg(long)]
    pub centered: bool,
    /// SGD gradient noise σ.
    #[arg(long)]
    pub noise: Option<f64>,
    /// Seed of every random draw: SGD's noise, the mini-batch shuffle, annealing's moves,
    /// CMA-ES's samples, the swarm.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Points per generation for cmaes (λ) and pso (particles).
    #[arg(long)]
    pub population: Option<u64>,
    /// Simulated annealing's start temperature T₀.
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Simulated annealing's cooling factor per move, in (0, 1].
    #[arg(long)]
    pub cooling: Option<f64>,
    /// Mini-batch size on a data landscape (rows per gradient, drawn without replacement
    /// each epoch); without it, or with every row, full-batch.
    #[arg(long)]
    pub batch: Option<u64>,
    /// Where gradients come from: exact (default), or fd[:H] for central differences with
    /// step H·max(|x|, 1) (H defaults to ε^(1/3) ≈ 6.1e-6).
    #[arg(long, value_parser = parse_gradient)]
    pub gradient: Option<f64>,
    /// constant | step:EVERY:GAMMA | exp:GAMMA | cosine:PERIOD[:MIN_LR] | warmup:STEPS[:START_FACTOR]
    #[arg(long)]
    pub schedule: Option<String>,
}

#[derive(Debug, Args)]
pub struct RaceArgs {
    /// A scene (a file, or a shipped scene's name) whose racers to run; else the landscape's
    /// own opening race.
    #[arg(value_name = "SCENE", conflicts_with_all = ["preset", "formula", "domain", "data"])]
    pub scene: Option<String>,
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// A line-up instead: all, goldilocks or ring (from the first racer's start).
    #[arg(long, value_parser = |s: &str| s.parse::<crate::core::race::Lineup>())]
    pub race: Option<crate::core::race::Lineup>,
    /// Steps per racer, at most (a racer that stops earlier keeps its status).
    #[arg(long, default_value_t = 1000)]
    pub steps: u64,
}

/// `render --antialias`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Antialias {
    Msaa,
    Fxaa,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A scene file or a shipped scene's name.
    pub scene: String,
    /// Folder for the frames (created if missing).
    #[arg(long)]
    pub out: std::path::PathBuf,
    /// Length in seconds (default: the scene's duration, else 10).
    #[arg(long)]
    pub seconds: Option<f64>,
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Frame size, WIDTHxHEIGHT: each side 64 to 8192, at most 3840×2160 pixels in all (4K).
    #[arg(long, default_value = "1280x720", value_parser = parse_frame_size)]
    pub size: [u32; 2],
    /// Turn the camera around the landscape at this many degrees per second.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub orbit: f64,
    /// Also write an MP4 (through ffmpeg, which must be installed).
    #[arg(long)]
    pub mp4: Option<std::path::PathBuf>,
    /// Also write an animated GIF.
    #[arg(long)]
    pub gif: Option<std::path::PathBuf>,
    /// Also write the timeline's captions as SubRip subtitles, timed to the frames.
    #[arg(long)]
    pub srt: Option<std::path::PathBuf>,
    /// Mesh every grid cell (slower on a software renderer; the look is the same: the
    /// default mesh is as coarse as the shape allows and is checked against this one).
    #[arg(long)]
    pub full_mesh: bool,
    /// How edges are smoothed: msaa (4× multisampling) or fxaa (a pass over the picture;
    /// much faster on a software renderer). Default: fxaa on a software renderer, else msaa.
    #[arg(long, value_enum)]
    pub antialias: Option<Antialias>,
}

impl LandscapeArgs {
    /// The flags given, by name: with a scene, each would be ignored, so each is refused.
    fn given(&self) -> Vec<&'static str> {
        let flags = [
            ("--preset", self.preset.is_some()),
            ("--formula", self.formula.is_some()),
            ("--domain", self.domain.is_some()),
            ("--param", !self.params.is_empty()),
            ("--data", self.data.is_some()),
            ("--loss", self.loss.is_some()),
            ("--axes", self.axes.is_some()),
            ("--data-seed", self.data_seed.is_some()),
        ];
        flags
            .iter()
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect()
    }

    /// A scene's landscape, refusing landscape flags that it would ignore.
    pub fn scene(&self, name: &str) -> Result<crate::core::scene::Loaded> {
        if let Some(flag) = self.given().first() {
            bail!("{flag} does not apply with a scene: the scene names its own landscape");
        }
        crate::core::scene::load(name).map_err(|e| anyhow!(e))
    }

    /// [`LandscapeArgs::scene`] for a command that steps racers on a plane (race, tune,
    /// basins, sweeps): a network scene is refused, its racers being networks.
    pub fn plane_scene(&self, name: &str) -> Result<crate::core::scene::Loaded> {
        let loaded = self.scene(name)?;
        if loaded.landscape.formula.stage().is_some() {
            bail!(
                "{} is a network scene: it races in the app (gradscape {}); `gradscape train` trains its network from the command line",
                crate::core::escape::quote(name),
                crate::core::escape::shell_word(name)
            );
        }
        Ok(loaded)
    }

    /// The landscape named on the command line; the default preset when none is.
    pub fn resolve(&self) -> Result<Landscape> {
        if self.data.is_none() {
            let stray = ["--loss", "--axes", "--data-seed"];
            if let Some(flag) = self.given().into_iter().find(|f| stray.contains(f)) {
                bail!("{flag} applies to a data landscape: give --data too");
            }
        }
        let domain = match &self.domain {
            Some(d) => Some(
                d.parse::<Domain>()
                    .map_err(|e| anyhow!("bad --domain: {e}"))?,
            ),
            None => None,
        };
        let data = self.data.as_ref().map(|d| DataSpec {
            source: DataSource::parse(d, self.data_seed.unwrap_or(0)),
            loss: self.loss.as_deref(),
            axes: self.axes.as_ref().map(|[a, b]| [a.as_str(), b.as_str()]),
        });
        let spec = LandscapeSpec {
            preset: self.preset.as_deref(),
            formula: self.formula.as_deref(),
            params: self.params.iter().map(|(n, v)| (n.as_str(), *v)).collect(),
            domain,
            data,
        };
        Ok(Landscape::new(&spec)?)
    }
}

/// Parses `x,y`.
pub fn parse_point(s: &str) -> Result<[f64; 2]> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .with_context(|| format!("'{}' is not a number", p.trim()))
        })
        .collect::<Result<_>>()?;
    let p = <[f64; 2]>::try_from(v)
        .map_err(|v| anyhow!("a point is two numbers x,y, got {}", v.len()))?;
    if !p.iter().all(|v| v.is_finite()) {
        bail!("the point must be finite");
    }
    Ok(p)
}

impl HyperArgs {
    /// The optimizer's defaults with every value given here set; a range is refused (only
    /// `sweep` takes one, through [`HyperArgs::with_ranges`]).
    pub fn hyper(&self, kind: Kind) -> Result<Hyper> {
        for (name, span) in [
            ("lr", self.lr),
            ("momentum", self.momentum),
            ("beta1", self.beta1),
        ] {
            if span.is_some_and(Span::is_range) {
                bail!("--{name} takes one value here (a range A..B is for `gradscape sweep`)");
            }
        }
        self.with_ranges(kind)
    }

    /// [`HyperArgs::hyper`], a range's first end standing for it.
    pub fn with_ranges(&self, kind: Kind) -> Result<Hyper> {
        let mut h = Hyper::defaults(kind);
        let first = |s: Option<Span>| s.map(|s| s.0);
        let given = [
            (Field::Lr, first(self.lr)),
            (Field::Momentum, first(self.momentum)),
            (Field::Dampening, self.dampening),
            (Field::Beta1, first(self.beta1)),
            (Field::Beta2, self.beta2),
            (Field::Eps, self.eps),
            (Field::Alpha, self.alpha),
            (Field::WeightDecay, self.weight_decay),
            (Field::LrDecay, self.lr_decay),
            (Field::Noise, self.noise),
            (Field::Centered, self.centered.then_some(1.0)),
            (Field::Batch, self.batch.map(|b| b as f64)),
            (Field::Fd, self.gradient),
            (Field::Population, self.population.map(|p| p as f64)),
            (Field::Temperature, self.temperature),
            (Field::Cooling, self.cooling),
        ];
        for (field, value) in given {
            if let Some(v) = value {
                field.set(&mut h, v).map_err(|e| anyhow!(e))?;
            }
        }
        // Every u64 is a seed here (a scene's seed is a number, so at most 2⁵³ there).
        if let Some(seed) = self.seed {
            h.seed = seed;
        }
        if let Some(s) = &self.schedule {
            h.schedule = s.parse::<Schedule>().map_err(|e| anyhow!(e))?;
        }
        h.validate_for(kind)
            .map_err(|e| anyhow!("bad hyperparameter: {e}"))?;
        Ok(h)
    }
}

pub use crate::core::number::exact as num;

/// `--start`, else the preset's first start (a model's untrained origin on data), else the
/// domain's centre.
pub fn start_or_default(start: Option<&str>, land: &Landscape) -> Result<[f64; 2]> {
    Ok(match start {
        Some(s) => parse_point(s).context("bad --start")?,
        // A model starts untrained, at the origin.
        None if land.data.is_some() => land.default_start(),
        None => land
            .preset
            .and_then(|p| p.starts.first().copied())
            .unwrap_or(land.domain.center()),
    })
}

/// Runs `trace`, writing CSV to `out`; returns the final status for stderr.
pub fn trace(args: &TraceArgs, out: &mut dyn Write) -> Result<String> {
    let land = args.landscape.resolve()?;
    let kind = args.optimizer;
    let hyper = args.hyper.hyper(kind)?;
    let start = start_or_default(args.start.as_deref(), &land)?;
    let rules = StopRules {
        max_steps: Some(args.steps),
        ..StopRules::default()
    };
    let mut run = Run::new(Optimizer::new(kind, hyper), start, rules, &land.formula);
    // The evaluations of f paid so far; on data also the loss of the mini-batch each step
    // saw (at the point it stepped from).
    let data = land.data.is_some();
    let [a, b] = land.formula.axes();
    writeln!(
        out,
        "step,{a},{b},loss,evals{}",
        if data { ",batch_loss" } else { "" }
    )?;
    let row = |run: &Run, seen: Option<f64>| {
        let mut line = format!(
            "{},{},{},{},{}",
            run.steps,
            num(run.pos[0]),
            num(run.pos[1]),
            num(run.loss),
            run.optimizer.evals()
        );
        if data {
            line.push(',');
            line.push_str(&seen.map(num).unwrap_or_default());
        }
        line
    };
    writeln!(out, "{}", row(&run, None))?;
    while run.status.is_running() && run.steps < args.steps {
        run.step(&land.formula);
        if let Some(u) = run.last.as_ref().filter(|u| u.to == run.pos) {
            writeln!(out, "{}", row(&run, Some(u.seen_loss)))?;
        }
    }
    Ok(format!(
        "{} after {} steps at {}, f = {}",
        run.status,
        run.steps,
        crate::core::number::exact_pair(run.pos),
        num(run.loss)
    ))
}

/// Runs `race`: the racers the app would open with, stepped through the same `Run::step`.
pub fn race(args: &RaceArgs, out: &mut dyn Write) -> Result<()> {
    let (land, specs) = match &args.scene {
        Some(name) => {
            let l = args.landscape.plane_scene(name)?;
            let land = l.landscape;
            let specs = match (args.race, l.racers.first()) {
                (Some(which), Some(lead)) => crate::core::race::lineup(
                    which,
                    &land.formula,
                    land.domain,
                    lead.start,
                    (lead.kind, &lead.hyper),
                ),
                _ => l.racers,
            };
            (land, specs)
        }
        None => {
            let land = args.landscape.resolve()?;
            let specs = crate::core::race::opening(&land, args.race);
            (land, specs)
        }
    };
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "racer",
        "optimizer",
        "lr",
        "start_x",
        "start_y",
        "steps",
        "x",
        "y",
        "loss",
        "status",
    ])?;
    let rules = StopRules {
        max_steps: Some(args.steps),
        ..land.stop_rules()
    };
    for spec in specs {
        let optimizer = Optimizer::new(spec.kind, spec.hyper.clone());
        let mut run = Run::new(optimizer, spec.start, rules.clone(), &land.formula);
        while run.status.is_running() {
            run.step(&land.formula);
        }
        csv.write_record([
            // A label from a scene file reaches a terminal: no control sequences.
            crate::core::escape::shown(&spec.label),
            spec.kind.name().to_string(),
            num(spec.hyper.lr),
            num(spec.start[0]),
            num(spec.start[1]),
            run.steps.to_string(),
            num(run.pos[0]),
            num(run.pos[1]),
            num(run.loss),
            run.status.to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

pub fn critical_csv(landscape: &LandscapeArgs, out: &mut dyn Write) -> Result<()> {
    let land = landscape.resolve()?;
    writeln!(out, "x,y,f,kind")?;
    for p in critical::find(&land.formula, land.domain) {
        writeln!(
            out,
            "{},{},{},{}",
            num(p.pos[0]),
            num(p.pos[1]),
            num(p.value),
            p.kind_name()
        )?;
    }
    Ok(())
}

pub fn presets_csv(out: &mut dyn Write) -> Result<()> {
    writeln!(out, "name,formula,params,domain")?;
    for p in presets::PRESETS {
        let d = p.domain;
        let params: Vec<String> = p
            .params
            .iter()
            .map(|(n, v)| format!("{n}={}", num(*v)))
            .collect();
        writeln!(
            out,
            "{},\"{}\",\"{}\",\"{},{},{},{}\"",
            p.name,
            p.formula,
            params.join(","),
            num(d.x[0]),
            num(d.x[1]),
            num(d.y[0]),
            num(d.y[1])
        )?;
    }
    Ok(())
}

fn export_torch(scene: &str, out: &mut dyn Write) -> Result<()> {
    let loaded = crate::core::scene::load(scene).map_err(|e| anyhow!(e))?;
    let text = match torch::network_script(&loaded, scene) {
        Some(made) => made.map_err(|e| anyhow!("{}: {e}", crate::core::escape::quote(scene)))?,
        None => torch::script(&loaded, scene),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

#[cfg(feature = "app")]
fn render(args: &RenderArgs) -> Result<()> {
    let scene = crate::core::scene::load(&args.scene).map_err(|e| anyhow!(e))?;
    let frames = render_frames(args, &scene)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    if let Some(srt) = &args.srt {
        let cues = crate::core::timeline::cues(&scene.scene.timeline, args.fps, frames);
        std::fs::write(srt, crate::core::timeline::srt(&cues))
            .with_context(|| format!("cannot write {}", srt.display()))?;
        say(&format!("{} captions → {}", cues.len(), srt.display()))?;
    }
    let started = std::time::Instant::now();
    let paths = crate::app::render::render(crate::app::render::RenderRequest {
        scene,
        out: args.out.clone(),
        frames,
        fps: args.fps,
        size: args.size,
        orbit: args.orbit,
        density: if args.full_mesh {
            crate::core::view::Density::Full
        } else {
            crate::core::view::Density::Screen(args.size[0])
        },
        smoothing: args.antialias.map(|a| match a {
            Antialias::Msaa => crate::app::camera::Smoothing::Msaa,
            Antialias::Fxaa => crate::app::camera::Smoothing::Fxaa,
        }),
    });
    let took = started.elapsed().as_secs_f64();
    // The racers' positions per frame, so two renders can be compared exactly.
    let mut out = std::io::stdout().lock();
    for (k, racers) in paths.0.iter().enumerate() {
        for (i, p) in racers.iter().enumerate() {
            writeln!(
                out,
                "frame {} racer {} x {} y {}",
                k + 1,
                i + 1,
                num(p[0]),
                num(p[1])
            )?;
        }
    }
    let written = (1..=frames)
        .filter(|k| args.out.join(format!("frame_{k:05}.png")).exists())
        .count();
    say(&format!(
        "{written} frames in {took:.1} s ({:.2} frames/s) → {}",
        written as f64 / took,
        args.out.display()
    ))?;
    if written as u32 != frames {
        bail!("only {written} of {frames} frames were written");
    }
    encode(args, frames)
}

/// How many frames a recording takes, its settings checked before anything is written: a
/// lesson lasts until its last beat has been seen, a plain scene 10 s.
#[cfg(feature = "app")]
fn render_frames(args: &RenderArgs, scene: &crate::core::scene::Loaded) -> Result<u32> {
    let timeline = &scene.scene.timeline;
    let seconds = args
        .seconds
        .or(scene.scene.duration)
        .unwrap_or(if timeline.is_empty() {
            10.0
        } else {
            crate::core::timeline::length(timeline)
        });
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        bail!("--seconds must be more than 0 and at most 3600, got {seconds}");
    }
    if !(1..=240).contains(&args.fps) {
        bail!("--fps must be 1 to 240, got {}", args.fps);
    }
    let ticks = crate::core::timeline::TICKS_PER_SECOND;
    if !timeline.is_empty() && !ticks.is_multiple_of(u64::from(args.fps)) {
        bail!(
            "a lesson records at a frame rate that divides {ticks} (24, 25, 30, 50, 60, …), so every frame is a whole number of its ticks; got --fps {}",
            args.fps
        );
    }
    if !args.orbit.is_finite() {
        bail!("--orbit must be a number of degrees per second");
    }
    Ok((seconds * f64::from(args.fps)).round().max(1.0) as u32)
}

/// The GIF and MP4 a recording asked for, from its frames.
#[cfg(feature = "app")]
fn encode(args: &RenderArgs, frames: u32) -> Result<()> {
    let list = crate::app::encode::frames(&args.out, frames);
    if let Some(gif) = &args.gif {
        crate::app::encode::gif(&list, args.fps, gif).map_err(|e| anyhow!(e))?;
        say(&format!("GIF → {}", gif.display()))?;
    }
    if let Some(mp4) = &args.mp4 {
        crate::app::encode::mp4(&list, args.fps, mp4).map_err(|e| anyhow!(e))?;
        say(&format!("MP4 → {}", mp4.display()))?;
    }
    Ok(())
}

#[cfg(not(feature = "app"))]
fn render(_: &RenderArgs) -> Result<()> {
    bail!("this build has no renderer (built without the `app` feature)")
}

/// `gradscape datasets`: every built-in dataset and what it teaches.
pub fn datasets_csv(out: &mut dyn Write) -> Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["name", "rows", "columns", "loss", "teaches"])?;
    for b in &crate::core::data::builtin::BUILTINS {
        let columns = b.generate(0).columns.join(" ");
        csv.write_record([b.name, &b.rows.to_string(), &columns, b.loss, b.teaches])?;
    }
    // The classification sets a network learns from (`gradscape train --data NAME`).
    for c in &crate::core::net::classes::CLASSES {
        let loss = format!("network: {} ({} classes)", c.loss.name(), c.classes);
        csv.write_record([c.name, &c.rows.to_string(), "x1 x2 class", &loss, c.teaches])?;
    }
    csv.flush()?;
    Ok(())
}

/// `gradscape eval`: the exact derivatives at one point, for checking a derivation by hand.
pub fn eval(args: &EvalArgs, out: &mut dyn Write) -> Result<()> {
    let land = args.landscape.resolve()?;
    let p = parse_point(&args.at).context("bad --at")?;
    let d = land.formula.derivatives(p);
    let [[hxx, hxy], [_, hyy]] = d.hessian;
    writeln!(out, "f,gx,gy,hxx,hxy,hyy")?;
    let row = [d.value, d.gradient[0], d.gradient[1], hxx, hxy, hyy].map(num);
    writeln!(out, "{}", row.join(","))?;
    Ok(())
}

/// `gradscape tune`: every optimizer at its best learning rate from one start.
pub fn tune(args: &TuneArgs, out: &mut dyn Write) -> Result<()> {
    let land = match &args.scene {
        Some(name) => args.landscape.plane_scene(name)?.landscape,
        None => args.landscape.resolve()?,
    };
    let start = match &args.start {
        Some(s) => parse_point(s).context("bad --start")?,
        None => land.default_start(),
    };
    let kinds = if args.optimizer.is_empty() {
        Kind::ALL.to_vec()
    } else {
        args.optimizer.clone()
    };
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["optimizer", "lr", "loss", "steps", "status"])?;
    for t in crate::core::tune::tune_all(&land, &kinds, start, args.steps) {
        csv.write_record([
            t.kind.name().to_string(),
            num(t.hyper.lr),
            num(t.loss),
            t.steps.to_string(),
            t.status.to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}

pub fn scenes_list(out: &mut dyn Write) -> Result<()> {
    for (name, text) in crate::core::scene::SHIPPED {
        let loaded = crate::core::scene::parse(text).map_err(|e| anyhow!("{name}: {e}"))?;
        let beats = loaded.scene.timeline.len();
        let lesson = if beats > 0 {
            format!("  [lesson, {beats} beats]")
        } else {
            String::new()
        };
        writeln!(out, "{name:<18} {}{lesson}", loaded.scene.name)?;
    }
    Ok(())
}

/// Entry point shared by the binary: exit code 2 for any bad input, with the reason on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let result = match &cli.command {
        Some(Command::Trace(args)) => {
            trace(args, &mut stdout.lock()).and_then(|status| Ok(say(&status)?))
        }
        Some(Command::Critical { landscape }) => critical_csv(landscape, &mut stdout.lock()),
        Some(Command::Race(args)) => race(args, &mut stdout.lock()),
        Some(Command::Presets) => presets_csv(&mut stdout.lock()),
        Some(Command::Scenes) => scenes_list(&mut stdout.lock()),
        Some(Command::Datasets) => datasets_csv(&mut stdout.lock()),
        Some(Command::Eval(args)) => eval(args, &mut stdout.lock()),
        Some(Command::Tune(args)) => tune(args, &mut stdout.lock()),
        Some(Command::Basins(args)) => atlas::basins(args, &mut stdout.lock()),
        Some(Command::Sweep(args)) => atlas::sweep(args, &mut stdout.lock()),
        Some(Command::ExportTorch { scene }) => export_torch(scene, &mut stdout.lock()),
        Some(Command::Slice(args)) => slice::slice(args, &mut stdout.lock()),
        Some(Command::Train(args)) => {
            train::train(args, &mut stdout.lock()).and_then(|status| Ok(say(&status)?))
        }
        Some(Command::Render(args)) => render(args),
        None => open_app(&cli),
    };
    // What is still buffered for standard output, written now so a failure is reported.
    let result = result.and_then(|()| Ok(std::io::stdout().flush()?));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`gradscape trace … | head`): stop quietly, as Unix tools do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // Where standard error cannot be written either, the exit code says it alone.
            let _unwritable = say(&format!("gradscape: {e:#}")).is_err();
            ExitCode::from(2)
        }
    }
}

/// A line on standard error, control characters escaped (a message may quote a file); an
/// error where it cannot be written (`2>/dev/full`), never a panic as `eprintln!` would.
pub fn say(text: &str) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(err, "{}", crate::core::escape::terminal(text))?;
    err.flush()
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(feature = "app")]
fn open_app(cli: &Cli) -> Result<()> {
    // Resolve first: a bad formula, preset or scene exits with a message, not a broken window.
    let mut scene = match &cli.scene {
        Some(s) => Some(cli.landscape.scene(s)?),
        None => None,
    };
    // Flags given with a scene change what the scene opens with.
    if let Some(l) = scene.as_mut() {
        l.scene.look.top_down |= cli.top_down;
        l.scene.look.arrows |= cli.arrows;
        if let Some(which) = cli.race {
            l.racers = crate::core::race::opening(&l.landscape, Some(which));
        }
    }
    let land = match &scene {
        Some(l) => l.landscape.clone(),
        None => cli.landscape.resolve()?,
    };
    let capture = match &cli.capture {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Some(crate::app::CaptureRequest {
                dir: dir.clone(),
                frames: cli.capture_frames.clone(),
                steps_per_frame: cli.steps_per_frame,
            })
        }
        None => None,
    };
    crate::app::run(crate::app::Launch {
        landscape: land,
        capture,
        race: cli.race,
        arrows: cli.arrows,
        size: cli.size,
        ui_scale: cli.ui_scale,
        present: cli.present,
        top_down: cli.top_down,
        scene,
    });
    Ok(())
}

#[cfg(not(feature = "app"))]
fn open_app(cli: &Cli) -> Result<()> {
    // Same order as with the app: a bad landscape or scene is reported first.
    if let Some(s) = &cli.scene {
        cli.landscape.scene(s)?;
        bail!("this build has no app (built without the `app` feature); try `gradscape --help`")
    }
    cli.landscape.resolve()?;
    bail!("this build has no app (built without the `app` feature); try `gradscape --help`")
}
