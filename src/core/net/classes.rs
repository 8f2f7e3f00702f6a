//! Classification datasets a network learns from, generated from a seed with a noise level:
//! two moons, two circles, two spirals, XOR and three Gaussian blobs. Each row is a point
//! (x₁, x₂) and its class.

use super::{Loss, Rows};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::f64::consts::PI;

/// A built-in classification dataset.
pub struct Classes {
    pub name: &'static str,
    pub rows: usize,
    /// The loss it is learnt with: bce for two classes, ce for more.
    pub loss: Loss,
    pub classes: usize,
    pub teaches: &'static str,
    /// The spread of its points before any noise is added (the blobs' own width).
    spread: f64,
    /// Row k's noise-free point and class, drawn with `rng`.
    point: fn(usize, &mut ChaCha8Rng) -> ([f64; 2], usize),
}

pub const CLASSES: [Classes; 5] = [
    Classes {
        name: "moons",
        rows: 200,
        loss: Loss::Bce,
        classes: 2,
        teaches: "two interleaved half circles: a boundary no line can draw, a small net can",
        spread: 0.0,
        point: moons,
    },
    Classes {
        name: "circles",
        rows: 200,
        loss: Loss::Bce,
        classes: 2,
        teaches: "one class inside the other: the boundary must close on itself",
        spread: 0.0,
        point: circles,
    },
    Classes {
        name: "spirals",
        rows: 200,
        loss: Loss::Bce,
        classes: 2,
        teaches: "two arms wound round each other: what depth and width buy",
        spread: 0.0,
        point: spirals,
    },
    Classes {
        name: "xor",
        rows: 200,
        loss: Loss::Bce,
        classes: 2,
        teaches: "the classic a single neuron cannot learn: it needs a hidden layer",
        spread: 0.0,
        point: xor,
    },
    Classes {
        name: "gaussians",
        rows: 180,
        loss: Loss::Ce,
        classes: 3,
        teaches: "three blobs and softmax cross-entropy: one output per class",
        spread: 0.3,
        point: gaussians,
    },
];

/// A built-in by name.
pub fn find(name: &str) -> Option<&'static Classes> {
    CLASSES.iter().find(|c| c.name == name)
}

/// The names, for a message.
pub fn names() -> String {
    let n: Vec<&str> = CLASSES.iter().map(|c| c.name).collect();
    n.join(", ")
}

impl Classes {
    /// The rows from `seed`, each point moved by Gaussian noise of standard deviation
    /// `noise` (plus the dataset's own spread); classes alternate so every prefix is balanced.
    pub fn generate(&self, seed: u64, noise: f64) -> Rows {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sigma = noise + self.spread;
        let (mut x, mut y) = (
            Vec::with_capacity(2 * self.rows),
            Vec::with_capacity(self.rows),
        );
        for k in 0..self.rows {
            let (p, class) = (self.point)(k, &mut rng);
            for v in p {
                let e: f64 = StandardNormal.sample(&mut rng);
                x.push(v + sigma * e);
            }
            y.push(class as f64);
        }
        Rows { features: 2, x, y }
    }
}

/// scikit-learn's `make_moons`: the upper half circle, and the lower one shifted by (1, −½).
fn moons(k: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let t = PI * rng.random::<f64>();
    if k.is_multiple_of(2) {
        ([t.cos(), t.sin()], 0)
    } else {
        ([1.0 - t.cos(), 0.5 - t.sin()], 1)
    }
}

/// A unit circle round one of half the radius (scikit-learn's `make_circles`, factor ½).
fn circles(k: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let t = 2.0 * PI * rng.random::<f64>();
    let r = if k.is_multiple_of(2) { 1.0 } else { 0.5 };
    ([r * t.cos(), r * t.sin()], k % 2)
}

/// Two arms of an Archimedean spiral, one turned half a turn from the other, each wound
/// one and a half times.
fn spirals(k: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let u: f64 = rng.random();
    let r = 0.1 + 0.9 * u;
    let t = 3.0 * PI * u + if k.is_multiple_of(2) { 0.0 } else { PI };
    ([r * t.cos(), r * t.sin()], k % 2)
}

/// A point uniform in one of the four quadrants of [−1, 1]² (kept 0.05 off the axes), class
/// 1 where its coordinates' signs differ.
fn xor(k: usize, rng: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let (a, b): (f64, f64) = (rng.random_range(0.05..1.0), rng.random_range(0.05..1.0));
    let (sx, sy) = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)][k % 4];
    ([sx * a, sy * b], usize::from(sx * sy < 0.0))
}

/// Three blobs at the corners of a triangle.
fn gaussians(k: usize, _: &mut ChaCha8Rng) -> ([f64; 2], usize) {
    let class = k % 3;
    let angle = 2.0 * PI * class as f64 / 3.0 + PI / 2.0;
    ([1.5 * angle.cos(), 1.5 * angle.sin()], class)
}
