//! Numbers that carry their own derivatives (forward-mode AD) in the two variables x and y.
//!
//! `Jet1` holds f and ∇f; `Jet2` adds the Hessian. Every rule below is the exact chain rule, so
//! derivatives are as precise as the values: no step size, no truncation error.

use super::node::{Fn1, Fn2};

/// What the program interpreter needs of a number type.
pub trait Scalar: Copy {
    fn constant(v: f64) -> Self;
    fn value(self) -> f64;
    fn add(self, b: Self) -> Self;
    fn sub(self, b: Self) -> Self;
    fn mul(self, b: Self) -> Self;
    fn div(self, b: Self) -> Self;
    fn neg(self) -> Self;
    fn scale(self, k: f64) -> Self;
    fn offset(self, k: f64) -> Self;
    /// `self^k` for a constant exponent.
    fn powf(self, k: f64) -> Self;
    fn pow(self, b: Self) -> Self;
    fn square(self) -> Self {
        self.powf(2.0)
    }
    fn rem(self, b: Self) -> Self;
    fn f1(self, f: Fn1) -> Self;
    fn f2(self, f: Fn2, b: Self) -> Self;
}

/// x^k with exact integer powers where k is an integer (so (-2)^2 = 4, not NaN).
#[inline]
pub fn powk(a: f64, k: f64) -> f64 {
    if k == 2.0 {
        a * a
    } else if k.fract() == 0.0 && k.abs() <= 64.0 {
        a.powi(k as i32)
    } else {
        a.powf(k)
    }
}

impl Scalar for f64 {
    #[inline]
    fn constant(v: f64) -> Self {
        v
    }
    #[inline]
    fn value(self) -> f64 {
        self
    }
    #[inline]
    fn add(self, b: Self) -> Self {
        self + b
    }
    #[inline]
    fn sub(self, b: Self) -> Self {
        self - b
    }
    #[inline]
    fn mul(self, b: Self) -> Self {
        self * b
    }
    #[inline]
    fn div(self, b: Self) -> Self {
        self / b
    }
    #[inline]
    fn neg(self) -> Self {
        -self
    }
    #[inline]
    fn scale(self, k: f64) -> Self {
        self * k
    }
    #[inline]
    fn offset(self, k: f64) -> Self {
        self + k
    }
    #[inline]
    fn powf(self, k: f64) -> Self {
        powk(self, k)
    }
    #[inline]
    fn pow(self, b: Self) -> Self {
        f64::powf(self, b)
    }
    #[inline]
    fn square(self) -> Self {
        self * self
    }
    #[inline]
    fn rem(self, b: Self) -> Self {
        self % b
    }
    #[inline]
    fn f1(self, f: Fn1) -> Self {
        f.apply(self)
    }
    #[inline]
    fn f2(self, f: Fn2, b: Self) -> Self {
        f.apply(self, b)
    }
}

/// Value and gradient.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Jet1 {
    pub v: f64,
    pub g: [f64; 2],
}

impl Jet1 {
    pub fn var(v: f64, index: usize) -> Self {
        let mut g = [0.0; 2];
        g[index] = 1.0;
        Jet1 { v, g }
    }

    /// Chain rule for a function of one argument with derivative `d`.
    #[inline]
    fn chain(self, v: f64, d: f64) -> Self {
        Jet1 {
            v,
            g: [d * self.g[0], d * self.g[1]],
        }
    }

    /// Chain rule for a function of two arguments with partials `da`, `db`.
    #[inline]
    fn chain2(self, b: Self, v: f64, da: f64, db: f64) -> Self {
        Jet1 {
            v,
            g: [da * self.g[0] + db * b.g[0], da * self.g[1] + db * b.g[1]],
        }
    }
}

