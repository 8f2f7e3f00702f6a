//! Particle swarm optimization: a seeded swarm with global-best topology, one generation a step.
//!
//! Kennedy & Eberhart (1995) with Clerc & Kennedy's constriction (2002), the parameters
//! Bratton & Kennedy's "Defining a Standard for Particle Swarm Optimization" (2007) fixes:
//!
//! ```text
//! vᵢ ← w·vᵢ + c·r₁ ⊙ (pᵢ − xᵢ) + c·r₂ ⊙ (g − xᵢ)      r₁, r₂ ~ U(0, 1)², fresh each time
//! xᵢ ← xᵢ + vᵢ
//! pᵢ ← xᵢ  where f(xᵢ) < f(pᵢ);  g = the best pᵢ
//! ```
//!
//! with w = χ = 0.7298 and c = χ·2.05 = 1.49618. The first step scatters the particles
//! uniformly over the square of half-width `lr` around the racer's point, at rest
//! (velocities 0, as Engelbrecht 2012 recommends), evaluates them and moves once. The
//! racer's ball is the swarm's mean; undefined values never become a best.

use super::vector::Search;
use super::{Hyper, Seen, Step, Update, scalar, term};
use crate::core::objective::Objective;
use rand::Rng;

/// Inertia w (Clerc's constriction factor χ).
const INERTIA: f64 = 0.7298;
/// Acceleration c towards each particle's own best and the swarm's best (χ·2.05).
const PULL: f64 = 1.49618;

/// The population PSO uses when none is set: see `Hyper::defaults`.
pub const DEFAULT_POPULATION: u64 = 40;

#[derive(Debug, Clone)]
pub(super) struct Swarm {
    pub x: Vec<[f64; 2]>,
    v: Vec<[f64; 2]>,
    best: Vec<[f64; 2]>,
    best_f: Vec<f64>,
}

impl Swarm {
    fn scatter(center: [f64; 2], radius: f64, n: usize, rng: &mut impl Rng, f: &Seen) -> Swarm {
        let x: Vec<[f64; 2]> = (0..n)
            .map(|_| {
                [
                    center[0] + radius * rng.random_range(-1.0..=1.0),
                    center[1] + radius * rng.random_range(-1.0..=1.0),
                ]
            })
            .collect();
        let best_f = x.iter().map(|&p| worst_if_nan(f.value(p))).collect();
        Swarm {
            v: vec![[0.0; 2]; n],
            best: x.clone(),
            x,
            best_f,
        }
    }

    /// The swarm's best point so far.
    fn leader(&self) -> [f64; 2] {
        let i = (0..self.best.len())
            .min_by(|&i, &j| self.best_f[i].total_cmp(&self.best_f[j]))
            .unwrap_or(0);
        self.best[i]
    }

    /// Moves every particle once and keeps what improved.
    fn fly(&mut self, rng: &mut impl Rng, f: &Seen) {
        let g = self.leader();
        for i in 0..self.x.len() {
            for (d, lead) in g.iter().enumerate() {
                let (r1, r2): (f64, f64) = (rng.random(), rng.random());
                self.v[i][d] = INERTIA * self.v[i][d]
                    + PULL * r1 * (self.best[i][d] - self.x[i][d])
                    + PULL * r2 * (lead - self.x[i][d]);
                self.x[i][d] += self.v[i][d];
            }
            let fx = worst_if_nan(f.value(self.x[i]));
            if fx < self.best_f[i] {
                self.best[i] = self.x[i];
                self.best_f[i] = fx;
            }
        }
    }

    pub fn mean(&self) -> [f64; 2] {
        let n = self.x.len().max(1) as f64;
        let (sx, sy) = self
            .x
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p[0], b + p[1]));
        [sx / n, sy / n]
    }

    /// How far the farthest particle is from the mean.
    pub fn spread(&self) -> f64 {
        let m = self.mean();
        self.x
            .iter()
            .map(|p| (p[0] - m[0]).hypot(p[1] - m[1]))
            .fold(0.0, f64::max)
    }
}

