//! Reading CSV files (and refusing bad ones with their line and column), built-in datasets,
//! and the mini-batch sampler's epochs.

use super::*;

/// The least-squares line (w, b) through the points, from the normal equations by Cramer's
/// rule: the reference the landscape's minimum is checked against.
pub(crate) fn least_squares(x: &[f64], y: &[f64]) -> [f64; 2] {
    let n = x.len() as f64;
    let (sx, sy) = (x.iter().sum::<f64>(), y.iter().sum::<f64>());
    let sxx: f64 = x.iter().map(|x| x * x).sum();
    let sxy: f64 = x.iter().zip(y).map(|(x, y)| x * y).sum();
    let w = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    [w, (sy - w * sx) / n]
}

fn read(text: &[u8]) -> Result<Dataset, DataError> {
    Dataset::from_reader("t.csv", text)
}

#[test]
fn a_csv_is_read_by_its_header() {
    let d = read(b"x, y\n1, 2\n-0.5, 3e2\n").unwrap();
    assert_eq!(d.columns, ["x", "y"]);
    assert_eq!(d.rows(), 2);
    assert_eq!(d.column("y"), Some(&[2.0, 300.0][..]));
    assert_eq!(d.column("z"), None);
}

#[test]
fn bad_csvs_are_refused_with_line_and_column() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"",
            "the file is empty: it needs a header row of column names",
        ),
        (b"x,y\n", "line 1: no rows of data under the header"),
        (
            b"x,y\n1,2\n3,oops\n",
            "line 3: column 2 ('y'): 'oops' is not a number",
        ),
        (
            b"x,y\n1,2\n3\n",
            "line 3: this row has 1 cells; the header has 2",
        ),
        (
            b"x,y\n1,2\n3,4,5\n",
            "line 3: this row has 3 cells; the header has 2",
        ),
        (b"x,y\n1,\n", "line 2: column 2 ('y'): the cell is empty"),
        (
            b"x,y\n1,inf\n",
            "line 2: column 2 ('y'): inf is not a finite number",
        ),
        (b"x,x\n1,2\n", "line 1: column 2: 'x' names two columns"),
        (
            b"x,a b\n1,2\n",
            "line 1: column 2: 'a b' is not a column name a formula can use (letters, digits, _)",
        ),
        (b"x,y\n1,\xff\n", "line 2: the text is not UTF-8"),
    ];
    for (text, want) in cases {
        let got = read(text).unwrap_err().to_string();
        assert_eq!(&got, want, "{:?}", String::from_utf8_lossy(text));
    }
}