impl Scalar for Jet1 {
    fn constant(v: f64) -> Self {
        Jet1 { v, g: [0.0; 2] }
    }
    fn value(self) -> f64 {
        self.v
    }
    #[inline]
    fn add(self, b: Self) -> Self {
        Jet1 {
            v: self.v + b.v,
            g: [self.g[0] + b.g[0], self.g[1] + b.g[1]],
        }
    }
    #[inline]
    fn sub(self, b: Self) -> Self {
        Jet1 {
            v: self.v - b.v,
            g: [self.g[0] - b.g[0], self.g[1] - b.g[1]],
        }
    }
    #[inline]
    fn mul(self, b: Self) -> Self {
        self.chain2(b, self.v * b.v, b.v, self.v)
    }
    #[inline]
    fn div(self, b: Self) -> Self {
        // The same partials as `Jet2::div`, so both orders round alike.
        let q = self.v / b.v;
        let inv = 1.0 / b.v;
        self.chain2(b, q, inv, -q * inv)
    }
    #[inline]
    fn neg(self) -> Self {
        self.scale(-1.0)
    }
    #[inline]
    fn scale(self, k: f64) -> Self {
        Jet1 {
            v: self.v * k,
            g: [self.g[0] * k, self.g[1] * k],
        }
    }
    #[inline]
    fn offset(self, k: f64) -> Self {
        Jet1 {
            v: self.v + k,
            ..self
        }
    }
    #[inline]
    fn powf(self, k: f64) -> Self {
        let (v, d, _) = powk2(self.v, k);
        self.chain(v, d)
    }
    fn pow(self, b: Self) -> Self {
        let (v, da, db, ..) = pow_partials(self.v, b.v);
        self.chain2(b, v, da, db)
    }
    fn rem(self, b: Self) -> Self {
        let v = self.v % b.v;
        self.chain2(b, v, 1.0, -((self.v - v) / b.v))
    }
    #[inline]
    fn f1(self, f: Fn1) -> Self {
        let (v, d, _) = f.apply2(self.v);
        self.chain(v, d)
    }
    fn f2(self, f: Fn2, b: Self) -> Self {
        let p = fn2_partials(f, self.v, b.v);
        self.chain2(b, p.v, p.da, p.db)
    }
}

/// Value, gradient and Hessian `[h_xx, h_xy, h_yy]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Jet2 {
    pub v: f64,
    pub g: [f64; 2],
    pub h: [f64; 3],
}

impl Jet2 {
    pub fn var(v: f64, index: usize) -> Self {
        let mut g = [0.0; 2];
        g[index] = 1.0;
        Jet2 { v, g, h: [0.0; 3] }
    }

    /// Second-order chain rule for g(u): H = g'' ∇u∇uᵀ + g' ∇²u.
    #[inline]
    fn chain(self, v: f64, d: f64, dd: f64) -> Self {
        let [gx, gy] = self.g;
        let [hxx, hxy, hyy] = self.h;
        Jet2 {
            v,
            g: [d * gx, d * gy],
            h: [
                dd * gx * gx + d * hxx,
                dd * gx * gy + d * hxy,
                dd * gy * gy + d * hyy,
            ],
        }
    }

    /// Second-order chain rule for g(a, b) with its first and second partials.
    #[inline]
    fn chain2(self, b: Self, p: Partials2) -> Self {
        let (a, c) = (self, b);
        let outer = |i: usize, j: usize| {
            p.daa * a.g[i] * a.g[j]
                + p.dab * (a.g[i] * c.g[j] + c.g[i] * a.g[j])
                + p.dbb * c.g[i] * c.g[j]
        };
        Jet2 {
            v: p.v,
            g: [p.da * a.g[0] + p.db * c.g[0], p.da * a.g[1] + p.db * c.g[1]],
            h: [
                outer(0, 0) + p.da * a.h[0] + p.db * c.h[0],
                outer(0, 1) + p.da * a.h[1] + p.db * c.h[1],
                outer(1, 1) + p.da * a.h[2] + p.db * c.h[2],
            ],
        }
    }
}

/// A two-argument function's value and partial derivatives up to second order.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Partials2 {
    pub v: f64,
    pub da: f64,
    pub db: f64,
    pub daa: f64,
    pub dab: f64,
    pub dbb: f64,
}

/// a^k with its first two derivatives in a, for constant k.
#[inline]
pub(super) fn powk2(a: f64, k: f64) -> (f64, f64, f64) {
    if k == 2.0 {
        return (a * a, 2.0 * a, 2.0);
    }
    if k == 1.0 {
        return (a, 1.0, 0.0);
    }
    (
        powk(a, k),
        k * powk(a, k - 1.0),
        k * (k - 1.0) * powk(a, k - 2.0),
    )
}

/// Partials of a^b where both vary: a^b = exp(b ln a).
pub(super) fn pow_partials(a: f64, b: f64) -> (f64, f64, f64, f64, f64, f64) {
    let v = a.powf(b);
    let ln = a.ln();
    let da = b * a.powf(b - 1.0);
    let daa = b * (b - 1.0) * a.powf(b - 2.0);
    if a == 0.0 && b > 0.0 {
        // 0^b = 0 for every b > 0, so its b-derivatives vanish (v·ln a would be 0·∞).
        let dab = if b > 1.0 { 0.0 } else { f64::NEG_INFINITY };
        return (v, da, 0.0, daa, dab, 0.0);
    }
    let db = v * ln;
    let dab = a.powf(b - 1.0) * (1.0 + b * ln);
    let dbb = v * ln * ln;
    (v, da, db, daa, dab, dbb)
}

