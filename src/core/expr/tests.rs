//! Tests of the formula engine: exactness of derivatives, error messages, parameters.

use super::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Fourth-order central difference of a scalar function along one axis.
fn fd(f: impl Fn([f64; 2]) -> f64, p: [f64; 2], axis: usize) -> f64 {
    let h = 1e-3 * p[axis].abs().max(1.0);
    let at = |k: f64| {
        let mut q = p;
        q[axis] += k * h;
        f(q)
    };
    (at(-2.0) - 8.0 * at(-1.0) + 8.0 * at(1.0) - at(2.0)) / (12.0 * h)
}

fn close(exact: f64, approx: f64, scale: f64) -> bool {
    (exact - approx).abs() <= 1e-6 * (exact.abs().max(approx.abs()) + scale)
}

/// Smooth formulas, each with a box where it is defined and smooth.
const SMOOTH: &[(&str, f64)] = &[
    ("(1-x)^2 + 100*(y-x^2)^2", 2.0),
    ("10*2 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)", 2.0),
    ("(x^2+y-11)^2 + (x+y^2-7)^2", 4.0),
    (
        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        2.0,
    ),
    (
        "-20*exp(-0.2*sqrt(0.5*(x^2+y^2)+1)) - exp(0.5*(cos(2*pi*x)+cos(2*pi*y))) + e + 20",
        2.0,
    ),
    ("(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2", 1.5),
    (
        "sin(3*pi*x)^2 + (x-1)^2*(1+sin(3*pi*y)^2) + (y-1)^2*(1+sin(2*pi*y)^2)",
        2.0,
    ),
    ("0.26*(x^2+y^2) - 0.48*x*y", 5.0),
    ("x^2 - y^2", 3.0),
    ("x^3 - 3*x*y^2", 2.0),
    ("tanh(x*y) + atan(x - y)", 2.0),
    ("ln(1 + x^2 + y^2)", 3.0),
    ("sqrt(1 + x^2) * exp(-y^2/4)", 2.0),
    ("sinh(x/2)*cosh(y/3) - tan(x*y/10)", 2.0),
    ("x/(1 + y^2) + y/(2 + x^2)", 3.0),
    ("atan2(y + 3, x + 4)", 1.0),
    ("asin(x/3) + acos(y/3)", 2.0),
    ("(2 + sin(x))^(1 + cos(y))", 2.0),
    ("(x^2 + 1)^1.5 - (y^2 + 2)^-0.5", 2.0),
    ("asinh(x) + acosh(2 + y^2) + atanh(x/4)", 2.0),
    ("exp(-(x^2+y^2)) * (x - 2*y)^3", 2.0),
    ("a*x^2 + b*y^2 + x*y", 2.0),
];

