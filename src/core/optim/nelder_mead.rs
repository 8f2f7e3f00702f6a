//! Nelder–Mead: a derivative-free simplex (a triangle in 2D) that looks only at values.
//!
//! One step is one iteration with the standard coefficients (reflect 1, expand 2, contract ½,
//! shrink ½). The racer's position is the best vertex; the triangle can be drawn.
//! The first step builds the triangle x, x + (s, 0), x + (0, s) with s = `lr`.

use super::{Step, Terms, Update, term};

#[derive(Debug, Clone)]
pub(super) struct Simplex {
    pub points: [[f64; 2]; 3],
    values: [f64; 3],
}

/// Undefined values rank worst, so the simplex walks away from them.
fn rank(v: f64) -> f64 {
    if v.is_nan() { f64::INFINITY } else { v }
}

fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

pub(super) fn step(c: Step) -> Update {
    let (h, s, x, f) = (c.h, c.s, c.x, c.seen);
    let eval = |p: [f64; 2]| rank(f.value(p));
    let simplex = s.simplex.get_or_insert_with(|| {
        let points = [x, [x[0] + h.lr, x[1]], [x[0], x[1] + h.lr]];
        Simplex {
            points,
            values: points.map(eval),
        }
    });
    let mut order = [0, 1, 2];
    order.sort_by(|&a, &b| simplex.values[a].total_cmp(&simplex.values[b]));
    let [best, mid, worst] = order;
    let (pb, pw) = (simplex.points[best], simplex.points[worst]);
    let [fb, fm, fw] = order.map(|i| simplex.values[i]);
    let c = lerp(pb, simplex.points[mid], 0.5);
    let xr = lerp(c, pw, -1.0);
    let fr = eval(xr);
    let mut replace = |p: [f64; 2], v: f64, what: &'static str| {
        simplex.points[worst] = p;
        simplex.values[worst] = v;
        what
    };
    let action = if fr < fb {
        let xe = lerp(c, pw, -2.0);
        let fe = eval(xe);
        if fe < fr {
            replace(xe, fe, "expand")
        } else {
            replace(xr, fr, "reflect")
        }
    } else if fr < fm {
        replace(xr, fr, "reflect")
    } else {
        let (xc, fc, accept) = if fr < fw {
            let xc = lerp(c, xr, 0.5);
            let fc = eval(xc);
            (xc, fc, fc <= fr)
        } else {
            let xc = lerp(c, pw, 0.5);
            let fc = eval(xc);
            (xc, fc, fc < fw)
        };
        if accept {
            replace(xc, fc, "contract")
        } else {
            for i in [mid, worst] {
                simplex.points[i] = lerp(pb, simplex.points[i], 0.5);
                simplex.values[i] = eval(simplex.points[i]);
            }
            "shrink"
        }
    };
    let best_now = (0..3)
        .min_by(|&a, &b| simplex.values[a].total_cmp(&simplex.values[b]))
        .unwrap_or(best);
    let to = simplex.points[best_now];
    s.terms = Terms::of(&[
        term("centroid c", c),
        term("reflected point", xr),
        term("best vertex", to),
    ]);
    Update {
        from: x,
        to,
        grad: [f64::NAN; 2],
        lr: h.lr,
        rule: match action {
            "expand" => "expand: x_w ← c + 2(c − x_w)",
            "reflect" => "reflect: x_w ← c + (c − x_w)",
            "contract" => "contract: x_w ← halfway to c",
            _ => "shrink: all vertices halfway to the best",
        },
        note: None,
        seen_loss: f64::NAN,
    }
}