pub(super) fn fn2_partials(f: Fn2, a: f64, b: f64) -> Partials2 {
    match f {
        // The active branch carries the derivative; at a tie each argument carries half, as
        // torch's autograd does and as the symbolic derivative (1 ± signum(a − b))/2 says.
        Fn2::Min | Fn2::Max => {
            let v = f.apply(a, b);
            let (da, db) = if a == b {
                (0.5, 0.5)
            } else if (f == Fn2::Min) == (a < b) {
                (1.0, 0.0)
            } else {
                (0.0, 1.0)
            };
            Partials2 {
                v,
                da,
                db,
                ..Default::default()
            }
        }
        Fn2::Atan2 => {
            // In terms of the unit vector (u, w) = (a, b)/r, so that r² and r⁴ never overflow
            // or underflow where the partials themselves are representable.
            let r = a.hypot(b);
            let (u, w) = (a / r, b / r);
            Partials2 {
                v: a.atan2(b),
                da: w / r,
                db: -u / r,
                daa: -2.0 * u * w / r / r,
                dab: (u - w) * (u + w) / r / r,
                dbb: 2.0 * u * w / r / r,
            }
        }
    }
}

impl Scalar for Jet2 {
    fn constant(v: f64) -> Self {
        Jet2 {
            v,
            ..Default::default()
        }
    }
    fn value(self) -> f64 {
        self.v
    }
    #[inline]
    fn add(self, b: Self) -> Self {
        Jet2 {
            v: self.v + b.v,
            g: [self.g[0] + b.g[0], self.g[1] + b.g[1]],
            h: [self.h[0] + b.h[0], self.h[1] + b.h[1], self.h[2] + b.h[2]],
        }
    }
    #[inline]
    fn sub(self, b: Self) -> Self {
        self.add(b.neg())
    }
    #[inline]
    fn mul(self, b: Self) -> Self {
        self.chain2(
            b,
            Partials2 {
                v: self.v * b.v,
                da: b.v,
                db: self.v,
                dab: 1.0,
                ..Default::default()
            },
        )
    }
    #[inline]
    fn div(self, b: Self) -> Self {
        let q = self.v / b.v;
        let inv = 1.0 / b.v;
        self.chain2(
            b,
            Partials2 {
                v: q,
                da: inv,
                db: -q * inv,
                daa: 0.0,
                dab: -inv * inv,
                dbb: 2.0 * q * inv * inv,
            },
        )
    }
    #[inline]
    fn neg(self) -> Self {
        self.scale(-1.0)
    }
    #[inline]
    fn scale(self, k: f64) -> Self {
        Jet2 {
            v: self.v * k,
            g: [self.g[0] * k, self.g[1] * k],
            h: [self.h[0] * k, self.h[1] * k, self.h[2] * k],
        }
    }
    #[inline]
    fn offset(self, k: f64) -> Self {
        Jet2 {
            v: self.v + k,
            ..self
        }
    }
    #[inline]
    fn powf(self, k: f64) -> Self {
        let (v, d, dd) = powk2(self.v, k);
        self.chain(v, d, dd)
    }
    fn pow(self, b: Self) -> Self {
        let (v, da, db, daa, dab, dbb) = pow_partials(self.v, b.v);
        self.chain2(
            b,
            Partials2 {
                v,
                da,
                db,
                daa,
                dab,
                dbb,
            },
        )
    }
    fn rem(self, b: Self) -> Self {
        let v = self.v % b.v;
        self.chain2(
            b,
            Partials2 {
                v,
                da: 1.0,
                db: -((self.v - v) / b.v),
                ..Default::default()
            },
        )
    }
    #[inline]
    fn f1(self, f: Fn1) -> Self {
        let (v, d, dd) = f.apply2(self.v);
        self.chain(v, d, dd)
    }
    fn f2(self, f: Fn2, b: Self) -> Self {
        self.chain2(b, fn2_partials(f, self.v, b.v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::expr::node::signum;

    #[test]
    fn signum_of_zero_is_zero() {
        assert_eq!(signum(0.0), 0.0);
        assert_eq!(signum(-3.0), -1.0);
    }

    #[test]
    fn jet2_product_rule_second_order() {
        // f = x*y at (2,3): ∇f = (3,2), H = [[0,1],[1,0]].
        let x = Jet2::var(2.0, 0);
        let y = Jet2::var(3.0, 1);
        let f = x.mul(y);
        assert_eq!(f.v, 6.0);
        assert_eq!(f.g, [3.0, 2.0]);
        assert_eq!(f.h, [0.0, 1.0, 0.0]);
    }
}
