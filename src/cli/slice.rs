//! `gradscape slice`: a network's loss on a plane through its parameter space,
//! θ + α·δ + β·η, as CSV alpha,beta,loss or as a PNG; the directions random and
//! filter-normalised, a trajectory's principal components, or read from a file.

use super::num;
use super::train::{MAX_FILE, NetArgs, read_json, read_params};
use crate::core::colormap::Colormap;
use crate::core::net::plane::{Plane, principal_directions};
use crate::core::net::{LayerFile, Net};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Most grid points a slice computes (a 512² image).
pub const MAX_GRID: u64 = 512;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct SliceArgs {
    #[command(flatten)]
    pub net: NetArgs,
    /// The parameters at the plane's centre (a file as `train --save` writes it; default:
    /// the network as --init-seed starts it).
    #[arg(long)]
    pub params: Option<PathBuf>,
    /// random (two filter-normalised Gaussian directions from --seed), pca (the first two
    /// principal components of --trajectory) or a directions file (JSON, as --directions-out
    /// writes it).
    #[arg(long, default_value = "random")]
    pub directions: String,
    /// The seed of random directions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// A trajectory, as `train --save-every K --save-trajectory FILE` writes it.
    #[arg(long)]
    pub trajectory: Option<PathBuf>,
    /// α and β run from −span to +span.
    #[arg(long, default_value_t = 1.0)]
    pub span: f64,
    /// Values of α and of β, both ends included (2 to 512; G² rows).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(2..=MAX_GRID))]
    pub grid: u64,
    /// FILE.csv or FILE.png (the loss coloured on a log scale, α across, β up); without it,
    /// CSV on standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the directions used, to slice the same plane again.
    #[arg(long = "directions-out")]
    pub directions_out: Option<PathBuf>,
}

/// Two directions, each laid out as a parameter file's layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionsFile {
    pub directions: Vec<DirectionFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectionFile {
    pub layers: Vec<LayerFile>,
}

/// `gradscape slice`.
pub fn slice(args: &SliceArgs, out: &mut dyn Write) -> Result<()> {
    if !(args.span.is_finite() && args.span > 0.0) {
        bail!("--span must be a number > 0, got {}", args.span);
    }
    let (net, rows) = args.net.resolve()?;
    let theta = match &args.params {
        Some(path) => net.from_file(&read_params(path)?)?,
        None => net.init(args.net.init_seed),
    };
    let plane = plane(args, &net, theta)?;
    if let Some(path) = &args.directions_out {
        let file = DirectionsFile {
            directions: plane
                .directions
                .iter()
                .map(|d| DirectionFile {
                    layers: net.to_file(d).layers,
                })
                .collect(),
        };
        std::fs::write(path, serde_json::to_string(&file)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let grid = args.grid as usize;
    // A bar on a terminal's standard error (none when it is not a terminal); Ctrl-C ends the
    // command with nothing written, as any long command line tool.
    let progress = indicatif::ProgressBar::new((grid * grid) as u64).with_style(
        indicatif::ProgressStyle::with_template("slice {bar:40} {pos}/{len} points, {eta} left")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let points = net.slice(&rows, &plane, args.span, grid, &|| progress.inc(1));
    progress.finish_and_clear();
    match &args.out {
        Some(path) if has_extension(path, "png") => write_png(path, grid, &points),
        Some(path) if has_extension(path, "csv") => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            write_csv(&points, &mut std::io::BufWriter::new(file))
                .with_context(|| format!("cannot write {}", path.display()))
        }
        Some(path) => bail!(
            "--out must name a .csv or .png file, got {}",
            path.display()
        ),
        None => write_csv(&points, out),
    }
}

/// The plane the arguments ask for, through θ.
fn plane(args: &SliceArgs, net: &Net, theta: Vec<f64>) -> Result<Plane> {
    let directions = match args.directions.as_str() {
        "random" => return Ok(net.random_plane(&theta, args.seed)),
        "pca" => {
            let Some(path) = &args.trajectory else {
                bail!(
                    "--directions pca needs --trajectory FILE (train --save-every K --save-trajectory FILE)"
                );
            };
            let points = read_trajectory(path, theta.len())?;
            principal_directions(&points).ok_or_else(|| {
                anyhow!("{}: the trajectory does not spread in two directions (it needs 3 or more different points)", path.display())
            })?
        }
        file => {
            let read: DirectionsFile = read_json(Path::new(file), "a directions file")?;
            let [first, second] = <[DirectionFile; 2]>::try_from(read.directions).map_err(|d| {
                anyhow!(
                    "{file}: a directions file holds two directions, not {}",
                    d.len()
                )
            })?;
            let as_params = |d: DirectionFile| crate::core::net::ParamFile {
                net: net.text(),
                activation: net.activation.name().to_string(),
                layers: d.layers,
            };
            [
                net.from_file(&as_params(first))?,
                net.from_file(&as_params(second))?,
            ]
        }
    };
    Ok(Plane {
        origin: theta,
        directions,
    })
}

/// A trajectory file's parameter vectors, each of `n` numbers, read up to [`MAX_FILE`] bytes.
fn read_trajectory(path: &Path, n: usize) -> Result<Vec<Vec<f64>>> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
    let reader = std::io::BufReader::new(file.take(MAX_FILE));
    let mut points = Vec::new();
    for (i, line) in reader.lines().enumerate().skip(1) {
        let line = line.with_context(|| format!("cannot read {shown}"))?;
        let numbers = line.split_once(',').map_or("", |(_, t)| t);
        let point: Vec<f64> = numbers
            .split(' ')
            .map(|v| v.parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow!("{shown}:{}: not a row step,theta of finite numbers", i + 1))?;
        if point.len() != n {
            bail!(
                "{shown}:{}: {} numbers; the network has {n} parameters",
                i + 1,
                point.len()
            );
        }
        points.push(point);
    }
    Ok(points)
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn write_csv(points: &[[f64; 3]], out: &mut dyn Write) -> Result<()> {
    writeln!(out, "alpha,beta,loss")?;
    for [a, b, loss] in points {
        writeln!(out, "{},{},{}", num(*a), num(*b), num(*loss))?;
    }
    out.flush()?;
    Ok(())
}

/// The loss coloured by its logarithm between the slice's least and greatest (viridis), α
/// across and β up; encoded in memory, then written, so a full disk is reported.
fn write_png(path: &Path, grid: usize, points: &[[f64; 3]]) -> Result<()> {
    let logs: Vec<f64> = points.iter().map(|p| p[2].max(1e-300).ln()).collect();
    let finite = logs.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    let side = grid as u32;
    let image = image::RgbImage::from_fn(side, side, |x, y| {
        // Rows of the grid are α, columns β; the image's top row is β's largest.
        let k = x as usize * grid + (grid - 1 - y as usize);
        let t = (logs[k] - lo) / (hi - lo).max(1e-300);
        image::Rgb(
            Colormap::Viridis
                .srgb(t, 0.5)
                .map(|c| (c * 255.0).round() as u8),
        )
    });
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png)?;
    std::fs::write(path, png.into_inner())
        .with_context(|| format!("cannot write {}", path.display()))
}
