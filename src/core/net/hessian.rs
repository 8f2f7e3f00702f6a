//! The network's curvature: exact Hessian-vector products by Pearlmutter's R-operator (the
//! forward pass and backpropagation differentiated once more along a direction v), the full
//! Hessian from n of them (for Newton), and its extreme eigenvalues — the sharpness λ_max
//! and λ_min — by Lanczos on the products. The passes at θ that every product shares (each
//! block's sums, outputs and ∂ℓ/∂Z at every layer) are made once per [`Curvature`].

use super::{Activation, BLOCK, Loss, Net, Rows, Work, dense};

/// Most parameters the full Hessian is made for (n products of n numbers, then an n × n
/// eigendecomposition).
pub const MAX_HESSIAN: usize = 1000;

/// Most numbers a [`Curvature`] keeps of its blocks' passes (64 MB); blocks beyond are
/// passed through again for each product.
const KEEP: usize = 8 << 20;

/// One block of rows passed forward and back at θ: what every product along any v reads.
#[derive(Debug, Clone)]
struct Base {
    /// Each layer's sums and outputs.
    work: Work,
    /// ∂ℓ/∂Z at every layer (the mean's share), the output layer last.
    deltas: Vec<Vec<f64>>,
    /// Rows in the block.
    m: usize,
}

/// Where the Hessian is taken: the network, θ and the rows.
#[derive(Debug, Clone, Copy)]
struct At<'a> {
    net: &'a Net,
    theta: &'a [f64],
    data: &'a Rows,
    rows: Option<&'a [u32]>,
}

/// The derivatives along v, per block: R{Z} and R{A} per layer, R{Δ} and the layer below's.
#[derive(Debug, Clone)]
struct Along {
    rz: Vec<Vec<f64>>,
    ra: Vec<Vec<f64>>,
    rdelta: Vec<f64>,
    rback: Vec<f64>,
    /// A layer's weights (or v's) transposed.
    wt: Vec<f64>,
}

/// Buffers for a network's Hessian-vector products, kept from point to point so that a
/// Newton step on a network allocates nothing: the blocks' passes at θ, a block passed again,
/// the derivatives along v, and the unit vector and column the full Hessian is made of.
#[derive(Debug, Clone)]
pub struct CurvatureWork {
    /// The first blocks' passes, as many as [`KEEP`] allows.
    kept: Vec<Base>,
    /// The block being passed again (those not kept).
    scratch: Base,
    along: Along,
    unit: Vec<f64>,
    column: Vec<f64>,
}

/// The Hessian of a network's mean loss over some rows at θ, as an operator v ↦ H·v.
#[derive(Debug)]
pub struct Curvature<'a> {
    at: At<'a>,
    work: &'a mut CurvatureWork,
    /// How many of `work.kept` hold this point's passes.
    keep: usize,
}

impl Activation {
    /// σ''(z)/σ'(z), from the activation a (tanh: σ'' = −2a·σ', sigmoid: σ'' = (1 − 2a)·σ';
    /// ReLU and linear have none): what turns the layer's Δ = σ'·(Δ·W) into σ''·(Δ·W), with
    /// no division where σ' is 0.
    fn curvature_over_slope(self, a: f64) -> f64 {
        match self {
            Activation::Tanh => -2.0 * a,
            Activation::Sigmoid => 1.0 - 2.0 * a,
            Activation::Relu | Activation::Linear => 0.0,
        }
    }
}

impl Net {
    /// Buffers for [`Net::curvature`], sized for this network.
    pub fn curvature_work(&self) -> CurvatureWork {
        let work = self.work();
        let along = Along {
            rz: work.z.clone(),
            ra: work.a.clone(),
            rdelta: work.delta.clone(),
            rback: work.back.clone(),
            wt: work.wt.clone(),
        };
        let n = self.parameters();
        CurvatureWork {
            kept: Vec::new(),
            scratch: Base {
                deltas: work.z.clone(),
                work,
                m: 0,
            },
            along,
            unit: vec![0.0; n],
            column: vec![0.0; n],
        }
    }

