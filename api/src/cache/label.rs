//! The version a cached value is valid for: the last log position, among the
//! events it depends on, that its projections have applied.
//!
//! The label is read in one statement (one snapshot) before the value is
//! computed, so the value reflects at least every relevant event up to the label
//! and none between the label and the checkpoint exists. An entry is served only
//! while the current label equals the stored one; the first read after a write
//! that the projections have applied sees a new label and recomputes. No
//! invalidation message has to arrive in time, on any node.

use migrations::Db;
use sqlx::Row;

use super::category::{Category, Dep};

/// The current label of a read of `category` depending on `deps`.
pub async fn current(db: &Db, category: Category, deps: &[Dep<'_>]) -> Result<i64, sqlx::Error> {
    let projections = category.projections();
    let mut sql = String::from(
        "WITH cp AS (SELECT COALESCE(MIN(position), 0) AS at FROM projection_checkpoints WHERE name IN (",
    );
    let mut n = 0;
    for i in 0..projections.len() {
        n += 1;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${n}"));
    }
    sql.push_str(")) SELECT COALESCE(MAX(p), 0) FROM (");
    for (i, d) in deps.iter().enumerate() {
        if i > 0 {
            sql.push_str(" UNION ALL ");
        }
        n += 1;
        sql.push_str(&format!(
            "SELECT MAX(position) AS p FROM events, cp WHERE stream_type = ${n}"
        ));
        if d.stream_id.is_some() {
            n += 1;
            sql.push_str(&format!(" AND stream_id = ${n}"));
        }
        sql.push_str(" AND position <= cp.at");
    }
    if deps.is_empty() {
        sql.push_str("SELECT MAX(at) AS p FROM cp");
    }
    sql.push_str(") t");
    let mut q = sqlx::query(&sql);
    for p in projections {
        q = q.bind(*p);
    }
    for d in deps {
        q = q.bind(d.stream_type);
        if let Some(id) = d.stream_id {
            q = q.bind(id.to_owned());
        }
    }
    q.fetch_one(db.read()).await?.try_get(0)
}
