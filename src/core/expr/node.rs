//! The formula as a tree: symbolic differentiation, simplification and readable printing.
//!
//! The tree is what the user wrote, after constant folding. Numbers are evaluated elsewhere
//! (the compiled [`super::program::Program`]); the tree exists so a student can read `∂f/∂x`.

use std::fmt;
use std::rc::Rc;

/// A function of one argument the formula language knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fn1 {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Sqrt,
    Exp,
    Ln,
    Abs,
    Floor,
    Ceil,
    Round,
    Signum,
}

/// A function of two arguments (`min` and `max` accept more and fold pairwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fn2 {
    Min,
    Max,
    Atan2,
}

impl Fn1 {
    pub const ALL: [Fn1; 20] = [
        Fn1::Sin,
        Fn1::Cos,
        Fn1::Tan,
        Fn1::Asin,
        Fn1::Acos,
        Fn1::Atan,
        Fn1::Sinh,
        Fn1::Cosh,
        Fn1::Tanh,
        Fn1::Asinh,
        Fn1::Acosh,
        Fn1::Atanh,
        Fn1::Sqrt,
        Fn1::Exp,
        Fn1::Ln,
        Fn1::Abs,
        Fn1::Floor,
        Fn1::Ceil,
        Fn1::Round,
        Fn1::Signum,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fn1::Sin => "sin",
            Fn1::Cos => "cos",
            Fn1::Tan => "tan",
            Fn1::Asin => "asin",
            Fn1::Acos => "acos",
            Fn1::Atan => "atan",
            Fn1::Sinh => "sinh",
            Fn1::Cosh => "cosh",
            Fn1::Tanh => "tanh",
            Fn1::Asinh => "asinh",
            Fn1::Acosh => "acosh",
            Fn1::Atanh => "atanh",
            Fn1::Sqrt => "sqrt",
            Fn1::Exp => "exp",
            Fn1::Ln => "ln",
            Fn1::Abs => "abs",
            Fn1::Floor => "floor",
            Fn1::Ceil => "ceil",
            Fn1::Round => "round",
            Fn1::Signum => "signum",
        }
    }

    pub fn apply(self, a: f64) -> f64 {
        match self {
            Fn1::Sin => a.sin(),
            Fn1::Cos => a.cos(),
            Fn1::Tan => a.tan(),
            Fn1::Asin => a.asin(),
            Fn1::Acos => a.acos(),
            Fn1::Atan => a.atan(),
            Fn1::Sinh => a.sinh(),
            Fn1::Cosh => a.cosh(),
            Fn1::Tanh => a.tanh(),
            Fn1::Asinh => a.asinh(),
            Fn1::Acosh => acosh(a),
            Fn1::Atanh => atanh(a),
            Fn1::Sqrt => a.sqrt(),
            Fn1::Exp => a.exp(),
            Fn1::Ln => a.ln(),
            Fn1::Abs => a.abs(),
            Fn1::Floor => a.floor(),
            Fn1::Ceil => a.ceil(),
            // Halves to even, as torch.round and numpy round.
            Fn1::Round => a.round_ties_even(),
            Fn1::Signum => signum(a),
        }
    }

    /// Value, first and second derivative at `a`: everything forward-mode AD needs.
    ///
    /// Each rule is written so it neither cancels nor overflows where the true derivative is
    /// representable: `1 − a²` as `(1 − a)(1 + a)`, `1 − tanh²` as `1/cosh²`, `a² + 1` as a
    /// hypotenuse, and second derivatives as products of first derivatives rather than
    /// quotients of squares (checked against 50-digit references in `tests/derivatives.rs`).
    pub fn apply2(self, a: f64) -> (f64, f64, f64) {
        match self {
            Fn1::Sin => {
                let (s, c) = a.sin_cos();
                (s, c, -s)
            }
            Fn1::Cos => {
                let (s, c) = a.sin_cos();
                (c, -s, -c)
            }
            Fn1::Tan => {
                let t = a.tan();
                let d = 1.0 + t * t;
                (t, d, 2.0 * t * d)
            }
            Fn1::Asin => {
                let d = 1.0 / one_minus_square(a).sqrt();
                (a.asin(), d, a * d * d * d)
            }
            Fn1::Acos => {
                let d = 1.0 / one_minus_square(a).sqrt();
                (a.acos(), -d, -a * d * d * d)
            }
            Fn1::Atan => {
                // 1/(1 + a²), without a² overflowing for large |a|.
                let d = if a.abs() <= 1.0 {
                    1.0 / (1.0 + a * a)
                } else {
                    let r = 1.0 / a;
                    r * r / (1.0 + r * r)
                };
                (a.atan(), d, -2.0 * (a * d) * d)
            }
            Fn1::Sinh => (a.sinh(), a.cosh(), a.sinh()),
            Fn1::Cosh => (a.cosh(), a.sinh(), a.cosh()),
            Fn1::Tanh => {
                // sech² directly: 1 − tanh² loses every digit once tanh rounds to ±1.
                let c = a.cosh();
                let d = 1.0 / c / c;
                (a.tanh(), d, -2.0 * a.tanh() * d)
            }
            Fn1::Asinh => {
                let d = 1.0 / a.hypot(1.0);
                (a.asinh(), d, -(a * d) * d * d)
            }
            Fn1::Acosh => {
                let d = 1.0 / ((a - 1.0).sqrt() * (a + 1.0).sqrt());
                (acosh(a), d, -(a * d) * d * d)
            }
            Fn1::Atanh => {
                let d = 1.0 / one_minus_square(a);
                (atanh(a), d, 2.0 * (a * d) * d)
            }
            Fn1::Sqrt => {
                let s = a.sqrt();
                (s, 0.5 / s, -0.25 / (s * a))
            }
            Fn1::Exp => {
                let e = a.exp();
                (e, e, e)
            }
            Fn1::Ln => {
                let d = 1.0 / a;
                (a.ln(), d, -(d * d))
            }
            Fn1::Abs => (a.abs(), signum(a), 0.0),
            // Piecewise constant: derivative zero almost everywhere.
            Fn1::Floor | Fn1::Ceil | Fn1::Round | Fn1::Signum => (self.apply(a), 0.0, 0.0),
        }
    }
}

