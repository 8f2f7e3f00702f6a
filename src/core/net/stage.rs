//! A network as a landscape the app draws: its rows, its one shared initialisation, and a
//! plane through its parameter space (fitted to where the race goes, or random), with the
//! projection that puts a racer's parameters on that plane and the distance it lies off it.

use super::plane::{Plane, principal_directions};
use super::{Activation, Loss, Net, NetError, Rows, Training, classes, columns};
use crate::core::data::Dataset;
use crate::core::optim::{Hyper, Kind};
use crate::core::surface::Domain;
use serde::{Deserialize, Serialize};

/// How the plane through parameter space is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PlaneKind {
    /// The first two principal components of the racers' paths on a pilot run of the race
    /// (deterministic, so the race retraces it), through the initialisation: the whole
    /// journey lies on screen.
    #[default]
    Trajectories,
    /// Two filter-normalised Gaussian directions from a seed (Li et al. 2018) through the
    /// initialisation.
    Random(u64),
    /// The plane through the initialisation and where the first two racers end the pilot
    /// run: two optimizers reaching two minima, both exactly on the surface there.
    Ends,
    /// Two filter-normalised Gaussian directions from a seed through where the first racer
    /// ends the pilot run: the landscape around the point it reached, as Li et al. (2018)
    /// look around a trained network (the pilot's length is the racer's step).
    Around(u64),
}

/// A network landscape as a scene or the panel states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// A built-in dataset (moons, circles, spirals, xor or gaussians), or a CSV file's path
    /// (anything with a '.', '/' or '\\', as for data landscapes).
    pub data: String,
    /// A CSV's columns the network reads (none: every column but the target).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// A CSV's column the network learns to predict (none: its last column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default)]
    pub data_seed: u64,
    /// The dataset's noise (standard deviation, 0 to 10).
    #[serde(default = "default_noise")]
    pub noise: f64,
    /// The hidden layers' widths, e.g. "16-16" (inputs and outputs follow from the data and
    /// the loss); "" for none.
    #[serde(default = "default_hidden")]
    pub hidden: String,
    #[serde(default = "default_activation")]
    pub activation: String,
    /// bce, ce or mse (default: the dataset's).
    #[serde(default)]
    pub loss: Option<String>,
    /// The seed every racer's parameters start from (torch's nn.Linear initialisation).
    #[serde(default)]
    pub init_seed: u64,
    #[serde(default)]
    pub plane: PlaneKind,
    /// Steps of the pilot run the trajectories plane is fitted on.
    #[serde(default = "default_pilot")]
    pub pilot: u64,
}

fn default_noise() -> f64 {
    0.1
}

fn default_hidden() -> String {
    "16-16".into()
}

fn default_activation() -> String {
    "tanh".into()
}

fn default_pilot() -> u64 {
    300
}

/// The longest pilot run (a few seconds of five racers on a small network).
pub const MAX_PILOT: u64 = 5_000;

/// The most rows a network landscape learns: the surface's every point reads every row.
pub const MAX_ROWS: usize = 10_000;

/// The most work a pilot may take, in rows through parameters (steps × racers × rows ×
/// parameters): about 2 s here, since the app waits for it (2·10⁹ a second measured).
pub const MAX_PILOT_WORK: f64 = 4e9;

impl NetworkSpec {
    /// A built-in dataset with every other setting at its default.
    pub fn of(data: &str) -> NetworkSpec {
        NetworkSpec {
            data: data.into(),
            features: Vec::new(),
            target: None,
            data_seed: 0,
            noise: default_noise(),
            hidden: default_hidden(),
            activation: default_activation(),
            loss: None,
            init_seed: 0,
            plane: PlaneKind::default(),
            pilot: default_pilot(),
        }
    }

    /// The data as a person names it: the built-in's name, or the CSV's file name.
    pub fn data_name(&self) -> &str {
        let path = std::path::Path::new(&self.data);
        match classes::find(&self.data) {
            Some(_) => &self.data,
            None => path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(&self.data),
        }
    }

    /// The network and its rows, checked against each other.
    pub fn resolve(&self) -> Result<(Net, Rows), StageError> {
        if self.pilot > MAX_PILOT {
            return Err(StageError::Pilot(self.pilot));
        }
        let (rows, data_loss, classes) = self.rows()?;
        let loss: Loss = match &self.loss {
            Some(l) => l.parse()?,
            None => data_loss,
        };
        let outputs = if loss == Loss::Ce { classes } else { 1 };
        let hidden = self.hidden.trim();
        let text = match hidden {
            "" => format!("{}-{outputs}", rows.features),
            h => format!("{}-{h}-{outputs}", rows.features),
        };
        let activation: Activation = self.activation.parse()?;
        let net = Net::new(super::widths(&text)?, activation, loss)?;
        net.check(&rows)?;
        Ok((net, rows))
    }

