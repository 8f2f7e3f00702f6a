//! Nelder–Mead: a derivative-free simplex (a triangle in 2D, n + 1 vertices in n
//! dimensions) that looks only at values.
//!
//! One step is one iteration with the standard coefficients (reflect 1, expand 2, contract ½,
//! shrink ½). The racer's position is the best vertex; the triangle can be drawn.
//! The first step builds the triangle x, x + (s, 0), x + (0, s) with s = `lr`.

use super::vector::Search;
use super::{Step, Update, term};
use crate::core::objective::Objective;

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
    let seen_loss = c.loss;
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
    s.terms.set(&[
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
        seen_loss,
    }
}

/// The simplex on n coordinates: n + 1 vertices (row-major, n numbers each) and their values,
/// with the buffers a step works in.
#[derive(Debug, Clone)]
pub(super) struct SimplexN {
    points: Vec<f64>,
    values: Vec<f64>,
    order: Vec<usize>,
    centroid: Vec<f64>,
    reflected: Vec<f64>,
    trial: Vec<f64>,
    /// The worst vertex while it is replaced, the best while the simplex shrinks to it.
    held: Vec<f64>,
}

impl SimplexN {
    /// x and x + s·eᵢ for every coordinate i (in 2D the triangle above).
    fn new(x: &[f64], s: f64, f: &mut dyn Objective) -> SimplexN {
        let n = x.len();
        let mut points = Vec::with_capacity((n + 1) * n);
        for v in 0..=n {
            points.extend_from_slice(x);
            if v > 0 {
                points[v * n + v - 1] += s;
            }
        }
        let values = points.chunks(n).map(|p| rank(f.value(p))).collect();
        SimplexN {
            points,
            values,
            order: (0..=n).collect(),
            centroid: vec![0.0; n],
            reflected: vec![0.0; n],
            trial: vec![0.0; n],
            held: vec![0.0; n],
        }
    }

    fn point(&self, v: usize) -> &[f64] {
        let n = self.centroid.len();
        &self.points[v * n..(v + 1) * n]
    }

    fn set(&mut self, v: usize, p: &[f64], value: f64) {
        let n = p.len();
        self.points[v * n..(v + 1) * n].copy_from_slice(p);
        self.values[v] = value;
    }

    /// One iteration with the 2D step's rules, `trial` and `reflected` as its work space.
    fn iterate(&mut self, f: &mut dyn Objective) {
        let n = self.centroid.len();
        let values = &self.values;
        self.order
            .sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
        let (best, second, worst) = (self.order[0], self.order[n - 1], self.order[n]);
        let (fb, fs, fw) = (values[best], values[second], values[worst]);
        // The centroid of every vertex but the worst.
        self.centroid.fill(0.0);
        for &v in &self.order[..n] {
            for (c, p) in self
                .centroid
                .iter_mut()
                .zip(&self.points[v * n..(v + 1) * n])
            {
                *c += p;
            }
        }
        self.centroid.iter_mut().for_each(|c| *c /= n as f64);
        let toward = |out: &mut [f64], from: &[f64], to: &[f64], t: f64| {
            for ((o, a), b) in out.iter_mut().zip(from).zip(to) {
                *o = a + t * (b - a);
            }
        };
        let take = std::mem::take;
        let (mut xr, mut xt) = (take(&mut self.reflected), take(&mut self.trial));
        let mut pw = take(&mut self.held);
        pw.copy_from_slice(self.point(worst));
        toward(&mut xr, &self.centroid, &pw, -1.0);
        let fr = rank(f.value(&xr));
        if fr < fb {
            toward(&mut xt, &self.centroid, &pw, -2.0);
            let fe = rank(f.value(&xt));
            match fe < fr {
                true => self.set(worst, &xt, fe),
                false => self.set(worst, &xr, fr),
            }
        } else if fr < fs {
            self.set(worst, &xr, fr);
        } else {
            let outside = fr < fw;
            let far = if outside { &xr } else { &pw };
            toward(&mut xt, &self.centroid, far, 0.5);
            let fc = rank(f.value(&xt));
            if (outside && fc <= fr) || (!outside && fc < fw) {
                self.set(worst, &xt, fc);
            } else {
                let pb = &mut pw;
                pb.copy_from_slice(self.point(best));
                for k in 1..=n {
                    let v = self.order[k];
                    toward(&mut xt, pb, self.point(v), 0.5);
                    let fv = rank(f.value(&xt));
                    self.set(v, &xt, fv);
                }
            }
        }
        (self.reflected, self.trial, self.held) = (xr, xt, pw);
    }

    /// The best vertex.
    fn best(&self) -> &[f64] {
        let values = &self.values;
        let best = (0..values.len())
            .min_by(|&a, &b| values[a].total_cmp(&values[b]))
            .unwrap_or(0);
        self.point(best)
    }
}

/// One iteration on n coordinates; the racer's point becomes the best vertex. Returns f
/// there.
pub(super) fn step_n(x: &mut [f64], lr: f64, s: &mut Search, f: &mut dyn Objective) -> f64 {
    let Search::Simplex(simplex) = s else {
        *s = Search::Simplex(SimplexN::new(x, lr, f));
        return step_n(x, lr, s, f);
    };
    simplex.iterate(f);
    x.copy_from_slice(simplex.best());
    let values = &simplex.values;
    values.iter().copied().fold(f64::INFINITY, f64::min)
}