    /// The Hessian at θ over `rows` (every row when None), ready for products, in `work`.
    pub fn curvature<'a>(
        &'a self,
        theta: &'a [f64],
        data: &'a Rows,
        rows: Option<&'a [u32]>,
        work: &'a mut CurvatureWork,
    ) -> Curvature<'a> {
        let at = At {
            net: self,
            theta,
            data,
            rows,
        };
        let per_block: usize = self.widths.iter().sum::<usize>() * 3 * BLOCK;
        let keep = at.blocks().min(KEEP / per_block.max(1));
        // Made once (or when the rows grow); filled at every point.
        while work.kept.len() < keep {
            work.kept.push(work.scratch.clone());
        }
        for (b, base) in work.kept[..keep].iter_mut().enumerate() {
            at.pass(b, base);
        }
        Curvature { at, work, keep }
    }

    /// H·v, the Hessian of the mean loss over `rows` (every row when None) times `v`, into
    /// `out`: exact, from one forward and one backward pass per block of rows carrying
    /// derivatives along v beside the values.
    pub fn hessian_vector(
        &self,
        theta: &[f64],
        v: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        out: &mut [f64],
    ) {
        let mut work = self.curvature_work();
        self.curvature(theta, data, rows, &mut work).product(v, out);
    }

    /// The full Hessian of the mean loss (n × n, row-major, symmetrised), from n products;
    /// None beyond [`MAX_HESSIAN`] parameters.
    pub fn hessian(&self, theta: &[f64], data: &Rows, rows: Option<&[u32]>) -> Option<Vec<f64>> {
        let mut h = vec![0.0; theta.len() * theta.len()];
        let made = self.hessian_into(theta, data, rows, &mut h, &mut self.curvature_work());
        made.then_some(h)
    }

    /// [`Net::hessian`] into `h`, working in `work`: false (and `h` untouched) beyond
    /// [`MAX_HESSIAN`] parameters.
    pub fn hessian_into(
        &self,
        theta: &[f64],
        data: &Rows,
        rows: Option<&[u32]>,
        h: &mut [f64],
        work: &mut CurvatureWork,
    ) -> bool {
        let n = theta.len();
        if n > MAX_HESSIAN {
            return false;
        }
        let mut curvature = self.curvature(theta, data, rows, work);
        // Taken out while the products borrow the buffers; put back after.
        let take = std::mem::take;
        let (mut unit, mut column) = (
            take(&mut curvature.work.unit),
            take(&mut curvature.work.column),
        );
        for j in 0..n {
            unit[j] = 1.0;
            curvature.product(&unit, &mut column);
            unit[j] = 0.0;
            for i in 0..n {
                h[i * n + j] = column[i];
            }
        }
        (curvature.work.unit, curvature.work.column) = (unit, column);
        for i in 0..n {
            for j in 0..i {
                let m = 0.5 * (h[i * n + j] + h[j * n + i]);
                h[i * n + j] = m;
                h[j * n + i] = m;
            }
        }
        true
    }

    /// The Hessian's smallest and largest eigenvalues (λ_min, λ_max: the sharpness), by
    /// Lanczos on Hessian-vector products ([`crate::core::lanczos`]) for a network of any
    /// size; None when the products are not finite or Lanczos does not settle.
    pub fn extremes(&self, theta: &[f64], data: &Rows, rows: Option<&[u32]>) -> Option<(f64, f64)> {
        let mut work = self.curvature_work();
        let mut curvature = self.curvature(theta, data, rows, &mut work);
        crate::core::lanczos::extremes(theta.len(), 0, |v, out| curvature.product(v, out))
    }
}

impl Curvature<'_> {
    /// H·v into `out`: with AVX2's lanes for the element-wise loops where the processor has
    /// them (found at run time; the same numbers either way).
    pub fn product(&mut self, v: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { self.product_avx2(v, out) };
            return;
        }
        self.product_each(v, out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn product_avx2(&mut self, v: &[f64], out: &mut [f64]) {
        self.product_each(v, out);
    }

    #[inline(always)]
    fn product_each(&mut self, v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        let (at, work) = (self.at, &mut *self.work);
        for b in 0..at.blocks() {
            let base = match work.kept[..self.keep].get(b) {
                Some(base) => base,
                None => {
                    at.pass(b, &mut work.scratch);
                    &work.scratch
                }
            };
            work.along.forward(at, v, base);
            for k in 0..base.m {
                work.along.output(at, k, base);
            }
            work.along.backward(at, v, out, base);
        }
    }
}

impl At<'_> {
    fn count(&self) -> usize {
        self.rows.map_or(self.data.len(), <[u32]>::len)
    }

    fn blocks(&self) -> usize {
        self.count().div_ceil(BLOCK)
    }

    /// Block b's passes at θ into `base`: the forward pass, each row's ∂ℓ/∂logits (the
    /// mean's share), and ∂ℓ/∂Z back through every layer.
    fn pass(&self, b: usize, base: &mut Base) {
        let (net, n) = (self.net, self.count());
        let start = b * BLOCK;
        let m = BLOCK.min(n - start);
        let rows = self.rows;
        let pick = |k: usize| rows.map_or(start + k, |rows| rows[start + k] as usize);
        net.forward(self.theta, self.data, pick, m, &mut base.work);
        for k in 0..m {
            net.output_loss(k, self.data.y[pick(k)], 1.0 / n as f64, &mut base.work);
        }
        let layers = &base.work.layers;
        let top = layers.len() - 1;
        let out = layers[top].1;
        base.deltas[top][..m * out].copy_from_slice(&base.work.delta[..m * out]);
        for l in (1..layers.len()).rev() {
            let (n_in, n_out, at) = layers[l];
            let weights = &self.theta[at..at + n_in * n_out];
            let (below, above) = base.deltas.split_at_mut(l);
            let delta = dense::rows(&above[0][..m * n_out], n_out);
            let back = &mut below[l - 1][..m * n_in];
            dense::gemm(m, n_out, n_in, delta, weights, 0.0, back);
            let (z, a) = (&base.work.z[l - 1][..m * n_in], &base.work.a[l][..m * n_in]);
            net.activation.scale_by_slope(back, z, a);
        }
        base.m = m;
    }
}

