//! Gradient descent, noisy SGD, heavy-ball momentum and Nesterov: torch.optim.SGD.
//!
//! With gradient g = ∇f(x) (+ σ·ξ, ξ ~ N(0, I) seeded, for noisy SGD), weight decay λ,
//! momentum μ, dampening τ and learning rate α:
//!
//! ```text
//! g ← g + λ·x
//! b ← g                          on the first step (torch starts the buffer at g)
//! b ← μ·b + (1 − τ)·g            afterwards            (only when μ ≠ 0)
//! g ← g + μ·b   (Nesterov)   or   g ← b   (heavy ball)
//! x ← x − α·g
//! ```

use super::{Hyper, Kind, Step, Update, term, zip2};
use rand_distr::{Distribution, StandardNormal};

#[inline]
pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        kind,
        h,
        s,
        x,
        grad,
        lr,
        ..
    } = c;
    let nesterov = kind == Kind::Nesterov;
    s.terms.set(&[term("∇f", grad)]);
    let mut g = grad;
    if h.noise > 0.0 {
        let xi: [f64; 2] = [
            StandardNormal.sample(&mut s.rng),
            StandardNormal.sample(&mut s.rng),
        ];
        g = zip2(g, xi, |g, xi| noisy(h, g, xi));
        s.terms.push(term("g (noisy)", g));
    }
    if h.weight_decay != 0.0 {
        g = zip2(g, x, |g, x| l2(h, g, x));
    }
    let seen = g;
    let rule = if h.momentum != 0.0 {
        let b = match s.buf {
            None => g,
            Some(b) => zip2(b, g, |b, g| buffer(h, b, g)),
        };
        s.buf = Some(b);
        s.terms.push(term("b (velocity)", b));
        if nesterov {
            g = zip2(g, b, |g, b| look_ahead(h, g, b));
            s.terms.push(term("g + μ·b", g));
            "b ← μ·b + g;  x ← x − α·(g + μ·b)"
        } else {
            g = b;
            "b ← μ·b + g;  x ← x − α·b"
        }
    } else if h.noise > 0.0 {
        "x ← x − α·(∇f + σ·ξ)"
    } else {
        "x ← x − α·∇f"
    };
    let step = g.map(|g| lr * g);
    s.terms.push(term("step α·g", step));
    Update::new(
        x,
        zip2(x, g, |x, g| descend(x, lr, g)),
        seen,
        lr,
        rule,
        seen_loss,
    )
}

// The equations of one coordinate, shared by the 2D step above and `vector`'s.

/// g + σ·ξ: SGD's added noise.
#[inline]
pub(super) fn noisy(h: &Hyper, g: f64, xi: f64) -> f64 {
    g + h.noise * xi
}

/// g + λ·x: L2 weight decay added to the gradient (SGD, Adagrad, RMSprop, Adam).
#[inline]
pub(super) fn l2(h: &Hyper, g: f64, x: f64) -> f64 {
    g + h.weight_decay * x
}

/// μ·b + (1 − τ)·g: the momentum buffer after its first step.
#[inline]
pub(super) fn buffer(h: &Hyper, b: f64, g: f64) -> f64 {
    h.momentum * b + (1.0 - h.dampening) * g
}

/// g + μ·b: Nesterov's look-ahead.
#[inline]
pub(super) fn look_ahead(h: &Hyper, g: f64, b: f64) -> f64 {
    g + h.momentum * b
}

/// x − α·d.
#[inline]
pub(super) fn descend(x: f64, lr: f64, d: f64) -> f64 {
    x - lr * d
}
