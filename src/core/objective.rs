//! What an optimizer sees of the thing it minimises: an objective over n coordinates that
//! gives its value, its gradient and, where it has them, its Hessian or Hessian-vector
//! products, each counted as evaluations. A formula and a data landscape (through
//! [`Seen`]: every row or this step's mini-batch, exact or finite differences) and a network
//! ([`Network`]) are its three kinds; a fourth is one more `impl Objective`.

use crate::core::net::{CurvatureWork, Net, Rows, Work};
use crate::core::optim::Seen;

/// A function of n coordinates as an optimizer sees it.
pub trait Objective {
    /// The number of coordinates n.
    fn dim(&self) -> usize;

    /// f at `x`.
    fn value(&mut self, x: &[f64]) -> f64;

    /// f and ∇f at `x`, the gradient into `grad`; f is NaN where the gradient was found
    /// without evaluating f at `x` (central differences).
    fn gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64;

    /// f, with ∇f into `grad` and ∇²f (n × n, row-major) into `hessian`; None when this
    /// objective has no Hessian (too many coordinates, or none defined).
    fn hessian(&mut self, x: &[f64], grad: &mut [f64], hessian: &mut [f64]) -> Option<f64>;

    /// ∇²f(x)·v into `out`: false when this objective has no Hessian-vector product.
    fn hessian_vector(&mut self, _x: &[f64], _v: &[f64], _out: &mut [f64]) -> bool {
        false
    }

    /// Evaluations paid so far, in this objective's unit (see each kind).
    fn evals(&self) -> u64;
}

/// A formula or a data landscape: two coordinates; a value costs 1 evaluation, a gradient 4,
/// a gradient and Hessian 9 (the 3 × 3 stencil's count), as a 2D racer pays.
impl Objective for Seen<'_> {
    fn dim(&self) -> usize {
        2
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        Seen::value(self, [x[0], x[1]])
    }

    fn gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (f, g) = Seen::gradient(self, [x[0], x[1]]);
        grad.copy_from_slice(&g);
        f
    }

    fn hessian(&mut self, x: &[f64], grad: &mut [f64], hessian: &mut [f64]) -> Option<f64> {
        let d = self.derivatives([x[0], x[1]]);
        grad.copy_from_slice(&d.gradient);
        hessian.copy_from_slice(d.hessian.as_flattened());
        Some(d.value)
    }

    fn evals(&self) -> u64 {
        self.evals.get()
    }
}

/// A network's mean loss over its rows (every row, or this step's mini-batch) as a function
/// of its parameters θ. An evaluation is one row through the network: a value or a gradient
/// over a batch of 32 costs 32, a Hessian-vector product 32, the full Hessian n·32.
pub struct Network<'a> {
    pub net: &'a Net,
    pub data: &'a Rows,
    /// This step's rows (None: every row).
    pub rows: Option<&'a [u32]>,
    pub work: &'a mut Work,
    /// Kept buffers for the Hessian and its products (None: made at each use).
    pub curvature: Option<&'a mut CurvatureWork>,
    pub evals: u64,
}

impl<'a> Network<'a> {
    pub fn new(
        net: &'a Net,
        data: &'a Rows,
        rows: Option<&'a [u32]>,
        work: &'a mut Work,
    ) -> Network<'a> {
        Network {
            net,
            data,
            rows,
            work,
            curvature: None,
            evals: 0,
        }
    }

    fn rows_seen(&self) -> u64 {
        self.rows.map_or(self.data.len(), <[u32]>::len) as u64
    }
}

impl Objective for Network<'_> {
    fn dim(&self) -> usize {
        self.net.parameters()
    }

    fn value(&mut self, x: &[f64]) -> f64 {
        self.evals += self.rows_seen();
        self.net.loss(x, self.data, self.rows, self.work).0
    }

    fn gradient(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.evals += self.rows_seen();
        self.net.gradient(x, self.data, self.rows, grad, self.work)
    }

    fn hessian(&mut self, x: &[f64], grad: &mut [f64], hessian: &mut [f64]) -> Option<f64> {
        let (net, data, rows) = (self.net, self.data, self.rows);
        let made = match self.curvature.as_deref_mut() {
            Some(work) => net.hessian_into(x, data, rows, hessian, work),
            None => net.hessian_into(x, data, rows, hessian, &mut net.curvature_work()),
        };
        if !made {
            return None;
        }
        self.evals += x.len() as u64 * self.rows_seen();
        Some(self.gradient(x, grad))
    }

    fn hessian_vector(&mut self, x: &[f64], v: &[f64], out: &mut [f64]) -> bool {
        self.evals += self.rows_seen();
        let (net, data, rows) = (self.net, self.data, self.rows);
        match self.curvature.as_deref_mut() {
            Some(work) => net.curvature(x, data, rows, work).product(v, out),
            None => net.hessian_vector(x, v, data, rows, out),
        }
        true
    }

    fn evals(&self) -> u64 {
        self.evals
    }
}
