//! Named landscapes, each with a domain, good starts, a view, its known critical points and
//! what it teaches. Formulas are written in the user's own formula language.

use crate::core::critical::CriticalKind;
use crate::core::optim::Kind::{self, *};
use crate::core::surface::Domain;

/// How heights are mapped before colouring and drawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZScale {
    #[default]
    Linear,
    /// log(1 + f − f_min): valleys like Rosenbrock's become readable.
    Log,
}

/// A critical point known from the literature (or derived by hand).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Known {
    pub pos: [f64; 2],
    pub value: f64,
    pub kind: CriticalKind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Short name for the CLI and menus: `rosenbrock`.
    pub name: &'static str,
    pub title: &'static str,
    pub formula: &'static str,
    pub params: &'static [(&'static str, f64)],
    pub domain: Domain,
    pub starts: &'static [[f64; 2]],
    pub z_scale: ZScale,
    /// Camera yaw and pitch in degrees.
    pub view: [f64; 2],
    pub known: &'static [Known],
    pub teaches: &'static str,
    /// The race the preset opens on: what this landscape teaches, raced.
    pub race: &'static [Entrant],
    /// What the opening race shows, in a sentence.
    pub race_note: &'static str,
}

/// One racer of a preset's opening race: an optimizer from one of the preset's starts, at a
/// learning rate fitted to the landscape (`lr: None`) or at one chosen for the lesson.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entrant {
    pub kind: Kind,
    /// Index into the preset's starts.
    pub start: usize,
    pub lr: Option<f64>,
}

const fn fit(kind: Kind, start: usize) -> Entrant {
    Entrant {
        kind,
        start,
        lr: None,
    }
}

const fn at(kind: Kind, start: usize, lr: f64) -> Entrant {
    Entrant {
        kind,
        start,
        lr: Some(lr),
    }
}

/// Gradient descent, Momentum and Adam from the first start, each at a fitted rate.
pub const GMA: &[Entrant] = &[fit(Gd, 0), fit(Momentum, 0), fit(Adam, 0)];

const fn min(x: f64, y: f64, value: f64) -> Known {
    Known {
        pos: [x, y],
        value,
        kind: CriticalKind::Minimum,
    }
}

const fn saddle(x: f64, y: f64, value: f64) -> Known {
    Known {
        pos: [x, y],
        value,
        kind: CriticalKind::Saddle,
    }
}

/// The camera's yaw and pitch in degrees for a landscape without a view of its own.
pub const VIEW: [f64; 2] = [35.0, 40.0];

/// The camera's yaw and pitch for a landscape: its preset's view, else [`VIEW`].
pub fn view_of(preset: Option<&Preset>) -> [f64; 2] {
    preset.map_or(VIEW, |p| p.view)
}

