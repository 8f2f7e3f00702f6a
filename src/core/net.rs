//! A multilayer perceptron written out by hand so that it teaches: layers of weights and
//! biases with an activation between them and a loss on the outputs; a forward pass, and a
//! backward pass (backpropagation) that gives the exact gradient of the mean loss over any
//! rows. The parameters are one flat vector θ laid out as torch lists an `nn.Sequential` of
//! `nn.Linear` layers (each layer's `weight[out][in]` row by row, then its `bias`), so a
//! network is a point in n dimensions that an optimizer moves, and
//! `torch.cat([p.flatten() for p in model.parameters()])` is the same vector.

use crate::core::data::Batches;
use crate::core::objective::Network;
use crate::core::optim::{Hyper, HyperError, Kind, VectorOptimizer};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub mod classes;
pub mod columns;
pub(crate) mod dense;
mod hessian;
pub mod plane;
pub mod stage;

pub use hessian::{Curvature, CurvatureWork, MAX_HESSIAN};

/// Rows a pass takes at once: each layer's block of sums is a matrix product.
const BLOCK: usize = 128;

/// The most parameters a network may have (a few hundred teach; this keeps a typo small).
pub const MAX_PARAMETERS: usize = 100_000;

/// What the hidden layers apply to their sums (the output layer gives its sums, the logits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Tanh,
    Relu,
    Sigmoid,
    Linear,
}

impl Activation {
    pub const ALL: [Activation; 4] = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Linear,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Linear => "linear",
        }
    }

    /// a = σ(z) for a layer's block of sums, each activation's loop on its own so it runs
    /// in SIMD lanes.
    fn apply_all(self, z: &[f64], a: &mut [f64]) {
        match self {
            Activation::Tanh => dense::tanh_all(z, a),
            // Not z.max(0.0): that would turn an undefined sum into 0 (torch's stays NaN).
            Activation::Relu => each(z, a, |z| if z < 0.0 { 0.0 } else { z }),
            Activation::Sigmoid => each(z, a, sigmoid),
            Activation::Linear => a.copy_from_slice(z),
        }
    }

    /// `values` times the slope at each sum, block-wise (see [`Activation::slope`]).
    fn scale_by_slope(self, values: &mut [f64], z: &[f64], a: &[f64]) {
        for ((v, z), a) in values.iter_mut().zip(z).zip(a) {
            *v *= self.slope(*z, *a);
        }
    }

    /// The derivative at the sum `z`, from the activation `a` where torch's backward takes it
    /// from there (tanh: 1 − a², sigmoid: a(1 − a)); ReLU's is 0 at 0, as torch's.
    fn slope(self, z: f64, a: f64) -> f64 {
        match self {
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => (1.0 - a) * a,
            Activation::Linear => 1.0,
        }
    }
}

/// The loss on the outputs, each the mean over rows as torch's (`reduction="mean"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// `BCEWithLogitsLoss`: one output, the logit of class 1; targets 0 or 1.
    Bce,
    /// `CrossEntropyLoss`: one output per class, its logit; targets 0..K−1.
    Ce,
    /// `MSELoss`: one output, a real value; targets real.
    Mse,
}

impl Loss {
    pub const ALL: [Loss; 3] = [Loss::Bce, Loss::Ce, Loss::Mse];

    pub fn name(self) -> &'static str {
        match self {
            Loss::Bce => "bce",
            Loss::Ce => "ce",
            Loss::Mse => "mse",
        }
    }

    /// Whether the targets are classes (accuracy means something).
    pub fn classifies(self) -> bool {
        self != Loss::Mse
    }
}