#[test]
fn gradients_and_hessians_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut checked = 0;
    for (src, r) in SMOOTH {
        let mut f = Formula::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        f.set_param("a", 1.7);
        f.set_param("b", 0.3);
        for _ in 0..25 {
            let p = [rng.random_range(-r..*r), rng.random_range(-r..*r)];
            let d = f.derivatives(p);
            let scale = 1.0 + d.value.abs() * 1e-3;
            let (v1, g1) = f.gradient(p);
            assert_eq!(
                v1.to_bits(),
                d.value.to_bits(),
                "{src}: value differs between jets"
            );
            for (a, b) in g1.iter().zip(d.gradient) {
                assert!(
                    (a - b).abs() <= 1e-14 * a.abs().max(1.0),
                    "{src}: gradient differs between jets"
                );
            }
            assert_eq!(f.value(p).to_bits(), d.value.to_bits(), "{src}");
            for axis in 0..2 {
                let numeric = fd(|q| f.value(q), p, axis);
                assert!(
                    close(d.gradient[axis], numeric, scale),
                    "{src} at {p:?}: ∂{axis} {} vs {numeric}",
                    d.gradient[axis]
                );
                for col in 0..2 {
                    let numeric = fd(|q| f.gradient(q).1[col], p, axis);
                    let exact = d.hessian[axis][col];
                    assert!(
                        close(exact, numeric, scale),
                        "{src} at {p:?}: H[{axis}][{col}] {exact} vs {numeric}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(SMOOTH.len() >= 20);
    assert_eq!(checked, SMOOTH.len() * 25);
}

#[test]
fn rosenbrock_matches_hand_derived_closed_form() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    for p in [[-1.5, 2.0], [0.3, -0.7], [1.0, 1.0], [2.0, 4.0]] {
        let [x, y] = p;
        let d = f.derivatives(p);
        let gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
        let gy = 200.0 * (y - x * x);
        let hxx = 2.0 - 400.0 * (y - x * x) + 800.0 * x * x;
        let hxy = -400.0 * x;
        assert_eq!(d.value, (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2));
        assert!((d.gradient[0] - gx).abs() <= 1e-12 * gx.abs().max(1.0));
        assert_eq!(d.gradient[1], gy);
        assert!((d.hessian[0][0] - hxx).abs() <= 1e-12 * hxx.abs().max(1.0));
        assert_eq!(d.hessian[0][1], hxy);
        assert_eq!(d.hessian[1][0], hxy);
        assert_eq!(d.hessian[1][1], 200.0);
    }
}

#[test]
fn polynomials_are_exact_at_integer_points() {
    let f = Formula::parse("x^3 + 3*x*y - 2*y^2 + 5").unwrap();
    let d = f.derivatives([2.0, -3.0]);
    assert_eq!(d.value, 8.0 - 18.0 - 18.0 + 5.0);
    assert_eq!(d.gradient, [3.0 * 4.0 + 3.0 * -3.0, 6.0 + 12.0]);
    assert_eq!(d.hessian, [[12.0, 3.0], [3.0, -4.0]]);
    let saddle = Formula::parse("x^2 - y^2").unwrap().derivatives([0.0, 0.0]);
    assert_eq!(saddle.gradient, [0.0, 0.0]);
    assert_eq!(saddle.hessian, [[2.0, 0.0], [0.0, -2.0]]);
}

#[test]
fn gradient_text_is_readable() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    assert_eq!(f.gradient_text()[0], "-2*(1 - x) - 400*(y - x^2)*x");
    assert_eq!(f.gradient_text()[1], "200*(y - x^2)");
    let g = Formula::parse("a*x^2 + sin(y)").unwrap();
    assert_eq!(
        g.gradient_text(),
        &["2*a*x".to_string(), "cos(y)".to_string()]
    );
}

#[test]
fn gradient_text_evaluates_to_the_gradient() {
    // The printed derivative is itself a formula: parse it back and compare numbers.
    for (src, _) in SMOOTH {
        let f = Formula::parse(src).unwrap();
        for (axis, text) in f.gradient_text().iter().enumerate() {
            let mut g = Formula::parse(text)
                .unwrap_or_else(|e| panic!("{src}: ∂{axis} text {text:?}: {e}"));
            g.inherit_params(&f);
            for p in [[0.31, -0.42], [0.77, 0.12]] {
                let exact = f.gradient(p).1[axis];
                assert!(close(exact, g.value(p), 1e-9), "{src}: {text} at {p:?}");
            }
        }
    }
}

#[test]
fn parameters_default_to_one_and_can_be_set() {
    let mut f = Formula::parse("a*x^2 + b*y^2 + a").unwrap();
    let names: Vec<_> = f.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(f.value([1.0, 1.0]), 3.0);
    assert!(f.set_param("b", 10.0));
    assert!(!f.set_param("c", 1.0));
    assert_eq!(f.value([1.0, 1.0]), 12.0);
    assert_eq!(f.gradient([1.0, 1.0]).1, [2.0, 20.0]);
}

#[test]
fn constants_pi_and_e() {
    let f = Formula::parse("pi + e*x").unwrap();
    assert!(f.params().is_empty());
    assert_eq!(
        f.value([2.0, 0.0]),
        std::f64::consts::PI + std::f64::consts::E * 2.0
    );
}

#[test]
fn non_finite_results_are_values() {
    let ln = Formula::parse("ln(x)").unwrap();
    assert!(ln.value([-1.0, 0.0]).is_nan());
    assert_eq!(ln.value([0.0, 0.0]), f64::NEG_INFINITY);
    let inv = Formula::parse("1/x").unwrap();
    assert_eq!(inv.value([0.0, 0.0]), f64::INFINITY);
    assert!(!inv.gradient([0.0, 0.0]).1[0].is_finite());
    assert_eq!(
        Formula::parse("exp(x)").unwrap().value([1000.0, 0.0]),
        f64::INFINITY
    );
}

fn err(src: &str) -> FormulaError {
    Formula::parse(src).expect_err(src)
}

#[test]
fn error_messages_name_the_problem_and_column() {
    assert_eq!(err("").to_string(), "the formula is empty");
    assert_eq!(err("   ").to_string(), "the formula is empty");
    assert_eq!(err("(x + y))").to_string(), "unexpected ')' at column 8");
    assert_eq!(err("x + * y").to_string(), "unexpected '*' at column 5");
    assert_eq!(err("x y").to_string(), "unexpected 'y' at column 3");
    assert_eq!(
        err("sin(x) + foo(y)").to_string(),
        "unknown function 'foo' at column 10"
    );
    assert_eq!(
        err("x + atan2(y)").to_string(),
        "'atan2' takes 2 arguments but got 1 at column 5"
    );
    assert_eq!(
        err("sin(x, y)").to_string(),
        "'sin' takes 1 argument but got 2 at column 1"
    );
    assert_eq!(
        err("max(x)").to_string(),
        "'max' takes at least 2 arguments but got 1 at column 1"
    );
    assert_eq!(
        err("(x + y").to_string(),
        "missing 1 closing ')' at column 7"
    );
    assert_eq!(
        err("x +").to_string(),
        "the formula ends early: an operand is missing at column 4"
    );
    assert_eq!(
        err("x + sin").to_string(),
        "'sin' is a function: write sin(…) at column 5"
    );
    assert_eq!(err("x $ y").to_string(), "unexpected '$' at column 3");
    assert_eq!(err("x + é").to_string(), "unexpected 'é' at column 5");
    assert_eq!(
        err(&"x+".repeat(600)).to_string(),
        "the formula is too long (1200 characters, at most 1000)"
    );
    assert_eq!(err("(x + y)) ").column(), Some(8));
}

#[test]
fn nested_functions_report_their_own_column() {
    assert_eq!(
        err("sin(bar(x)) + cos(y)").to_string(),
        "unknown function 'bar' at column 5"
    );
    assert_eq!(
        err("max(x, y, atan2(x)) ").to_string(),
        "'atan2' takes 2 arguments but got 1 at column 11"
    );
}

#[test]
fn min_max_fold_many_arguments() {
    let f = Formula::parse("max(x, y, 3) + min(x, y, -1)").unwrap();
    assert_eq!(f.value([1.0, 5.0]), 5.0 - 1.0);
    assert_eq!(f.gradient([1.0, 5.0]).1, [0.0, 1.0]);
}

#[test]
fn unary_minus_binds_looser_than_power() {
    assert_eq!(Formula::parse("-x^2").unwrap().value([3.0, 0.0]), -9.0);
    assert_eq!(Formula::parse("2^-x").unwrap().value([1.0, 0.0]), 0.5);
}

#[test]
fn batch_values_equal_point_values() {
    for (src, r) in SMOOTH {
        let f = Formula::parse(src).unwrap();
        // 300 columns: a full block of lanes and a part one, x-only work pinned per block.
        let n = 300;
        let xs: Vec<f64> = (0..n).map(|i| -r + 2.0 * r * i as f64 / n as f64).collect();
        let rows = f.grid_rows(&xs);
        let mut out = vec![0.0; n];
        let mut scratch = LaneSlots::default();
        for j in 0..7 {
            let y = r - 1.7 * r * j as f64 / 7.0;
            rows.row(y, &mut out, &mut scratch);
            for i in 0..n {
                let at = f.value([xs[i], y]);
                assert_eq!(out[i].to_bits(), at.to_bits(), "{src} at {i}, {j}");
            }
        }
    }
}

#[test]
fn grid_rows_of_constant_x_only_and_y_only_formulas_are_point_values() {
    // Whole tapes of one kind: uniform along a row, read from x in place, pinned per column.
    let xs = [-1.5, 0.25, 2.0];
    for src in [
        "2",
        "x",
        "y",
        "cos(y)",
        "exp(x)",
        "sin(x) + y",
        "a*x",
        "a*y + 1",
    ] {
        let f = Formula::parse(src).unwrap();
        let mut out = [f64::NAN; 3];
        for y in [-0.5, 3.0] {
            f.grid_rows(&xs).row(y, &mut out, &mut LaneSlots::default());
            let want = xs.map(|x| f.value([x, y]));
            assert_eq!(out, want, "{src} at y = {y}");
        }
    }
}

#[test]
fn finite_difference_mode_is_close_but_not_exact() {
    let f = Formula::parse("(1-x)^2 + 100*(y-x^2)^2").unwrap();
    let p = [-1.2, 1.0];
    let exact = f.gradient(p).1;
    let fd = f.finite_difference_gradient(p);
    for i in 0..2 {
        assert!((fd[i] - exact[i]).abs() < 1e-5 * exact[i].abs().max(1.0));
    }
}

/// Random inputs per property test; `GRADSCAPE_FUZZ_CASES=1000000` for a long run.
fn cases() -> u32 {
    std::env::var("GRADSCAPE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// Fragments of the formula language, so mutated inputs reach deep into the parser.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("x".to_string()),
            Just("y".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just(",".to_string()),
            Just(" ".to_string()),
            Just("sin(".to_string()),
            Just("max(".to_string()),
            Just("atan2(".to_string()),
            Just("foo(".to_string()),
            Just("^".to_string()),
            Just("-".to_string()),
            Just("+".to_string()),
            Just("*".to_string()),
            Just("/".to_string()),
            Just("%".to_string()),
            Just("e".to_string()),
            Just("pi".to_string()),
            Just("1e".to_string()),
            Just("2.5".to_string()),
            Just("a".to_string()),
            "[0-9]{1,3}",
            ".",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_string_parses_or_errors_without_panic(s in "\\PC{0,40}") {
            if let Ok(f) = Formula::parse(&s) {
                let _value = f.derivatives([0.5, -0.25]);
            }
        }

        #[test]
        fn formula_shaped_strings_never_panic(parts in proptest::collection::vec(piece(), 0..30)) {
            let s = parts.concat();
            match Formula::parse(&s) {
                Ok(f) => {
                    let d = f.derivatives([0.5, -0.25]);
                    let v = f.value([0.5, -0.25]);
                    prop_assert!(v.to_bits() == d.value.to_bits() || (v.is_nan() && d.value.is_nan()));
                }
                Err(e) => {
                    let col = e.column().unwrap_or(1);
                    prop_assert!(col >= 1 && col <= s.chars().count() + 1, "{e} for {s:?}");
                }
            }
        }
    }
}

/// The machine code must compute what the interpreter computes: the same bits for values, and
/// the same derivatives wherever the interpreter's are finite (it may give NaN for 0·∞ where a
/// derivative is structurally zero; the compiled code gives the 0).
mod compiled {
    use super::*;
    use crate::core::expr::node::{Fn1, Fn2};
    use proptest::prelude::*;

    fn leaf() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("x".to_string()),
            Just("y".to_string()),
            Just("a".to_string()),
            Just("pi".to_string()),
            (-4i32..5).prop_map(|k| format!("({k})")),
            (-40.0f64..40.0).prop_map(|k| format!("({k:.3})")),
        ]
    }

    fn formula() -> impl Strategy<Value = String> {
        leaf().prop_recursive(5, 40, 3, |inner| {
            let f1 = proptest::sample::select(Fn1::ALL.to_vec());
            let f2 = proptest::sample::select(vec![Fn2::Min, Fn2::Max, Fn2::Atan2]);
            let bin = proptest::sample::select(vec!["+", "-", "*", "/", "%", "^"]);
            prop_oneof![
                (inner.clone(), bin, inner.clone())
                    .prop_map(|(a, op, b)| format!("({a}){op}({b})")),
                (inner.clone(), f1).prop_map(|(a, f)| format!("{}({a})", f.name())),
                (inner.clone(), f2, inner.clone())
                    .prop_map(|(a, f, b)| format!("{}({a}, {b})", f.name())),
                (inner.clone(), -3i32..4).prop_map(|(a, k)| format!("({a})^{k}")),
                inner.prop_map(|a| format!("-({a})")),
            ]
        })
    }

    fn same(compiled: f64, interpreted: f64) -> bool {
        compiled.to_bits() == interpreted.to_bits() || (compiled.is_nan() && interpreted.is_nan())
    }

    fn agrees(compiled: f64, interpreted: f64) -> bool {
        !interpreted.is_finite() || compiled == interpreted
    }

    #[test]
    fn the_host_compiles_formulas() {
        if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
            assert!(Formula::parse("x*y").unwrap().compiled().is_some());
        }
    }

    #[test]
    fn a_derivative_of_a_constant_is_zero_even_where_the_chain_rule_meets_infinity() {
        // ∂/∂y of sqrt(x) + y at x = 0: the interpreter multiplies sqrt'(0) = ∞ by ∂x/∂y = 0.
        let f = Formula::parse("sqrt(x) + y").unwrap();
        let (_, g) = f.gradient([0.0, 2.0]);
        assert_eq!(g, [f64::INFINITY, 1.0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases() / 5, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn compiled_code_matches_the_interpreter(
            src in formula(),
            x in prop_oneof![Just(0.0), Just(-1.0), -3.0f64..3.0],
            y in prop_oneof![Just(0.0), Just(1.0), -3.0f64..3.0],
            a in -2.0f64..2.0,
        ) {
            let Ok(mut f) = Formula::parse(&src) else { return Ok(()) };
            f.set_param("a", a);
            let Some(code) = f.compiled() else { return Ok(()) };
            let (program, params) = (f.program(), f.param_values());
            let v = program.value(x, y, params, &mut Vec::new());
            prop_assert!(same(code.value(x, y, params), v), "value of {src}");
            let g = program.gradient(x, y, params, &mut Vec::new());
            let cg = code.gradient(x, y, params);
            // The looped code gives the same bits at every point of a batch.
            let mut batch = [f64::NAN; 6];
            code.gradients(&[y, x, x, y], params, &mut batch);
            let cg2 = code.gradient(y, x, params);
            let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&batch), bits(&[cg2, cg].concat()), "gradients of {}", src);
            prop_assert!(same(cg[0], v), "gradient's value of {src}");
            prop_assert!(agrees(cg[1], g.g[0]) && agrees(cg[2], g.g[1]), "∇ of {src}: {cg:?} vs {g:?}");
            let h = program.hessian(x, y, params, &mut Vec::new());
            let ch = code.hessian(x, y, params);
            let want = [h.v, h.g[0], h.g[1], h.h[0], h.h[1], h.h[2]];
            prop_assert!(same(ch[0], v), "Hessian's value of {src}");
            for i in 1..6 {
                prop_assert!(agrees(ch[i], want[i]), "jet {i} of {src}: {ch:?} vs {want:?}");
            }
        }
    }
}

