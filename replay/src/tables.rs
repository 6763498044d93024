//! Dumping read tables in a canonical order, to prove a rebuild equals the live tables.

use migrations::Db;
use sqlx::{any::AnyRow, Column, Row};

use crate::ReplayError;

fn cell(row: &AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or("NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or("NULL".into(), |v| format!("{v:?}"));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or("NULL".into(), |v| format!("{v:?}"));
    }
    "?".into()
}

/// Every row of `table` as text, sorted by all columns.
pub async fn dump(db: &Db, table: &str) -> Result<Vec<String>, ReplayError> {
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(db.read())
        .await?;
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            (0..r.columns().len())
                .map(|i| format!("{}={}", r.column(i).name(), cell(r, i)))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    out.sort();
    Ok(out)
}