/// Why a network or its data were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NetError {
    #[error(
        "'{0}' is not a network's widths: write them joined by '-', e.g. 2-16-16-1 (inputs, hidden layers, outputs)"
    )]
    Malformed(String),
    #[error("'{text}': a layer of width 0 has no neurons")]
    ZeroWidth { text: String },
    #[error("a network has at most {MAX_PARAMETERS} parameters; {text} has {count}")]
    TooLarge { text: String, count: usize },
    #[error("unknown activation '{0}': choose tanh, relu, sigmoid or linear")]
    Activation(String),
    #[error("unknown loss '{0}': choose bce, ce or mse")]
    Loss(String),
    #[error("the network takes {net} inputs, but the data has {data} features")]
    Inputs { net: usize, data: usize },
    #[error("{loss} needs {want} outputs; the network has {got}")]
    Outputs {
        loss: &'static str,
        want: String,
        got: usize,
    },
    #[error("row {row}: {loss} needs a class 0 to {last}, got {value}")]
    Class {
        row: usize,
        loss: &'static str,
        last: usize,
        value: f64,
    },
    #[error("every row is class {0}: a classifier needs two classes at least")]
    OneClass(usize),
    #[error("the parameters have {got} numbers; the network {net} has {want}")]
    Parameters {
        net: String,
        want: usize,
        got: usize,
    },
    #[error(
        "newton needs the full Hessian, made for at most {MAX_HESSIAN} parameters; {net} has {count}"
    )]
    NewtonTooLarge { net: String, count: usize },
    #[error("the parameter file is for {file}; this network is {net}")]
    File { file: String, net: String },
    #[error("layer {layer}: {what} is {got}, the network {net} needs {want}")]
    Layer {
        layer: usize,
        what: &'static str,
        got: String,
        want: String,
        net: String,
    },
    #[error(transparent)]
    Optimizer(#[from] HyperError),
}

/// A network's parameters as a file: torch's `nn.Linear` state, layer by layer
/// (`weight[out][in]`, `bias[out]`), so `torch.tensor(layer["weight"])` loads into a Linear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamFile {
    pub net: String,
    pub activation: String,
    pub layers: Vec<LayerFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerFile {
    pub weight: Vec<Vec<f64>>,
    pub bias: Vec<f64>,
}

/// Rows of inputs and their targets: a class (as a number) or a real value.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows {
    pub features: usize,
    /// Row-major: row r's inputs are `x[r·features..(r+1)·features]`.
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.y.len()
    }

    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    fn inputs(&self, r: usize) -> &[f64] {
        &self.x[r * self.features..(r + 1) * self.features]
    }
}

impl Net {
    /// θ as a parameter file.
    pub fn to_file(&self, theta: &[f64]) -> ParamFile {
        let layers = self
            .layers()
            .map(|(n_in, n_out, at)| LayerFile {
                weight: theta[at..at + n_in * n_out]
                    .chunks(n_in)
                    .map(<[f64]>::to_vec)
                    .collect(),
                bias: theta[at + n_in * n_out..at + n_in * n_out + n_out].to_vec(),
            })
            .collect();
        ParamFile {
            net: self.text(),
            activation: self.activation.name().to_string(),
            layers,
        }
    }

    /// θ from a parameter file, every shape checked against this network.
    pub fn from_file(&self, file: &ParamFile) -> Result<Vec<f64>, NetError> {
        if file.net != self.text() || file.layers.len() != self.widths.len() - 1 {
            return Err(NetError::File {
                file: crate::core::escape::quote(&file.net),
                net: self.text(),
            });
        }
        let mut theta = Vec::with_capacity(self.parameters());
        for (l, ((n_in, n_out, _), layer)) in self.layers().zip(&file.layers).enumerate() {
            let refuse = |what, got: String, want: String| NetError::Layer {
                layer: l + 1,
                what,
                got,
                want,
                net: self.text(),
            };
            let rows_ok = layer.weight.len() == n_out;
            if !rows_ok || layer.weight.iter().any(|r| r.len() != n_in) {
                let shape = format!(
                    "{}×{}",
                    layer.weight.len(),
                    layer.weight.first().map_or(0, Vec::len)
                );
                return Err(refuse("weight", shape, format!("{n_out}×{n_in}")));
            }
            if layer.bias.len() != n_out {
                return Err(refuse(
                    "bias",
                    layer.bias.len().to_string(),
                    n_out.to_string(),
                ));
            }
            theta.extend(layer.weight.iter().flatten());
            theta.extend(&layer.bias);
        }
        Ok(theta)
    }
}

/// A network learning from rows: its parameters, optimizer, mini-batches and buffers, all
/// made once. One step is one forward and backward pass over a batch and one update.
#[derive(Debug, Clone)]
pub struct Training {
    pub net: Net,
    pub rows: Rows,
    pub theta: Vec<f64>,
    pub optimizer: VectorOptimizer,
    batches: Option<Batches>,
    batch: usize,
    grad: Vec<f64>,
    work: Work,
    /// Newton's buffers for the network's Hessian, made at its first step.
    curvature: Option<CurvatureWork>,
    /// Evaluations paid so far: rows through the network (a gradient over a full batch of
    /// 200 rows costs 200; see [`Network`]).
    pub evals: u64,
}

/// Where a network stands: its loss over every row, accuracy (classifiers) and ‖∇L‖.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standing {
    pub loss: f64,
    pub accuracy: Option<f64>,
    pub grad_norm: f64,
}