    /// The rows, the loss they are learnt with by default and their classes: a built-in
    /// generated from its seed and noise, or a CSV's columns.
    fn rows(&self) -> Result<(Rows, Loss, usize), StageError> {
        use crate::core::landscape::DataSource;
        if let DataSource::Csv(path) = DataSource::parse(&self.data, self.data_seed) {
            let data = Dataset::read(&path)?;
            let rows = columns::rows_of(&data, &self.features, self.target.as_deref())?;
            if rows.len() > MAX_ROWS {
                return Err(StageError::Rows(rows.len()));
            }
            let (loss, classes) = (columns::loss_for(&rows.y), columns::classes_in(&rows.y));
            return Ok((rows, loss, classes));
        }
        let builtin = classes::find(&self.data)
            .ok_or_else(|| StageError::Dataset(crate::core::escape::quote(&self.data)))?;
        if !self.features.is_empty() || self.target.is_some() {
            return Err(StageError::Columns(builtin.name));
        }
        if !(self.noise.is_finite() && (0.0..=10.0).contains(&self.noise)) {
            return Err(StageError::Noise(self.noise));
        }
        let rows = builtin.generate(self.data_seed, self.noise);
        Ok((rows, builtin.loss, builtin.classes))
    }
}

/// Why a network landscape could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StageError {
    #[error("unknown dataset {0}: a network landscape learns a CSV file (its path) or one of {names}", names = classes::names())]
    Dataset(String),
    #[error("features and target name a CSV's columns; {0} is built in")]
    Columns(&'static str),
    #[error(transparent)]
    Data(#[from] crate::core::data::DataError),
    #[error(transparent)]
    CsvColumns(#[from] columns::ColumnsError),
    #[error(
        "a network landscape learns at most {MAX_ROWS} rows (the surface reads every row at every point), the file has {0}"
    )]
    Rows(usize),
    #[error("noise must be 0 to 10, got {0}")]
    Noise(f64),
    #[error("pilot must be at most {MAX_PILOT} steps, got {0}")]
    Pilot(u64),
    #[error(
        "a pilot of {steps} steps of {racers} racers on {params} parameters and {rows} rows is too long to wait for: at most {most} steps here (or the random plane, which needs none)"
    )]
    PilotWork {
        steps: u64,
        racers: usize,
        params: usize,
        rows: usize,
        most: u64,
    },
    #[error(transparent)]
    Net(#[from] NetError),
}

/// A network landscape: what every racer learns from, where each starts, and the plane the
/// surface is drawn on.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub spec: NetworkSpec,
    pub net: Net,
    pub rows: Rows,
    /// Every racer's starting parameters.
    pub init: Vec<f64>,
    pub plane: Plane,
    /// The square of (α, β) the surface covers.
    pub domain: Domain,
    /// (DᵀD)⁻¹ for D = [δ η]: the projection's normal equations, solved once.
    inverse_gram: [[f64; 2]; 2],
    /// The race (each optimizer and its hyperparameters) the pilot ran to fit the plane.
    pub fitted_on: Vec<(Kind, Hyper)>,
}

/// Where a point of parameter space lies as the plane sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    /// The plane's coordinates of the nearest point of the plane.
    pub at: [f64; 2],
    /// ‖θ − that point‖: how far θ lies off the plane.
    pub off: f64,
}

/// Parameter vectors kept from each racer on a pilot run (the start and about 100 more).
const KEPT: u64 = 100;

