//! RMSProp: torch.optim.RMSprop.
//!
//! ```text
//! g ← ∇f + λ·x
//! v ← a·v + (1 − a)·g²
//! centered:  ḡ ← a·ḡ + (1 − a)·g;   d = √(v − ḡ²) + ε     else  d = √v + ε
//! momentum μ > 0:  b ← μ·b + g/d;   x ← x − α·b
//! otherwise:       x ← x − α·g/d
//! ```

use super::adagrad::root;
use super::sgd::{descend, l2};
use super::{Hyper, Step, Update, map2, term, zip2};

pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        h, s, x, grad, lr, ..
    } = c;
    let a = h.alpha;
    let g = zip2(grad, x, |g, x| l2(h, g, x));
    s.sq = zip2(s.sq, g, |v, g| square_mean(a, v, g));
    let denom = if h.centered {
        s.grad_avg = zip2(s.grad_avg, g, |m, g| mean(a, m, g));
        zip2(s.sq, s.grad_avg, |v, m| centered(h, v, m))
    } else {
        map2(s.sq, |v| root(h, v))
    };
    s.terms.set(&[term("g", g), term("v (mean g²)", s.sq)]);
    let (direction, rule) = if h.momentum > 0.0 {
        let b = zip2(
            s.buf.unwrap_or([0.0; 2]),
            zip2(g, denom, |g, d| g / d),
            |b, q| velocity(h, b, q),
        );
        s.buf = Some(b);
        s.terms.push(term("b (velocity)", b));
        (b, "v ← a·v + (1−a)·g²;  b ← μ·b + g/(√v+ε);  x ← x − α·b")
    } else {
        (
            zip2(g, denom, |g, d| g / d),
            "v ← a·v + (1−a)·g²;  x ← x − α·g/(√v + ε)",
        )
    };
    s.terms
        .push(term("α/(√v+ε) per coordinate", map2(denom, |d| lr / d)));
    let to = zip2(x, direction, |x, d| descend(x, lr, d));
    s.terms.push(term("step", zip2(x, to, |a, b| a - b)));
    Update::new(x, to, g, lr, rule, seen_loss)
}

// The equations of one coordinate, shared by the 2D step above and `vector`'s.

/// a·v + (1 − a)·g².
#[inline]
pub(super) fn square_mean(a: f64, v: f64, g: f64) -> f64 {
    v * a + (1.0 - a) * g * g
}

/// ḡ + (1 − a)(g − ḡ): the centered mean gradient, torch's lerp.
#[inline]
pub(super) fn mean(a: f64, m: f64, g: f64) -> f64 {
    m + (1.0 - a) * (g - m)
}

/// √(v − ḡ²) + ε.
#[inline]
pub(super) fn centered(h: &Hyper, v: f64, m: f64) -> f64 {
    (v - m * m).sqrt() + h.eps
}

/// μ·b + g/d.
#[inline]
pub(super) fn velocity(h: &Hyper, b: f64, q: f64) -> f64 {
    h.momentum * b + q
}
