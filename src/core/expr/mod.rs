//! The formula engine: text → exact f, ∇f, ∇²f, plus the symbolic gradient as readable text.
//!
//! Why forward-mode AD rather than evaluating symbolic derivatives: the derivative trees of
//! formulas like Ackley grow several times larger than the formula and repeat work, while a
//! jet (value + gradient + Hessian carried through each operation) costs a fixed small factor
//! over the value and is exact to rounding. The symbolic derivative is still built, but only to
//! show a student what ∂f/∂x is.
//!
//! Two back ends run the same tape: single points (optimizer steps, picking, the inspector) go
//! through machine code compiled with Cranelift (`jit`), where interpreting cost 4× a
//! hand-written closure for a value and 35× for a Hessian; grids go through the batch
//! interpreter, whose lane loops already vectorise. Values from both are bit-identical.

mod jet;
mod jit;
mod lanes;
mod node;
mod parse;
mod program;
mod torch;

pub use jet::{Jet1, Jet2};
pub use jit::Compiled;
pub(crate) use jit::scalar_reads;
pub use lanes::{LANES, LaneSlots, Lanes};
pub use parse::{FormulaError, MAX_LEN};
pub use program::Program;

use crate::core::data::Shared;
use crate::core::net::stage::Stage;
use lanes::Pinned;

use std::cell::RefCell;
use std::sync::{Arc, OnceLock};

/// A parameter of the formula: any name other than x, y, pi, e.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub value: f64,
}

/// Default value of a parameter the user has not set.
pub const PARAM_DEFAULT: f64 = 1.0;

/// A parsed, compiled landscape formula `f(x, y)`; or, over a dataset, the mean of a
/// per-example loss: f(w, b) = (1/n) Σᵢ loss(w, b; rowᵢ), whose parameters include the
/// dataset's columns, set row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    source: String,
    program: Program,
    /// Every parameter: the dataset's columns first (`hidden` of them), then the sliders.
    params: Vec<Param>,
    values: Vec<f64>,
    hidden: usize,
    axes: [String; 2],
    /// What f averages over, if anything: a dataset's rows, or a network's on a plane.
    over: Option<Arc<Over>>,
    gradient_text: [String; 2],
    native: Native,
}

/// What a formula averages over: one nullable pointer, so a plain formula's hot path tests
/// one word for null as before networks (two fields cost every optimizer step 12–14 %, an
/// inline enum f+∇f+∇²f 6 %).
#[derive(Debug, Clone, PartialEq)]
enum Over {
    Rows(Shared),
    /// A network's loss on a plane through its parameters (see [`Formula::network`]).
    Network(Arc<Stage>),
}

/// The formula's machine code: compiled on first use (typing a formula only parses it) and
/// shared by clones. None where the host has no code generator; the interpreter runs instead.
#[derive(Clone, Default)]
struct Native(Arc<OnceLock<Option<Compiled>>>);

/// Follows from the program, which `Formula`'s equality already compares.
impl PartialEq for Native {
    fn eq(&self, _: &Native) -> bool {
        true
    }
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0.get() {
            Some(Some(_)) => "compiled",
            Some(None) => "interpreted",
            None => "not yet compiled",
        })
    }
}

/// Value, gradient and Hessian at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derivatives {
    pub value: f64,
    pub gradient: [f64; 2],
    /// Symmetric: `[[xx, xy], [xy, yy]]`.
    pub hessian: [[f64; 2]; 2],
}

thread_local! {
    static SLOTS_F64: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    static SLOTS_JET1: RefCell<Vec<Jet1>> = const { RefCell::new(Vec::new()) };
    static SLOTS_JET2: RefCell<Vec<Jet2>> = const { RefCell::new(Vec::new()) };
    static SLOTS_LANES: RefCell<LaneSlots> = RefCell::new(LaneSlots::default());
}

impl Formula {
    pub fn parse(source: &str) -> Result<Formula, FormulaError> {
        Formula::parse_names(source, parse::XY)
    }

    /// The mean over `data`'s rows of a per-example `loss`, a formula of the two `axes` (the
    /// landscape's coordinates), the data's columns by name, and any other names as sliders.
    pub fn data_loss(loss: &str, axes: [&str; 2], data: Shared) -> Result<Formula, FormulaError> {
        let names = parse::Names {
            axes,
            known: &data.columns,
        };
        let mut f = Formula::parse_names(loss, names)?;
        f.hidden = data.columns.len();
        f.over = Some(Arc::new(Over::Rows(data)));
        Ok(f)
    }