/// The landscape the app opens on: a global minimum, a local one, and a saddle between.
pub const DEFAULT: &str = "two-wells";

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "two-wells",
        title: "Two wells (local vs global)",
        formula: "0.1*(x^2 + y^2) - 2*exp(-((x-2)^2 + y^2)) - 0.6*exp(-((x+1.5)^2 + (y-0.5)^2)*2)",
        params: &[],
        domain: Domain::new(-4.0, 4.5, -3.0, 3.0),
        starts: &[[-3.5, 2.0]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[
            min(
                1.9039211066009873,
                1.5084835758686666e-11,
                -1.619131087096998,
            ),
            min(-1.381182485156157, 0.46040341863292233, -0.3695234890760192),
            saddle(
                -0.25986255839996025,
                0.1378908175871576,
                -0.024528410250014968,
            ),
        ],
        teaches: "A shallow local minimum on the left, a deep global one on the right and a saddle between. Gradient descent and Adam settle in the first well they meet; momentum carries its ball over the saddle into the deep one.",
        race: &[at(Gd, 0, 0.1), at(Momentum, 0, 0.1), at(Adam, 0, 0.1)],
        race_note: "Gradient descent and Adam stop in the shallow well they reach first; Momentum carries its ball over the saddle into the deep one.",
    },
    Preset {
        name: "bowl",
        title: "Convex bowl",
        formula: "x^2 + y^2",
        params: &[],
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        starts: &[[-1.6, 1.2]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "The simplest landscape: every optimizer reaches the bottom. Watch how the step shrinks with the gradient, and what a too-large learning rate does (lr > 1 diverges here).",
        race: &[at(Gd, 0, 0.1), at(Momentum, 0, 0.1), at(Adam, 0, 0.1)],
        race_note: "All three reach the bottom: gradient descent's steps shrink with the gradient, Momentum overshoots and spirals in, Adam's steps keep their size until the end.",
    },
    Preset {
        name: "ill-conditioned",
        title: "Ill-conditioned quadratic",
        formula: "(x^2 + kappa*y^2)/2",
        params: &[("kappa", 20.0)],
        domain: Domain::new(-3.0, 3.0, -2.0, 2.0),
        starts: &[[-2.8, 1.5]],
        z_scale: ZScale::Linear,
        view: [10.0, 55.0],
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "The condition number is kappa. Gradient descent zig-zags across the narrow direction and crawls along the long one; per-coordinate methods (RMSProp, Adam) and Newton do not care.",
        race: &[fit(Gd, 0), fit(Momentum, 0), fit(RmsProp, 0), fit(Adam, 0)],
        race_note: "Gradient descent zig-zags across the narrow direction and crawls along the long one; Momentum damps the zig-zag; RMSProp and Adam rescale each coordinate.",
    },
    Preset {
        name: "rosenbrock",
        title: "Rosenbrock",
        formula: "(1-x)^2 + 100*(y-x^2)^2",
        params: &[],
        domain: Domain::new(-2.0, 2.0, -1.0, 3.0),
        starts: &[[-1.5, 2.0]],
        z_scale: ZScale::Log,
        view: VIEW,
        known: &[min(1.0, 1.0, 0.0)],
        teaches: "A curved, flat-bottomed banana valley: finding the valley is easy, following it to (1, 1) is hard. The classic race of all optimizers.",
        race: GMA,
        race_note: "Everyone finds the valley quickly; gradient descent then crawls along its floor, while Momentum and Adam follow the curve towards (1, 1).",
    },
    Preset {
        name: "rastrigin",
        title: "Rastrigin",
        formula: "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
        params: &[],
        domain: Domain::new(-5.12, 5.12, -5.12, 5.12),
        starts: &[[-4.3, 3.8]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "A bowl covered in regular bumps: a local minimum every unit. Exact gradients get trapped in the nearest one; noise (SGD) lets a ball hop between them.",
        race: &[fit(Gd, 0), fit(Sgd, 0), fit(Adam, 0)],
        race_note: "Gradient descent stops in the nearest dimple, far above the global minimum, and so does Adam; SGD's noise jitters its ball around it (raise σ and it hops between dimples).",
    },
    Preset {
        name: "himmelblau",
        title: "Himmelblau",
        formula: "(x^2+y-11)^2 + (x+y^2-7)^2",
        params: &[],
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        starts: &[[-0.3, -0.9], [0.0, 0.0], [-4.0, 0.5]],
        z_scale: ZScale::Log,
        view: VIEW,
        known: &[
            min(3.0, 2.0, 0.0),
            min(-2.805118, 3.131312, 0.0),
            min(-3.779310, -3.283186, 0.0),
            min(3.584428, -1.848126, 0.0),
            Known {
                pos: [-0.270845, -0.923039],
                value: 181.617,
                kind: CriticalKind::Maximum,
            },
        ],
        teaches: "Four equally deep minima: where a ball ends depends only on where it starts. The start decides the answer, not the optimizer.",
        race: &[fit(Gd, 0), fit(Gd, 1), fit(Gd, 2)],
        race_note: "Gradient descent from three starts: each ends in a different minimum.",
    },
    Preset {
        name: "beale",
        title: "Beale",
        formula: "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        params: &[],
        domain: Domain::new(-4.5, 4.5, -4.5, 4.5),
        starts: &[[1.0, 1.5]],
        z_scale: ZScale::Log,
        view: VIEW,
        known: &[min(3.0, 0.5, 0.0)],
        teaches: "Steep walls and flat arms: gradients span many orders of magnitude, which plain gradient descent cannot handle with one learning rate.",
        race: GMA,
        race_note: "A learning rate small enough for the steep walls crawls on the flat arms: gradient descent is slow, Adam adapts its step.",
    },
    Preset {
        name: "booth",
        title: "Booth",
        formula: "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
        params: &[],
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        starts: &[[-8.0, -6.0]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(1.0, 3.0, 0.0)],
        teaches: "A tilted, mildly elongated quadratic bowl: easy for everyone, a good first comparison of speeds.",
        race: &[at(Gd, 0, 0.02), at(Momentum, 0, 0.02), fit(Adam, 0)],
        race_note: "A fair first race on an easy bowl: compare how fast each reaches (1, 3).",
    },
    Preset {
        name: "matyas",
        title: "Matyas",
        formula: "0.26*(x^2 + y^2) - 0.48*x*y",
        params: &[],
        domain: Domain::new(-10.0, 10.0, -10.0, 10.0),
        starts: &[[-8.0, 6.0]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "A flat, diagonal valley (condition number 25): gradient descent spends most of its time creeping along the diagonal.",
        race: GMA,
        race_note: "Gradient descent creeps along the flat diagonal; Momentum gathers speed there.",
    },
    Preset {
        name: "ackley",
        title: "Ackley",
        formula: "-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20",
        params: &[],
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        starts: &[[-3.7, 3.2]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "A nearly flat outer region full of small dimples around one deep funnel: local methods stall in the dimples.",
        race: GMA,
        race_note: "The small dimples of the outer region catch gradient descent; Momentum and Adam may roll further towards the funnel.",
    },
    Preset {
        name: "goldstein-price",
        title: "Goldstein–Price",
        formula: "(1 + (x+y+1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(30 + (2*x-3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
        params: &[],
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        starts: &[[-1.5, 1.5]],
        z_scale: ZScale::Log,
        view: VIEW,
        known: &[min(0.0, -1.0, 3.0)],
        teaches: "Values from 3 to a million: a linear colour scale shows nothing, a log scale shows the valleys. Several local minima.",
        race: GMA,
        race_note: "With gradients spanning six orders of magnitude, the learning rate gradient descent can survive is tiny where the surface is flat.",
    },
    Preset {
        name: "six-hump-camel",
        title: "Six-hump camel",
        formula: "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
        params: &[],
        domain: Domain::new(-3.0, 3.0, -2.0, 2.0),
        starts: &[[-1.8, 1.2]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[
            min(0.0898420089, -0.7126564030, -1.0316284535),
            min(-0.0898420089, 0.7126564030, -1.0316284535),
        ],
        teaches: "Six minima, two of them global and mirror images: symmetric landscapes have symmetric answers.",
        race: GMA,
        race_note: "From one start the three optimizers may settle in different humps' minima.",
    },
    Preset {
        name: "three-hump-camel",
        title: "Three-hump camel",
        formula: "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
        params: &[],
        domain: Domain::new(-2.5, 2.5, -2.5, 2.5),
        starts: &[[-2.2, 1.5]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "One global minimum flanked by two local ones: a start on the side usually ends in the wrong valley.",
        race: GMA,
        race_note: "A start on the side: watch which optimizer reaches the global minimum at the centre.",
    },
    Preset {
        name: "levi",
        title: "Lévi N.13",
        formula: "sin(3*pi*x)^2 + (x-1)^2*(1 + sin(3*pi*y)^2) + (y-1)^2*(1 + sin(2*pi*y)^2)",
        params: &[],
        domain: Domain::new(-4.0, 6.0, -4.0, 6.0),
        starts: &[[-3.0, -2.5]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(1.0, 1.0, 0.0)],
        teaches: "Ridges of sine waves on a bowl: many shallow traps in regular rows.",
        race: GMA,
        race_note: "Rows of shallow traps: each optimizer stops in one of them.",
    },
    Preset {
        name: "styblinski-tang",
        title: "Styblinski–Tang",
        formula: "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2",
        params: &[],
        domain: Domain::new(-5.0, 5.0, -5.0, 5.0),
        starts: &[[0.5, 0.5]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(
            -2.903534027771177,
            -2.903534027771177,
            -78.33233140754282,
        )],
        teaches: "Four basins of different depths: a start at the centre rolls to whichever is nearest, not the deepest.",
        race: GMA,
        race_note: "From the centre each ball rolls to the nearest basin, not the deepest.",
    },
    Preset {
        name: "saddle",
        title: "Saddle",
        formula: "x^2 - y^2",
        params: &[],
        domain: Domain::new(-2.0, 2.0, -2.0, 2.0),
        starts: &[[1.8, 0.0], [1.8, 0.01]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[saddle(0.0, 0.0, 0.0)],
        teaches: "Started exactly on the ridge (y = 0) gradient descent walks into the saddle and stays; a hair off the ridge, it slides away. Noise or momentum escape quickly.",
        race: &[at(Gd, 0, 0.1), at(Gd, 1, 0.1), at(Sgd, 0, 0.1)],
        race_note: "Gradient descent on the ridge walks into the saddle and stalls; a hair off the ridge it slides away and falls off the edge, as does SGD, whose noise knocks it off the ridge.",
    },
    Preset {
        name: "monkey-saddle",
        title: "Monkey saddle",
        formula: "x^3 - 3*x*y^2",
        params: &[],
        domain: Domain::new(-1.5, 1.5, -1.5, 1.5),
        starts: &[[1.2, 0.05]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[Known {
            pos: [0.0, 0.0],
            value: 0.0,
            kind: CriticalKind::Degenerate,
        }],
        teaches: "Three valleys meet at a flat point whose Hessian is zero: curvature cannot classify it, and Newton's method has nothing to invert.",
        race: &[at(Gd, 0, 0.05), at(Momentum, 0, 0.05), at(Newton, 0, 1.0)],
        race_note: "Three valleys meet at a flat point: the balls slide down a valley and off the edge; Newton's method, with zero curvature at the centre, has nothing to invert there.",
    },
    Preset {
        name: "plateau",
        title: "Plateau",
        formula: "1 - exp(-(x^2 + y^2)/2)",
        params: &[],
        domain: Domain::new(-4.0, 4.0, -4.0, 4.0),
        starts: &[[3.2, 2.4]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "A flat plain around a well: the gradient nearly vanishes, so gradient descent crawls, while Adam's normalised step strides across at full speed.",
        race: &[at(Gd, 0, 0.5), at(Momentum, 0, 0.5), at(Adam, 0, 0.2)],
        race_note: "On the flat plain gradient descent crawls, its steps as small as the gradient; Adam's normalised steps stride across and reach the well first.",
    },
    Preset {
        name: "bumpy-bowl",
        title: "Bumpy bowl",
        formula: "0.5*(x^2 + y^2) + 0.4*sin(5*x)*sin(5*y)",
        params: &[],
        domain: Domain::new(-3.0, 3.0, -3.0, 3.0),
        starts: &[[-2.5, 2.2]],
        z_scale: ZScale::Linear,
        view: VIEW,
        known: &[
            min(
                -0.28523418944500917,
                0.28523418944500917,
                -0.3103330278962529,
            ),
            min(
                0.28523418944500917,
                -0.28523418944500917,
                -0.3103330278962529,
            ),
        ],
        teaches: "A bowl with small bumps, like a noisy loss: small steps get stuck in a dent, noise or larger steps ride over them to the bottom.",
        race: &[fit(Gd, 0), fit(Sgd, 0), fit(Momentum, 0)],
        race_note: "Gradient descent stops in the first dent; Momentum rides over the bumps to a lower point near the bottom; SGD's noise jitters around its dent.",
    },
    Preset {
        name: "narrow-valley",
        title: "Long narrow valley",
        formula: "0.05*x^2 + 5*(y - 0.5*sin(x))^2",
        params: &[],
        domain: Domain::new(-6.0, 6.0, -3.0, 3.0),
        starts: &[[-5.5, 2.0]],
        z_scale: ZScale::Linear,
        view: [0.0, 60.0],
        known: &[min(0.0, 0.0, 0.0)],
        teaches: "A winding gorge with steep walls and a nearly flat floor: the steepest direction points at the wall, not down the valley. Momentum builds speed along the floor.",
        race: GMA,
        race_note: "The steepest direction points at the wall: gradient descent bounces between the walls while Momentum builds speed along the floor.",
    },
];

pub fn find(name: &str) -> Option<&'static Preset> {
    let name = name.trim().to_ascii_lowercase();
    PRESETS.iter().find(|p| p.name == name)
}

/// The message for an unknown preset name, listing the known ones.
pub fn unknown(name: &str) -> String {
    let names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
    format!(
        "unknown preset '{name}': choose one of {}",
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::critical;
    use crate::core::expr::Formula;

    fn formula(p: &Preset) -> Formula {
        let mut f = Formula::parse(p.formula).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        for (name, v) in p.params {
            assert!(f.set_param(name, *v), "{}: no parameter {name}", p.name);
        }
        f
    }

    #[test]
    fn at_least_twenty_presets_with_unique_names() {
        assert!(PRESETS.len() >= 20);
        let mut names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PRESETS.len());
        assert!(find(DEFAULT).is_some());
    }

    #[test]
    fn known_points_hold() {
        for p in PRESETS {
            let f = formula(p);
            assert!(p.domain.validate().is_ok(), "{}", p.name);
            for s in p.starts {
                assert!(
                    p.domain.contains(*s) && f.value(*s).is_finite(),
                    "{}: start {s:?}",
                    p.name
                );
            }
            for k in p.known {
                let v = f.value(k.pos);
                // Published positions carry 6–16 digits; values must agree to that precision.
                assert!(
                    (v - k.value).abs() < 1e-4 * k.value.abs().max(1.0),
                    "{}: f{:?} = {v}, published {}",
                    p.name,
                    k.pos,
                    k.value
                );
                assert!(p.domain.contains(k.pos), "{}: {k:?} outside", p.name);
            }
        }
    }

    #[test]
    fn published_minima_are_minima() {
        // Where f is smooth at the published minimum, the exact gradient vanishes there and the
        // Hessian agrees with the kind. (Ackley's funnel has no derivative at its tip.)
        for p in PRESETS.iter().filter(|p| p.name != "ackley") {
            let f = formula(p);
            for k in p.known {
                let d = f.derivatives(k.pos);
                let g = d.gradient[0].hypot(d.gradient[1]);
                assert!(
                    g < 1e-3 * k.value.abs().max(1.0),
                    "{}: ‖∇f‖ = {g} at {:?}",
                    p.name,
                    k.pos
                );
                assert_eq!(
                    critical::classify(d.hessian).0,
                    k.kind,
                    "{} at {:?}",
                    p.name,
                    k.pos
                );
            }
        }
    }

    #[test]
    fn the_default_landscape_has_a_global_min_a_local_min_and_a_saddle() {
        let p = find(DEFAULT).unwrap();
        let points = critical::find(&formula(p), p.domain);
        let kinds: Vec<_> = points.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                CriticalKind::Minimum,
                CriticalKind::Minimum,
                CriticalKind::Saddle
            ],
            "{points:#?}"
        );
        for (c, k) in points.iter().zip(p.known) {
            assert!(
                (c.pos[0] - k.pos[0]).abs() < 1e-9 && (c.pos[1] - k.pos[1]).abs() < 1e-9,
                "{c:?} vs {k:?}"
            );
        }
    }

    #[test]
    fn unknown_names_list_the_choices() {
        assert!(unknown("rosenbrok").contains("rosenbrock, rastrigin"));
        assert_eq!(find(" Rosenbrock ").map(|p| p.name), Some("rosenbrock"));
    }
}