/// acosh without the cancellation of `ln(a + √(a² − 1))` near a = 1 (std's loses 7 digits
/// at 1 + 2⁻⁴⁰): ln(1 + t) with t = (a − 1) + √((a − 1)(a + 1)); ln a + ln 2 where t overflows.
fn acosh(a: f64) -> f64 {
    if a > 1e300 {
        return a.ln() + std::f64::consts::LN_2;
    }
    let am1 = a - 1.0;
    (am1 + am1.sqrt() * (a + 1.0).sqrt()).ln_1p()
}

/// atanh computed on |a| (std's form loses 10 digits near a = −1, where 2a/(1 − a) → −1).
fn atanh(a: f64) -> f64 {
    let t = a.abs();
    (0.5 * (2.0 * t / (1.0 - t)).ln_1p()).copysign(a)
}

/// 1 − a² without cancellation near a = ±1.
fn one_minus_square(a: f64) -> f64 {
    (1.0 - a) * (1.0 + a)
}

impl Fn2 {
    pub fn name(self) -> &'static str {
        match self {
            Fn2::Min => "min",
            Fn2::Max => "max",
            Fn2::Atan2 => "atan2",
        }
    }

    pub fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            // Undefined stays undefined (f64::min would drop the NaN), as torch.minimum.
            Fn2::Min | Fn2::Max if a.is_nan() || b.is_nan() => f64::NAN,
            Fn2::Min => a.min(b),
            Fn2::Max => a.max(b),
            Fn2::Atan2 => a.atan2(b),
        }
    }
}

/// Sign with `signum(0) = 0`, as students expect (Rust's `f64::signum(0.0)` is 1).
pub fn signum(a: f64) -> f64 {
    if a > 0.0 {
        1.0
    } else if a < 0.0 {
        -1.0
    } else {
        a // keeps 0 and NaN
    }
}

