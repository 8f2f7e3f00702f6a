//! Which learning rates work: the first racer's optimizer from its start at log-spaced
//! learning rates (final loss against lr), and with a momentum or β₁ a phase diagram over
//! both, computed in the background (`core::atlas::sweep`) and redone when the racer's
//! optimizer, its other settings, its start or the landscape change. The panel draws them.

use super::landscape::Landscape;
use super::racers::Racer;
use super::sets::AppSet;
use crate::core::atlas::{self, Plan, Trial};
use crate::core::optim::run::StopRules;
use crate::core::optim::{Field, Hyper, Kind};
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, block_on, futures_lite::future::poll_once};

/// The learning rates swept: five decades, ten points each.
pub const LR_RANGE: (f64, f64, usize) = (1e-4, 10.0, 51);
/// The phase diagram's grid: learning rates by values of the second hyperparameter.
pub const PHASE: (usize, usize) = (26, 12);
/// Steps each run may take.
pub const SWEEP_STEPS: u64 = 500;

/// A finished sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub curve: Vec<Trial>,
    /// The second hyperparameter, its values, and the (lr, value) grid, lr fastest.
    pub phase: Option<(Field, Vec<f64>, Vec<Trial>)>,
}

/// What a sweep was made for: the racer's settings less the swept ones.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    revision: u64,
    kind: Kind,
    hyper: Hyper,
    start: [f64; 2],
}

#[derive(Resource, Default)]
pub struct Sweeps {
    pub shown: bool,
    key: Option<Key>,
    task: Option<Task<Option<Done>>>,
    pub done: Option<Done>,
}

impl Sweeps {
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }
}

/// The hyperparameter a phase diagram pairs with the learning rate, if the kind has one.
pub fn second(kind: Kind) -> Option<Field> {
    let fields = kind.fields();
    [Field::Momentum, Field::Beta1]
        .into_iter()
        .find(|f| fields.contains(f))
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Sweeps>()
        .add_systems(Update, (plan, collect).chain().in_set(AppSet::Rebuild));
}

fn key_of(racer: &Racer, revision: u64) -> Key {
    let o = &racer.run.optimizer;
    let mut hyper = o.hyper.clone();
    hyper.lr = 0.0;
    if let Some(f) = second(o.kind) {
        f.set(&mut hyper, 0.0).ok();
    }
    Key {
        revision,
        kind: o.kind,
        hyper,
        start: racer.run.start,
    }
}

fn plan(mut sweeps: ResMut<Sweeps>, landscape: Res<Landscape>, racers: Query<&Racer>) {
    let Some(lead) = racers
        .iter()
        .min_by_key(|r| r.slot)
        .filter(|_| sweeps.shown)
    else {
        sweeps.task = None;
        sweeps.key = None;
        return;
    };
    let key = key_of(lead, landscape.revision);
    if sweeps.key.as_ref() == Some(&key) {
        return;
    }
    sweeps.key = Some(key);
    let plan = Plan {
        kind: lead.run.optimizer.kind,
        hyper: lead.run.optimizer.hyper.clone(),
        rules: StopRules {
            max_steps: Some(SWEEP_STEPS),
            ..lead.run.rules.clone()
        },
    };
    let (f, start) = (landscape.formula.clone(), lead.run.start);
    // A task dropped unfinished is cancelled: the stale sweep stops with it.
    sweeps.task = Some(AsyncComputeTaskPool::get().spawn(async move { sweep(&f, &plan, start) }));
}

/// The curve and, where the optimizer has a second hyperparameter, the phase diagram.
pub fn sweep(f: &crate::core::expr::Formula, plan: &Plan, start: [f64; 2]) -> Option<Done> {
    let (a, b, n) = LR_RANGE;
    let curve = atlas::sweep(f, plan, start, &atlas::spaced(a, b, n, true), None).ok()?;
    let phase = second(plan.kind).and_then(|field| {
        let lrs = atlas::spaced(a, b, PHASE.0, true);
        let values = atlas::spaced(0.0, 0.99, PHASE.1, false);
        let grid = atlas::sweep(f, plan, start, &lrs, Some((field, &values))).ok()?;
        Some((field, values, grid))
    });
    Some(Done { curve, phase })
}

fn collect(mut sweeps: ResMut<Sweeps>) {
    let Some(task) = sweeps.task.as_mut() else {
        return;
    };
    if let Some(done) = block_on(poll_once(task)) {
        sweeps.task = None;
        sweeps.done = done;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::racers::{NewRace, Sim};
    use crate::core::optim::run::Status;
    use crate::core::race::RacerSpec;

    #[test]
    fn the_first_racers_sweep_lands_and_is_redone_for_another_optimizer() {
        let land = crate::core::landscape::Landscape::of_formula("x^2 + y^2", None).unwrap();
        let mut app = crate::app::headless(land);
        app.add_plugins(plugin);
        let mut sim = Sim::fixed(1);
        sim.playing = false;
        app.insert_resource(sim);
        let gd = RacerSpec::new(Kind::Gd, Hyper::defaults(Kind::Gd), [1.0, 1.0]);
        app.world_mut().write_message(NewRace(vec![gd]));
        app.update();
        app.world_mut().resource_mut::<Sweeps>().shown = true;
        let wait = |app: &mut App| {
            let t = std::time::Instant::now();
            loop {
                app.update();
                let s = app.world().resource::<Sweeps>();
                if !s.busy() && s.done.is_some() {
                    return s.done.clone().unwrap();
                }
                assert!(t.elapsed().as_secs() < 30);
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        };
        let done = wait(&mut app);
        assert_eq!(done.curve.len(), LR_RANGE.2);
        assert!(
            done.phase.is_none(),
            "plain GD has no second hyperparameter"
        );
        // x² + y²: below lr = 1 it converges, above it diverges.
        for t in &done.curve {
            if t.lr < 0.9 && t.lr > 0.02 {
                assert_eq!(t.status, Status::Converged, "{}", t.lr);
            }
            if t.lr > 1.1 {
                assert!(matches!(t.status, Status::Diverged(_)), "{}", t.lr);
            }
        }
        // A new learning rate is on the curve already: nothing is redone.
        let set = |app: &mut App, f: &dyn Fn(&mut Racer)| {
            let mut q = app.world_mut().query::<&mut Racer>();
            for mut r in q.iter_mut(app.world_mut()) {
                f(&mut r);
            }
            app.update();
        };
        set(&mut app, &|r| r.run.optimizer.hyper.lr = 0.3);
        assert!(!app.world().resource::<Sweeps>().busy());
        // Momentum brings the phase diagram.
        set(&mut app, &|r| {
            r.run.optimizer = crate::core::optim::Optimizer::with_defaults(Kind::Momentum)
        });
        assert!(app.world().resource::<Sweeps>().busy());
        let done = wait(&mut app);
        let (field, values, grid) = done.phase.unwrap();
        assert_eq!(field, Field::Momentum);
        assert_eq!(grid.len(), PHASE.0 * values.len());
    }
}
