//! The arithmetic a network's passes are made of, over a block of rows at once: matrix
//! products and tanh, written so that their loops run in SIMD lanes, in the caller's buffers
//! (nothing allocated), with the same bits on every machine.

/// A matrix in a slice: its element (i, j) at `i·rows + j·cols` (row-major: `(width, 1)`;
/// its transpose is the same slice with the strides swapped).
#[derive(Debug, Clone, Copy)]
pub(super) struct Strided<'a> {
    pub data: &'a [f64],
    pub rows: usize,
    pub cols: usize,
}

/// A row-major view of `data` with `width` columns.
pub(super) fn rows(data: &[f64], width: usize) -> Strided<'_> {
    Strided {
        data,
        rows: width,
        cols: 1,
    }
}

/// The transpose of a row-major matrix with `width` columns.
pub(super) fn transposed(data: &[f64], width: usize) -> Strided<'_> {
    Strided {
        data,
        rows: 1,
        cols: width,
    }
}

/// Wᵀ into `out` (row-major, `cols` × `rows`) for W row-major `rows` × `cols`.
pub(super) fn transpose(w: &[f64], rows: usize, cols: usize, out: &mut [f64]) {
    for (i, row) in w[..rows * cols].chunks_exact(cols).enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j * rows + i] = *v;
        }
    }
}

