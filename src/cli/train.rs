//! `gradscape train`: a network learns from a dataset by backpropagation, every optimizer on
//! its parameters; CSV step,loss,accuracy,grad_norm,evals,sharpness,batch_loss, the
//! parameters saved and loaded as torch's `nn.Linear` state.

use super::{HyperArgs, num};
use crate::core::data::Dataset;
use crate::core::escape::quote;
use crate::core::landscape::DataSource;
use crate::core::net::{self, Net, ParamFile, Rows, Training, classes};
use crate::core::optim::Kind;
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Most steps one run takes.
pub const MAX_STEPS: u64 = 1_000_000;
/// Largest parameter file read (100,000 parameters take about 2.5 MB).
pub const MAX_FILE: u64 = 16 << 20;

/// The network and the rows it learns from: what `train` and `slice` share.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct NetArgs {
    /// A built-in dataset (moons, circles, spirals, xor, gaussians: see `gradscape datasets`)
    /// or a CSV file (its loss by default: bce for 0/1 targets, ce for classes 0..K−1, mse
    /// otherwise).
    #[arg(long)]
    pub data: String,
    /// The CSV's input columns, comma-separated (default: every column but the target).
    #[arg(long, value_delimiter = ',')]
    pub features: Vec<String>,
    /// The CSV's target column (default: its last): classes 0..K−1 for bce and ce, real
    /// values for mse.
    #[arg(long)]
    pub target: Option<String>,
    /// The seed a built-in dataset is generated from.
    #[arg(long = "data-seed", default_value_t = 0)]
    pub data_seed: u64,
    /// The noise of a built-in dataset (standard deviation, 0 to 10).
    #[arg(long = "data-noise", default_value_t = 0.1)]
    pub data_noise: f64,
    /// Layer widths from inputs to outputs, e.g. 2-16-16-1 (default: the data's features, two
    /// hidden layers of 16, and the loss's outputs); at most 100000 parameters.
    #[arg(long)]
    pub net: Option<String>,
    /// The hidden layers' activation: tanh, relu, sigmoid or linear.
    #[arg(long, default_value = "tanh")]
    pub activation: String,
    /// bce, ce or mse (default: the built-in's; bce for a CSV).
    #[arg(long)]
    pub loss: Option<String>,
    /// The seed of the initial parameters (torch's nn.Linear initialisation).
    #[arg(long = "init-seed", default_value_t = 0)]
    pub init_seed: u64,
}

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    #[command(flatten)]
    pub net: NetArgs,
    /// The optimizer (its torch-style name; every kind: newton for at most 1000 parameters).
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: Kind,
    /// Start from this parameter file instead (JSON, as --save writes it).
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// Write the final parameters to this file (JSON: torch's nn.Linear state per layer).
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Also the sharpness (λ_max of the Hessian of the loss over every row) every K steps,
    /// by Lanczos on exact Hessian-vector products (to 1e-11 of the spectrum's scale).
    #[arg(long = "sharpness-every", value_parser = clap::value_parser!(u64).range(1..))]
    pub sharpness_every: Option<u64>,
    /// Save the parameters every K steps (from step 0) into --save-trajectory.
    #[arg(long = "save-every", value_parser = clap::value_parser!(u64).range(1..), requires = "save_trajectory")]
    pub save_every: Option<u64>,
    /// The trajectory file: CSV step,theta (θ's numbers space-separated), what `slice
    /// --directions pca --trajectory FILE` reads.
    #[arg(long = "save-trajectory", requires = "save_every")]
    pub save_trajectory: Option<PathBuf>,
    /// Steps (1 to 1000000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=MAX_STEPS))]
    pub steps: u64,
    #[command(flatten)]
    pub hyper: HyperArgs,
}

