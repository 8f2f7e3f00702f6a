//! Adam, AdamW and AMSGrad: torch.optim.Adam / AdamW (single-tensor path, same operation order).
//!
//! ```text
//! AdamW:  x ← x·(1 − α·λ)                 (decoupled weight decay)
//! Adam:   g ← ∇f + λ·x                    (L2 added to the gradient)
//! m ← m + (1 − β₁)·(g − m)                (torch's lerp, = β₁·m + (1 − β₁)·g)
//! v ← β₂·v + (1 − β₂)·g²
//! AMSGrad: v_max ← max(v_max, v), and v_max replaces v below
//! m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)
//! x ← x − α·m̂ / (√v̂ + ε)
//! ```
//! computed as torch does: x ← x − (α / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).

use super::sgd::l2;
use super::{Hyper, Kind, Step, Update, map2, term, zip2};

#[inline]
pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        kind,
        h,
        s,
        x: x0,
        grad,
        lr,
        ..
    } = c;
    let mut x = x0;
    let mut g = grad;
    if kind == Kind::AdamW {
        x = map2(x, |x| decoupled(h, lr, x));
    } else if h.weight_decay != 0.0 {
        g = zip2(g, x, |g, x| l2(h, g, x));
    }
    let m = zip2(s.buf.unwrap_or([0.0; 2]), g, |m, g| first(h, m, g));
    s.buf = Some(m);
    s.sq = zip2(s.sq, g, |v, g| second(h, v, g));
    let (bias1, bias2) = biases(h, s.t);
    let step_size = lr / bias1;
    let v = if kind == Kind::AmsGrad {
        s.sq_max = zip2(s.sq_max, s.sq, f64::max);
        s.sq_max
    } else {
        s.sq
    };
    let denom = map2(v, |v| denominator(h, bias2, v));
    let to = [
        adapted(x[0], step_size, m[0], denom[0]),
        adapted(x[1], step_size, m[1], denom[1]),
    ];
    s.terms.set(&[
        term("g", g),
        term("m (mean g)", m),
        term("v (mean g²)", s.sq),
    ]);
    if kind == Kind::AmsGrad {
        s.terms.push(term("v_max", s.sq_max));
    }
    s.terms.extend(&[
        term("m̂ = m/(1−β₁ᵗ)", map2(m, |m| m / bias1)),
        term("v̂ = v/(1−β₂ᵗ)", map2(v, |v| v / bias2)),
        term("α/(√v̂+ε) per coordinate", map2(denom, |d| lr / d)),
        term("step α·m̂/(√v̂+ε)", zip2(x, to, |a, b| a - b)),
    ]);
    let rule = match kind {
        Kind::AdamW => "x ← x·(1 − αλ);  x ← x − α·m̂/(√v̂ + ε)",
        Kind::AmsGrad => "v_max ← max(v_max, v);  x ← x − α·m̂/(√v̂_max + ε)",
        _ => "m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  x ← x − α·m̂/(√v̂ + ε)",
    };
    Update::new(x0, to, g, lr, rule, seen_loss)
}

// The equations of one coordinate, shared by the 2D step above and `vector`'s.

/// x·(1 − α·λ): AdamW's decoupled weight decay.
#[inline]
pub(super) fn decoupled(h: &Hyper, lr: f64, x: f64) -> f64 {
    x * (1.0 - lr * h.weight_decay)
}

/// m + (1 − β₁)(g − m): the first moment, torch's lerp.
#[inline]
pub(super) fn first(h: &Hyper, m: f64, g: f64) -> f64 {
    m + (1.0 - h.beta1) * (g - m)
}

/// β₂·v + (1 − β₂)·g².
#[inline]
pub(super) fn second(h: &Hyper, v: f64, g: f64) -> f64 {
    v * h.beta2 + (1.0 - h.beta2) * g * g
}

/// The bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ at step t, with `powf` as Python's
/// `beta ** step` in torch (powi rounds differently for large t).
#[inline]
pub(super) fn biases(h: &Hyper, t: u64) -> (f64, f64) {
    let t = t as f64;
    (1.0 - h.beta1.powf(t), 1.0 - h.beta2.powf(t))
}

/// √v / √(1 − β₂ᵗ) + ε.
#[inline]
pub(super) fn denominator(h: &Hyper, bias2: f64, v: f64) -> f64 {
    v.sqrt() / bias2.sqrt() + h.eps
}

/// x − (α/(1 − β₁ᵗ))·m/d.
#[inline]
pub(super) fn adapted(x: f64, step_size: f64, m: f64, d: f64) -> f64 {
    x - step_size * m / d
}