impl Training {
    /// `theta` trained by `kind` with `hyper`: mini-batches of `hyper.batch` rows from a
    /// sampler seeded by `hyper.seed` (every row when 0 or at least all of them).
    pub fn new(
        net: Net,
        rows: Rows,
        theta: Vec<f64>,
        kind: Kind,
        hyper: Hyper,
    ) -> Result<Training, NetError> {
        net.check(&rows)?;
        if theta.len() != net.parameters() {
            return Err(NetError::Parameters {
                net: net.text(),
                want: net.parameters(),
                got: theta.len(),
            });
        }
        if kind == Kind::Newton && theta.len() > MAX_HESSIAN {
            return Err(NetError::NewtonTooLarge {
                net: net.text(),
                count: theta.len(),
            });
        }
        let batch = usize::try_from(hyper.batch).unwrap_or(usize::MAX);
        let batches =
            (batch > 0 && batch < rows.len()).then(|| Batches::new(rows.len(), hyper.seed));
        let optimizer = VectorOptimizer::new(kind, hyper, theta.len())?;
        Ok(Training {
            grad: vec![0.0; theta.len()],
            work: net.work(),
            curvature: None,
            net,
            rows,
            theta,
            optimizer,
            batches,
            batch,
            evals: 0,
        })
    }

    /// One step; the loss its batch saw.
    pub fn step(&mut self) -> f64 {
        let rows = self.batches.as_mut().map(|b| b.next_batch(self.batch));
        let mut f = Network::new(&self.net, &self.rows, rows, &mut self.work);
        if self.optimizer.kind == Kind::Newton {
            let net = &self.net;
            f.curvature = Some(self.curvature.get_or_insert_with(|| net.curvature_work()));
        }
        let seen = self.optimizer.step(&mut self.theta, &mut f);
        self.evals += f.evals;
        seen
    }

    /// Whether its steps see mini-batches (not every row).
    pub fn batched(&self) -> bool {
        self.batches.is_some()
    }

    /// ∇L over every row at θ, as the last [`Training::standing`] found it.
    pub fn gradient(&self) -> &[f64] {
        &self.grad
    }

    /// The sharpness now: the largest eigenvalue of the Hessian of the loss over every row
    /// (None when its Hessian-vector products are not finite).
    pub fn sharpness(&self) -> Option<f64> {
        let extremes = self.net.extremes(&self.theta, &self.rows, None);
        extremes.map(|(_, largest)| largest)
    }

    /// The loss, accuracy and gradient norm over every row now.
    pub fn standing(&mut self) -> Standing {
        // One pass gives all three: loss, predictions and gradient.
        let (loss, accuracy) = self.net.pass(
            &self.theta,
            &self.rows,
            None,
            Some(&mut self.grad),
            &mut self.work,
        );
        let grad_norm = self.grad.iter().map(|g| g * g).sum::<f64>().sqrt();
        Standing {
            loss,
            accuracy,
            grad_norm,
        }
    }
}

/// One layer's weights and biases, and their gradients, as norms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerNorms {
    /// (inputs, outputs).
    pub shape: (usize, usize),
    pub weight: f64,
    pub weight_grad: f64,
    pub bias: f64,
    pub bias_grad: f64,
}

/// A network's shape: widths from inputs to outputs, the hidden activation and the loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Net {
    pub widths: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
}

/// The buffers a pass works in, sized once for a network: a step allocates nothing. Each
/// holds a block of rows, row-major.
#[derive(Debug, Clone, Default)]
pub struct Work {
    /// Each layer's sums Z (before the activation).
    z: Vec<Vec<f64>>,
    /// Each layer's outputs A, the inputs first (the output layer's are its sums).
    a: Vec<Vec<f64>>,
    /// ∂L/∂Z at the layer being passed back through, and at the one before it.
    delta: Vec<f64>,
    back: Vec<f64>,
    /// A layer's weights transposed (Wᵀ, inputs × outputs) for the forward product.
    wt: Vec<f64>,
    /// Each layer's (inputs, outputs, offset in θ).
    layers: Vec<(usize, usize, usize)>,
}

impl std::str::FromStr for Activation {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Activation, NetError> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == s.trim())
            .ok_or_else(|| NetError::Activation(s.to_string()))
    }
}

impl std::str::FromStr for Loss {
    type Err = NetError;

