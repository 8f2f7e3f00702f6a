//! AdaGrad: torch.optim.Adagrad.
//!
//! ```text
//! g ← ∇f + λ·x
//! α_t = α / (1 + (t − 1)·lr_decay)
//! G ← G + g²
//! x ← x − α_t · g / (√G + ε)
//! ```

use super::{Step, Terms, Update, map2, term, zip2};

pub(super) fn step(c: Step) -> Update {
    let Step {
        h, s, x, grad, lr, ..
    } = c;
    let g = zip2(grad, x, |g, x| g + h.weight_decay * x);
    let clr = lr / (1.0 + (s.t - 1) as f64 * h.lr_decay);
    s.sq = zip2(s.sq, g, |sum, g| sum + g * g);
    let denom = map2(s.sq, |sum| sum.sqrt() + h.eps);
    let to = [x[0] - clr * g[0] / denom[0], x[1] - clr * g[1] / denom[1]];
    s.terms = Terms::of(&[
        term("g", g),
        term("G (sum of g²)", s.sq),
        term("α/(√G+ε) per coordinate", map2(denom, |d| clr / d)),
        term("step", zip2(x, to, |a, b| a - b)),
    ]);
    Update::new(x, to, g, clr, "G ← G + g²;  x ← x − α·g/(√G + ε)")
}
