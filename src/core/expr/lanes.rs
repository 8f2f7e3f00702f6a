//! The batch interpreter: the tape over up to [`LANES`] points at once, an instruction a loop.
//!
//! An instruction whose operands are the same in every lane (a constant, y along a grid row,
//! x and y over a dataset's rows) is computed once, not once per lane. On a grid the
//! instructions that read x but not y are the same on every row: they are computed once per
//! block of columns ([`Pinned`]) and read from there (Ackley's cos(2πx) a column, not a
//! point). Every lane's number is still the one the per-point interpreter gives: the same
//! operations on the same operands. Where the processor has AVX2 the loops run four lanes
//! an instruction, picked at run time; without FMA contraction the results are the same bits.

use super::jet::powk;
use super::node::Fn1;
use super::program::{Op, Program};

/// Points evaluated together by the batch interpreter.
pub const LANES: usize = 256;

/// One input of a lane batch.
#[derive(Debug, Clone, Copy)]
pub enum Lanes<'a> {
    /// The same value in every lane.
    All(f64),
    /// One value per lane.
    Each(&'a [f64]),
}

/// Where an instruction's lanes are: one value for all, its row of scratch, or an input
/// read where it lies (no copy).
#[derive(Debug, Clone, Copy)]
enum Slot {
    One(f64),
    Row,
    X,
    Y,
    Param(usize),
    Pinned,
}

/// Scratch for the batch interpreter, reused from call to call.
#[derive(Debug, Default)]
pub struct LaneSlots {
    rows: Vec<[f64; LANES]>,
    slots: Vec<Slot>,
}

/// A block of a grid's columns: the lanes of every instruction that reads x but not y.
#[derive(Debug)]
pub(super) struct Pinned {
    rows: Vec<[f64; LANES]>,
    /// Per instruction: whether its lanes are in `rows`.
    pinned: Vec<bool>,
}

/// One batch's inputs.
struct Inputs<'a, P> {
    x: Lanes<'a>,
    y: Lanes<'a>,
    param: P,
    pinned: Option<&'a Pinned>,
}

impl Program {
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
        scratch: &mut LaneSlots,
    ) {
        let inputs = Inputs {
            x,
            y,
            param,
            pinned: None,
        };
        dispatch(self, &inputs, n, out, scratch);
    }

    /// The instructions of a grid that read x but not y, on a block of its columns `xs`
    /// (at most [`LANES`]), the parameters fixed.
    pub(super) fn pin_columns(&self, xs: &[f64], params: &[f64]) -> Pinned {
        let n = xs.len().min(LANES);
        let mut scratch = LaneSlots::default();
        let mut out = [0.0; LANES];
        // y's value is never read by what is kept.
        let inputs = Inputs {
            x: Lanes::Each(xs),
            y: Lanes::All(0.0),
            param: param_of(params),
            pinned: None,
        };
        dispatch(self, &inputs, n, &mut out[..n], &mut scratch);
        let reads_y = self.reads_y();
        let pinned = (scratch.slots.iter().zip(reads_y))
            .map(|(s, y)| matches!(s, Slot::Row) && !y)
            .collect();
        Pinned {
            rows: scratch.rows,
            pinned,
        }
    }

    /// Values along a grid row at `y` over the columns `pinned` was made for (`xs`).
    pub(super) fn values_row(
        &self,
        xs: &[f64],
        y: f64,
        params: &[f64],
        pinned: &Pinned,
        out: &mut [f64],
        scratch: &mut LaneSlots,
    ) {
        let inputs = Inputs {
            x: Lanes::Each(xs),
            y: Lanes::All(y),
            param: param_of(params),
            pinned: Some(pinned),
        };
        dispatch(self, &inputs, xs.len(), out, scratch);
    }

    /// Per instruction: whether y reaches it.
    fn reads_y(&self) -> Vec<bool> {
        let mut reads: Vec<bool> = Vec::with_capacity(self.ops().len());
        for op in self.ops() {
            let r = matches!(op, Op::Y) || op.operands().any(|j| reads[j as usize]);
            reads.push(r);
        }
        reads
    }
}

/// A formula's sliders as lane inputs (an unset one is 1, as in the per-point interpreter).
fn param_of<'a>(params: &[f64]) -> impl Fn(usize) -> Lanes<'a> + '_ {
    |p| Lanes::All(params.get(p).copied().unwrap_or(1.0))
}

/// The lane loops compiled twice: for AVX2 where the processor has it, and for the baseline.
fn dispatch<'a, P: Fn(usize) -> Lanes<'a>>(
    program: &Program,
    inputs: &Inputs<'a, P>,
    n: usize,
    out: &mut [f64],
    scratch: &mut LaneSlots,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { run_avx2(program, inputs, n, out, scratch) };
        return;
    }
    run(program, inputs, n, out, scratch);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<'a, P: Fn(usize) -> Lanes<'a>>(
    program: &Program,
    inputs: &Inputs<'a, P>,
    n: usize,
    out: &mut [f64],
    scratch: &mut LaneSlots,
) {
    run(program, inputs, n, out, scratch);
}