    fn from_str(s: &str) -> Result<Loss, NetError> {
        Loss::ALL
            .into_iter()
            .find(|l| l.name() == s.trim())
            .ok_or_else(|| NetError::Loss(s.to_string()))
    }
}

/// `2-16-16-1` as widths, each at least 1, two or more of them.
pub fn widths(text: &str) -> Result<Vec<usize>, NetError> {
    let malformed = || NetError::Malformed(text.to_string());
    let widths: Vec<usize> = text
        .trim()
        .split('-')
        .map(|w| {
            let digits = !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| w.parse::<usize>().ok()).flatten()
        })
        .collect::<Option<_>>()
        .ok_or_else(malformed)?;
    if widths.len() < 2 {
        return Err(malformed());
    }
    if widths.contains(&0) {
        return Err(NetError::ZeroWidth {
            text: text.to_string(),
        });
    }
    Ok(widths)
}

impl Net {
    pub fn new(widths: Vec<usize>, activation: Activation, loss: Loss) -> Result<Net, NetError> {
        let net = Net {
            widths,
            activation,
            loss,
        };
        // Counted without overflow: each width is at most a usize, so a product may not be.
        let count = net.layers().try_fold(0usize, |n, (i, o, _)| {
            i.checked_mul(o)?.checked_add(o)?.checked_add(n)
        });
        match count {
            Some(c) if c <= MAX_PARAMETERS => Ok(net),
            other => Err(NetError::TooLarge {
                text: net.text(),
                count: other.unwrap_or(usize::MAX),
            }),
        }
    }

    /// `2-16-16-1`.
    pub fn text(&self) -> String {
        let w: Vec<String> = self.widths.iter().map(usize::to_string).collect();
        w.join("-")
    }

    /// Each layer's (inputs, outputs, offset of its weights in θ); its bias follows them.
    fn layers(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let mut offset = 0;
        self.widths.windows(2).map(move |w| {
            let at = offset;
            offset += w[0] * w[1] + w[1];
            (w[0], w[1], at)
        })
    }

    /// Each layer's (inputs, outputs) and the norms of its weights and biases in `theta` and
    /// in `grad` (a gradient laid out as θ): what backpropagation sent each layer.
    pub fn layer_norms(&self, theta: &[f64], grad: &[f64]) -> Vec<LayerNorms> {
        let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
        self.layers()
            .map(|(n_in, n_out, at)| {
                let (w, b) = (
                    at..at + n_in * n_out,
                    at + n_in * n_out..at + n_in * n_out + n_out,
                );
                LayerNorms {
                    shape: (n_in, n_out),
                    weight: norm(&theta[w.clone()]),
                    weight_grad: norm(&grad[w]),
                    bias: norm(&theta[b.clone()]),
                    bias_grad: norm(&grad[b]),
                }
            })
            .collect()
    }

    /// How many numbers θ has.
    pub fn parameters(&self) -> usize {
        self.layers().map(|(i, o, _)| i * o + o).sum()
    }

    /// Parameters as torch's `nn.Linear` starts them: weights and biases uniform in
    /// ±1/√fan_in (its default `kaiming_uniform_(a=√5)` comes to that), drawn from `seed`.
    pub fn init(&self, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut theta = Vec::with_capacity(self.parameters());
        for (inputs, outputs, _) in self.layers() {
            let bound = 1.0 / (inputs as f64).sqrt();
            for _ in 0..inputs * outputs + outputs {
                theta.push(rng.random_range(-bound..bound));
            }
        }
        theta
    }

    /// Whether the data fit this network and loss: inputs, outputs, classes.
    pub fn check(&self, rows: &Rows) -> Result<(), NetError> {
        let (inputs, outputs) = (self.widths[0], self.widths[self.widths.len() - 1]);
        if inputs != rows.features {
            return Err(NetError::Inputs {
                net: inputs,
                data: rows.features,
            });
        }
        let name = self.loss.name();
        let classes = match self.loss {
            Loss::Bce | Loss::Mse if outputs != 1 => {
                return Err(NetError::Outputs {
                    loss: name,
                    want: "1".into(),
                    got: outputs,
                });
            }
            Loss::Ce if outputs < 2 => {
                return Err(NetError::Outputs {
                    loss: name,
                    want: "one per class, 2 or more,".into(),
                    got: outputs,
                });
            }
            Loss::Mse => return Ok(()),
            Loss::Bce => 2,
            Loss::Ce => outputs,
        };
        let mut seen = vec![false; classes];
        for (row, &value) in rows.y.iter().enumerate() {
            let class = value as usize;
            if !(value >= 0.0 && value.fract() == 0.0 && class < classes) {
                return Err(NetError::Class {
                    row: row + 1,
                    loss: name,
                    last: classes - 1,
                    value,
                });
            }
            seen[class] = true;
        }
        match seen.iter().filter(|&&s| s).count() {
            1 => Err(NetError::OneClass(
                seen.iter().position(|&s| s).unwrap_or(0),
            )),
            _ => Ok(()),
        }
    }

