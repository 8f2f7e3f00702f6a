//! `gradscape basins` and `gradscape sweep`: the atlas's maps as CSV (and a basin map as PNG).

use super::{HyperArgs, LandscapeArgs, Span, num, start_or_default};
use crate::core::atlas::{self, Plan};
use crate::core::landscape::Landscape;
use crate::core::optim::run::StopRules;
use crate::core::optim::{Field, Kind};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use std::io::Write;

/// Which landscape: a scene's, or one named by the landscape flags.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct Where {
    /// A scene (a file or a shipped name) whose landscape to map.
    #[arg(value_name = "SCENE", conflicts_with_all = ["preset", "formula", "domain", "data"])]
    pub scene: Option<String>,
    #[command(flatten)]
    pub landscape: LandscapeArgs,
    /// The optimizer (its torch-style name).
    #[arg(long, value_enum, default_value = "gd")]
    pub optimizer: Kind,
    /// Steps per run, at most (a run that stops earlier keeps its status).
    #[arg(long, default_value_t = 1000)]
    pub steps: u64,
    #[command(flatten)]
    pub hyper: HyperArgs,
}

impl Where {
    fn land(&self) -> Result<Landscape> {
        match &self.scene {
            Some(name) => Ok(self.landscape.plane_scene(name)?.landscape),
            None => self.landscape.resolve(),
        }
    }

    fn rules(&self, land: &Landscape) -> StopRules {
        StopRules {
            max_steps: Some(self.steps),
            ..land.stop_rules()
        }
    }
}

#[derive(Debug, Args)]
pub struct BasinsArgs {
    #[command(flatten)]
    pub at: Where,
    /// Starts per side: a G×G grid over the domain, its edges included (2 to 2048).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(2..=2048))]
    pub grid: u32,
    /// FILE.csv (x,y,end_x,end_y,steps,status,basin) or FILE.png (the map, coloured as the
    /// app colours it); without it, CSV on standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub at: Where,
    /// Start point x,y (default: the landscape's usual start).
    #[arg(long, allow_hyphen_values = true)]
    pub start: Option<String>,
    /// Learning rates swept, log-spaced over --lr A..B (1 to 10000; with --points2, at most
    /// 250000 runs in all).
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub points: u32,
    /// Values of the second hyperparameter (--momentum C..D or --beta1 C..D), evenly spaced
    /// (1 to 10000; at most 250000 runs in all).
    #[arg(long, default_value_t = 11, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub points2: u32,
}

/// `gradscape basins`.
pub fn basins(args: &BasinsArgs, out: &mut dyn Write) -> Result<()> {
    let land = args.at.land()?;
    let plan = Plan {
        kind: args.at.optimizer,
        hyper: args.at.hyper.hyper(args.at.optimizer)?,
        rules: args.at.rules(&land),
    };
    let points = crate::core::critical::find(&land.formula, land.domain);
    let g = args.grid as usize;
    let never = atlas::Watch::default();
    let ends = atlas::basins(&land.formula, land.domain, &points, &plan, g, &never)
        .context("the map was cancelled")?;
    match &args.out {
        Some(path) if has_extension(path, "png") => {
            let colours: Vec<[u8; 3]> = ends
                .iter()
                .map(|e| atlas::colour(e, plan.rules.max_steps.unwrap_or(1)))
                .collect();
            write_png(path, g, &colours)
        }
        Some(path) if has_extension(path, "csv") => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            basins_csv(&ends, &mut std::io::BufWriter::new(file))
        }
        Some(path) => bail!(
            "--out must name a .csv or .png file, got {}",
            path.display()
        ),
        None => basins_csv(&ends, out),
    }
}

