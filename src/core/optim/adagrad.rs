//! AdaGrad: torch.optim.Adagrad.
//!
//! ```text
//! g ← ∇f + λ·x
//! α_t = α / (1 + (t − 1)·lr_decay)
//! G ← G + g²
//! x ← x − α_t · g / (√G + ε)
//! ```

use super::{Hyper, State, Term, Terms, Update, map2, zip2};

pub(super) fn step(h: &Hyper, s: &mut State, x: [f64; 2], grad: [f64; 2], lr: f64) -> Update {
    let g = zip2(grad, x, |g, x| g + h.weight_decay * x);
    let clr = lr / (1.0 + (s.t - 1) as f64 * h.lr_decay);
    s.sq = zip2(s.sq, g, |sum, g| sum + g * g);
    let denom = map2(s.sq, |sum| sum.sqrt() + h.eps);
    let to = [x[0] - clr * g[0] / denom[0], x[1] - clr * g[1] / denom[1]];
    Update {
        from: x,
        to,
        grad: g,
        lr: clr,
        rule: "G ← G + g²;  x ← x − α·g/(√G + ε)",
        terms: Terms::of(&[
            Term {
                name: "g",
                value: g,
            },
            Term {
                name: "G (sum of g²)",
                value: s.sq,
            },
            Term {
                name: "α/(√G+ε) per coordinate",
                value: map2(denom, |d| clr / d),
            },
            Term {
                name: "step",
                value: zip2(x, to, |a, b| a - b),
            },
        ]),
        note: None,
    }
}