fn worst_if_nan(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

pub(super) fn step(c: Step) -> Update {
    let seen_loss = c.loss;
    let Step {
        h, s, x, seen: f, ..
    } = c;
    let n = match h.population {
        0 => DEFAULT_POPULATION,
        p => p,
    } as usize;
    let rng = &mut s.rng;
    let swarm = s
        .swarm
        .get_or_insert_with(|| Swarm::scatter(x, h.lr, n, rng, f));
    swarm.fly(rng, f);
    let leader = swarm.leader();
    s.terms.set(&[
        term("swarm's best g", leader),
        scalar("spread", swarm.spread()),
    ]);
    Update {
        from: x,
        to: swarm.mean(),
        grad: [f64::NAN; 2],
        lr: h.lr,
        rule: "vᵢ ← w·vᵢ + c·r₁(pᵢ − xᵢ) + c·r₂(g − xᵢ);  xᵢ ← xᵢ + vᵢ",
        note: None,
        seen_loss,
    }
}

/// The swarm on n coordinates: particles row-major, n numbers each.
#[derive(Debug, Clone)]
pub(super) struct SwarmN {
    n: usize,
    x: Vec<f64>,
    v: Vec<f64>,
    best: Vec<f64>,
    best_f: Vec<f64>,
    leader: Vec<f64>,
}

impl SwarmN {
    /// Scattered as in 2D, coordinate by coordinate (the same draws at n = 2).
    fn scatter(
        center: &[f64],
        radius: f64,
        p: usize,
        rng: &mut impl Rng,
        f: &mut dyn Objective,
    ) -> SwarmN {
        let n = center.len();
        let mut x = Vec::with_capacity(p * n);
        for _ in 0..p {
            x.extend(
                center
                    .iter()
                    .map(|c| c + radius * rng.random_range(-1.0..=1.0)),
            );
        }
        let best_f = x.chunks(n).map(|q| worst_if_nan(f.value(q))).collect();
        SwarmN {
            n,
            v: vec![0.0; p * n],
            best: x.clone(),
            x,
            best_f,
            leader: vec![0.0; n],
        }
    }

    /// One generation: every particle's velocity and position, then its best.
    fn fly(&mut self, rng: &mut impl Rng, f: &mut dyn Objective) {
        let n = self.n;
        let lead = (0..self.best_f.len())
            .min_by(|&i, &j| self.best_f[i].total_cmp(&self.best_f[j]))
            .unwrap_or(0);
        self.leader
            .copy_from_slice(&self.best[lead * n..(lead + 1) * n]);
        for i in 0..self.best_f.len() {
            let at = i * n..(i + 1) * n;
            for d in at.clone() {
                let (r1, r2): (f64, f64) = (rng.random(), rng.random());
                self.v[d] = INERTIA * self.v[d]
                    + PULL * r1 * (self.best[d] - self.x[d])
                    + PULL * r2 * (self.leader[d - i * n] - self.x[d]);
                self.x[d] += self.v[d];
            }
            let fx = worst_if_nan(f.value(&self.x[at.clone()]));
            if fx < self.best_f[i] {
                self.best[at.clone()].copy_from_slice(&self.x[at]);
                self.best_f[i] = fx;
            }
        }
    }
}

/// One generation on n coordinates; the racer's point becomes the swarm's mean. Returns
/// the swarm's best value so far.
pub(super) fn step_n(
    x: &mut [f64],
    h: &Hyper,
    rng: &mut impl Rng,
    s: &mut Search,
    f: &mut dyn Objective,
) -> f64 {
    let Search::Swarm(swarm) = s else {
        let p = match h.population {
            0 => DEFAULT_POPULATION,
            p => p,
        } as usize;
        *s = Search::Swarm(SwarmN::scatter(x, h.lr, p, rng, f));
        return step_n(x, h, rng, s, f);
    };
    swarm.fly(rng, f);
    let n = swarm.n;
    x.fill(0.0);
    for q in swarm.x.chunks(n) {
        x.iter_mut().zip(q).for_each(|(m, v)| *m += v);
    }
    let count = (swarm.best_f.len().max(1)) as f64;
    x.iter_mut().for_each(|m| *m /= count);
    swarm.best_f.iter().copied().fold(f64::INFINITY, f64::min)
}
