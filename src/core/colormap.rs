//! Perceptual colormaps (sRGB), the CPU twin of shaders/surface.wgsl: the colour bar and
//! tests use these; the shader colours the surface with the same formulas.
//!
//! Viridis and magma are Matt Zucker's degree-6 polynomial fits to matplotlib's tables;
//! turbo is Google's polynomial approximation; the diverging map is Paul Tol's BuRd, safe
//! for the common colour-vision deficiencies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Colormap {
    #[default]
    Viridis,
    Magma,
    Turbo,
    Diverging,
}

type Poly = [[f64; 3]; 7];

const VIRIDIS: Poly = [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

const MAGMA: Poly = [
    [
        -0.002136485053939582,
        -0.000749655052795221,
        -0.005386127855323933,
    ],
    [0.2516605407371642, 0.6775232436837668, 2.494026599312351],
    [8.353717279216625, -3.577719514958484, 0.3144679030132573],
    [-27.66873308576866, 14.26473078096533, -13.64921318813922],
    [52.17613981234068, -27.94360607168351, 12.94416944238394],
    [-50.76852536473588, 29.04658282127291, 4.23415299384598],
    [18.65570506591883, -11.48977351997711, -5.601961508734096],
];

/// Turbo: per channel, coefficients of 1, t, …, t⁵.
const TURBO: [[f64; 6]; 3] = [
    [
        0.13572138,
        4.61539260,
        -42.66032258,
        132.13108234,
        -152.94239396,
        59.28637943,
    ],
    [
        0.09140261,
        2.19418839,
        4.84296658,
        -14.18503333,
        4.27729857,
        2.82956604,
    ],
    [
        0.10667330,
        12.64194608,
        -60.58204836,
        110.36276771,
        -89.90310912,
        27.34824973,
    ],
];

const BU_RD: [[f64; 3]; 9] = [
    [0.129, 0.400, 0.675],
    [0.263, 0.576, 0.765],
    [0.573, 0.773, 0.871],
    [0.820, 0.898, 0.941],
    [0.969, 0.969, 0.969],
    [0.992, 0.859, 0.780],
    [0.957, 0.647, 0.510],
    [0.839, 0.376, 0.302],
    [0.698, 0.094, 0.169],
];

impl Colormap {
    pub const ALL: [Colormap; 4] = [
        Colormap::Viridis,
        Colormap::Magma,
        Colormap::Turbo,
        Colormap::Diverging,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
            Colormap::Turbo => "turbo",
            Colormap::Diverging => "diverging (blue–white–red)",
        }
    }

    /// The index the shader switches on.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// sRGB colour at height fraction `t` (clamped to [0, 1]); `center` is where the
    /// diverging map is white.
    pub fn srgb(self, t: f64, center: f64) -> [f32; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let c = match self {
            Colormap::Viridis => poly(&VIRIDIS, t),
            Colormap::Magma => poly(&MAGMA, t),
            Colormap::Turbo => TURBO.map(|k| k.iter().rev().fold(0.0, |acc, c| acc * t + c)),
            Colormap::Diverging => {
                let u = if t < center {
                    0.5 * t / center.max(1e-6)
                } else {
                    0.5 + 0.5 * (t - center) / (1.0 - center).max(1e-6)
                };
                let x = u.clamp(0.0, 1.0) * 8.0;
                let i = (x.floor() as usize).min(7);
                let f = x - i as f64;
                [0, 1, 2].map(|k| BU_RD[i][k] + (BU_RD[i + 1][k] - BU_RD[i][k]) * f)
            }
        };
        c.map(|v| v.clamp(0.0, 1.0) as f32)
    }
}

fn poly(c: &Poly, t: f64) -> [f64; 3] {
    [0, 1, 2].map(|k| c.iter().rev().fold(0.0, |acc, row| acc * t + row[k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: [f32; 3], b: [f64; 3], tol: f64) -> bool {
        a.iter().zip(b).all(|(x, y)| (*x as f64 - y).abs() < tol)
    }

    #[test]
    fn the_polynomials_match_matplotlibs_tables() {
        // Samples of matplotlib's viridis, magma and turbo tables (sRGB).
        let viridis = [
            (0.0, [0.267, 0.005, 0.329]),
            (0.25, [0.230, 0.322, 0.546]),
            (0.5, [0.128, 0.567, 0.551]),
            (0.75, [0.369, 0.789, 0.383]),
            (1.0, [0.993, 0.906, 0.144]),
        ];
        for (t, want) in viridis {
            let got = Colormap::Viridis.srgb(t, 0.5);
            assert!(
                close(got, want, 0.02),
                "viridis({t}) = {got:?}, want {want:?}"
            );
        }
        let magma = [
            (0.0, [0.001, 0.000, 0.014]),
            (0.5, [0.716, 0.215, 0.475]),
            (1.0, [0.987, 0.991, 0.750]),
        ];
        for (t, want) in magma {
            let got = Colormap::Magma.srgb(t, 0.5);
            assert!(
                close(got, want, 0.02),
                "magma({t}) = {got:?}, want {want:?}"
            );
        }
        // Turbo's fit is rougher at the ends: dark, then bright green, then dark red.
        let [r, g, b] = Colormap::Turbo.srgb(0.0, 0.5);
        assert!(r + g + b < 0.5, "{r} {g} {b}");
        let [r, g, b] = Colormap::Turbo.srgb(0.5, 0.5);
        assert!(g > 0.9 && b < 0.4 && r > 0.4, "{r} {g} {b}");
        let [r, g, b] = Colormap::Turbo.srgb(1.0, 0.5);
        assert!(r > 0.4 && g < 0.1 && b < 0.1, "{r} {g} {b}");
    }

    #[test]
    fn the_diverging_map_is_white_at_its_centre_and_blue_below() {
        let white = Colormap::Diverging.srgb(0.3, 0.3);
        assert!(close(white, [0.969, 0.969, 0.969], 1e-6));
        let low = Colormap::Diverging.srgb(0.0, 0.3);
        let high = Colormap::Diverging.srgb(1.0, 0.3);
        assert!(low[2] > low[0] && high[0] > high[2]);
        assert_eq!(
            Colormap::Viridis.srgb(f64::NAN, 0.5),
            Colormap::Viridis.srgb(0.0, 0.5)
        );
        assert_eq!(
            Colormap::Viridis.srgb(7.0, 0.5),
            Colormap::Viridis.srgb(1.0, 0.5)
        );
    }
}
