//! AdaGrad: torch.optim.Adagrad.
//!
//! ```text
//! g ← ∇f + λ·x
//! α_t = α / (1 + (t − 1)·lr_decay)
//! G ← G + g²
//! x ← x − α_t · g / (√G + ε)
//! ```

use super::sgd::l2;
use super::{Hyper, Step, Update, map2, term, zip2};

pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        h, s, x, grad, lr, ..
    } = c;
    let g = zip2(grad, x, |g, x| l2(h, g, x));
    let clr = rate(h, lr, s.t);
    s.sq = zip2(s.sq, g, accumulate);
    let denom = map2(s.sq, |sum| root(h, sum));
    let to = [
        scaled(x[0], clr, g[0], denom[0]),
        scaled(x[1], clr, g[1], denom[1]),
    ];
    s.terms.set(&[
        term("g", g),
        term("G (sum of g²)", s.sq),
        term("α/(√G+ε) per coordinate", map2(denom, |d| clr / d)),
        term("step", zip2(x, to, |a, b| a - b)),
    ]);
    Update::new(
        x,
        to,
        g,
        clr,
        "G ← G + g²;  x ← x − α·g/(√G + ε)",
        seen_loss,
    )
}

// The equations of one coordinate, shared by the 2D step above and `vector`'s.

/// α_t = α / (1 + (t − 1)·lr_decay), at step t (from 1).
#[inline]
pub(super) fn rate(h: &Hyper, lr: f64, t: u64) -> f64 {
    lr / (1.0 + (t - 1) as f64 * h.lr_decay)
}

/// G + g².
#[inline]
pub(super) fn accumulate(sum: f64, g: f64) -> f64 {
    sum + g * g
}

/// √G + ε.
#[inline]
pub(super) fn root(h: &Hyper, sum: f64) -> f64 {
    sum.sqrt() + h.eps
}

/// x − α·g/d.
#[inline]
pub(super) fn scaled(x: f64, lr: f64, g: f64, d: f64) -> f64 {
    x - lr * g / d
}