    /// Buffers for this network's passes: a block of [`BLOCK`] rows per layer.
    pub fn work(&self) -> Work {
        let widest = self.widths.iter().copied().max().unwrap_or(1);
        let block = |w: usize| vec![0.0; BLOCK * w];
        Work {
            z: self.widths[1..].iter().map(|&w| block(w)).collect(),
            a: self.widths.iter().map(|&w| block(w)).collect(),
            delta: block(widest),
            back: block(widest),
            wt: vec![0.0; self.layers().map(|(i, o, _)| i * o).max().unwrap_or(0)],
            layers: self.layers().collect(),
        }
    }

    /// The forward pass for the `m` rows `pick` gives (their positions in `data`): every
    /// layer's sums Z = A·Wᵀ + b and outputs, row by row in `work`.
    #[inline(always)]
    fn forward(
        &self,
        theta: &[f64],
        data: &Rows,
        pick: impl Fn(usize) -> usize,
        m: usize,
        work: &mut Work,
    ) {
        let f = data.features;
        for k in 0..m {
            work.a[0][k * f..(k + 1) * f].copy_from_slice(data.inputs(pick(k)));
        }
        let last = work.layers.len() - 1;
        for (l, &(n_in, n_out, at)) in work.layers.iter().enumerate() {
            let (weights, bias) = theta[at..at + n_in * n_out + n_out].split_at(n_in * n_out);
            let z = &mut work.z[l][..m * n_out];
            for row in z.chunks_exact_mut(n_out) {
                row.copy_from_slice(bias);
            }
            let wt = &mut work.wt[..n_in * n_out];
            dense::transpose(weights, n_out, n_in, wt);
            dense::gemm(m, n_in, n_out, dense::rows(&work.a[l], n_in), wt, 1.0, z);
            if l < last {
                self.activation
                    .apply_all(z, &mut work.a[l + 1][..m * n_out]);
            }
        }
    }

    /// Row k's loss from its logits in `work`, and ∂loss/∂logits into its row of
    /// `work.delta`, scaled by `scale` (1/rows: the mean's share).
    fn output_loss(&self, k: usize, target: f64, scale: f64, work: &mut Work) -> f64 {
        let out = self.widths[self.widths.len() - 1];
        let z = &work.z[work.z.len() - 1][k * out..(k + 1) * out];
        let delta = &mut work.delta[k * out..(k + 1) * out];
        match self.loss {
            Loss::Bce => {
                let z = z[0];
                delta[0] = (sigmoid(z) - target) * scale;
                // max(z, 0) − z·y + log(1 + e^−|z|): no overflow for any logit.
                z.max(0.0) - z * target + (-z.abs()).exp().ln_1p()
            }
            Loss::Ce => {
                let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                let class = target as usize;
                for (k, d) in delta.iter_mut().enumerate() {
                    let p = (z[k] - top).exp() / sum;
                    *d = (p - f64::from(u8::from(k == class))) * scale;
                }
                top + sum.ln() - z[class]
            }
            Loss::Mse => {
                let e = z[0] - target;
                delta[0] = 2.0 * e * scale;
                e * e
            }
        }
    }

    /// The backward pass for `m` rows: from ∂L/∂logits in `work.delta` back through every
    /// layer, adding each weight's share (Δᵀ·A) and each bias's (Δ summed over rows) to
    /// `grad`, and passing Δ·W through the activation's slope to the layer below.
    #[inline(always)]
    fn backward(&self, theta: &[f64], m: usize, grad: &mut [f64], work: &mut Work) {
        for l in (0..work.layers.len()).rev() {
            let (n_in, n_out, at) = work.layers[l];
            let delta = &work.delta[..m * n_out];
            let (g_weights, g_bias) =
                grad[at..at + n_in * n_out + n_out].split_at_mut(n_in * n_out);
            let (d_t, input) = (dense::transposed(delta, n_out), &work.a[l][..m * n_in]);
            dense::gemm(n_out, m, n_in, d_t, input, 1.0, g_weights);
            for row in delta.chunks_exact(n_out) {
                g_bias.iter_mut().zip(row).for_each(|(g, d)| *g += d);
            }
            if l == 0 {
                break;
            }
            // ∂L/∂a of the layer below through the weights, then through its activation.
            let weights = &theta[at..at + n_in * n_out];
            let back = &mut work.back[..m * n_in];
            dense::gemm(
                m,
                n_out,
                n_in,
                dense::rows(delta, n_out),
                weights,
                0.0,
                back,
            );
            let (z, a) = (&work.z[l - 1][..m * n_in], &work.a[l][..m * n_in]);
            self.activation.scale_by_slope(back, z, a);
            std::mem::swap(&mut work.delta, &mut work.back);
        }
    }