#[inline(always)]
fn run<'a, P: Fn(usize) -> Lanes<'a>>(
    program: &Program,
    inputs: &Inputs<'a, P>,
    n: usize,
    out: &mut [f64],
    scratch: &mut LaneSlots,
) {
    let n = n.min(LANES).min(out.len());
    let ops = program.ops();
    scratch.rows.resize(ops.len(), [0.0; LANES]);
    scratch.slots.clear();
    for (i, op) in ops.iter().enumerate() {
        if inputs.pinned.is_some_and(|p| p.pinned[i]) {
            scratch.slots.push(Slot::Pinned);
            continue;
        }
        let (done, rest) = scratch.rows.split_at_mut(i);
        let dst = &mut rest[0][..n];
        let at = |j: u32| view(inputs, &scratch.slots, done, j as usize, n);
        let slot = match *op {
            Op::Const(k) => Slot::One(k),
            Op::X => input(inputs.x, Slot::X),
            Op::Y => input(inputs.y, Slot::Y),
            Op::Param(p) => input((inputs.param)(p), Slot::Param(p)),
            Op::Neg(a) => un(dst, at(a), |a| -a),
            Op::Add(a, b) => bin(dst, at(a), at(b), |a, b| a + b),
            Op::Sub(a, b) => bin(dst, at(a), at(b), |a, b| a - b),
            Op::Mul(a, b) => bin(dst, at(a), at(b), |a, b| a * b),
            Op::Div(a, b) => bin(dst, at(a), at(b), |a, b| a / b),
            Op::Rem(a, b) => bin(dst, at(a), at(b), |a, b| a % b),
            Op::Pow(a, b) => bin(dst, at(a), at(b), f64::powf),
            Op::Offset(a, k) => un(dst, at(a), |a| a + k),
            Op::Scale(a, k) => un(dst, at(a), |a| a * k),
            Op::SubFrom(k, a) => un(dst, at(a), |a| k - a),
            Op::Square(a) => un(dst, at(a), |a| a * a),
            Op::PowK(a, k) => un(dst, at(a), |a| powk(a, k)),
            Op::F1(f, a) => fn1(f, dst, at(a)),
            Op::F2(f, a, b) => bin(dst, at(a), at(b), |a, b| f.apply(a, b)),
        };
        scratch.slots.push(slot);
    }
    match ops.len().checked_sub(1) {
        Some(last) => match view(inputs, &scratch.slots, &scratch.rows, last, n) {
            Lanes::All(v) => out[..n].fill(v),
            Lanes::Each(s) => out[..n].copy_from_slice(s),
        },
        None => out[..n].fill(f64::NAN),
    }
}

/// An input's slot: one value, or its lanes read in place.
#[inline(always)]
fn input(lanes: Lanes, each: Slot) -> Slot {
    match lanes {
        Lanes::All(v) => Slot::One(v),
        Lanes::Each(_) => each,
    }
}

/// Instruction `j`'s lanes, wherever they are.
#[inline(always)]
fn view<'s, 'a: 's, P: Fn(usize) -> Lanes<'a>>(
    inputs: &'s Inputs<'a, P>,
    slots: &[Slot],
    rows: &'s [[f64; LANES]],
    j: usize,
    n: usize,
) -> Lanes<'s> {
    let each = |lanes: Lanes<'a>| match lanes {
        Lanes::Each(s) => Lanes::Each(&s[..n]),
        all => all,
    };
    match slots[j] {
        Slot::One(v) => Lanes::All(v),
        Slot::Row => Lanes::Each(&rows[j][..n]),
        Slot::X => each(inputs.x),
        Slot::Y => each(inputs.y),
        Slot::Param(p) => each((inputs.param)(p)),
        Slot::Pinned => match inputs.pinned {
            Some(p) => Lanes::Each(&p.rows[j][..n]),
            None => unreachable!("only a pinned batch has pinned slots"),
        },
    }
}

#[inline(always)]
fn un(dst: &mut [f64], a: Lanes, f: impl Fn(f64) -> f64) -> Slot {
    match a {
        Lanes::All(a) => Slot::One(f(a)),
        Lanes::Each(a) => {
            for (d, &a) in dst.iter_mut().zip(a) {
                *d = f(a);
            }
            Slot::Row
        }
    }
}

#[inline(always)]
fn bin(dst: &mut [f64], a: Lanes, b: Lanes, f: impl Fn(f64, f64) -> f64) -> Slot {
    match (a, b) {
        (Lanes::All(a), Lanes::All(b)) => Slot::One(f(a, b)),
        (Lanes::All(a), Lanes::Each(b)) => un(dst, Lanes::Each(b), |b| f(a, b)),
        (Lanes::Each(a), Lanes::All(b)) => un(dst, Lanes::Each(a), |a| f(a, b)),
        (Lanes::Each(a), Lanes::Each(b)) => {
            for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
                *d = f(a, b);
            }
            Slot::Row
        }
    }
}

/// One monomorphised loop per common function, so the call inside is direct, not a `match`
/// per point.
#[inline(always)]
fn fn1(f: Fn1, dst: &mut [f64], a: Lanes) -> Slot {
    match f {
        Fn1::Sin => un(dst, a, f64::sin),
        Fn1::Cos => un(dst, a, f64::cos),
        Fn1::Exp => un(dst, a, f64::exp),
        Fn1::Sqrt => un(dst, a, f64::sqrt),
        Fn1::Abs => un(dst, a, f64::abs),
        Fn1::Ln => un(dst, a, f64::ln),
        _ => un(dst, a, |v| f.apply(v)),
    }
}
