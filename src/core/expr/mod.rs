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
mod node;
mod parse;
mod program;

pub use jet::{Jet1, Jet2};
pub use jit::Compiled;
pub use parse::{FormulaError, MAX_LEN};
pub use program::{LANES, Program};

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

/// A parsed, compiled landscape formula `f(x, y)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    source: String,
    program: Program,
    params: Vec<Param>,
    values: Vec<f64>,
    gradient_text: [String; 2],
    native: Native,
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
}

impl Formula {
    pub fn parse(source: &str) -> Result<Formula, FormulaError> {
        let parsed = parse::parse(source)?;
        let program = Program::compile(&parsed.tree);
        let names = parsed.params;
        let show = |v| {
            node::Display {
                node: &node::derivative(&parsed.tree, v),
                params: &names,
            }
            .to_string()
        };
        let gradient_text = [show(node::Var::X), show(node::Var::Y)];
        let params: Vec<Param> = names
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
            gradient_text,
            native: Native::default(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Current parameter values, in the order of [`Formula::params`].
    pub fn param_values(&self) -> &[f64] {
        &self.values
    }

    /// Sets a parameter by name; false when the formula has no such parameter.
    pub fn set_param(&mut self, name: &str, value: f64) -> bool {
        match self.params.iter().position(|p| p.name == name) {
            Some(i) => {
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
        match self.compiled() {
            Some(c) => c.value(p[0], p[1], &self.values),
            None => self.interpreted_value(p),
        }
    }

    /// f and the exact ∇f.
    #[inline]
    pub fn gradient(&self, p: [f64; 2]) -> (f64, [f64; 2]) {
        let [v, gx, gy] = match self.compiled() {
            Some(c) => c.gradient(p[0], p[1], &self.values),
            None => self.interpreted_gradient(p),
        };
        (v, [gx, gy])
    }

    /// f, ∇f and the exact Hessian.
    #[inline]
    pub fn derivatives(&self, p: [f64; 2]) -> Derivatives {
        let [v, gx, gy, hxx, hxy, hyy] = match self.compiled() {
            Some(c) => c.hessian(p[0], p[1], &self.values),
            None => self.interpreted_hessian(p),
        };
        Derivatives {
            value: v,
            gradient: [gx, gy],
            hessian: [[hxx, hxy], [hxy, hyy]],
        }
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
    fn interpreted_gradient(&self, p: [f64; 2]) -> [f64; 3] {
        let j = SLOTS_JET1.with_borrow_mut(|s| self.program.gradient(p[0], p[1], &self.values, s));
        [j.v, j.g[0], j.g[1]]
    }

    #[cold]
    #[inline(never)]
    fn interpreted_hessian(&self, p: [f64; 2]) -> [f64; 6] {
        let j = SLOTS_JET2.with_borrow_mut(|s| self.program.hessian(p[0], p[1], &self.values, s));
        [j.v, j.g[0], j.g[1], j.h[0], j.h[1], j.h[2]]
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

    /// Values on a batch of points (at most [`LANES`] at once per inner call).
    pub fn values_into(
        &self,
        xs: &[f64],
        ys: &[f64],
        out: &mut [f64],
        slots: &mut Vec<[f64; LANES]>,
    ) {
        for ((xs, ys), out) in xs
            .chunks(LANES)
            .zip(ys.chunks(LANES))
            .zip(out.chunks_mut(LANES))
        {
            self.program.values_batch(xs, ys, &self.values, out, slots);
        }
    }
}

#[cfg(test)]
mod tests;