/// A leaf variable of the formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Var {
    X,
    Y,
    /// A named parameter, by index into the formula's parameter list.
    Param(usize),
}

/// An expression tree node. Shared subtrees are `Rc` so differentiation does not copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Num(f64),
    Var(Var),
    Neg(Rc<Node>),
    Add(Rc<Node>, Rc<Node>),
    Sub(Rc<Node>, Rc<Node>),
    Mul(Rc<Node>, Rc<Node>),
    Div(Rc<Node>, Rc<Node>),
    /// Remainder with the sign of the dividend (Rust's `%`, as meval).
    Rem(Rc<Node>, Rc<Node>),
    Pow(Rc<Node>, Rc<Node>),
    Call1(Fn1, Rc<Node>),
    Call2(Fn2, Rc<Node>, Rc<Node>),
}

pub type N = Rc<Node>;

pub fn num(v: f64) -> N {
    Rc::new(Node::Num(v))
}

fn as_num(n: &Node) -> Option<f64> {
    match n {
        Node::Num(v) => Some(*v),
        _ => None,
    }
}

// Smart constructors: fold constants and drop identities so derivatives stay readable.

pub fn neg(a: N) -> N {
    match &*a {
        Node::Num(v) => num(-v),
        Node::Neg(inner) => inner.clone(),
        Node::Mul(l, r) if as_num(l).is_some() => mul(num(-as_num(l).unwrap_or(1.0)), r.clone()),
        _ => Rc::new(Node::Neg(a)),
    }
}

/// The constant factor leading a product, if any: `3*x` → (3, x).
fn leading_constant(n: &Node) -> Option<(f64, N)> {
    match n {
        Node::Mul(l, r) => as_num(l).map(|c| (c, r.clone())),
        _ => None,
    }
}

pub fn add(a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) => num(x + y),
        (Some(0.0), _) => b,
        (_, Some(0.0)) => a,
        (_, Some(y)) if y < 0.0 => sub(a, num(-y)),
        _ => match (&*b, leading_constant(&b)) {
            (Node::Neg(inner), _) => sub(a, inner.clone()),
            (_, Some((c, rest))) if c < 0.0 => sub(a, mul(num(-c), rest)),
            _ => Rc::new(Node::Add(a, b)),
        },
    }
}

pub fn sub(a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) => num(x - y),
        (Some(0.0), _) => neg(b),
        (_, Some(0.0)) => a,
        _ => match (&*b, leading_constant(&b)) {
            (Node::Neg(inner), _) => add(a, inner.clone()),
            (_, Some((c, rest))) if c < 0.0 => add(a, mul(num(-c), rest)),
            _ if a == b => num(0.0),
            _ => Rc::new(Node::Sub(a, b)),
        },
    }
}

pub fn mul(a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) => num(x * y),
        (Some(0.0), _) | (_, Some(0.0)) => num(0.0),
        (Some(1.0), _) => b,
        (_, Some(1.0)) => a,
        (Some(-1.0), _) => neg(b),
        (_, Some(-1.0)) => neg(a),
        // Constants go first (`2*x`, not `x*2`) and merge (`2*(3*x)` is `6*x`).
        (None, Some(_)) => mul(b, a),
        (Some(x), None) => match (&*b, leading_constant(&b)) {
            (_, Some((c, rest))) => mul(num(x * c), rest),
            (Node::Neg(inner), _) => mul(num(-x), inner.clone()),
            _ => Rc::new(Node::Mul(a, b)),
        },
        _ => match (&*a, &*b, leading_constant(&a), leading_constant(&b)) {
            (Node::Neg(l), ..) => neg(mul(l.clone(), b)),
            (_, Node::Neg(r), ..) => neg(mul(a, r.clone())),
            (_, _, Some((c, rest)), _) => mul(num(c), mul(rest, b)),
            (_, _, _, Some((c, rest))) => mul(num(c), mul(a, rest)),
            _ => Rc::new(Node::Mul(a, b)),
        },
    }
}

