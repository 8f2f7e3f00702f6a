//! The compiled formula: a flat SSA tape run by one interpreter for values, gradients and Hessians.
//!
//! Instruction `i` writes slot `i`; operands name earlier slots. Constants are folded into the
//! instructions that use them (`x*100` is one `Scale`), so the tape is short and branch-light.
//! Grids run the same tape over batches of points (`lanes`).

use super::jet::{Jet1, Jet2, Scalar};
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

impl Op {
    /// The instructions this one reads.
    pub fn operands(&self) -> impl Iterator<Item = u32> {
        let (a, b) = match *self {
            Op::Const(_) | Op::X | Op::Y | Op::Param(_) => (None, None),
            Op::Neg(a)
            | Op::Offset(a, _)
            | Op::Scale(a, _)
            | Op::SubFrom(_, a)
            | Op::PowK(a, _)
            | Op::Square(a)
            | Op::F1(_, a) => (Some(a), None),
            Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::Rem(a, b)
            | Op::Pow(a, b)
            | Op::F2(_, a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
}

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
