//! Many starts stepped together: the atlas's engine for the gradient methods.
//!
//! A gradient method's update is the same equation for every coordinate, its state kept per
//! coordinate, and every start of a map takes its k-th step at the same k. So a block of
//! starts is one [`VectorOptimizer`] over all their coordinates side by side: one update loop
//! (vectorised, no per-start `Optimizer`, `Update` or step record), one call of the compiled
//! gradient's loop over the block a step, and the same stop rules as `Run::step`. Every number is the one a
//! start's own run computes (the update's per-coordinate equations are those of the 2D step;
//! tested bit for bit against [`settle`](super::settle)). Finished starts leave the block, so
//! it shrinks as they converge.

use super::Plan;
use crate::core::data::is_full_batch;
use crate::core::expr::Formula;
use crate::core::optim::Kind;
use crate::core::optim::run::{Run, Standing, Status, StopRules};
use crate::core::optim::vector::VectorOptimizer;
use std::sync::atomic::{AtomicBool, Ordering};

/// Starts stepped together: small enough that the block's state stays in the first-level
/// cache, large enough that the update loop runs long.
pub const BLOCK: usize = 64;

/// Where one start's run ended, as [`Run`](crate::core::optim::run::Run) would leave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The last finite point.
    pub pos: [f64; 2],
    pub loss: f64,
    pub steps: u64,
    pub status: Status,
}

impl From<Run> for Settled {
    fn from(run: Run) -> Settled {
        Settled {
            pos: run.pos,
            loss: run.loss,
            steps: run.steps,
            status: run.status,
        }
    }
}

/// Whether the block engine gives exactly what per-start runs give for this plan on `f`: a
/// gradient method, on the exact full-batch gradient, with no noise drawn (a drawn ξ would
/// come from one shared generator instead of one per start).
pub fn fits(plan: &Plan, f: &Formula) -> bool {
    let h = &plan.hyper;
    let full_batch = f.data().is_none_or(|d| is_full_batch(h.batch, d.rows()));
    plan.kind.is_first_order()
        && h.noise == 0.0
        && h.fd == 0.0
        && full_batch
        && h.validate_for(plan.kind).is_ok()
}

/// Runs `plan` from each of `starts` until its stop rules end it, the starts stepped
/// together; with `lrs`, start i at learning rate `lrs[i]` instead of the plan's (a sweep).
/// None when `cancel` was raised first, or when the plan does not [`fits`].
pub fn settle(
    f: &Formula,
    plan: &Plan,
    starts: &[[f64; 2]],
    lrs: Option<&[f64]>,
    cancel: &AtomicBool,
) -> Option<Vec<Settled>> {
    if !fits(plan, f) {
        return None;
    }
    let (mut ends, mut block) = Block::start(f, plan, starts);
    let mut opt = VectorOptimizer::new(plan.kind, plan.hyper.clone(), block.x.len()).ok()?;
    if let Some(lrs) = lrs {
        opt = opt.with_rates(block.live.iter().flat_map(|&i| [lrs[i]; 2]).collect());
    }
    // Every start in the block has taken the same number of steps.
    let mut steps = 0;
    while !block.live.is_empty() {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        block.before.copy_from_slice(&block.x);
        opt.descend(&mut block.x, &block.g);
        steps += 1;
        if let Some(keep) = block.judge(f, plan, steps, &mut ends) {
            block.retain(&keep);
            opt.retain(&keep);
        }
    }
    Some(ends)
}

/// The running starts of a block, side by side: which start each is, its coordinates before
/// and after this step and its gradient (x, y pairs), its loss, its stall window's loss.
#[derive(Default)]
struct Block {
    live: Vec<usize>,
    x: Vec<f64>,
    before: Vec<f64>,
    g: Vec<f64>,
    /// f, ∂x, ∂y at each lane's new point.
    jets: Vec<f64>,
    loss: Vec<f64>,
    window: Vec<f64>,
}

