//! The compiled formula: a flat SSA tape run by one interpreter for values, gradients and Hessians.
//!
//! Instruction `i` writes slot `i`; operands name earlier slots. Constants are folded into the
//! instructions that use them (`x*100` is one `Scale`), so the tape is short and branch-light.
//! Grids run the tape over batches of points: each instruction loops over a lane array, which
//! the compiler vectorises, instead of walking the tape once per point.

use super::jet::{Jet1, Jet2, Scalar, powk};
use super::node::{Fn1, Fn2, Node, Var};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Const(f64),
    X,
    Y,
    Param(usize),
    Neg(u32),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    Rem(u32, u32),
    Pow(u32, u32),
    /// a + k
    Offset(u32, f64),
    /// a * k
    Scale(u32, f64),
    /// k - a
    SubFrom(f64, u32),
    /// a ^ k
    PowK(u32, f64),
    /// a², the commonest power, without the exponent test.
    Square(u32),
    F1(Fn1, u32),
    F2(Fn2, u32, u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
}

/// Points evaluated together by the batch interpreter.
pub const LANES: usize = 128;

impl Program {
    pub fn compile(tree: &Node) -> Program {
        let mut c = Compiler {
            ops: Vec::new(),
            leaves: HashMap::new(),
        };
        c.emit(tree);
        Program { ops: c.ops }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub(super) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Runs the tape on any number type. `slots` is scratch space the caller may reuse.
    #[inline]
    pub fn run<T: Scalar>(&self, x: T, y: T, params: &[f64], slots: &mut Vec<T>) -> T {
        slots.clear();
        slots.reserve(self.ops.len());
        for op in &self.ops {
            let s = |i: u32| slots[i as usize];
            let v = match *op {
                Op::Const(k) => T::constant(k),
                Op::X => x,
                Op::Y => y,
                Op::Param(i) => T::constant(params.get(i).copied().unwrap_or(1.0)),
                Op::Neg(a) => s(a).neg(),
                Op::Add(a, b) => s(a).add(s(b)),
                Op::Sub(a, b) => s(a).sub(s(b)),
                Op::Mul(a, b) => s(a).mul(s(b)),
                Op::Div(a, b) => s(a).div(s(b)),
                Op::Rem(a, b) => s(a).rem(s(b)),
                Op::Pow(a, b) => s(a).pow(s(b)),
                Op::Offset(a, k) => s(a).offset(k),
                Op::Scale(a, k) => s(a).scale(k),
                Op::SubFrom(k, a) => s(a).neg().offset(k),
                Op::PowK(a, k) => s(a).powf(k),
                Op::Square(a) => s(a).square(),
                Op::F1(f, a) => s(a).f1(f),
                Op::F2(f, a, b) => s(a).f2(f, s(b)),
            };
            slots.push(v);
        }
        slots.last().copied().unwrap_or(T::constant(f64::NAN))
    }

    pub fn value(&self, x: f64, y: f64, params: &[f64], slots: &mut Vec<f64>) -> f64 {
        self.run(x, y, params, slots)
    }

    pub fn gradient(&self, x: f64, y: f64, params: &[f64], slots: &mut Vec<Jet1>) -> Jet1 {
        self.run(Jet1::var(x, 0), Jet1::var(y, 1), params, slots)
    }

    pub fn hessian(&self, x: f64, y: f64, params: &[f64], slots: &mut Vec<Jet2>) -> Jet2 {
        self.run(Jet2::var(x, 0), Jet2::var(y, 1), params, slots)
    }

    /// Values on up to [`LANES`] points at once (`xs`, `ys`), the parameters fixed.
    pub fn values_batch(
        &self,
        xs: &[f64],
        ys: &[f64],
        params: &[f64],
        out: &mut [f64],
        slots: &mut Vec<[f64; LANES]>,
    ) {
        let n = out.len().min(LANES).min(xs.len()).min(ys.len());
        let param = |p: usize| Lanes::All(params.get(p).copied().unwrap_or(1.0));
        self.values_lanes(Lanes::Each(xs), Lanes::Each(ys), param, n, out, slots);
    }

    /// Values on `n` ≤ [`LANES`] lanes, each input either one value for all lanes or one per
    /// lane: grid points with fixed parameters, or one point with a dataset's rows as
    /// parameters.
    pub fn values_lanes<'a>(
        &self,
        x: Lanes<'a>,
        y: Lanes<'a>,
        param: impl Fn(usize) -> Lanes<'a>,
        n: usize,
        out: &mut [f64],
        slots: &mut Vec<[f64; LANES]>,
    ) {
        let n = n.min(LANES).min(out.len());
        slots.resize(self.ops.len(), [0.0; LANES]);
        for (i, op) in self.ops.iter().enumerate() {
            let (done, rest) = slots.split_at_mut(i);
            let dst = &mut rest[0][..n];
            let s = |j: u32| &done[j as usize][..n];
            match *op {
                Op::Const(k) => dst.fill(k),
                Op::X => x.fill(dst),
                Op::Y => y.fill(dst),
                Op::Param(p) => param(p).fill(dst),
                Op::Neg(a) => map1(dst, s(a), |a| -a),
                Op::Add(a, b) => map2(dst, s(a), s(b), |a, b| a + b),
                Op::Sub(a, b) => map2(dst, s(a), s(b), |a, b| a - b),
                Op::Mul(a, b) => map2(dst, s(a), s(b), |a, b| a * b),
                Op::Div(a, b) => map2(dst, s(a), s(b), |a, b| a / b),
                Op::Rem(a, b) => map2(dst, s(a), s(b), |a, b| a % b),
                Op::Pow(a, b) => map2(dst, s(a), s(b), f64::powf),
                Op::Offset(a, k) => map1(dst, s(a), |a| a + k),
                Op::Scale(a, k) => map1(dst, s(a), |a| a * k),
                Op::SubFrom(k, a) => map1(dst, s(a), |a| k - a),
                Op::Square(a) => map1(dst, s(a), |a| a * a),
                Op::PowK(a, k) => map1(dst, s(a), |a| powk(a, k)),
                Op::F1(f, a) => fn1_batch(f, dst, s(a)),
                Op::F2(f, a, b) => map2(dst, s(a), s(b), |a, b| f.apply(a, b)),
            }
        }
        match slots.last() {
            Some(last) => out[..n].copy_from_slice(&last[..n]),
            None => out[..n].fill(f64::NAN),
        }
    }
}