impl Along {
    /// R{Z} and R{A} layer by layer: R{Z} = A·Vᵀ + R{A}·Wᵀ + c, R{A} = σ'(Z)·R{Z}.
    #[inline(always)]
    fn forward(&mut self, at: At, v: &[f64], base: &Base) {
        let (m, layers) = (base.m, &base.work.layers);
        for (l, &(n_in, n_out, from)) in layers.iter().enumerate() {
            let weights = from..from + n_in * n_out;
            let (w, dw) = (&at.theta[weights.clone()], &v[weights]);
            let rz = &mut self.rz[l][..m * n_out];
            for row in rz.chunks_exact_mut(n_out) {
                row.copy_from_slice(&v[from + n_in * n_out..from + n_in * n_out + n_out]);
            }
            let wt = &mut self.wt[..n_in * n_out];
            dense::transpose(dw, n_out, n_in, wt);
            let a = dense::rows(&base.work.a[l], n_in);
            dense::gemm(m, n_in, n_out, a, wt, 1.0, rz);
            // R{A} of the inputs is 0.
            if l > 0 {
                dense::transpose(w, n_out, n_in, wt);
                let ra = dense::rows(&self.ra[l], n_in);
                dense::gemm(m, n_in, n_out, ra, wt, 1.0, rz);
            }
            if l + 1 < layers.len() {
                let (z, a) = (
                    &base.work.z[l][..m * n_out],
                    &base.work.a[l + 1][..m * n_out],
                );
                let ra = &mut self.ra[l + 1][..m * n_out];
                ra.copy_from_slice(rz);
                at.net.activation.scale_by_slope(ra, z, a);
            }
        }
    }

    /// Row k's R{∂ℓ/∂logits} = (∂²ℓ/∂logits²)·R{logits}, scaled as the loss's mean.
    #[inline(always)]
    fn output(&mut self, at: At, k: usize, base: &Base) {
        let scale = 1.0 / at.count() as f64;
        let top = base.work.z.len() - 1;
        let out = base.work.layers[top].1;
        let row = k * out..(k + 1) * out;
        let z = &base.work.z[top][row.clone()];
        let rz = &self.rz[top][row.clone()];
        let rd = &mut self.rdelta[row];
        match at.net.loss {
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

    /// Backpropagation differentiated along v: each parameter's share of H·v into `out`
    /// (R{Δ}ᵀ·A + Δᵀ·R{A} for the weights, R{Δ} summed over rows for the biases).
    #[inline(always)]
    fn backward(&mut self, at: At, v: &[f64], out: &mut [f64], base: &Base) {
        let (m, activation) = (base.m, at.net.activation);
        for l in (0..base.work.layers.len()).rev() {
            let (n_in, n_out, from) = base.work.layers[l];
            let (delta, rdelta) = (&base.deltas[l][..m * n_out], &self.rdelta[..m * n_out]);
            let weights = from..from + n_in * n_out;
            let (o_weights, o_bias) =
                out[weights.start..weights.end + n_out].split_at_mut(n_in * n_out);
            let t = |d| dense::transposed(d, n_out);
            let a = &base.work.a[l][..m * n_in];
            dense::gemm(n_out, m, n_in, t(rdelta), a, 1.0, o_weights);
            if l > 0 {
                let ra = &self.ra[l][..m * n_in];
                dense::gemm(n_out, m, n_in, t(delta), ra, 1.0, o_weights);
            }
            for row in rdelta.chunks_exact(n_out) {
                o_bias.iter_mut().zip(row).for_each(|(o, d)| *o += d);
            }
            if l == 0 {
                break;
            }
            let (w, dw) = (&at.theta[weights.clone()], &v[weights]);
            let d = |d| dense::rows(d, n_out);
            // R{Δ} below = σ''(Z)·R{Z}·(Δ·W) + σ'(Z)·(Δ·V + R{Δ}·W), where σ''·(Δ·W) is
            // (σ''/σ')·Δ below, kept from the pass at θ.
            let rback = &mut self.rback[..m * n_in];
            dense::gemm(m, n_out, n_in, d(delta), dw, 0.0, rback);
            dense::gemm(m, n_out, n_in, d(rdelta), w, 1.0, rback);
            let (z, a, rz) = (&base.work.z[l - 1], &base.work.a[l], &self.rz[l - 1]);
            let below = &base.deltas[l - 1];
            for i in 0..m * n_in {
                let ratio = activation.curvature_over_slope(a[i]);
                let slope = activation.slope(z[i], a[i]);
                rback[i] = ratio * rz[i] * below[i] + slope * rback[i];
            }
            std::mem::swap(&mut self.rdelta, &mut self.rback);
        }
    }
}