impl Block {
    /// Every start's status before a step (as [`Run::new`](crate::core::optim::run::Run)
    /// gives it), and the block of those still running.
    fn start(f: &Formula, plan: &Plan, starts: &[[f64; 2]]) -> (Vec<Settled>, Block) {
        let mut ends = Vec::with_capacity(starts.len());
        let mut block = Block::default();
        for (i, &start) in starts.iter().enumerate() {
            let (loss, grad) = f.gradient(start);
            let status = plan.rules.at_start(start, loss);
            if status.is_running() {
                block.live.push(i);
                block.x.extend(start);
                block.g.extend(grad);
                block.loss.push(loss);
            }
            ends.push(Settled {
                pos: start,
                loss,
                steps: 0,
                status,
            });
        }
        block.window = block.loss.clone();
        block.before = block.x.clone();
        (ends, block)
    }

    /// f and ∇f at every lane's new point (one call of the compiled loop), and the stop
    /// rules there, as [`Run::step`](crate::core::optim::run::Run::step) applies them. Lanes
    /// that stopped are written to `ends`; returns which coordinates to keep when any did.
    fn judge(
        &mut self,
        f: &Formula,
        plan: &Plan,
        steps: u64,
        ends: &mut [Settled],
    ) -> Option<Vec<bool>> {
        let rules = &plan.rules;
        let window_ends = rules.window_ends(steps);
        self.jets.resize(3 * self.live.len(), 0.0);
        f.gradients(&self.x, &mut self.jets);
        if !window_ends && !rules.step_limit(steps) && self.all_pass(rules, plan.kind) {
            // Every lane runs on: only its loss and gradient change (most steps of a map).
            for (k, jet) in self.jets.chunks_exact(3).enumerate() {
                self.loss[k] = jet[0];
                self.g[2 * k..2 * k + 2].copy_from_slice(&jet[1..]);
            }
            return None;
        }
        let mut keep: Option<Vec<bool>> = None;
        for k in 0..self.live.len() {
            let to = [self.x[2 * k], self.x[2 * k + 1]];
            let [loss, gx, gy] = [0, 1, 2].map(|c| self.jets[3 * k + c]);
            let status = match rules.divergence(to, loss) {
                Some(why) => Status::Diverged(why),
                None => {
                    self.loss[k] = loss;
                    [self.g[2 * k], self.g[2 * k + 1]] = [gx, gy];
                    let standing = Standing {
                        pos: to,
                        loss,
                        grad: [gx, gy],
                        steps,
                        window_ends,
                        window_loss: &mut self.window[k],
                    };
                    rules.judge(f, plan.kind, None, standing)
                }
            };
            if !status.is_running() {
                ends[self.live[k]] = self.settled(k, steps, status);
                let keep = keep.get_or_insert_with(|| vec![true; self.x.len()]);
                keep[2 * k..2 * k + 2].fill(false);
            }
        }
        keep
    }

    /// Whether every lane's new point passes the stop rules' tests of one point.
    fn all_pass(&self, rules: &StopRules, kind: Kind) -> bool {
        let points = self.x.chunks_exact(2).zip(self.jets.chunks_exact(3));
        points.fold(true, |all, (x, jet)| {
            all & rules.passes(kind, [x[0], x[1]], jet[0], [jet[1], jet[2]])
        })
    }

    /// How lane `k` ended, as its own run leaves it: at its new point, or, diverged, at its
    /// last finite one.
    fn settled(&self, k: usize, steps: u64, status: Status) -> Settled {
        let at = if matches!(status, Status::Diverged(_)) {
            &self.before
        } else {
            &self.x
        };
        Settled {
            pos: [at[2 * k], at[2 * k + 1]],
            loss: self.loss[k],
            steps,
            status,
        }
    }

    /// Keeps the lanes where `keep` is true (on both their coordinates).
    fn retain(&mut self, keep: &[bool]) {
        retain_by(&mut self.x, keep.iter());
        retain_by(&mut self.before, keep.iter());
        retain_by(&mut self.g, keep.iter());
        retain_by(&mut self.live, keep.iter().step_by(2));
        retain_by(&mut self.loss, keep.iter().step_by(2));
        retain_by(&mut self.window, keep.iter().step_by(2));
    }
}

fn retain_by<'a, T>(v: &mut Vec<T>, mut keep: impl Iterator<Item = &'a bool>) {
    v.retain(|_| keep.next().copied().unwrap_or(false));
}
