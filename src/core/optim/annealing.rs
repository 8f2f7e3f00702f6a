//! Simulated annealing: a seeded random walk that accepts uphill moves less often as it cools.
//!
//! Kirkpatrick, Gelatt & Vecchi (1983) with the Metropolis rule (1953) and geometric cooling.
//! One step is one move (in any number of dimensions); with step size σ = `lr`, start temperature T₀ and cooling factor c:
//!
//! ```text
//! T_k = T₀·c^(k−1)                                 the temperature of move k
//! y = x + σ·ξ,  ξ ~ N(0, I)                        a proposal
//! Δ = f(y) − f(x)
//! x ← y   if Δ ≤ 0, or with probability exp(−Δ/T_k) (never at T = 0)
//! ```
//!
//! Undefined proposals are rejected. The ball is the walker x; one move costs one
//! evaluation (the first also pays for f at the start).

use super::vector::Search;
use super::{Hyper, Step, Update, scalar, term};
use crate::core::objective::Objective;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

#[derive(Debug, Clone)]
pub(super) struct Walker {
    x: [f64; 2],
    fx: f64,
    /// The temperature of the last move.
    pub temperature: f64,
    pub accepted: u64,
    pub moves: u64,
    /// The last proposal, for drawing.
    pub proposal: [f64; 2],
}

/// Whether a move that changes f by `delta` is taken at temperature `t`, given u ~ U(0, 1).
pub fn metropolis(delta: f64, t: f64, u: f64) -> bool {
    delta <= 0.0 || (t > 0.0 && u < (-delta / t).exp())
}

pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        h, s, x, seen: f, ..
    } = c;
    let walker = s.walker.get_or_insert_with(|| Walker {
        x,
        fx: f.value(x),
        temperature: h.temperature,
        accepted: 0,
        moves: 0,
        proposal: x,
    });
    let t = h.temperature * h.cooling.powf(walker.moves as f64);
    let xi: [f64; 2] = [
        StandardNormal.sample(&mut s.rng),
        StandardNormal.sample(&mut s.rng),
    ];
    let y = [walker.x[0] + h.lr * xi[0], walker.x[1] + h.lr * xi[1]];
    let fy = f.value(y);
    let delta = fy - walker.fx;
    let u: f64 = s.rng.random();
    let take = !delta.is_nan() && metropolis(delta, t, u);
    walker.moves += 1;
    walker.temperature = t;
    walker.proposal = y;
    if take {
        walker.x = y;
        walker.fx = fy;
        walker.accepted += 1;
    }
    let rate = walker.accepted as f64 / walker.moves as f64;
    s.terms.set(&[
        term("proposal y", y),
        scalar("Δ = f(y) − f(x)", delta),
        scalar("temperature T", t),
        scalar("acceptance rate", rate),
    ]);
    Update {
        from: x,
        to: walker.x,
        grad: [f64::NAN; 2],
        lr: h.lr,
        rule: if take {
            "accepted: x ← y  (Δ ≤ 0, or u < exp(−Δ/T))"
        } else {
            "rejected: x stays  (u ≥ exp(−Δ/T))"
        },
        note: None,
        seen_loss,
    }
}

/// The walker on n coordinates, with its proposal's buffer.
#[derive(Debug, Clone)]
pub(super) struct WalkerN {
    x: Vec<f64>,
    fx: f64,
    y: Vec<f64>,
    moves: u64,
}

/// One move on n coordinates, drawing ξ coordinate by coordinate and then u as the 2D step
/// does (so at n = 2 it walks the same path). Returns f at the walker.
pub(super) fn step_n(
    x: &mut [f64],
    h: &Hyper,
    rng: &mut impl Rng,
    s: &mut Search,
    f: &mut dyn Objective,
) -> f64 {
    let Search::Walker(w) = s else {
        let (fx, start) = (f.value(x), x.to_vec());
        *s = Search::Walker(WalkerN {
            y: start.clone(),
            x: start,
            fx,
            moves: 0,
        });
        return step_n(x, h, rng, s, f);
    };
    let t = h.temperature * h.cooling.powf(w.moves as f64);
    for (y, x) in w.y.iter_mut().zip(&w.x) {
        let xi: f64 = StandardNormal.sample(rng);
        *y = x + h.lr * xi;
    }
    let fy = f.value(&w.y);
    let delta = fy - w.fx;
    let u: f64 = rng.random();
    w.moves += 1;
    if !delta.is_nan() && metropolis(delta, t, u) {
        std::mem::swap(&mut w.x, &mut w.y);
        w.fx = fy;
    }
    x.copy_from_slice(&w.x);
    w.fx
}