pub fn div(a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) if y != 0.0 => num(x / y),
        (Some(0.0), _) => num(0.0),
        (_, Some(1.0)) => a,
        _ if a == b => num(1.0),
        _ => match &*a {
            Node::Neg(inner) => neg(div(inner.clone(), b)),
            _ => Rc::new(Node::Div(a, b)),
        },
    }
}

pub fn pow(a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) => num(x.powf(y)),
        (_, Some(0.0)) => num(1.0),
        (_, Some(1.0)) => a,
        _ => Rc::new(Node::Pow(a, b)),
    }
}

pub fn call1(f: Fn1, a: N) -> N {
    match as_num(&a) {
        Some(v) => num(f.apply(v)),
        None => Rc::new(Node::Call1(f, a)),
    }
}

pub fn call2(f: Fn2, a: N, b: N) -> N {
    match (as_num(&a), as_num(&b)) {
        (Some(x), Some(y)) => num(f.apply(x, y)),
        _ => Rc::new(Node::Call2(f, a, b)),
    }
}

/// Constructors for the tree that is evaluated. They fold only what gives the same IEEE result
/// at every point, NaN and ±∞ included: constant operands, `a*1`, `a/1`, `a^1`, `a^0`, `--a`.
/// Never `x/x → 1`, `0*a → 0`, `a − a → 0` (each fills a hole where `a` is undefined) nor a
/// regrouping such as `2*(3*x) → 6*x` (which rounds and overflows differently). The readable
/// simplifications above are for the derivative text only.
pub mod exact {
    use super::{Fn1, Fn2, N, Node, as_num, num};
    use crate::core::expr::jet::powk;
    use std::rc::Rc;

    pub fn neg(a: N) -> N {
        match &*a {
            Node::Num(v) => num(-v),
            Node::Neg(inner) => inner.clone(),
            _ => Rc::new(Node::Neg(a)),
        }
    }

    /// Folds two constants with `op`, else builds the node.
    fn binary(a: N, b: N, op: fn(f64, f64) -> f64, node: fn(N, N) -> Node) -> N {
        match (as_num(&a), as_num(&b)) {
            (Some(x), Some(y)) => num(op(x, y)),
            _ => Rc::new(node(a, b)),
        }
    }

    pub fn add(a: N, b: N) -> N {
        binary(a, b, |x, y| x + y, Node::Add)
    }

    pub fn sub(a: N, b: N) -> N {
        binary(a, b, |x, y| x - y, Node::Sub)
    }

    pub fn mul(a: N, b: N) -> N {
        match (as_num(&a), as_num(&b)) {
            (Some(1.0), None) => b,
            (None, Some(1.0)) => a,
            _ => binary(a, b, |x, y| x * y, Node::Mul),
        }
    }

    pub fn div(a: N, b: N) -> N {
        match as_num(&b) {
            Some(1.0) if as_num(&a).is_none() => a,
            _ => binary(a, b, |x, y| x / y, Node::Div),
        }
    }

    pub fn rem(a: N, b: N) -> N {
        binary(a, b, |x, y| x % y, Node::Rem)
    }

    /// `powk` is what the program computes for a constant exponent, so folding agrees with it.
    pub fn pow(a: N, b: N) -> N {
        match (as_num(&a), as_num(&b)) {
            (None, Some(0.0)) => num(1.0),
            (None, Some(1.0)) => a,
            _ => binary(a, b, powk, Node::Pow),
        }
    }

    pub fn call1(f: Fn1, a: N) -> N {
        super::call1(f, a)
    }

    pub fn call2(f: Fn2, a: N, b: N) -> N {
        super::call2(f, a, b)
    }
}

/// True when the subtree does not depend on `v`.
fn is_free_of(n: &Node, v: Var) -> bool {
    match n {
        Node::Num(_) => true,
        Node::Var(w) => *w != v,
        Node::Neg(a) | Node::Call1(_, a) => is_free_of(a, v),
        Node::Add(a, b)
        | Node::Sub(a, b)
        | Node::Mul(a, b)
        | Node::Div(a, b)
        | Node::Rem(a, b)
        | Node::Pow(a, b)
        | Node::Call2(_, a, b) => is_free_of(a, v) && is_free_of(b, v),
    }
}