/// `gradscape train`; returns the status line for standard error.
pub fn train(args: &TrainArgs, out: &mut dyn Write) -> Result<String> {
    let (net, rows) = args.net.resolve()?;
    let theta = match &args.init {
        Some(path) => net.from_file(&read_params(path)?)?,
        None => net.init(args.net.init_seed),
    };
    let hyper = args.hyper.hyper(args.optimizer)?;
    let mut training = Training::new(net, rows, theta, args.optimizer, hyper)?;
    writeln!(
        out,
        "step,loss,accuracy,grad_norm,evals,sharpness,batch_loss"
    )?;
    let every = args.sharpness_every;
    let row = |t: &mut Training, step: u64, seen: Option<f64>, out: &mut dyn Write| {
        let s = t.standing();
        let accuracy = s.accuracy.map(num).unwrap_or_default();
        let sharpness = every
            .filter(|k| step.is_multiple_of(*k))
            .and_then(|_| t.sharpness())
            .map(num)
            .unwrap_or_default();
        let seen = seen.map(num).unwrap_or_default();
        writeln!(
            out,
            "{step},{},{accuracy},{},{},{sharpness},{seen}",
            num(s.loss),
            num(s.grad_norm),
            t.evals
        )?;
        Ok::<_, std::io::Error>(s)
    };
    let mut trajectory = Trajectory::open(args)?;
    trajectory.keep(0, &training.theta)?;
    let mut last = row(&mut training, 0, None, out)?;
    let mut taken = 0;
    while taken < args.steps {
        let seen = training.step();
        taken += 1;
        trajectory.keep(taken, &training.theta)?;
        last = row(&mut training, taken, Some(seen), out)?;
        if !(last.loss.is_finite() && training.theta.iter().all(|v| v.is_finite())) {
            break;
        }
    }
    if let Some(path) = &args.save {
        let text = serde_json::to_string(&training.net.to_file(&training.theta))?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let status = if last.loss.is_finite() {
        "step limit"
    } else {
        "diverged: the loss is not finite"
    };
    let accuracy = last
        .accuracy
        .map_or(String::new(), |a| format!(", accuracy {}", num(a)));
    Ok(format!(
        "{status} after {taken} steps: loss {}{accuracy}",
        num(last.loss)
    ))
}

/// Where `--save-every` keeps the parameters.
struct Trajectory {
    every: u64,
    file: Option<std::io::BufWriter<std::fs::File>>,
    path: PathBuf,
}

impl Trajectory {
    fn open(args: &TrainArgs) -> Result<Trajectory> {
        let (Some(every), Some(path)) = (args.save_every, &args.save_trajectory) else {
            return Ok(Trajectory {
                every: 0,
                file: None,
                path: PathBuf::new(),
            });
        };
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut file = std::io::BufWriter::new(file);
        writeln!(file, "step,theta")?;
        Ok(Trajectory {
            every,
            file: Some(file),
            path: path.clone(),
        })
    }

    fn keep(&mut self, step: u64, theta: &[f64]) -> Result<()> {
        let Some(file) = self
            .file
            .as_mut()
            .filter(|_| step.is_multiple_of(self.every))
        else {
            return Ok(());
        };
        let numbers: Vec<String> = theta.iter().map(|v| num(*v)).collect();
        writeln!(file, "{step},{}", numbers.join(" "))
            .and_then(|()| file.flush())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

impl NetArgs {
    /// The network and its rows, checked against each other.
    pub fn resolve(&self) -> Result<(Net, Rows)> {
        let (rows, default_loss) = rows(self)?;
        let loss: net::Loss = match &self.loss {
            Some(l) => l.parse()?,
            None => default_loss,
        };
        let outputs = match loss {
            net::Loss::Ce => net::columns::classes_in(&rows.y),
            _ => 1,
        };
        let widths = match &self.net {
            Some(text) => net::widths(text)?,
            None => vec![rows.features, 16, 16, outputs],
        };
        let net = Net::new(widths, self.activation.parse()?, loss)?;
        net.check(&rows)?;
        Ok((net, rows))
    }
}

/// The rows to learn from, and the loss a built-in is learnt with.
fn rows(args: &NetArgs) -> Result<(Rows, net::Loss)> {
    if let Some(builtin) = classes::find(&args.data) {
        if !args.features.is_empty() || args.target.is_some() {
            bail!(
                "--features and --target name a CSV's columns; {} is built in",
                builtin.name
            );
        }
        let noise = args.data_noise;
        if !(noise.is_finite() && (0.0..=10.0).contains(&noise)) {
            bail!("--data-noise must be 0 to 10, got {noise}");
        }
        return Ok((builtin.generate(args.data_seed, noise), builtin.loss));
    }
    // A name or a path, told apart as for data landscapes.
    let DataSource::Csv(path) = DataSource::parse(&args.data, 0) else {
        bail!(
            "unknown dataset {}: use a CSV file's path or one of {}",
            quote(&args.data),
            classes::names()
        );
    };
    let data = Dataset::read(&path)?;
    let rows = net::columns::rows_of(&data, &args.features, args.target.as_deref())?;
    let loss = net::columns::loss_for(&rows.y);
    Ok((rows, loss))
}

/// A parameter file, read up to [`MAX_FILE`] bytes.
pub fn read_params(path: &Path) -> Result<ParamFile> {
    read_json(path, "a parameter file")
}

/// A JSON file of ours, read up to [`MAX_FILE`] bytes, its errors with line and column.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {shown}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {shown}"))?;
    if bytes.len() as u64 > MAX_FILE {
        bail!("{shown}: {what} has at most {MAX_FILE} bytes");
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow!(
            "{shown}:{}:{}: not {what}: {}",
            e.line(),
            e.column(),
            crate::core::escape::shown(&e.to_string())
        )
    })
}