    /// The mean loss over `rows` (every row when None) and its exact gradient, into `grad`.
    pub fn gradient(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        grad: &mut [f64],
        work: &mut Work,
    ) -> f64 {
        self.pass(theta, data, rows, Some(grad), work).0
    }

    /// The mean loss over `rows` (every row when None) and, for a classifier, the share of
    /// them predicted right.
    pub fn loss(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        work: &mut Work,
    ) -> (f64, Option<f64>) {
        self.pass(theta, data, rows, None, work)
    }

    /// One forward pass over the rows, a block at a time (and a backward pass into `grad`
    /// when asked): the mean loss and, for a classifier, the share predicted right. With
    /// AVX2's lanes for the element-wise loops where the processor has them (found at run
    /// time; the same numbers either way).
    fn pass(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        grad: Option<&mut [f64]>,
        work: &mut Work,
    ) -> (f64, Option<f64>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { self.pass_avx2(theta, data, rows, grad, work) };
        }
        self.pass_each(theta, data, rows, grad, work)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn pass_avx2(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        grad: Option<&mut [f64]>,
        work: &mut Work,
    ) -> (f64, Option<f64>) {
        self.pass_each(theta, data, rows, grad, work)
    }

    #[inline(always)]
    fn pass_each(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        mut grad: Option<&mut [f64]>,
        work: &mut Work,
    ) -> (f64, Option<f64>) {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let n = rows.map_or(data.len(), <[u32]>::len);
        let scale = 1.0 / n as f64;
        let (mut total, mut right) = (0.0, 0usize);
        for start in (0..n).step_by(BLOCK) {
            let m = BLOCK.min(n - start);
            let pick = |k: usize| rows.map_or(start + k, |rows| rows[start + k] as usize);
            self.forward(theta, data, pick, m, work);
            for k in 0..m {
                let y = data.y[pick(k)];
                total += self.output_loss(k, y, scale, work);
                right += usize::from(self.predict_from(k, work) == y);
            }
            if let Some(g) = grad.as_deref_mut() {
                self.backward(theta, m, g, work);
            }
        }
        let share = self.loss.classifies().then(|| right as f64 / n as f64);
        (total / n as f64, share)
    }

    /// What the network says of each row of `data` (targets unused): for bce the probability
    /// of class 1, for ce the class it picks, for mse its value.
    pub fn predictions(&self, theta: &[f64], data: &Rows, work: &mut Work) -> Vec<f64> {
        let out = self.widths[self.widths.len() - 1];
        let mut said = Vec::with_capacity(data.len());
        for start in (0..data.len()).step_by(BLOCK) {
            let m = BLOCK.min(data.len() - start);
            self.forward(theta, data, |k| start + k, m, work);
            for k in 0..m {
                let z = &work.z[work.z.len() - 1][k * out..(k + 1) * out];
                said.push(match self.loss {
                    Loss::Bce => sigmoid(z[0]),
                    _ => self.predict_from(k, work),
                });
            }
        }
        said
    }

    /// The class row k's logits in `work` say (a regression's prediction is its value).
    fn predict_from(&self, k: usize, work: &Work) -> f64 {
        let out = self.widths[self.widths.len() - 1];
        let z = &work.z[work.z.len() - 1][k * out..(k + 1) * out];
        match self.loss {
            Loss::Bce => f64::from(u8::from(z[0] > 0.0)),
            Loss::Ce => {
                let best = (0..z.len()).fold(0, |b, k| if z[k] > z[b] { k } else { b });
                best as f64
            }
            Loss::Mse => z[0],
        }
    }
}

/// a = f(z) element by element, f inlined into the loop.
#[inline(always)]
fn each(z: &[f64], a: &mut [f64], f: impl Fn(f64) -> f64) {
    a.iter_mut().zip(z).for_each(|(a, z)| *a = f(*z));
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests;