impl Stage {
    /// The network of `spec`, its plane fitted on a pilot run of `racers` (each optimizer
    /// and its hyperparameters) when the spec asks for the trajectories' plane. A pilot that
    /// does not spread in two directions (one racer going straight) falls back to the random
    /// plane of seed 0.
    pub fn new(spec: &NetworkSpec, racers: &[(Kind, Hyper)]) -> Result<Stage, StageError> {
        let (net, rows) = spec.resolve()?;
        let init = net.init(spec.init_seed);
        let paths = match spec.plane {
            PlaneKind::Random(_) => Vec::new(),
            _ => {
                let per_step = (racers.len() * rows.len() * net.parameters()) as f64;
                if spec.pilot as f64 * per_step > MAX_PILOT_WORK {
                    return Err(StageError::PilotWork {
                        steps: spec.pilot,
                        racers: racers.len(),
                        params: net.parameters(),
                        rows: rows.len(),
                        most: (MAX_PILOT_WORK / per_step) as u64,
                    });
                }
                pilot(&net, &rows, &init, racers, spec.pilot)?
            }
        };
        let directions = match spec.plane {
            PlaneKind::Random(_) | PlaneKind::Around(_) => None,
            PlaneKind::Ends => {
                ends(&paths, &init).or_else(|| principal_directions(&paths.concat()))
            }
            PlaneKind::Trajectories => principal_directions(&paths.concat()),
        };
        let plane = match (spec.plane, directions) {
            (PlaneKind::Random(seed), _) => net.random_plane(&init, seed),
            (PlaneKind::Around(seed), _) => {
                let end = paths.first().and_then(|p| p.last()).unwrap_or(&init);
                net.random_plane(end, seed)
            }
            (_, Some(directions)) => Plane {
                origin: init.clone(),
                directions,
            },
            (_, None) => net.random_plane(&init, 0),
        };
        let inverse_gram = inverse_gram(&plane).ok_or(StageError::Net(NetError::Malformed(
            "a plane whose directions are parallel".into(),
        )))?;
        let mut stage = Stage {
            spec: spec.clone(),
            net,
            rows,
            init,
            plane,
            domain: Domain::new(-1.0, 1.0, -1.0, 1.0),
            inverse_gram,
            fitted_on: racers.to_vec(),
        };
        stage.domain = stage.square_around(&paths.concat());
        if let PlaneKind::Around(_) = spec.plane {
            // The directions are as long as the weights: ±1 is the neighbourhood to see.
            let d = &mut stage.domain;
            (d.x[0], d.y[0]) = (d.x[0].min(-1.0), d.y[0].min(-1.0));
            (d.x[1], d.y[1]) = (d.x[1].max(1.0), d.y[1].max(1.0));
        }
        Ok(stage)
    }

    /// Whether the plane was fitted on another race than `racers` (a random plane follows
    /// no race): their journey may leave it.
    pub fn fitted_on_another(&self, racers: &[(Kind, Hyper)]) -> bool {
        !matches!(self.spec.plane, PlaneKind::Random(_)) && self.fitted_on != racers
    }

    /// The least-squares projection of θ onto the plane: (α, β) solving DᵀD·(α, β) =
    /// Dᵀ(θ − origin), and the distance left over.
    pub fn project(&self, theta: &[f64]) -> Projection {
        let [d, e] = &self.plane.directions;
        let (mut bd, mut be) = (0.0, 0.0);
        for ((t, o), (d, e)) in theta.iter().zip(&self.plane.origin).zip(d.iter().zip(e)) {
            let v = t - o;
            bd += d * v;
            be += e * v;
        }
        let g = &self.inverse_gram;
        let at = [g[0][0] * bd + g[0][1] * be, g[1][0] * bd + g[1][1] * be];
        let mut off = 0.0;
        for (i, t) in theta.iter().enumerate() {
            let r = t - (self.plane.origin[i] + at[0] * d[i] + at[1] * e[i]);
            off += r * r;
        }
        Projection {
            at,
            off: off.sqrt(),
        }
    }

    /// A square of (α, β) holding every pilot point with a margin (α and β at one scale, so
    /// the plane's distances are not stretched); ±1 around the origin without a pilot.
    fn square_around(&self, paths: &[Vec<f64>]) -> Domain {
        let (mut lo, mut hi) = ([0.0f64; 2], [0.0f64; 2]);
        for p in paths {
            let at = self.project(p).at;
            if at.iter().all(|v| v.is_finite()) {
                for k in 0..2 {
                    lo[k] = lo[k].min(at[k]);
                    hi[k] = hi[k].max(at[k]);
                }
            }
        }
        let side = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        let half = if side > 1e-9 { 0.65 * side } else { 1.0 };
        let centre = [0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])];
        Domain::new(
            centre[0] - half,
            centre[0] + half,
            centre[1] - half,
            centre[1] + half,
        )
    }
}

/// (DᵀD)⁻¹ of the plane's two directions; None when they are parallel.
fn inverse_gram(plane: &Plane) -> Option<[[f64; 2]; 2]> {
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let [d, e] = &plane.directions;
    let (a, b, c) = (dot(d, d), dot(d, e), dot(e, e));
    let det = a * c - b * b;
    (det > 1e-12 * a * c && det.is_finite()).then(|| [[c / det, -b / det], [-b / det, a / det]])
}