#[test]
fn a_file_error_names_the_file() {
    let dir = std::env::temp_dir().join(format!("gradscape-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.csv");
    std::fs::write(&path, "x,y\n1,2\n2,two\n").unwrap();
    let e = Dataset::read(&path).unwrap_err();
    assert_eq!(
        (e.line, e.column.clone()),
        (Some(3), Some((2, Some("y".into()))))
    );
    assert!(
        e.to_string()
            .starts_with(&format!("{}:3: column 2", path.display())),
        "{e}"
    );
    let missing = Dataset::read(&dir.join("none.csv")).unwrap_err();
    assert!(missing.to_string().contains("none.csv"), "{missing}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn more_rows_than_the_limit_are_refused_while_reading() {
    // A reader that never ends: the limit, not the end of the input, stops it.
    let endless = (&b"x\n"[..]).chain(Rows);
    let e = Dataset::from_reader("endless", endless).unwrap_err();
    assert_eq!(e.line, Some(MAX_ROWS as u64 + 2));
    assert!(e.reason.starts_with("more than 1000000 rows"), "{e}");
}

/// An endless stream of rows "1\n".
struct Rows;

impl std::io::Read for Rows {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        for pair in buf.chunks_mut(2) {
            pair[0] = b'1';
            if pair.len() == 2 {
                pair[1] = b'\n';
            }
        }
        Ok(buf.len() & !1)
    }
}

use std::io::Read as _;

#[test]
fn one_epoch_deals_every_row_exactly_once() {
    let mut b = Batches::new(10, 7);
    let mut seen = Vec::new();
    let sizes: Vec<usize> = (0..3)
        .map(|_| {
            let batch = b.next_batch(4);
            seen.extend_from_slice(batch);
            batch.len()
        })
        .collect();
    // 10 rows in batches of 4: 4, 4 and the 2 left (drop_last = False).
    assert_eq!(sizes, [4, 4, 2]);
    seen.sort();
    assert_eq!(seen, (0..10).collect::<Vec<u32>>());
    assert_eq!((b.epoch, b.seen), (1, 10));
    b.next_batch(4);
    assert_eq!((b.epoch, b.seen), (2, 14));
}

#[test]
fn batches_replay_from_their_seed_and_change_with_it() {
    let deal = |seed| {
        let mut b = Batches::new(100, seed);
        (0..30)
            .flat_map(|_| b.next_batch(8).to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(deal(3), deal(3));
    assert_ne!(deal(3), deal(4));
    // Shuffled, not in file order.
    assert_ne!(&deal(3)[..8], &[0, 1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn a_built_in_loss_brings_its_model_whatever_the_spacing() {
    assert_eq!(builtin::model_for("(w*x+b-y)^2"), Some("w*x + b"));
    assert_eq!(
        builtin::model_for("ln(1 + exp(-(2*y - 1)*(w*x + b)))"),
        Some("1/(1 + exp(-(w*x + b)))")
    );
    assert_eq!(builtin::model_for("abs(w*x + b - y)"), None);
}

#[test]
fn builtins_replay_from_their_seed() {
    for b in &builtin::BUILTINS {
        let (one, two) = (b.generate(1), b.generate(1));
        assert_eq!(one, two, "{}", b.name);
        assert_ne!(one, b.generate(2), "{}", b.name);
        assert_eq!(one.rows(), b.rows);
        assert_eq!(one.columns, ["x", "y"]);
    }
    // The separable set: every label-1 point right of every label-0 point, with a margin.
    let s = builtin::find("separable").unwrap().generate(5);
    let (x, y) = (s.column("x").unwrap(), s.column("y").unwrap());
    let right_of_zero = x.iter().zip(y).filter(|(_, l)| **l == 0.0).map(|(x, _)| *x);
    let left_of_one = x.iter().zip(y).filter(|(_, l)| **l == 1.0).map(|(x, _)| *x);
    assert!(right_of_zero.fold(f64::MIN, f64::max) < -0.29);
    assert!(left_of_one.fold(f64::MAX, f64::min) > 0.29);
}

mod landscapes {
    //! The mean loss over a dataset against sums written out here, and the optimizers on it.

    use crate::core::data::builtin;
    use crate::core::landscape::{DataSource, DataSpec, Landscape, LandscapeSpec, newton_minimum};
    use crate::core::optim::run::{Run, StopRules};
    use crate::core::optim::{Hyper, Kind, Optimizer};

    fn linear(seed: u64) -> Landscape {
        Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::Builtin {
                    name: "linear".into(),
                    seed,
                },
                loss: None,
                axes: None,
            }),
            ..LandscapeSpec::default()
        })
        .unwrap()
    }

    /// Mean squared error of w·x + b, its gradient and Hessian, summed by hand.
    fn mse(x: &[f64], y: &[f64], w: f64, b: f64) -> (f64, [f64; 2], [f64; 3]) {
        let n = x.len() as f64;
        let (mut f, mut g, mut h) = (0.0, [0.0; 2], [0.0; 3]);
        for (&x, &y) in x.iter().zip(y) {
            let r = w * x + b - y;
            f += r * r;
            g[0] += 2.0 * r * x;
            g[1] += 2.0 * r;
            h[0] += 2.0 * x * x;
            h[1] += 2.0 * x;
            h[2] += 2.0;
        }
        (f / n, g.map(|v| v / n), h.map(|v| v / n))
    }

    #[test]
    fn the_mean_squared_error_and_its_derivatives_are_the_sums_over_rows() {
        let land = linear(3);
        let data = land.formula.data().unwrap().clone();
        let (x, y) = (data.column("x").unwrap(), data.column("y").unwrap());
        for p in [[0.0, 0.0], [2.5, -1.0], [-3.0, 4.0]] {
            let (f, g, h) = mse(x, y, p[0], p[1]);
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * (1.0 + b.abs());
            assert!(close(land.formula.value(p), f), "{p:?}");
            let d = land.formula.derivatives(p);
            assert!(close(d.value, f));
            assert!(
                close(d.gradient[0], g[0]) && close(d.gradient[1], g[1]),
                "{d:?}"
            );
            let [[hxx, hxy], [_, hyy]] = d.hessian;
            assert!(
                close(hxx, h[0]) && close(hxy, h[1]) && close(hyy, h[2]),
                "{d:?}"
            );
        }
    }

    #[test]
    fn the_domain_holds_the_origin_and_the_least_squares_fit() {
        let land = linear(3);
        let data = land.formula.data().unwrap().clone();
        let (x, y) = (data.column("x").unwrap(), data.column("y").unwrap());
        let [w, b] = super::least_squares(x, y);
        let found = newton_minimum(&land.formula, [0.0, 0.0]).unwrap();
        assert!((found[0] - w).abs() < 1e-9 && (found[1] - b).abs() < 1e-9);
        // The data were made as y = 2x + 1 + noise.
        assert!((w - 2.0).abs() < 0.2 && (b - 1.0).abs() < 0.2, "{w} {b}");
        assert!(land.domain.contains([0.0, 0.0]) && land.domain.contains([w, b]));
        assert_eq!(land.default_start(), [0.0, 0.0]);
    }

    /// A racer of `kind` at rate `lr` with mini-batches of `batch` (0: every row).
    fn run(
        land: &Landscape,
        kind: Kind,
        lr: f64,
        batch: u64,
        seed: u64,
        steps: usize,
    ) -> Vec<[f64; 2]> {
        let hyper = Hyper {
            lr,
            batch,
            seed,
            ..Hyper::defaults(kind)
        };
        let mut run = Run::new(
            Optimizer::new(kind, hyper),
            [0.0, 0.0],
            StopRules::default(),
            &land.formula,
        );
        (0..steps)
            .map(|_| {
                run.step(&land.formula);
                run.pos
            })
            .collect()
    }

    #[test]
    fn full_batch_descent_is_plain_gradient_descent() {
        let land = linear(1);
        let data = land.formula.data().unwrap().clone();
        let (x, y) = (data.column("x").unwrap(), data.column("y").unwrap());
        let mut p = [0.0, 0.0];
        let mut want = Vec::new();
        for _ in 0..50 {
            let g = mse(x, y, p[0], p[1]).1;
            p = [p[0] - 0.1 * g[0], p[1] - 0.1 * g[1]];
            want.push(p);
        }
        let rows = data.rows() as u64;
        for batch in [0, rows, rows + 5] {
            let got = run(&land, Kind::Gd, 0.1, batch, 0, 50);
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g[0] - w[0]).abs() < 1e-12 && (g[1] - w[1]).abs() < 1e-12,
                    "B = {batch}: {g:?} {w:?}"
                );
            }
        }
    }

    #[test]
    fn mini_batch_paths_replay_from_their_seed_and_change_with_it() {
        let land = linear(1);
        let a = run(&land, Kind::Sgd, 0.05, 4, 11, 100);
        assert_eq!(a, run(&land, Kind::Sgd, 0.05, 4, 11, 100));
        assert_ne!(a, run(&land, Kind::Sgd, 0.05, 4, 12, 100));
        // Every optimizer takes mini-batches.
        for kind in [Kind::Adam, Kind::Momentum, Kind::RmsProp, Kind::Newton] {
            let path = run(&land, kind, 0.05, 16, 11, 20);
            assert_ne!(path, run(&land, kind, 0.05, 0, 11, 20), "{kind:?}");
        }
    }

    #[test]
    fn one_step_of_batch_b_is_the_gradient_of_its_rows() {
        let land = linear(2);
        let data = land.formula.data().unwrap().clone();
        let mut sampler = crate::core::data::Batches::new(data.rows(), 5);
        let rows = sampler.next_batch(8).to_vec();
        let (x, y): (Vec<f64>, Vec<f64>) = rows
            .iter()
            .map(|&r| {
                (
                    data.column("x").unwrap()[r as usize],
                    data.column("y").unwrap()[r as usize],
                )
            })
            .unzip();
        let g = mse(&x, &y, 0.0, 0.0).1;
        let first = run(&land, Kind::Gd, 0.1, 8, 5, 1)[0];
        assert!((first[0] + 0.1 * g[0]).abs() < 1e-12 && (first[1] + 0.1 * g[1]).abs() < 1e-12);
    }

    #[test]
    fn separable_data_have_no_minimum_and_the_weight_grows_forever() {
        let b = builtin::find("separable").unwrap();
        let land = Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::Builtin {
                    name: b.name.into(),
                    seed: 0,
                },
                loss: None,
                axes: None,
            }),
            ..LandscapeSpec::default()
        })
        .unwrap();
        assert_eq!(newton_minimum(&land.formula, [0.0, 0.0]), None);
        let path = run(&land, Kind::Gd, 1.0, 0, 0, 3000);
        let w: Vec<f64> = path.iter().step_by(500).map(|p| p[0]).collect();
        assert!(w.windows(2).all(|p| p[1] > p[0]), "{w:?}");
        // The loss falls towards 0 but never reaches it.
        let end = land.formula.value(*path.last().unwrap());
        assert!(end > 0.0 && end < 0.01, "{end}");
    }

    #[test]
    fn a_loss_naming_a_missing_column_is_refused() {
        let err = Landscape::new(&LandscapeSpec {
            data: Some(DataSpec {
                source: DataSource::Builtin {
                    name: "linear".into(),
                    seed: 0,
                },
                loss: Some("(w*x + b - z)^2"),
                axes: None,
            }),
            ..LandscapeSpec::default()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the loss names 'z', which is not a column of linear (columns: x, y); give it a value with --param z=VALUE"
        );
    }
}

