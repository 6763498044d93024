//! RAIA's database: the connection to either backend, its schema, and reading
//! the event table.
//!
//! Both the write side (`commands`) and the read side (`projections`) talk to the
//! database through [`Db`], so neither needs the other. SQL is written once with
//! `$1`-style parameters, which PostgreSQL and SQLite both accept; column types
//! stay within what both share (BIGINT, TEXT, DOUBLE PRECISION).

mod db;
pub mod events;

pub use db::{Backend, Db, DbError};
