//! Tests: every value of the quality fixture (`shared/fixtures/quality`, or
//! `$RAIA_FIXTURES/quality`), tokenizer edge cases, pandas parsing rules, statistics.
//! Column names come from `expected.json`, so any fixture set with this layout works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod checker;
mod fixture;
mod json;
mod meta;
mod parsing;
mod tokenizer;

use super::{profile, read_csv, read_csv_from, CsvOptions, ProfileOptions};
use checker::Checker;

#[test]
fn every_expected_value_matches_the_fixture() {
    let expected = fixture::expected();
    let bytes = fixture::data(&expected);
    let table = read_csv(&bytes, &CsvOptions::default()).unwrap();
    let prof = profile(&table, &ProfileOptions::default());
    let mut checker = Checker::default();
    for (section, value) in expected.entries() {
        match section.as_str() {
            "meta" => meta::check(value, &prof, &mut checker),
            "dataset" => checker.object(
                "dataset",
                value,
                &serde_json::to_value(&prof.dataset).unwrap(),
            ),
            "columns" => {
                let names: Vec<&str> = value.entries().iter().map(|(k, _)| k.as_str()).collect();
                if names != table.column_names() {
                    checker.fail(format!("columns: {names:?} != {:?}", table.column_names()));
                }
                for (name, exp) in value.entries() {
                    match prof.column(name) {
                        Some(col) => checker.object(
                            &format!("columns.{name}"),
                            exp,
                            &serde_json::to_value(col).unwrap(),
                        ),
                        None => checker.fail(format!("columns.{name}: not in our profile")),
                    }
                }
            }
            other => checker.fail(format!("{other}: unknown top-level key (not compared)")),
        }
    }
    checker.finish();
}

#[test]
fn streaming_reader_matches_in_memory_parse() {
    let bytes = fixture::data(&fixture::expected());
    let whole = read_csv(&bytes, &CsvOptions::default()).unwrap();
    // A reader returning a few bytes per call splits quotes, CRLF and the BOM anywhere.
    struct Trickle<'a>(&'a [u8], usize);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            self.1 = self.1 % 7 + 1;
            Ok(n)
        }
    }
    let options = CsvOptions {
        sniff_bytes: 100,
        ..CsvOptions::default()
    };
    let streamed = read_csv_from(Trickle(&bytes, 1), &options).unwrap();
    // Debug output compares NaN placeholders too (NaN != NaN under PartialEq).
    assert_eq!(format!("{whole:?}"), format!("{streamed:?}"));
}

#[test]
fn profile_is_the_same_single_threaded() {
    let bytes = fixture::data(&fixture::expected());
    let one = CsvOptions {
        threads: 1,
        ..CsvOptions::default()
    };
    let table = read_csv(&bytes, &one).unwrap();
    let three = read_csv(
        &bytes,
        &CsvOptions {
            threads: 3,
            ..one.clone()
        },
    )
    .unwrap();
    assert_eq!(format!("{table:?}"), format!("{three:?}"));
    let a = profile(
        &table,
        &ProfileOptions {
            threads: 1,
            ..ProfileOptions::default()
        },
    );
    let b = profile(
        &table,
        &ProfileOptions {
            threads: 4,
            ..ProfileOptions::default()
        },
    );
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}
