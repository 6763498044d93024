#![allow(clippy::unwrap_used)]

use super::csv_out::float_text;
use super::*;
use crate::profile::{profile, PandasDtype, ProfileOptions};

fn opts() -> ReadOptions {
    ReadOptions::default()
}

#[test]
fn formats_are_detected_by_magic_then_name_then_content() {
    assert_eq!(detect(b"PAR1....", None).unwrap(), Format::Parquet);
    assert_eq!(
        detect(b"PK\x03\x04..", Some("a.bin")).unwrap(),
        Format::Xlsx
    );
    assert_eq!(
        detect(b"{\"a\": 1}\n{\"a\": 2}", None).unwrap(),
        Format::Jsonl
    );
    assert_eq!(detect(b"a\tb\n1\t2\n", Some("x.TSV")).unwrap(), Format::Tsv);
    assert_eq!(
        detect(b"\xEF\xBB\xBFa,b\r\n1,2\r\n", None).unwrap(),
        Format::Csv
    );
    assert!(matches!(
        detect(b"a,b\n1,2\n", Some("book.xlsx")),
        Err(TabularError::Xlsx(_))
    ));
    assert!(matches!(
        detect(b"a,b\n", Some("t.parquet")),
        Err(TabularError::Parquet(_))
    ));
}

#[test]
fn floats_render_so_that_pandas_types_them_back() {
    assert_eq!(float_text(46.0), "46");
    assert_eq!(float_text(-0.5), "-0.5");
    assert_eq!(float_text(14705.5), "14705.5");
    assert_eq!(float_text(1e300), "1e300");
    assert_eq!(float_text(f64::NAN), "");
    assert_eq!(float_text(f64::NEG_INFINITY), "-inf");
}

#[test]
fn json_lines_and_csv_give_the_same_profile() {
    let csv = b"id,age,city,ok\nA1,46,Paris,True\nA2,,\" Rome\",False\nA3,3.5,NA,True\n";
    let jsonl = concat!(
        "{\"id\":\"A1\",\"age\":46,\"city\":\"Paris\",\"ok\":true}\n",
        "{\"id\":\"A2\",\"age\":null,\"city\":\" Rome\",\"ok\":false}\r\n",
        "\n",
        "{\"id\":\"A3\",\"age\":3.5,\"ok\":true}\n"
    );
    let a = read(csv, Format::Csv, &opts()).unwrap();
    let b = read(jsonl.as_bytes(), Format::Jsonl, &opts()).unwrap();
    assert_eq!(b.columns[1].dtype, PandasDtype::Float64);
    assert_eq!(b.columns[3].dtype, PandasDtype::Bool);
    let (pa, pb) = (
        profile(&a, &ProfileOptions::default()),
        profile(&b, &ProfileOptions::default()),
    );
    for (x, y) in pa.columns.iter().zip(&pb.columns) {
        assert_eq!(x.numeric, y.numeric);
        assert_eq!(x.top_values, y.top_values);
        assert_eq!(x.missing_count, y.missing_count);
    }
}

#[test]
fn unreadable_input_is_named_precisely() {
    assert_eq!(read(b"", Format::Csv, &opts()), Err(TabularError::Empty));
    assert_eq!(
        read(b"a,b\n", Format::Csv, &opts()),
        Err(TabularError::HeaderOnly)
    );
    assert!(matches!(
        read(b"a,b\n1,2,3\n", Format::Csv, &opts()),
        Err(TabularError::Csv(_))
    ));
    assert!(matches!(
        read(b"{\"a\":1}\n[1]\n", Format::Jsonl, &opts()),
        Err(TabularError::Jsonl { line: 2, .. })
    ));
    let wide = format!("{}\n", vec!["c"; 30_000].join(","));
    assert!(matches!(
        read(wide.as_bytes(), Format::Csv, &opts()),
        Err(TabularError::TooManyColumns { .. })
    ));
    let big = format!("a\n{}\n", "x".repeat(2 * 1024 * 1024));
    assert!(matches!(
        read(big.as_bytes(), Format::Csv, &opts()),
        Err(TabularError::FieldTooLarge { .. })
    ));
    assert!(matches!(
        read(b"PAR1\x00\x00", Format::Parquet, &opts()),
        Err(TabularError::Parquet(_))
    ));
    assert!(matches!(
        read(b"PK\x03\x04garbage", Format::Xlsx, &opts()),
        Err(TabularError::Xlsx(_))
    ));
}