    /// A network's mean loss over its rows on its stage's plane, f(α, β) = L(θ₀ + α·δ + β·η),
    /// with the exact gradient and Hessian along the plane (backpropagation, and
    /// Hessian-vector products along δ and η). It has no formula text: no parameters, no
    /// PyTorch expression.
    pub fn network(stage: Arc<Stage>) -> Formula {
        let mut f = Formula::parse("0").expect("0 is a formula");
        f.source = format!("loss of {} on {}", stage.net.text(), stage.spec.data);
        f.axes = ["α".into(), "β".into()];
        f.gradient_text = [
            "∇L·δ (backpropagation)".into(),
            "∇L·η (backpropagation)".into(),
        ];
        f.over = Some(Arc::new(Over::Network(stage)));
        f
    }

    /// Whether each value is a pass over rows (a dataset's or a network's): grids of it are
    /// built coarse first and lit by their own differences.
    pub fn averages(&self) -> bool {
        self.over.is_some()
    }

    /// The network whose loss this is, on its plane; None for a formula or a dataset.
    pub fn stage(&self) -> Option<&Arc<Stage>> {
        match self.over.as_deref() {
            Some(Over::Network(stage)) => Some(stage),
            _ => None,
        }
    }

    fn parse_names(source: &str, names: parse::Names) -> Result<Formula, FormulaError> {
        let parsed = parse::parse(source, names)?;
        let program = Program::compile(&parsed.tree);
        let all = parsed.params;
        let show = |v| {
            node::Display {
                node: &node::derivative(&parsed.tree, v),
                params: &all,
                axes: names.axes,
            }
            .to_string()
        };
        let gradient_text = [show(node::Var::X), show(node::Var::Y)];
        let params: Vec<Param> = all
            .iter()
            .map(|n| Param {
                name: n.clone(),
                value: PARAM_DEFAULT,
            })
            .collect();
        Ok(Formula {
            source: source.trim().to_string(),
            program,
            values: vec![PARAM_DEFAULT; params.len()],
            params,
            hidden: 0,
            axes: names.axes.map(str::to_string),
            over: None,
            gradient_text,
            native: Native::default(),
        })
    }

    /// The formula as a PyTorch expression in the axes and every parameter (a dataset's
    /// columns first), each named by `rename` (to keep clear of Python's own names).
    pub fn torch(&self, mut rename: impl FnMut(&str) -> String) -> String {
        let known = self.data().map_or(&[][..], |d| &d.columns[..]);
        let names = parse::Names {
            axes: self.axes(),
            known,
        };
        // The source parsed once already; it parses the same again.
        let parsed = parse::parse(&self.source, names).expect("a parsed formula parses again");
        let axes = self.axes().map(&mut rename);
        let params: Vec<String> = parsed.params.iter().map(|p| rename(p)).collect();
        torch::expression(&parsed.tree, [&axes[0], &axes[1]], &params)
    }

    /// The names of the two coordinates: x and y, or a data landscape's axes (w and b, say).
    pub fn axes(&self) -> [&str; 2] {
        [&self.axes[0], &self.axes[1]]
    }

