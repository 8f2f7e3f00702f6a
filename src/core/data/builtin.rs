//! Datasets generated in code from a seed (nothing is downloaded), each with the loss it is
//! meant for and what it teaches.

use super::Dataset;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A built-in dataset: how to make it, the per-example loss over its columns x and y, the
/// model that loss fits (drawn in the data view) and the lesson.
#[derive(Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub rows: usize,
    pub loss: &'static str,
    pub axes: [&'static str; 2],
    /// The prediction ŷ as a formula of the column x and the axes.
    pub model: &'static str,
    pub teaches: &'static str,
    make: fn(&mut ChaCha8Rng, usize) -> Vec<[f64; 2]>,
}

/// Squared error of a line ŷ = w·x + b.
const SQUARED: &str = "(w*x + b - y)^2";
/// Logistic loss of p = σ(w·x + b) for labels y ∈ {0, 1}: ln(1 + e^(−(2y−1)(w·x + b))).
const LOGISTIC: &str = "ln(1 + exp(-(2*y - 1)*(w*x + b)))";
const LINE: &str = "w*x + b";
const SIGMOID: &str = "1/(1 + exp(-(w*x + b)))";

pub const BUILTINS: [Builtin; 4] = [
    Builtin {
        name: "linear",
        rows: 200,
        loss: SQUARED,
        axes: ["w", "b"],
        model: LINE,
        teaches: "Mean squared error of a line is a bowl; its bottom is the least-squares fit, and mini-batches make the ball jitter around it",
        make: linear,
    },
    Builtin {
        name: "blobs",
        rows: 200,
        loss: LOGISTIC,
        axes: ["w", "b"],
        model: SIGMOID,
        teaches: "Logistic regression on two overlapping classes has one best boundary: the loss has a minimum",
        make: blobs,
    },
    Builtin {
        name: "separable",
        rows: 100,
        loss: LOGISTIC,
        axes: ["w", "b"],
        model: SIGMOID,
        teaches: "When a line separates the classes perfectly the logistic loss has no minimum: the weights grow forever and the ball walks off to infinity",
        make: separable,
    },
    Builtin {
        name: "outlier",
        rows: 60,
        loss: SQUARED,
        axes: ["w", "b"],
        model: LINE,
        teaches: "One wild point drags a least-squares line: squared error listens most to the largest residual",
        make: outlier,
    },
];

pub fn find(name: &str) -> Option<&'static Builtin> {
    BUILTINS.iter().find(|b| b.name == name)
}

/// The model a loss fits, when the loss is one of the built-ins' (spaces aside): a CSV with
/// the squared or logistic loss over columns x and y gets the line or the sigmoid drawn.
pub fn model_for(loss: &str) -> Option<&'static str> {
    let bare = |s: &str| s.split_whitespace().collect::<String>();
    BUILTINS
        .iter()
        .find(|b| bare(b.loss) == bare(loss))
        .map(|b| b.model)
}

/// Names for a message: `linear, blobs, …`.
pub fn names() -> String {
    BUILTINS.map(|b| b.name).join(", ")
}

impl Builtin {
    /// The rows this seed makes: columns x and y.
    pub fn generate(&self, seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rows = (self.make)(&mut rng, self.rows);
        let (x, y) = rows.into_iter().map(|[x, y]| (x, y)).unzip();
        Dataset::new(self.name, vec![("x".into(), x), ("y".into(), y)])
    }
}

fn normal(mean: f64, sd: f64) -> Normal<f64> {
    // Both are constants here: a finite mean and a positive deviation.
    Normal::new(mean, sd).unwrap_or_else(|_| unreachable!())
}

/// y = 2x + 1 + noise (σ = 0.5), x uniform on [−2, 2].
fn linear(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
    let noise = normal(0.0, 0.5);
    (0..n)
        .map(|_| {
            let x = rng.random_range(-2.0..2.0);
            [x, 2.0 * x + 1.0 + noise.sample(rng)]
        })
        .collect()
}

/// Half the rows labelled 0 around x = −1, half labelled 1 around x = +1 (σ = 0.8).
fn blobs(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
    let (zero, one) = (normal(-1.0, 0.8), normal(1.0, 0.8));
    (0..n)
        .map(|i| match i % 2 {
            0 => [zero.sample(rng), 0.0],
            _ => [one.sample(rng), 1.0],
        })
        .collect()
}

/// Label 0 for x in [−2, −0.3], label 1 for x in [0.3, 2]: a margin of 0.6 around x = 0.
fn separable(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
    (0..n)
        .map(|i| match i % 2 {
            0 => [rng.random_range(-2.0..-0.3), 0.0],
            _ => [rng.random_range(0.3..2.0), 1.0],
        })
        .collect()
}

/// y = 0.5x + noise (σ = 0.2) on [−2, 2], and one point far below the line at x = 2.
fn outlier(rng: &mut ChaCha8Rng, n: usize) -> Vec<[f64; 2]> {
    let noise = normal(0.0, 0.2);
    let mut rows: Vec<[f64; 2]> = (1..n)
        .map(|_| {
            let x = rng.random_range(-2.0..2.0);
            [x, 0.5 * x + noise.sample(rng)]
        })
        .collect();
    rows.push([2.0, -8.0]);
    rows
}
