//! The network's curvature: exact Hessian-vector products by Pearlmutter's R-operator (the
//! forward pass and backpropagation differentiated once more along a direction v), the full
//! Hessian from n of them, and its extreme eigenvalues: the sharpness λ_max and λ_min.

use super::{Activation, Loss, Net, Rows, Work};
use nalgebra::{DMatrix, SymmetricEigen};

/// Most parameters the full Hessian is made for (n products of n numbers, then an n × n
/// eigendecomposition).
pub const MAX_HESSIAN: usize = 1000;

/// Buffers for Hessian-vector products, made once per network.
#[derive(Debug, Clone)]
pub struct CurvatureWork {
    base: Work,
    /// R{z} and R{a} per layer: their derivatives along v.
    rz: Vec<Vec<f64>>,
    ra: Vec<Vec<f64>>,
    rdelta: Vec<f64>,
    rback: Vec<f64>,
}

impl Activation {
    /// The second derivative at the sum z, from the activation a.
    fn curvature(self, a: f64) -> f64 {
        match self {
            Activation::Tanh => -2.0 * a * (1.0 - a * a),
            Activation::Sigmoid => a * (1.0 - a) * (1.0 - 2.0 * a),
            Activation::Relu | Activation::Linear => 0.0,
        }
    }
}

impl Net {
    /// Buffers for [`Net::hessian_vector`].
    pub fn curvature_work(&self) -> CurvatureWork {
        let base = self.work();
        CurvatureWork {
            rz: base.z.clone(),
            ra: base.a.clone(),
            rdelta: base.delta.clone(),
            rback: base.back.clone(),
            base,
        }
    }

    /// H·v, the Hessian of the mean loss over `rows` (every row when None) times `v`, into
    /// `out`: exact, from one forward and one backward pass per row carrying derivatives
    /// along v beside the values.
    pub fn hessian_vector(
        &self,
        theta: &[f64],
        v: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        out: &mut [f64],
        work: &mut CurvatureWork,
    ) {
        out.fill(0.0);
        let n = rows.map_or(data.len(), <[u32]>::len);
        let scale = 1.0 / n as f64;
        for k in 0..n {
            let r = rows.map_or(k, |rows| rows[k] as usize);
            self.forward(theta, data.inputs(r), &mut work.base);
            self.r_forward(theta, v, work);
            self.output_loss(data.y[r], scale, &mut work.base);
            self.r_output(scale, work);
            self.r_backward(theta, v, out, work);
        }
    }

    /// R{z} and R{a} layer by layer: R{z} = V·a + W·R{a} + c, R{a} = σ'(z)·R{z}.
    fn r_forward(&self, theta: &[f64], v: &[f64], work: &mut CurvatureWork) {
        let last = self.widths.len() - 2;
        work.ra[0].fill(0.0);
        for (l, &(n_in, n_out, at)) in work.base.layers.iter().enumerate() {
            let (w, dw) = (&theta[at..], &v[at..]);
            let (a, ra) = (&work.base.a[l], &work.ra[l]);
            for o in 0..n_out {
                let mut rz = dw[n_in * n_out + o];
                for i in 0..n_in {
                    rz += dw[o * n_in + i] * a[i] + w[o * n_in + i] * ra[i];
                }
                work.rz[l][o] = rz;
            }
            if l < last {
                for o in 0..n_out {
                    let (z, a) = (work.base.z[l][o], work.base.a[l + 1][o]);
                    work.ra[l + 1][o] = self.activation.slope(z, a) * work.rz[l][o];
                }
            }
        }
    }