/// The same byte forever, counting how many were taken: `/dev/zero`, or a file whose line
/// never ends.
struct Endless {
    byte: u8,
    taken: std::rc::Rc<std::cell::Cell<usize>>,
}

impl std::io::Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(self.byte);
        self.taken.set(self.taken.get() + buf.len());
        Ok(buf.len())
    }
}

#[test]
fn an_endless_line_is_refused_after_a_bounded_read() {
    use std::io::Read;
    for (before, byte, line) in [("", 0u8, 1), ("x,y\n", b'7', 2), ("x,y\n1,2\n", b'\t', 3)] {
        let taken = std::rc::Rc::new(std::cell::Cell::new(0));
        let endless = Endless {
            byte,
            taken: taken.clone(),
        };
        let e = Dataset::from_reader("endless", before.as_bytes().chain(endless)).unwrap_err();
        assert_eq!(e.line, Some(line), "{e}");
        assert_eq!(
            e.reason,
            format!("the line is longer than {MAX_LINE} bytes")
        );
        // The line's worth and one buffer more: never the whole of an endless line.
        assert!(
            taken.get() <= MAX_LINE + (64 << 10),
            "{} bytes read",
            taken.get()
        );
    }
}

#[test]
fn wide_headers_and_long_cells_are_refused_quickly() {
    let header: Vec<String> = (0..=MAX_COLUMNS).map(|i| format!("c{i}")).collect();
    let text = format!("{}\n", header.join(","));
    let e = read(text.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "line 1: the header has {} columns; at most {MAX_COLUMNS}",
            MAX_COLUMNS + 1
        )
    );
    // A thousand distinct names are checked for twins in linear time.
    let header: Vec<String> = (0..MAX_COLUMNS).map(|i| format!("c{i}")).collect();
    let row = vec!["1"; MAX_COLUMNS].join(",");
    let d = read(format!("{}\n{row}\n", header.join(",")).as_bytes()).unwrap();
    assert_eq!(d.columns.len(), MAX_COLUMNS);
    let long = "9".repeat(MAX_CELL + 1);
    let e = read(format!("x\n{long}\n").as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!(
            "line 2: column 1 ('x'): the cell is longer than {MAX_CELL} bytes: '999"
        )),
        "{e}"
    );
    assert!(
        e.chars().count() < 120,
        "a message quotes a short piece: {e}"
    );
}

#[test]
fn messages_quote_a_short_escaped_piece_of_the_file() {
    let e = read(b"x\n\x1b[2J\x07oops\n").unwrap_err().to_string();
    assert_eq!(
        e,
        "line 2: column 1 ('x'): '\\x1b[2J\\x07oops' is not a number"
    );
    let e = read(b"root:x:0:0:root:/root:/bin/bash\n1\n")
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "line 1: column 1: 'root:x:0:0:root:/root:/bin/bash' is not a column name a formula can use (letters, digits, _)"
    );
    let secret = format!("{}\n1\n", "s".repeat(500));
    let e = read(secret.as_bytes()).unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "'{}…'",
            "s".repeat(crate::core::escape::QUOTE_CHARS)
        )),
        "{e}"
    );
}
