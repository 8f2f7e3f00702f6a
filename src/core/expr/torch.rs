//! The formula as a PyTorch expression, for `gradscape export-torch`: the same tree the
//! program compiles from, printed with torch's functions, so autograd differentiates what
//! gradscape differentiates. Names are given by the caller (the axes, then each parameter).

use super::node::{Fn1, Fn2, Node, Var};
use std::fmt::Write;

/// Prints `node` with `axes` for x and y and `params[i]` for parameter i.
pub fn expression(node: &Node, axes: [&str; 2], params: &[String]) -> String {
    let mut out = String::new();
    write(&mut out, node, axes, params);
    out
}

/// Binding strength in Python: higher binds tighter (`-x**2` is `-(x**2)`, as in the
/// formula language).
fn precedence(n: &Node) -> u8 {
    match n {
        Node::Add(..) | Node::Sub(..) => 1,
        Node::Mul(..) | Node::Div(..) => 2,
        Node::Neg(_) => 3,
        Node::Num(v) if *v < 0.0 || !v.is_finite() => 3,
        Node::Pow(..) => 4,
        _ => 5,
    }
}

fn side(out: &mut String, n: &Node, min: u8, axes: [&str; 2], params: &[String]) {
    if precedence(n) < min {
        out.push('(');
        write(out, n, axes, params);
        out.push(')');
    } else {
        write(out, n, axes, params);
    }
}

fn write(out: &mut String, n: &Node, axes: [&str; 2], params: &[String]) {
    let bin = |out: &mut String, a: &Node, op: &str, b: &Node, l: u8, r: u8| {
        side(out, a, l, axes, params);
        out.push_str(op);
        side(out, b, r, axes, params);
    };
    match n {
        Node::Num(v) => number(out, *v),
        Node::Var(Var::X) => out.push_str(axes[0]),
        Node::Var(Var::Y) => out.push_str(axes[1]),
        Node::Var(Var::Param(i)) => out.push_str(&params[*i]),
        Node::Neg(a) => {
            out.push('-');
            side(out, a, 3, axes, params);
        }
        Node::Add(a, b) => bin(out, a, " + ", b, 1, 2),
        Node::Sub(a, b) => bin(out, a, " - ", b, 1, 2),
        Node::Mul(a, b) => bin(out, a, "*", b, 2, 3),
        Node::Div(a, b) => bin(out, a, "/", b, 2, 3),
        // Python's ** is right-associative and binds tighter than a unary minus on its left.
        Node::Pow(a, b) => bin(out, a, "**", b, 5, 3),
        // The sign of the dividend, as Rust's %: torch.fmod (Python's % floors).
        Node::Rem(a, b) => call(out, "torch.fmod", &[a, b], axes, params),
        // Constants are folded, so the argument holds a variable: a tensor already.
        // gradscape keeps torch's conventions: signum(0) = 0 (torch.sign), round halves to
        // even (torch.round), min/max of a NaN is NaN and split the derivative at a tie.
        Node::Call1(f, a) => {
            out.push_str(fn1(*f));
            out.push('(');
            write(out, a, axes, params);
            out.push(')');
        }
        Node::Call2(f, a, b) => {
            let name = match f {
                Fn2::Min => "torch.minimum",
                Fn2::Max => "torch.maximum",
                Fn2::Atan2 => "torch.atan2",
            };
            call(out, name, &[a, b], axes, params);
        }
    }
}

/// A call whose arguments are made tensors (torch.minimum refuses a plain number).
fn call(out: &mut String, name: &str, args: &[&Node], axes: [&str; 2], params: &[String]) {
    out.push_str(name);
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str("torch.as_tensor(");
        write(out, a, axes, params);
        out.push(')');
    }
    out.push(')');
}

fn fn1(f: Fn1) -> &'static str {
    match f {
        Fn1::Sin => "torch.sin",
        Fn1::Cos => "torch.cos",
        Fn1::Tan => "torch.tan",
        Fn1::Asin => "torch.asin",
        Fn1::Acos => "torch.acos",
        Fn1::Atan => "torch.atan",
        Fn1::Sinh => "torch.sinh",
        Fn1::Cosh => "torch.cosh",
        Fn1::Tanh => "torch.tanh",
        Fn1::Asinh => "torch.asinh",
        Fn1::Acosh => "torch.acosh",
        Fn1::Atanh => "torch.atanh",
        Fn1::Sqrt => "torch.sqrt",
        Fn1::Exp => "torch.exp",
        Fn1::Ln => "torch.log",
        Fn1::Abs => "torch.abs",
        Fn1::Floor => "torch.floor",
        Fn1::Ceil => "torch.ceil",
        Fn1::Round => "torch.round",
        Fn1::Signum => "torch.sign",
    }
}

/// A number as Python reads it back exactly.
fn number(out: &mut String, v: f64) {
    if v == std::f64::consts::PI {
        out.push_str("math.pi");
    } else if v == std::f64::consts::E {
        out.push_str("math.e");
    } else if v.is_nan() {
        out.push_str("math.nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "math.inf" } else { "-math.inf" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        // Whole numbers as integers (`x**2`); Python's / still divides exactly.
        let _ = write!(out, "{}", v as i64);
    } else {
        // Rust's shortest round-trip form (`0.1`, `1e-10`) is valid Python.
        let _ = write!(out, "{v:?}");
    }
}