/// C ← A·B + β·C for A of m × k (any strides), B of k × n row-major in `b` and C of m × n
/// row-major in `c`: each row of C gathers k rows of B, scaled, a loop that runs in SIMD lanes
/// (AVX-512 or AVX2 where the processor has them, found at run time). The same operations
/// in the same order on every machine, so the same bits.
///
/// # Panics
/// When a matrix does not fit its slice (a caller's bug, never input's).
pub(super) fn gemm(m: usize, k: usize, n: usize, a: Strided, b: &[f64], beta: f64, c: &mut [f64]) {
    if m == 0 || n == 0 {
        return;
    }
    if k > 0 {
        assert!((m - 1) * a.rows + (k - 1) * a.cols < a.data.len() && k * n <= b.len());
    }
    let c = &mut c[..m * n];
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") {
            // SAFETY: the processor has AVX-512F, checked just above.
            unsafe { gemm_avx512(k, n, a, b, beta, c) };
            return;
        }
        if has!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { gemm_avx2(k, n, a, b, beta, c) };
            return;
        }
    }
    gemm_rows(k, n, a, b, beta, c);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gemm_avx512(k: usize, n: usize, a: Strided, b: &[f64], beta: f64, c: &mut [f64]) {
    gemm_rows(k, n, a, b, beta, c);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gemm_avx2(k: usize, n: usize, a: Strided, b: &[f64], beta: f64, c: &mut [f64]) {
    gemm_rows(k, n, a, b, beta, c);
}

/// Rows and columns of C one block of the product keeps in registers.
const BLOCK_ROWS: usize = 4;
const BLOCK_COLS: usize = 8;

/// C block by block: for each 4 × 8 block, the k products summed in registers (each row of
/// B's block loaded once for four rows of A), then added to β·C; the edges as plain rows.
#[inline(always)]
fn gemm_rows(k: usize, n: usize, a: Strided, b: &[f64], beta: f64, c: &mut [f64]) {
    let m = c.len() / n;
    let (full_rows, full_cols) = (m - m % BLOCK_ROWS, n - n % BLOCK_COLS);
    for i in (0..full_rows).step_by(BLOCK_ROWS) {
        for j in (0..full_cols).step_by(BLOCK_COLS) {
            let sum = block(k, n, a, b, i, j);
            for (r, sum) in sum.iter().enumerate() {
                let at = (i + r) * n + j;
                let row: &mut [f64; BLOCK_COLS] = (&mut c[at..at + BLOCK_COLS]).try_into().unwrap();
                for (c, t) in row.iter_mut().zip(sum) {
                    *c = if beta == 0.0 { *t } else { beta * *c + t };
                }
            }
        }
    }
    // The columns right of the blocks, then the rows below them.
    for i in 0..m {
        let cols = if i < full_rows { full_cols..n } else { 0..n };
        for j in cols {
            let t = dot(k, |kk| a.data[i * a.rows + kk * a.cols] * b[kk * n + j]);
            let c = &mut c[i * n + j];
            *c = if beta == 0.0 { t } else { beta * *c + t };
        }
    }
}

/// Σ term(kk) for kk < k in four running sums (kk mod 4), so that four additions are under
/// way at once rather than one after another.
#[inline(always)]
pub(crate) fn dot(k: usize, term: impl Fn(usize) -> f64) -> f64 {
    let mut s = [0.0; 4];
    for kk in (0..k - k % 4).step_by(4) {
        for (q, s) in s.iter_mut().enumerate() {
            *s += term(kk + q);
        }
    }
    for (q, kk) in (k - k % 4..k).enumerate() {
        s[q] += term(kk);
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// The 4 × 8 block of A·B at (i, j), summed over k in registers.
#[inline(always)]
fn block(
    k: usize,
    n: usize,
    a: Strided,
    b: &[f64],
    i: usize,
    j: usize,
) -> [[f64; BLOCK_COLS]; BLOCK_ROWS] {
    let mut sum = [[0.0f64; BLOCK_COLS]; BLOCK_ROWS];
    for kk in 0..k {
        let bk: &[f64; BLOCK_COLS] = (&b[kk * n + j..kk * n + j + BLOCK_COLS])
            .try_into()
            .unwrap();
        let at = |r: usize| a.data[(i + r) * a.rows + kk * a.cols];
        let s = [at(0), at(1), at(2), at(3)];
        for r in 0..BLOCK_ROWS {
            for w in 0..BLOCK_COLS {
                sum[r][w] += s[r] * bk[w];
            }
        }
    }
    sum
}

/// tanh to within 3·ε·|tanh x| of the standard library's (itself within a unit in the last
/// place; tested over 12 decades), without branches, so that a loop of it vectorises: tanh|x| = m/(m + 2) with
/// m = e^(2|x|) − 1, the sign put back.
#[inline(always)]
pub fn tanh(x: f64) -> f64 {
    // Beyond 20, tanh rounds to 1 (and e^40 stays finite); a NaN passes as NaN.
    let ax = x.abs();
    let ax = if ax > 20.0 { 20.0 } else { ax };
    let m = exp_m1(2.0 * ax);
    (m / (m + 2.0)).copysign(x)
}

/// a = tanh(z) for a block: in AVX-512's eight lanes or AVX2's four where the processor has
/// them (found at run time), else in SSE2's two. The same operations in the same order
/// every way (Rust does not fuse a multiply and an add unasked), so the numbers are the
/// same on every machine.
pub fn tanh_all(z: &[f64], a: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") {
            // SAFETY: the processor has AVX-512F, checked just above.
            unsafe { tanh_all_avx512(z, a) };
            return;
        }
        if has!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { tanh_all_avx2(z, a) };
            return;
        }
    }
    tanh_each(z, a);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn tanh_all_avx512(z: &[f64], a: &mut [f64]) {
    tanh_each(z, a);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn tanh_all_avx2(z: &[f64], a: &mut [f64]) {
    tanh_each(z, a);
}

#[inline(always)]
fn tanh_each(z: &[f64], a: &mut [f64]) {
    a.iter_mut().zip(z).for_each(|(a, z)| *a = tanh(*z));
}

/// eˣ − 1 for 0 ≤ x ≤ 40 to about one unit in the last place, without branches: x = k·ln 2 + r
/// with |r| ≤ ln 2 / 2, eʳ − 1 by its Taylor series to r¹³ (truncation below 1e-17), then
/// 2ᵏ·(eʳ − 1) + (2ᵏ − 1), two terms of one sign, so no digits cancel (and for x below
/// ln 2 / 2, k = 0 and r = x exactly: small x keep their relative accuracy).
#[inline(always)]
fn exp_m1(x: f64) -> f64 {
    // ln 2 = LN2_HI + LN2_LO, the first with 32 bits so that k·LN2_HI is exact (fdlibm's).
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // Adding 1.5·2⁵² rounds to an integer (ties to even), which the low bits then hold.
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let t = x * std::f64::consts::LOG2_E + SHIFTER;
    let k = t - SHIFTER;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
    ] {
        p = p * r + c;
    }
    // 2ᵏ: k + 1023 in the exponent's bits (k from the shifter's low bits, as two's complement).
    let two_k = f64::from_bits((t.to_bits() as i64 as u64).wrapping_add(1023) << 52);
    two_k * (p * r) + (two_k - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units of ε·|b| (one to two units in the last place).
    fn ulps(a: f64, b: f64) -> f64 {
        ((a - b) / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE)).abs()
    }

    #[test]
    fn tanh_is_within_three_epsilons_of_the_standard_librarys() {
        let (mut worst, mut at): (f64, f64) = (0.0, 0.0);
        for i in 0..2_000_000 {
            // A log-spaced sweep from 1e-12 to 40, both signs, and the switch at 0.125.
            let x = 1e-12 * ((40.0f64 / 1e-12).ln() * i as f64 / 2e6).exp();
            for x in [x, -x, 0.125 + (i as f64 - 1e6) * 1e-12] {
                let u = ulps(tanh(x), x.tanh());
                if u > worst {
                    (worst, at) = (u, x);
                }
            }
        }
        assert!(worst <= 3.0, "{worst} ε at {at:e}");
        for (x, want) in [(0.0, 0.0), (1e3, 1.0), (-1e300, -1.0), (f64::INFINITY, 1.0)] {
            assert_eq!(tanh(x), want, "{x}");
        }
        assert!(tanh(f64::NAN).is_nan());
        // The block form (AVX2 here, when the processor has it) gives the same bits.
        let z: Vec<f64> = (0..1000).map(|i| (i as f64 - 500.0) * 0.0173).collect();
        let mut a = vec![0.0; 1000];
        tanh_all(&z, &mut a);
        for (a, z) in a.iter().zip(&z) {
            assert_eq!(a.to_bits(), tanh(*z).to_bits(), "{z}");
        }
        assert!(tanh(-0.0).is_sign_negative());
    }

    #[test]
    fn a_product_equals_the_sum_it_stands_for() {
        // A (2 × 3) times Bᵀ with B (4 × 3), added to C: each entry by its own sum.
        let a = [1.0, 2.0, 3.0, -1.0, 0.5, 4.0];
        let b: Vec<f64> = (0..12).map(|v| v as f64 * 0.25 - 1.0).collect();
        let mut c = [1.0; 8];
        let mut bt = [0.0; 12];
        transpose(&b, 4, 3, &mut bt);
        gemm(2, 3, 4, rows(&a, 3), &bt, 1.0, &mut c);
        for i in 0..2 {
            for j in 0..4 {
                let want = 1.0 + (0..3).map(|k| a[i * 3 + k] * b[j * 3 + k]).sum::<f64>();
                assert_eq!(c[i * 4 + j], want, "({i}, {j})");
            }
        }
    }
}