/// The directions from `init` to where the first two paths end; None with fewer than two
/// paths or ends that do not span a plane with the start.
fn ends(paths: &[Vec<Vec<f64>>], init: &[f64]) -> Option<[Vec<f64>; 2]> {
    let from = |k: usize| -> Option<Vec<f64>> {
        let end = paths.get(k)?.last()?;
        Some(end.iter().zip(init).map(|(e, o)| e - o).collect())
    };
    let directions = [from(0)?, from(1)?];
    let plane = Plane {
        origin: init.to_vec(),
        directions,
    };
    inverse_gram(&plane).map(|_| plane.directions)
}

/// Each racer's parameters every `steps / KEPT` steps of a run from `init` (the start and
/// the last step included), up to its first non-finite point.
fn pilot(
    net: &Net,
    rows: &Rows,
    init: &[f64],
    racers: &[(Kind, Hyper)],
    steps: u64,
) -> Result<Vec<Vec<Vec<f64>>>, NetError> {
    let every = (steps / KEPT).max(1);
    let mut paths = Vec::new();
    for (kind, hyper) in racers {
        let mut kept = Vec::new();
        let mut t = Training::new(
            net.clone(),
            rows.clone(),
            init.to_vec(),
            *kind,
            hyper.clone(),
        )?;
        kept.push(t.theta.clone());
        for step in 1..=steps {
            t.step();
            if !t.theta.iter().all(|v| v.is_finite()) {
                break;
            }
            if step % every == 0 || step == steps {
                kept.push(t.theta.clone());
            }
        }
        paths.push(kept);
    }
    Ok(paths)
}

impl Stage {
    /// f(α, β) = L(origin + α·δ + β·η) over every row, and by `order` (0, 1 or 2) its
    /// exact derivatives along the plane: [f, f_α, f_β, f_αα, f_αβ, f_ββ] (backpropagation
    /// for ∇L·δ and ∇L·η; Hessian-vector products for δᵀHδ, ηᵀHδ and ηᵀHη). Entries not
    /// asked for are NaN.
    pub fn on_plane(&self, p: [f64; 2], order: u8) -> [f64; 6] {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let mut theta = vec![0.0; self.init.len()];
        self.plane.point(p[0], p[1], &mut theta);
        let mut work = self.net.work();
        let mut out = [f64::NAN; 6];
        if order == 0 {
            out[0] = self.net.loss(&theta, &self.rows, None, &mut work).0;
            return out;
        }
        let [d, e] = &self.plane.directions;
        let mut g = vec![0.0; theta.len()];
        out[0] = self
            .net
            .gradient(&theta, &self.rows, None, &mut g, &mut work);
        out[1] = dot(&g, d);
        out[2] = dot(&g, e);
        if order >= 2 {
            let mut curvature = self.net.curvature_work();
            let mut hv = vec![0.0; theta.len()];
            let mut c = self.net.curvature(&theta, &self.rows, None, &mut curvature);
            c.product(d, &mut hv);
            out[3] = dot(d, &hv);
            out[4] = dot(e, &hv);
            c.product(e, &mut hv);
            out[5] = dot(e, &hv);
        }
        out
    }
}

/// One network racer: its training, and where it stands after its last step (over every
/// row) and on the plane.
#[derive(Debug, Clone)]
pub struct Learner {
    pub training: Training,
    pub standing: super::Standing,
    pub at: Projection,
    /// ∇L·δ and ∇L·η at its parameters: the slope under the ball, along the plane.
    pub along: [f64; 2],
    /// The loss its last step's mini-batch saw (None on the full batch or before a step).
    pub seen: Option<f64>,
    pub steps: u64,
    /// Its own initialisation's seed (None: the shared start).
    pub init_seed: Option<u64>,
    /// The sharpness λ_max of the loss over every row, found every [`SHARPNESS_EVERY`]
    /// steps (None between; Lanczos on exact Hessian-vector products).
    pub sharpness: Option<f64>,
}

/// Steps between a racer's sharpness readings (about 4 ms each for 2-16-16-1 on 256 rows).
pub const SHARPNESS_EVERY: u64 = 10;

impl Stage {
    /// A racer on this network: `kind` with `hyper` from the shared initialisation.
    pub fn learner(&self, kind: Kind, hyper: Hyper) -> Result<Learner, NetError> {
        self.learner_from(kind, hyper, None)
    }

    /// A racer from its own initialisation (torch's, from `init_seed`), or the shared one.
    pub fn learner_from(
        &self,
        kind: Kind,
        hyper: Hyper,
        init_seed: Option<u64>,
    ) -> Result<Learner, NetError> {
        let theta = init_seed.map_or_else(|| self.init.clone(), |s| self.net.init(s));
        let training = Training::new(self.net.clone(), self.rows.clone(), theta, kind, hyper)?;
        let mut learner = Learner {
            training,
            standing: super::Standing {
                loss: f64::NAN,
                accuracy: None,
                grad_norm: f64::NAN,
            },
            // Where it stands, `stand` says just below.
            at: Projection {
                at: [f64::NAN; 2],
                off: f64::NAN,
            },
            along: [f64::NAN; 2],
            seen: None,
            steps: 0,
            init_seed,
            sharpness: None,
        };
        self.stand(&mut learner);
        Ok(learner)
    }

