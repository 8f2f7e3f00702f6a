//! A network's rows from a CSV's columns: the features it reads, the target it learns, and
//! the loss those targets call for.

use super::{Loss, Rows};
use crate::core::data::Dataset;
use crate::core::escape::quote;

/// The most classes a target may name for cross-entropy (one output each).
pub const MAX_CLASSES: usize = 64;

/// Why a CSV's columns cannot be a network's rows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ColumnsError {
    #[error("the file has no columns")]
    Empty,
    #[error("{file} has no column {name} (columns: {columns})", name = quote(name))]
    Missing {
        file: String,
        name: String,
        columns: String,
    },
    #[error("{file} has only the target column {target}: a network needs a feature to read", target = quote(target))]
    NoFeature { file: String, target: String },
    #[error("{} is the target: it cannot also be a feature", quote(.0))]
    TargetAsFeature(String),
}

/// `data`'s rows for a network: the named features (none named: every column but the
/// target) and the target (none named: the last column).
pub fn rows_of(
    data: &Dataset,
    features: &[String],
    target: Option<&str>,
) -> Result<Rows, ColumnsError> {
    let column = |name: &str| {
        data.column(name).ok_or_else(|| ColumnsError::Missing {
            file: data.name.clone(),
            name: name.to_string(),
            columns: data.columns.join(", "),
        })
    };
    let target = match target {
        Some(t) => t,
        None => data.columns.last().ok_or(ColumnsError::Empty)?,
    };
    let y = column(target)?.to_vec();
    let names: Vec<&str> = match features {
        [] => data
            .columns
            .iter()
            .map(String::as_str)
            .filter(|c| *c != target)
            .collect(),
        named => named.iter().map(String::as_str).collect(),
    };
    if names.is_empty() {
        return Err(ColumnsError::NoFeature {
            file: data.name.clone(),
            target: target.to_string(),
        });
    }
    if let Some(both) = names.iter().find(|n| **n == target) {
        return Err(ColumnsError::TargetAsFeature(both.to_string()));
    }
    let inputs: Vec<&[f64]> = names.iter().map(|n| column(n)).collect::<Result<_, _>>()?;
    let x = (0..data.rows())
        .flat_map(|r| inputs.iter().map(move |c| c[r]))
        .collect();
    Ok(Rows {
        features: inputs.len(),
        x,
        y,
    })
}

/// The loss a target column calls for: bce when every value is 0 or 1, ce when they are
/// classes 0 to k (2 ≤ k < [`MAX_CLASSES`]), mse for any other numbers.
pub fn loss_for(y: &[f64]) -> Loss {
    let class = |v: f64| v >= 0.0 && v.fract() == 0.0 && v < MAX_CLASSES as f64;
    if y.iter().all(|&v| v == 0.0 || v == 1.0) {
        Loss::Bce
    } else if y.iter().all(|&v| class(v)) {
        Loss::Ce
    } else {
        Loss::Mse
    }
}

/// Outputs for cross-entropy on these targets: one per class up to the largest named (at
/// least 2, at most [`MAX_CLASSES`]; a target out of range is refused by `Net::check` with
/// its row).
pub fn classes_in(y: &[f64]) -> usize {
    let top = y
        .iter()
        .fold(0.0f64, |m, &v| if v.is_finite() { m.max(v) } else { m });
    (top as usize + 1).clamp(2, MAX_CLASSES)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(text: &str) -> Dataset {
        Dataset::from_reader("d.csv", text.as_bytes()).unwrap()
    }

    #[test]
    fn the_target_defaults_to_the_last_column_and_the_features_to_the_rest() {
        let d = data("a,b,label\n1,2,0\n3,4,1\n5,6,1\n");
        let rows = rows_of(&d, &[], None).unwrap();
        assert_eq!(rows.features, 2);
        assert_eq!(rows.x, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(rows.y, vec![0.0, 1.0, 1.0]);
        let rows = rows_of(&d, &["b".into()], Some("a")).unwrap();
        assert_eq!(
            (rows.features, rows.x, rows.y),
            (1, vec![2.0, 4.0, 6.0], vec![1.0, 3.0, 5.0])
        );
        // Every column but the named target, in the file's order.
        let rows = rows_of(&d, &[], Some("a")).unwrap();
        assert_eq!(rows.x, vec![2.0, 0.0, 4.0, 1.0, 6.0, 1.0]);
    }

    #[test]
    fn bad_columns_are_refused_by_name() {
        let d = data("a,b\n1,2\n");
        let e = rows_of(&d, &["c".into()], Some("b"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "d.csv has no column 'c' (columns: a, b)");
        let e = rows_of(&d, &["a".into(), "b".into()], Some("b"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "'b' is the target: it cannot also be a feature");
        let e = rows_of(&data("t\n1\n"), &[], None).unwrap_err().to_string();
        assert_eq!(
            e,
            "d.csv has only the target column 't': a network needs a feature to read"
        );
    }

    #[test]
    fn the_loss_follows_the_targets() {
        assert_eq!(loss_for(&[0.0, 1.0, 1.0]), Loss::Bce);
        assert_eq!(loss_for(&[0.0, 2.0, 1.0]), Loss::Ce);
        assert_eq!(classes_in(&[0.0, 2.0, 1.0]), 3);
        assert_eq!(classes_in(&[0.0, 1.0]), 2);
        assert_eq!(loss_for(&[0.0, 0.5]), Loss::Mse);
        assert_eq!(loss_for(&[-1.0, 1.0]), Loss::Mse);
        assert_eq!(
            loss_for(&[0.0, 64.0]),
            Loss::Mse,
            "more classes than outputs allowed"
        );
        assert_eq!(classes_in(&[1e9]), MAX_CLASSES);
    }
}