/// Symbolic derivative ∂n/∂v, simplified as it is built.
pub fn derivative(n: &N, v: Var) -> N {
    if is_free_of(n, v) {
        return num(0.0);
    }
    let d = |m: &N| derivative(m, v);
    match &**n {
        Node::Num(_) => num(0.0),
        Node::Var(w) => num(if *w == v { 1.0 } else { 0.0 }),
        Node::Neg(a) => neg(d(a)),
        Node::Add(a, b) => add(d(a), d(b)),
        Node::Sub(a, b) => sub(d(a), d(b)),
        Node::Mul(a, b) => add(mul(d(a), b.clone()), mul(a.clone(), d(b))),
        Node::Div(a, b) => {
            if is_free_of(b, v) {
                div(d(a), b.clone())
            } else {
                div(
                    sub(mul(d(a), b.clone()), mul(a.clone(), d(b))),
                    pow(b.clone(), num(2.0)),
                )
            }
        }
        // a % b = a - b*trunc(a/b), and trunc(a/b) = (a - a%b)/b is piecewise constant.
        Node::Rem(a, b) => sub(d(a), mul(div(sub(a.clone(), n.clone()), b.clone()), d(b))),
        Node::Pow(a, b) => {
            if let Some(k) = as_num(b) {
                // d(a^k) = k a^(k-1) a'
                mul(mul(num(k), pow(a.clone(), num(k - 1.0))), d(a))
            } else {
                // d(a^b) = a^b (b' ln a + b a'/a)
                mul(
                    n.clone(),
                    add(
                        mul(d(b), call1(Fn1::Ln, a.clone())),
                        div(mul(b.clone(), d(a)), a.clone()),
                    ),
                )
            }
        }
        Node::Call1(f, a) => mul(fn1_derivative(*f, a), d(a)),
        Node::Call2(f, a, b) => match f {
            Fn2::Atan2 => {
                // atan2(a, b): (b a' - a b') / (a² + b²)
                let den = add(pow(a.clone(), num(2.0)), pow(b.clone(), num(2.0)));
                div(sub(mul(b.clone(), d(a)), mul(a.clone(), d(b))), den)
            }
            // min/max pick the active branch: written as a selection the reader can follow.
            Fn2::Min | Fn2::Max => {
                let pick_a = if *f == Fn2::Min {
                    // (1 - signum(a - b))/2 selects a where a < b
                    div(
                        sub(num(1.0), call1(Fn1::Signum, sub(a.clone(), b.clone()))),
                        num(2.0),
                    )
                } else {
                    div(
                        add(num(1.0), call1(Fn1::Signum, sub(a.clone(), b.clone()))),
                        num(2.0),
                    )
                };
                add(mul(pick_a.clone(), d(a)), mul(sub(num(1.0), pick_a), d(b)))
            }
        },
    }
}

/// f'(a) as a tree, for the chain rule.
fn fn1_derivative(f: Fn1, a: &N) -> N {
    let a2 = || pow(a.clone(), num(2.0));
    match f {
        Fn1::Sin => call1(Fn1::Cos, a.clone()),
        Fn1::Cos => neg(call1(Fn1::Sin, a.clone())),
        Fn1::Tan => add(num(1.0), pow(call1(Fn1::Tan, a.clone()), num(2.0))),
        Fn1::Asin => div(num(1.0), call1(Fn1::Sqrt, sub(num(1.0), a2()))),
        Fn1::Acos => neg(div(num(1.0), call1(Fn1::Sqrt, sub(num(1.0), a2())))),
        Fn1::Atan => div(num(1.0), add(num(1.0), a2())),
        Fn1::Sinh => call1(Fn1::Cosh, a.clone()),
        Fn1::Cosh => call1(Fn1::Sinh, a.clone()),
        Fn1::Tanh => sub(num(1.0), pow(call1(Fn1::Tanh, a.clone()), num(2.0))),
        Fn1::Asinh => div(num(1.0), call1(Fn1::Sqrt, add(a2(), num(1.0)))),
        Fn1::Acosh => div(num(1.0), call1(Fn1::Sqrt, sub(a2(), num(1.0)))),
        Fn1::Atanh => div(num(1.0), sub(num(1.0), a2())),
        Fn1::Sqrt => div(num(1.0), mul(num(2.0), call1(Fn1::Sqrt, a.clone()))),
        Fn1::Exp => call1(Fn1::Exp, a.clone()),
        Fn1::Ln => div(num(1.0), a.clone()),
        Fn1::Abs => call1(Fn1::Signum, a.clone()),
        Fn1::Floor | Fn1::Ceil | Fn1::Round | Fn1::Signum => num(0.0),
    }
}