/// Agreement with a 60-digit reference: a few ulps where the value is a normal number; where
/// it is below 1e-290 (subnormal, few digits), within 1e-305; overflow to the same infinity.
fn agrees(got: f64, want: f64) -> bool {
    if want.is_infinite() || got.is_infinite() {
        return got == want;
    }
    if want.abs() < 1e-290 {
        return (got - want).abs() <= 1e-305;
    }
    (got - want).abs() <= 4e-15 * want.abs()
}

/// Every function's value, first and second derivative against mpmath at 60 digits
/// (`tests/reference/derivatives.py`), at arguments where naive rules cancel or overflow:
/// tanh at 19 (1 − tanh² was off by 77%), asin and atanh near ±1, acosh and asinh at 1e160.
/// Both back ends: the compiled code and the interpreter.
#[test]
fn derivatives_match_a_high_precision_reference() {
    let table = include_str!("../../../tests/reference/derivatives.csv");
    let mut checked = 0;
    let mut slots = Vec::new();
    for row in table
        .lines()
        .filter(|l| !l.ends_with(",f,d1,d2") && !l.contains(",f,da,"))
    {
        let cells: Vec<&str> = row.split(',').collect();
        let num = |i: usize| cells[i].parse::<f64>().unwrap();
        let (source, point, want): (String, [f64; 2], Vec<(f64, usize)>) = if cells[0] == "atan2" {
            // f, da, db, daa, dab, dbb ↔ value, gx, gy, hxx, hxy, hyy.
            let want = (0..6).map(|k| (num(3 + k), k)).collect();
            ("atan2(x, y)".into(), [num(1), num(2)], want)
        } else {
            // f, f', f'' ↔ value, gx, hxx.
            let want = vec![(num(2), 0), (num(3), 1), (num(4), 3)];
            (format!("{}(x)", cells[0]), [num(1), 0.0], want)
        };
        let f = Formula::parse(&source).unwrap();
        let d = f.derivatives(point);
        let compiled = [
            d.value,
            d.gradient[0],
            d.gradient[1],
            d.hessian[0][0],
            d.hessian[0][1],
            d.hessian[1][1],
        ];
        let j = f.program().hessian(point[0], point[1], &[], &mut slots);
        let interpreted = [j.v, j.g[0], j.g[1], j.h[0], j.h[1], j.h[2]];
        for (want, k) in want {
            for (side, got) in [("compiled", compiled[k]), ("interpreted", interpreted[k])] {
                // Where a partial overflows, the interpreter's chain rule multiplies it by a
                // structural 0 (∞·0 = NaN); the compiled code drops those terms.
                if side == "interpreted" && want.is_infinite() && got.is_nan() {
                    continue;
                }
                assert!(
                    agrees(got, want),
                    "{source} at {point:?}, output {k} ({side}): got {got:e}, want {want:e}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "only {checked} values checked");
}

/// 0^b for b > 0 is 0 along b too: its b-derivatives are 0, not 0·ln 0 = NaN.
#[test]
fn power_of_zero_has_zero_exponent_derivatives() {
    let f = Formula::parse("x^y").unwrap();
    let d = f.derivatives([0.0, 2.5]);
    assert_eq!(d.value, 0.0);
    assert_eq!(d.gradient, [0.0, 0.0]);
    assert_eq!(d.hessian, [[0.0, 0.0], [0.0, 0.0]]);
    // Where the exponent is fixed, a negative base is fine: (-2)^3 = -8, d/dx = 3·4.
    let g = Formula::parse("x^3").unwrap().derivatives([-2.0, 0.0]);
    assert_eq!(
        (g.value, g.gradient[0], g.hessian[0][0]),
        (-8.0, 12.0, -12.0)
    );
}

/// Where a formula is undefined it stays undefined: simplification never fills a hole, and
/// constant folding never regroups a product (which would round or overflow differently).
#[test]
fn undefined_stays_undefined_and_folding_keeps_ieee_results() {
    let nan_at = |src: &str, p: [f64; 2]| {
        let f = Formula::parse(src).unwrap();
        let mut s = Vec::new();
        let values = [
            f.value(p),
            f.program().value(p[0], p[1], &[], &mut s),
            f.derivatives(p).value,
        ];
        assert!(
            values.iter().all(|v| v.is_nan()),
            "{src} at {p:?}: {values:?}"
        );
    };
    nan_at("x/x", [0.0, 0.0]);
    nan_at("0*ln(x)", [-1.0, 0.0]);
    nan_at("(x-x)/(x-x)", [3.0, 0.0]);
    nan_at("x - x + y", [f64::INFINITY, 1.0]);
    nan_at("sqrt(x)*0 + 1", [-4.0, 0.0]);
    // Evaluated as written, in IEEE order.
    let x = 1e-200;
    let f = Formula::parse("1e200*(1e200*x)").unwrap();
    assert_eq!(f.value([x, 0.0]), 1e200 * (1e200 * x));
    assert!(f.value([x, 0.0]).is_finite());
    let g = Formula::parse("(x*3)*1e308/1e308").unwrap();
    assert_eq!(g.value([1.0, 0.0]), (1.0 * 3.0) * 1e308 / 1e308);
    // The identities that hold for every double still fold: x*1, x/1, x^1.
    assert_eq!(
        Formula::parse("x*1/1").unwrap().program().len(),
        Formula::parse("x").unwrap().program().len()
    );
}

/// A pasted non-breaking space is named, at its own column.
#[test]
fn invisible_characters_are_named() {
    let e = Formula::parse("x\u{a0}+ y").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unexpected non-breaking space (U+00A0; type a plain space) at column 2"
    );
    let e = Formula::parse("x \u{2212} y").unwrap_err();
    assert!(e.to_string().contains("minus sign"), "{e}");
}

/// torch's conventions, which `export-torch` relies on: signum(0) = 0 (torch.sign), halves
/// round to even (torch.round), min and max of a NaN are NaN (torch.minimum) and split the
/// derivative at a tie (autograd gives each argument half). The symbolic gradient shown in the
/// panel agrees with the computed one there.
#[test]
fn signum_round_min_and_max_follow_torch() {
    let value = |src: &str, p: [f64; 2]| Formula::parse(src).unwrap().value(p);
    assert_eq!(value("signum(x)", [0.0, 0.0]), 0.0);
    assert_eq!(value("signum(x)", [-3.0, 0.0]), -1.0);
    for (x, even) in [
        (0.5, 0.0),
        (1.5, 2.0),
        (2.5, 2.0),
        (-2.5, -2.0),
        (-0.5, -0.0),
        (2.4, 2.0),
    ] {
        assert_eq!(value("round(x)", [x, 0.0]), even, "round({x})");
    }
    // Through the compiled code too (one point) and the batch interpreter (a grid).
    let f = Formula::parse("round(x) + max(x, y)").unwrap();
    assert_eq!(f.gradient([2.5, 2.5]), (4.5, [0.5, 0.5]));
    let mut out = [0.0; 2];
    f.grid_rows(&[2.5, 0.5])
        .row(0.0, &mut out, &mut LaneSlots::default());
    assert_eq!(out, [4.5, 0.5]);
    assert!(value("min(ln(x), 1)", [-1.0, 0.0]).is_nan());
    assert!(value("max(y, sqrt(x))", [-1.0, 0.0]).is_nan());
    for src in ["max(x, y)", "min(x, y)", "max(x, 2*y - x)", "min(x^2, y)"] {
        let f = Formula::parse(src).unwrap();
        for p in [[1.0, 1.0], [0.3, 1.0], [2.0, -1.0]] {
            let (_, g) = f.gradient(p);
            for (axis, text) in f.gradient_text().iter().enumerate() {
                let mut shown = Formula::parse(text).unwrap();
                shown.inherit_params(&f);
                assert_eq!(shown.value(p), g[axis], "{src}: ∂{axis} = {text} at {p:?}");
            }
        }
    }
    // At a tie each side gets half: d/dx max(x, y) at x = y is 1/2.
    assert_eq!(
        Formula::parse("max(x, y)").unwrap().gradient([1.0, 1.0]).1,
        [0.5, 0.5]
    );
}
