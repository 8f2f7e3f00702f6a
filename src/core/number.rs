//! Numbers as text, one place for all of it: exact (round-trip) for CSV and messages, short
//! (a few significant digits) for the screen. Tiny and huge magnitudes always take an exponent,
//! so 1e-300 never prints as three hundred zeros.

/// Shortest text that reads back as the same `f64`: plain for everyday magnitudes, exponent
/// form below 1e-5 and from 1e16.
pub fn exact(v: f64) -> String {
    if v == 0.0 || (1e-5..1e16).contains(&v.abs()) || !v.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A point as `(x, y)` with [`exact`] coordinates.
pub fn exact_pair(p: [f64; 2]) -> String {
    format!("({}, {})", exact(p[0]), exact(p[1]))
}

/// `digits` significant digits (at least 1): fixed for magnitudes from 1e-3 to below 10^digits,
/// exponent form beyond (`2.500e-7`). NaN reads "NaN", zero "0".
pub fn short(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else {
            format!("{v}")
        };
    }
    if v == 0.0 {
        return "0".into();
    }
    let digits = digits.max(1);
    // The exponent after rounding to `digits` (0.099999… is 0.1000, not 0.09999).
    let sci = format!("{v:.prec$e}", prec = digits - 1);
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if (-3..digits as i32).contains(&exp) {
        let decimals = (digits as i32 - 1 - exp).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        sci
    }
}

/// [`short`] without trailing zeros (`2`, `-0.5`, `2.5e6`): for axis ticks and labels that
/// sit at round values.
pub fn tidy(v: f64, digits: usize) -> String {
    let s = short(v, digits);
    let (mantissa, exponent) = match s.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (s.as_str(), None),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    match exponent {
        Some(e) => format!("{mantissa}e{e}"),
        None => mantissa.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_round_trips_and_never_spells_out_tiny_or_huge_numbers() {
        for v in [
            0.1,
            -2.5,
            1e-300,
            5e-324,
            1.7976931348623157e308,
            123456.789,
            1e-5,
        ] {
            let s = exact(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
            assert!(s.len() <= 24, "{s}");
        }
        assert_eq!(exact(1e-300), "1e-300");
        assert_eq!(exact(0.25), "0.25");
        assert_eq!(exact(f64::NEG_INFINITY), "-inf");
        assert_eq!(exact_pair([1e-310, 2.0]), "(1e-310, 2)");
    }

    #[test]
    fn short_keeps_significant_digits() {
        assert_eq!(short(-0.369523489, 4), "-0.3695");
        assert_eq!(short(1234.5678, 4), "1235");
        assert_eq!(short(2.5e-7, 4), "2.500e-7");
        assert_eq!(short(0.099999999, 4), "0.1000");
        assert_eq!(short(1e-300, 3), "1.00e-300");
        assert_eq!(short(12345.0, 4), "1.234e4");
        assert_eq!(short(f64::NAN, 4), "NaN");
        assert_eq!(short(0.0, 4), "0");
        assert_eq!(short(1.6e23, 4), "1.600e23");
    }

    #[test]
    fn tidy_drops_trailing_zeros_only() {
        assert_eq!(tidy(2.0, 5), "2");
        assert_eq!(tidy(-0.5, 5), "-0.5");
        assert_eq!(tidy(0.25, 5), "0.25");
        assert_eq!(tidy(-0.0, 5), "0");
        assert_eq!(tidy(10000.0, 5), "10000");
        assert_eq!(tidy(2.5e6, 5), "2.5e6");
        assert_eq!(tidy(1e-5, 5), "1e-5");
        assert_eq!(tidy(100.0, 2), "1e2");
    }
}