/// Prints a tree with the fewest parentheses that keep its meaning.
pub struct Display<'a> {
    pub node: &'a Node,
    pub params: &'a [String],
    /// The names of the two variables (x and y, or a data landscape's axes).
    pub axes: [&'a str; 2],
}

/// Binding strength: higher binds tighter.
fn precedence(n: &Node) -> u8 {
    match n {
        Node::Add(..) | Node::Sub(..) => 1,
        Node::Mul(..) | Node::Div(..) | Node::Rem(..) => 2,
        Node::Neg(_) => 3,
        Node::Pow(..) => 4,
        Node::Num(v) if *v < 0.0 => 3,
        _ => 5,
    }
}

impl Display<'_> {
    fn child<'b>(&'b self, node: &'b Node) -> Display<'b> {
        Display {
            node,
            params: self.params,
            axes: self.axes,
        }
    }

    fn write_side(&self, f: &mut fmt::Formatter<'_>, node: &Node, min_prec: u8) -> fmt::Result {
        if precedence(node) < min_prec {
            write!(f, "({})", self.child(node))
        } else {
            write!(f, "{}", self.child(node))
        }
    }
}

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.node {
            Node::Num(v) => write_number(f, *v),
            Node::Var(Var::X) => f.write_str(self.axes[0]),
            Node::Var(Var::Y) => f.write_str(self.axes[1]),
            Node::Var(Var::Param(i)) => {
                f.write_str(self.params.get(*i).map_or("?", String::as_str))
            }
            Node::Neg(a) => {
                f.write_str("-")?;
                self.write_side(f, a, 3)
            }
            Node::Add(a, b) => {
                self.write_side(f, a, 1)?;
                f.write_str(" + ")?;
                self.write_side(f, b, 2)
            }
            Node::Sub(a, b) => {
                self.write_side(f, a, 1)?;
                f.write_str(" - ")?;
                self.write_side(f, b, 2)
            }
            Node::Mul(a, b) => {
                self.write_side(f, a, 2)?;
                f.write_str("*")?;
                // Products are associative: `a*b*c` reads better than `a*(b*c)`.
                let right = if matches!(**b, Node::Mul(..)) { 2 } else { 3 };
                self.write_side(f, b, right)
            }
            Node::Div(a, b) | Node::Rem(a, b) => {
                self.write_side(f, a, 2)?;
                f.write_str(if matches!(self.node, Node::Div(..)) {
                    "/"
                } else {
                    "%"
                })?;
                self.write_side(f, b, 3)
            }
            Node::Pow(a, b) => {
                self.write_side(f, a, 5)?;
                f.write_str("^")?;
                self.write_side(f, b, 4)
            }
            Node::Call1(func, a) => write!(f, "{}({})", func.name(), self.child(a)),
            Node::Call2(func, a, b) => {
                write!(f, "{}({}, {})", func.name(), self.child(a), self.child(b))
            }
        }
    }
}

fn write_number(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v == std::f64::consts::PI {
        f.write_str("pi")
    } else if v == std::f64::consts::E {
        f.write_str("e")
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        write!(f, "{}", v as i64)
    } else {
        write!(f, "{v}")
    }
}