    /// The dataset f averages over; None for a plain formula.
    pub fn data(&self) -> Option<&Shared> {
        match self.over.as_deref() {
            Some(Over::Rows(data)) => Some(data),
            _ => None,
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The parameters a person sets (a dataset's columns are not among them).
    pub fn params(&self) -> &[Param] {
        &self.params[self.hidden..]
    }

    /// Current parameter values, in the order of [`Formula::params`].
    pub fn param_values(&self) -> &[f64] {
        &self.values[self.hidden..]
    }

    /// Each parameter a person sets, by name, with its value.
    pub fn named_values(&self) -> impl Iterator<Item = (&str, f64)> {
        self.params()
            .iter()
            .zip(self.param_values())
            .map(|(p, v)| (p.name.as_str(), *v))
    }

    /// Sets a parameter by name; false when the formula has no such parameter.
    pub fn set_param(&mut self, name: &str, value: f64) -> bool {
        match self.params().iter().position(|p| p.name == name) {
            Some(i) => {
                let i = i + self.hidden;
                self.params[i].value = value;
                self.values[i] = value;
                true
            }
            None => false,
        }
    }

    /// Copies the values of parameters that share a name with `other`'s (kept across edits).
    pub fn inherit_params(&mut self, other: &Formula) {
        for p in &other.params {
            self.set_param(&p.name, p.value);
        }
    }

    /// `[∂f/∂x, ∂f/∂y]` as readable text, e.g. `2*x - 400*x*(y - x^2) - 2`.
    pub fn gradient_text(&self) -> &[String; 2] {
        &self.gradient_text
    }

    /// The machine code for this formula, compiling it on first call.
    #[inline]
    pub fn compiled(&self) -> Option<&Compiled> {
        self.native
            .0
            .get_or_init(|| {
                // A code generator failure (say, a host that forbids executable memory) must
                // cost speed, never the app: fall back to the interpreter.
                let program = std::panic::AssertUnwindSafe(&self.program);
                std::panic::catch_unwind(|| Compiled::new(&program)).unwrap_or(None)
            })
            .as_ref()
    }

    /// f(x, y); NaN or ±inf where the formula is undefined there.
    #[inline]
    pub fn value(&self, p: [f64; 2]) -> f64 {
        match self.over.as_deref() {
            Some(Over::Rows(data)) => return self.mean_value(data, p),
            Some(Over::Network(stage)) => return stage.on_plane(p, 0)[0],
            None => {}
        }
        match self.compiled() {
            Some(c) => c.value(p[0], p[1], &self.values),
            None => self.interpreted_value(p),
        }
    }

    /// f and the exact ∇f.
    #[inline(always)]
    pub fn gradient(&self, p: [f64; 2]) -> (f64, [f64; 2]) {
        let mut out = [0.0; 3];
        self.gradient_into(p, &mut out);
        let [v, gx, gy] = jit::scalar_reads(&out);
        (v, [gx, gy])
    }

    /// `[f, ∂x, ∂y]` written to `out`, to be read with `scalar_reads`. Every branch writes
    /// the caller's one buffer: results returned by value merged in memory at each branch
    /// and were read back at each level, three stalled store-to-load round trips in a
    /// descent step's critical path.
    #[inline(always)]
    pub(crate) fn gradient_into(&self, p: [f64; 2], out: &mut [f64; 3]) {
        match &self.over {
            Some(over) => self.mean_gradient(over, p, out),
            None => self.gradient_with(p, &self.values, out),
        }
    }

    /// f and ∇f at many points (`xy`: x, y pairs side by side) into `out`, three numbers a
    /// point (`[f, ∂x, ∂y]`): the numbers [`Formula::gradient`] gives point by point, in one
    /// call to the compiled code where there is one (the atlas steps blocks of starts so).
    pub fn gradients(&self, xy: &[f64], out: &mut [f64]) {
        if self.over.is_none()
            && let Some(c) = self.compiled()
        {
            return c.gradients(xy, &self.values, out);
        }
        for (p, o) in xy.chunks_exact(2).zip(out.chunks_exact_mut(3)) {
            let (v, [gx, gy]) = self.gradient([p[0], p[1]]);
            o.copy_from_slice(&[v, gx, gy]);
        }
    }

    /// f, ∇f and the exact Hessian.
    #[inline]
    pub fn derivatives(&self, p: [f64; 2]) -> Derivatives {
        derivatives_of(match &self.over {
            Some(over) => self.mean_hessian(over, p),
            None => self.hessian_at(p, &self.values),
        })
    }

    // The full-batch means, out of line: inlined, their loops made `gradient` and
    // `derivatives` too large to inline into an optimizer's step, and a plain formula's
    // Hessian cost 27 ns a point instead of 7.
    #[inline(never)]
    fn mean_gradient(&self, over: &Over, p: [f64; 2], out: &mut [f64; 3]) {
        *out = match over {
            Over::Rows(data) => self.mean_on(0..data.rows(), |params| self.gradient_at(p, params)),
            Over::Network(stage) => {
                let [v, gx, gy, ..] = stage.on_plane(p, 1);
                [v, gx, gy]
            }
        }
    }

    #[inline(never)]
    fn mean_hessian(&self, over: &Over, p: [f64; 2]) -> [f64; 6] {
        match over {
            Over::Rows(data) => self.mean_on(0..data.rows(), |params| self.hessian_at(p, params)),
            Over::Network(stage) => stage.on_plane(p, 2),
        }
    }

    /// [f, ∂x, ∂y, ∂xx, ∂xy, ∂yy] of the formula itself with these parameter values.
    #[inline]
    fn hessian_at(&self, p: [f64; 2], params: &[f64]) -> [f64; 6] {
        let mut out = [0.0; 6];
        match self.compiled() {
            Some(c) => c.hessian_into(p[0], p[1], params, &mut out),
            None => self.interpreted_hessian(p, params, &mut out),
        }
        jit::scalar_reads(&out)
    }

    /// [f, ∂x, ∂y] of the formula itself with these parameter values.
    #[inline(always)]
    fn gradient_at(&self, p: [f64; 2], params: &[f64]) -> [f64; 3] {
        let mut out = [0.0; 3];
        self.gradient_with(p, params, &mut out);
        jit::scalar_reads(&out)
    }

    /// [f, ∂x, ∂y] of the formula itself into `out`: either back end writes it, to be read
    /// once after (an array returned by either of two calls was merged in memory and read
    /// back in pairs, a store-forwarding stall).
    #[inline(always)]
    fn gradient_with(&self, p: [f64; 2], params: &[f64], out: &mut [f64; 3]) {
        match self.compiled() {
            Some(c) => c.gradient_into(p[0], p[1], params, out),
            None => self.interpreted_gradient(p, params, out),
        }
    }

    /// The mean over these rows of `one` (the formula's value, gradient or Hessian with the
    /// row's columns as parameters); a plain formula is its own single row.
    fn mean_on<const K: usize>(
        &self,
        rows: impl ExactSizeIterator<Item = usize>,
        one: impl Fn(&[f64]) -> [f64; K],
    ) -> [f64; K] {
        let Some(data) = self.data() else {
            return one(&self.values);
        };
        let n = rows.len();
        let mut params = self.values.clone();
        let mut sum = [0.0; K];
        for r in rows {
            for (c, slot) in params[..self.hidden].iter_mut().enumerate() {
                *slot = data.column_at(c)[r];
            }
            for (s, v) in sum.iter_mut().zip(one(&params)) {
                *s += v;
            }
        }
        sum.map(|s| s / n as f64)
    }

    /// f on a mini-batch: the mean loss over these rows (the whole f for a plain formula).
    pub fn value_on(&self, p: [f64; 2], rows: &[u32]) -> f64 {
        if self.stage().is_some() {
            return self.value(p);
        }
        self.mean_on(batch(rows), |params| [self.gradient_at(p, params)[0]])[0]
    }

    /// f and ∇f on a mini-batch.
    pub fn gradient_on(&self, p: [f64; 2], rows: &[u32]) -> (f64, [f64; 2]) {
        if self.stage().is_some() {
            return self.gradient(p);
        }
        let [v, gx, gy] = self.mean_on(batch(rows), |params| self.gradient_at(p, params));
        (v, [gx, gy])
    }

    /// f, ∇f and ∇²f on a mini-batch.
    pub fn derivatives_on(&self, p: [f64; 2], rows: &[u32]) -> Derivatives {
        if self.stage().is_some() {
            return self.derivatives(p);
        }
        derivatives_of(self.mean_on(batch(rows), |params| self.hessian_at(p, params)))
    }

    /// The mean loss over every row, LANES rows at a time through the batch interpreter.
    fn mean_value(&self, data: &Shared, p: [f64; 2]) -> f64 {
        let n = data.rows();
        let mut out = [0.0; LANES];
        let mut sums = [0.0; 8];
        SLOTS_LANES.with_borrow_mut(|slots| {
            for start in (0..n).step_by(LANES) {
                let m = (n - start).min(LANES);
                let param = |i: usize| match i < self.hidden {
                    true => Lanes::Each(&data.column_at(i)[start..start + m]),
                    false => Lanes::All(self.values[i]),
                };
                let (x, y) = (Lanes::All(p[0]), Lanes::All(p[1]));
                self.program.values_lanes(x, y, param, m, &mut out, slots);
                add_lanes(&mut sums, &out[..m]);
            }
        });
        sums.iter().sum::<f64>() / n as f64
    }

    // The interpreter, for hosts without a code generator; kept out of line so the compiled
    // path stays a direct call.
    #[cold]
    #[inline(never)]
    fn interpreted_value(&self, p: [f64; 2]) -> f64 {
        SLOTS_F64.with_borrow_mut(|s| self.program.value(p[0], p[1], &self.values, s))
    }

    #[cold]
    #[inline(never)]
    fn interpreted_gradient(&self, p: [f64; 2], params: &[f64], out: &mut [f64; 3]) {
        let j = SLOTS_JET1.with_borrow_mut(|s| self.program.gradient(p[0], p[1], params, s));
        *out = [j.v, j.g[0], j.g[1]];
    }

    #[cold]
    #[inline(never)]
    fn interpreted_hessian(&self, p: [f64; 2], params: &[f64], out: &mut [f64; 6]) {
        let j = SLOTS_JET2.with_borrow_mut(|s| self.program.hessian(p[0], p[1], params, s));
        *out = [j.v, j.g[0], j.g[1], j.h[0], j.h[1], j.h[2]];
    }

    /// What a black-box optimizer sees: central differences with a step scaled to |x|.
    /// Only for showing the difference; every exact number comes from [`Formula::gradient`].
    pub fn finite_difference_gradient(&self, p: [f64; 2]) -> [f64; 2] {
        let mut g = [0.0; 2];
        for (i, gi) in g.iter_mut().enumerate() {
            // ε^(1/3) balances truncation (h²) against rounding (ε/h) for central differences.
            let h = f64::EPSILON.cbrt() * p[i].abs().max(1.0);
            let (mut lo, mut hi) = (p, p);
            lo[i] -= h;
            hi[i] += h;
            *gi = (self.value(hi) - self.value(lo)) / (hi[i] - lo[i]);
        }
        g
    }

    /// The values on a grid's rows over the columns `xs`: the instructions that read x but
    /// not y are computed here, once for every row.
    pub fn grid_rows<'a>(&'a self, xs: &'a [f64]) -> GridRows<'a> {
        let blocks = match self.over {
            Some(_) => Vec::new(),
            None => (xs.chunks(LANES))
                .map(|xs| self.program.pin_columns(xs, &self.values))
                .collect(),
        };
        GridRows {
            formula: self,
            xs,
            blocks,
        }
    }
}

/// A grid's values a row at a time (see [`Formula::grid_rows`]).
pub struct GridRows<'a> {
    formula: &'a Formula,
    xs: &'a [f64],
    /// Per block of [`LANES`] columns, its x-only instructions (none over data or a network).
    blocks: Vec<Pinned>,
}

impl GridRows<'_> {
    /// f at (x, `y`) for every column x into `out`: [`Formula::value`]'s numbers, bit for bit.
    pub fn row(&self, y: f64, out: &mut [f64], scratch: &mut LaneSlots) {
        let f = self.formula;
        if f.over.is_some() {
            for (x, out) in self.xs.iter().zip(out) {
                *out = f.value([*x, y]);
            }
            return;
        }
        let blocks = self.xs.chunks(LANES).zip(out.chunks_mut(LANES));
        for ((xs, out), pinned) in blocks.zip(&self.blocks) {
            f.program.values_row(xs, y, &f.values, pinned, out, scratch);
        }
    }
}

/// Adds lanes into eight running sums, lane i into sum i mod 8: eight chains of additions
/// run side by side, where one sum waits for each addition (4 cycles) and was most of a data
/// surface's time.
fn add_lanes(sums: &mut [f64; 8], lanes: &[f64]) {
    let mut blocks = lanes.chunks_exact(8);
    for block in &mut blocks {
        for (s, v) in sums.iter_mut().zip(block) {
            *s += v;
        }
    }
    for (s, v) in sums.iter_mut().zip(blocks.remainder()) {
        *s += v;
    }
}

/// A mini-batch's row indices as positions.
fn batch(rows: &[u32]) -> impl ExactSizeIterator<Item = usize> + '_ {
    rows.iter().map(|&r| r as usize)
}

fn derivatives_of([v, gx, gy, hxx, hxy, hyy]: [f64; 6]) -> Derivatives {
    Derivatives {
        value: v,
        gradient: [gx, gy],
        hessian: [[hxx, hxy], [hxy, hyy]],
    }
}

#[cfg(test)]
mod tests;