    /// One step of `learner`, then where it stands.
    pub fn step(&self, learner: &mut Learner) {
        let seen = learner.training.step();
        learner.steps += 1;
        let batched = learner.training.batched();
        learner.seen = batched.then_some(seen);
        self.stand(learner);
    }

    fn stand(&self, learner: &mut Learner) {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        learner.standing = learner.training.standing();
        let g = learner.training.gradient();
        let [d, e] = &self.plane.directions;
        learner.along = [dot(g, d), dot(g, e)];
        learner.at = self.project(&learner.training.theta);
        learner.sharpness = learner
            .steps
            .is_multiple_of(SHARPNESS_EVERY)
            .then(|| learner.training.sharpness())
            .flatten();
    }
}

#[cfg(test)]
mod tests;

impl Stage {
    /// The loss over every row along the line from the start through `theta`,
    /// θ₀ + t·(θ − θ₀), at each t (Goodfellow et al. 2015: t = 0 the start, 1 the point).
    pub fn line(&self, theta: &[f64], ts: &[f64]) -> Vec<f64> {
        let mut work = self.net.work();
        let mut at = vec![0.0; theta.len()];
        ts.iter()
            .map(|t| {
                for ((a, o), p) in at.iter_mut().zip(&self.init).zip(theta) {
                    *a = o + t * (p - o);
                }
                self.net.loss(&at, &self.rows, None, &mut work).0
            })
            .collect()
    }
}

/// What a network says over the input plane: an n × n grid over the rows' box (with a
/// margin), row by row from the bottom; each value as [`Net::predictions`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// x from, x to, y from, y to.
    pub area: [f64; 4],
    pub n: usize,
    pub said: Vec<f64>,
}

impl Stage {
    /// The network at `theta` over its inputs' plane (two features), `n` points a side;
    /// None for data of another number of features.
    pub fn boundary(&self, theta: &[f64], n: usize, work: &mut super::Work) -> Option<Boundary> {
        if self.rows.features != 2 || n < 2 {
            return None;
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in self.rows.x.chunks_exact(2) {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let pad = |k: usize| 0.1 * (hi[k] - lo[k]).max(1e-9);
        let area = [
            lo[0] - pad(0),
            hi[0] + pad(0),
            lo[1] - pad(1),
            hi[1] + pad(1),
        ];
        let at = |k: usize, i: usize| {
            area[2 * k] + (area[2 * k + 1] - area[2 * k]) * i as f64 / (n - 1) as f64
        };
        let x = (0..n * n)
            .flat_map(|c| [at(0, c % n), at(1, c / n)])
            .collect();
        let grid = Rows {
            features: 2,
            x,
            y: vec![0.0; n * n],
        };
        let said = self.net.predictions(theta, &grid, work);
        Some(Boundary { area, n, said })
    }
}

impl Boundary {
    /// The segments where the value crosses `level` (marching squares, linear along each
    /// cell's edges), in the input plane's coordinates.
    pub fn crossings(&self, level: f64) -> Vec<[[f64; 2]; 2]> {
        let n = self.n;
        let pos = |i: f64, j: f64| {
            let [x0, x1, y0, y1] = self.area;
            let s = (n - 1) as f64;
            [x0 + (x1 - x0) * i / s, y0 + (y1 - y0) * j / s]
        };
        let v = |i: usize, j: usize| self.said[j * n + i] - level;
        let mut out = Vec::new();
        for j in 0..n - 1 {
            for i in 0..n - 1 {
                // The cell's corners in order round it, and where each edge crosses.
                let c = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)];
                let mut hits = Vec::with_capacity(4);
                for e in 0..4 {
                    let (a, b) = (c[e], c[(e + 1) % 4]);
                    let (va, vb) = (v(a.0, a.1), v(b.0, b.1));
                    if (va < 0.0) != (vb < 0.0) && va.is_finite() && vb.is_finite() {
                        let t = va / (va - vb);
                        let lerp = |p: usize, q: usize| p as f64 + t * (q as f64 - p as f64);
                        hits.push(pos(lerp(a.0, b.0), lerp(a.1, b.1)));
                    }
                }
                for pair in hits.chunks_exact(2) {
                    out.push([pair[0], pair[1]]);
                }
            }
        }
        out
    }
}