fn has_extension(path: &std::path::Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn basins_csv(ends: &[atlas::End], out: &mut dyn Write) -> Result<()> {
    use rayon::prelude::*;
    use std::fmt::Write as _;
    writeln!(out, "x,y,end_x,end_y,steps,status,basin")?;
    // Formatting 4 floats a row is most of the time for a large map: chunks in parallel,
    // written in order.
    let chunks: Vec<String> = ends
        .par_chunks(4096)
        .map(|chunk| {
            let mut text = String::with_capacity(chunk.len() * 96);
            for e in chunk {
                let basin = e.basin.map_or(-1, |b| b as i64);
                writeln!(
                    text,
                    "{},{},{},{},{},{},{basin}",
                    num(e.start[0]),
                    num(e.start[1]),
                    num(e.end[0]),
                    num(e.end[1]),
                    e.steps,
                    e.status.label(),
                )
                .expect("writing to a String cannot fail");
            }
            text
        })
        .collect();
    for text in chunks {
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(())
}

/// The map as an image, y up: the grid's first row (y = ymin) is the image's last.
/// Encoded in memory, then written with `fs::write`, whose every failure (a full disk) is
/// reported: a buffered file writer would lose the last one when dropped.
fn write_png(path: &std::path::Path, g: usize, colours: &[[u8; 3]]) -> Result<()> {
    let side = g as u32;
    let image = image::RgbImage::from_fn(side, side, |x, y| {
        image::Rgb(colours[(g - 1 - y as usize) * g + x as usize])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png)?;
    std::fs::write(path, png.into_inner())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Most runs one sweep makes: each keeps its result, so memory grows with them.
pub const MAX_RUNS: u64 = 250_000;

/// `gradscape sweep`.
pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<()> {
    let land = args.at.land()?;
    let h = &args.at.hyper;
    let Some(Span(a, b)) = h.lr else {
        bail!("sweep needs --lr A..B, e.g. --lr 1e-3..10");
    };
    if !(a > 0.0 && b > 0.0) {
        bail!("--lr {a}..{b}: a log sweep needs learning rates > 0");
    }
    let second = match (
        h.momentum.filter(|s| s.is_range()),
        h.beta1.filter(|s| s.is_range()),
    ) {
        (Some(_), Some(_)) => bail!("sweep one second hyperparameter: --momentum or --beta1"),
        (Some(Span(c, d)), None) => Some((Field::Momentum, c, d)),
        (None, Some(Span(c, d))) => Some((Field::Beta1, c, d)),
        (None, None) => None,
    };
    let kind = args.at.optimizer;
    if let Some((field, ..)) = second
        && !kind.fields().contains(&field)
    {
        bail!(
            "{} does not read {}: a phase diagram over it would show nothing",
            kind.name(),
            field.name()
        );
    }
    let runs = u64::from(args.points) * second.map_or(1, |_| u64::from(args.points2));
    if runs > MAX_RUNS {
        bail!("--points × --points2 is {runs} runs; a sweep makes at most {MAX_RUNS}");
    }
    let plan = Plan {
        kind,
        hyper: h.with_ranges(kind)?,
        rules: args.at.rules(&land),
    };
    let start = start_or_default(args.start.as_deref(), &land)?;
    let lrs = atlas::spaced(a, b, args.points as usize, true);
    let values = second.map(|(_, c, d)| atlas::spaced(c, d, args.points2 as usize, false));
    let axis = second.zip(values.as_deref()).map(|((f, ..), v)| (f, v));
    let trials = atlas::sweep(&land.formula, &plan, start, &lrs, axis)
        .map_err(|e| anyhow!("bad hyperparameter: {e}"))?;
    let name = second
        .map(|(f, ..)| format!(",{}", f.name()))
        .unwrap_or_default();
    writeln!(out, "lr{name},final_loss,steps,status")?;
    for t in trials {
        let second = t.second.map(|v| format!(",{}", num(v))).unwrap_or_default();
        writeln!(
            out,
            "{}{second},{},{},{}",
            num(t.lr),
            num(t.loss),
            t.steps,
            t.status.label()
        )?;
    }
    out.flush()?;
    Ok(())
}