    /// R{∂ℓ/∂logits} = (∂²ℓ/∂logits²)·R{logits}, scaled as the loss's mean.
    fn r_output(&self, scale: f64, work: &mut CurvatureWork) {
        let z = &work.base.z[work.base.z.len() - 1];
        let rz = &work.rz[work.rz.len() - 1];
        let rd = &mut work.rdelta[..z.len()];
        match self.loss {
            Loss::Bce => {
                let p = super::sigmoid(z[0]);
                rd[0] = p * (1.0 - p) * rz[0] * scale;
            }
            Loss::Ce => {
                let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = z.iter().map(|v| (v - top).exp()).sum();
                let p = |k: usize| (z[k] - top).exp() / sum;
                let mean: f64 = (0..z.len()).map(|k| p(k) * rz[k]).sum();
                for (k, d) in rd.iter_mut().enumerate() {
                    *d = p(k) * (rz[k] - mean) * scale;
                }
            }
            Loss::Mse => rd[0] = 2.0 * rz[0] * scale,
        }
    }

    /// Backpropagation differentiated along v: each parameter's share of H·v into `out`.
    fn r_backward(&self, theta: &[f64], v: &[f64], out: &mut [f64], work: &mut CurvatureWork) {
        for l in (0..work.base.layers.len()).rev() {
            let (n_in, n_out, at) = work.base.layers[l];
            let (a, ra) = (&work.base.a[l], &work.ra[l]);
            let (delta, rdelta) = (&work.base.delta[..n_out], &work.rdelta[..n_out]);
            for o in 0..n_out {
                for i in 0..n_in {
                    out[at + o * n_in + i] += rdelta[o] * a[i] + delta[o] * ra[i];
                }
                out[at + n_in * n_out + o] += rdelta[o];
            }
            if l == 0 {
                break;
            }
            let (w, dw) = (&theta[at..], &v[at..]);
            for i in 0..n_in {
                let (mut t, mut rt) = (0.0, 0.0);
                for o in 0..n_out {
                    t += w[o * n_in + i] * delta[o];
                    rt += dw[o * n_in + i] * delta[o] + w[o * n_in + i] * rdelta[o];
                }
                let (z, a) = (work.base.z[l - 1][i], work.base.a[l][i]);
                let slope = self.activation.slope(z, a);
                work.base.back[i] = slope * t;
                work.rback[i] = self.activation.curvature(a) * work.rz[l - 1][i] * t + slope * rt;
            }
            std::mem::swap(&mut work.base.delta, &mut work.base.back);
            std::mem::swap(&mut work.rdelta, &mut work.rback);
        }
    }

    /// The full Hessian of the mean loss (n × n, row-major, symmetrised), from n products;
    /// None beyond [`MAX_HESSIAN`] parameters.
    pub fn hessian(&self, theta: &[f64], data: &Rows, rows: Option<&[u32]>) -> Option<Vec<f64>> {
        let n = theta.len();
        if n > MAX_HESSIAN {
            return None;
        }
        let mut work = self.curvature_work();
        let (mut e, mut column) = (vec![0.0; n], vec![0.0; n]);
        let mut h = vec![0.0; n * n];
        for j in 0..n {
            e[j] = 1.0;
            self.hessian_vector(theta, &e, data, rows, &mut column, &mut work);
            e[j] = 0.0;
            for i in 0..n {
                h[i * n + j] = column[i];
            }
        }
        for i in 0..n {
            for j in 0..i {
                let m = 0.5 * (h[i * n + j] + h[j * n + i]);
                h[i * n + j] = m;
                h[j * n + i] = m;
            }
        }
        Some(h)
    }

    /// The Hessian's smallest and largest eigenvalues (λ_min, λ_max: the sharpness); None
    /// beyond [`MAX_HESSIAN`] parameters.
    pub fn extremes(&self, theta: &[f64], data: &Rows, rows: Option<&[u32]>) -> Option<(f64, f64)> {
        let n = theta.len();
        let h = self.hessian(theta, data, rows)?;
        let eigen = SymmetricEigen::new(DMatrix::from_row_slice(n, n, &h));
        let values = eigen.eigenvalues.iter().copied();
        Some(
            values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            }),
        )
    }
}