/// One input of a lane batch.
#[derive(Debug, Clone, Copy)]
pub enum Lanes<'a> {
    /// The same value in every lane.
    All(f64),
    /// One value per lane.
    Each(&'a [f64]),
}

impl Lanes<'_> {
    #[inline(always)]
    fn fill(self, dst: &mut [f64]) {
        match self {
            Lanes::All(v) => dst.fill(v),
            Lanes::Each(s) => dst.copy_from_slice(&s[..dst.len()]),
        }
    }
}

#[inline(always)]
fn map1(dst: &mut [f64], a: &[f64], f: impl Fn(f64) -> f64) {
    for (d, &a) in dst.iter_mut().zip(a) {
        *d = f(a);
    }
}

#[inline(always)]
fn map2(dst: &mut [f64], a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = f(a, b);
    }
}

/// One monomorphised loop per function, so the call inside is direct, not a `match` per point.
fn fn1_batch(f: Fn1, dst: &mut [f64], a: &[f64]) {
    match f {
        Fn1::Sin => map1(dst, a, f64::sin),
        Fn1::Cos => map1(dst, a, f64::cos),
        Fn1::Exp => map1(dst, a, f64::exp),
        Fn1::Sqrt => map1(dst, a, f64::sqrt),
        Fn1::Abs => map1(dst, a, f64::abs),
        Fn1::Ln => map1(dst, a, f64::ln),
        _ => map1(dst, a, |v| f.apply(v)),
    }
}

struct Compiler {
    ops: Vec<Op>,
    /// Leaves (x, y, parameters) are loaded once.
    leaves: HashMap<Var, u32>,
}

impl Compiler {
    fn push(&mut self, op: Op) -> u32 {
        self.ops.push(op);
        (self.ops.len() - 1) as u32
    }

    fn emit(&mut self, n: &Node) -> u32 {
        let num = |n: &Node| match n {
            Node::Num(v) => Some(*v),
            _ => None,
        };
        match n {
            Node::Num(v) => self.push(Op::Const(*v)),
            Node::Var(v) => {
                if let Some(&slot) = self.leaves.get(v) {
                    return slot;
                }
                let slot = self.push(match v {
                    Var::X => Op::X,
                    Var::Y => Op::Y,
                    Var::Param(i) => Op::Param(*i),
                });
                self.leaves.insert(*v, slot);
                slot
            }
            Node::Neg(a) => {
                let a = self.emit(a);
                self.push(Op::Neg(a))
            }
            Node::Add(a, b) => match (num(a), num(b)) {
                (Some(k), _) => {
                    let b = self.emit(b);
                    self.push(Op::Offset(b, k))
                }
                (_, Some(k)) => {
                    let a = self.emit(a);
                    self.push(Op::Offset(a, k))
                }
                _ => self.binary(a, b, Op::Add),
            },
            Node::Sub(a, b) => match (num(a), num(b)) {
                (Some(k), _) => {
                    let b = self.emit(b);
                    self.push(Op::SubFrom(k, b))
                }
                (_, Some(k)) => {
                    let a = self.emit(a);
                    self.push(Op::Offset(a, -k))
                }
                _ => self.binary(a, b, Op::Sub),
            },
            Node::Mul(a, b) => match (num(a), num(b)) {
                (Some(k), _) => {
                    let b = self.emit(b);
                    self.push(Op::Scale(b, k))
                }
                (_, Some(k)) => {
                    let a = self.emit(a);
                    self.push(Op::Scale(a, k))
                }
                _ => self.binary(a, b, Op::Mul),
            },
            Node::Div(a, b) => match num(b) {
                // Multiplying by the reciprocal would round differently from the user's `/`
                // for most divisors; only exact powers of two are safe to rewrite.
                Some(k)
                    if k != 0.0
                        && (1.0 / k) * k == 1.0
                        && (1.0 / k).is_finite()
                        && is_power_of_two(k) =>
                {
                    let a = self.emit(a);
                    self.push(Op::Scale(a, 1.0 / k))
                }
                _ => self.binary(a, b, Op::Div),
            },
            Node::Rem(a, b) => self.binary(a, b, Op::Rem),
            Node::Pow(a, b) => match num(b) {
                Some(k) => {
                    let a = self.emit(a);
                    self.push(if k == 2.0 {
                        Op::Square(a)
                    } else {
                        Op::PowK(a, k)
                    })
                }
                None => self.binary(a, b, Op::Pow),
            },
            Node::Call1(f, a) => {
                let a = self.emit(a);
                self.push(Op::F1(*f, a))
            }
            Node::Call2(f, a, b) => {
                let (a, b) = (self.emit(a), self.emit(b));
                self.push(Op::F2(*f, a, b))
            }
        }
    }

    fn binary(&mut self, a: &Node, b: &Node, op: fn(u32, u32) -> Op) -> u32 {
        let (a, b) = (self.emit(a), self.emit(b));
        self.push(op(a, b))
    }
}

fn is_power_of_two(k: f64) -> bool {
    let m = k.abs();
    m.is_finite() && m > 0.0 && m.log2().fract() == 0.0
}
