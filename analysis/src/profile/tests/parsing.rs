//! pandas `read_csv` dtype and NA rules (each case checked against pandas 2.3.3).

use super::super::{read_csv, ColumnData, CsvOptions, PandasDtype, Table};

fn parse(text: &str) -> Table {
    read_csv(
        text.as_bytes(),
        &CsvOptions {
            delimiter: Some(b','),
            ..CsvOptions::default()
        },
    )
    .unwrap()
}

fn dtype(text: &str) -> PandasDtype {
    parse(text).columns[0].dtype
}

fn floats(text: &str) -> Vec<f64> {
    match &parse(text).columns[0].data {
        ColumnData::Float64(v) => v.clone(),
        other => panic!("not float64: {other:?}"),
    }
}

#[test]
fn dtypes_match_pandas() {
    use PandasDtype::*;
    let cases: &[(&str, PandasDtype)] = &[
        ("a\n1\n2\n", Int64),
        ("a\n 12\n3 \n", Int64),
        ("a\n+5\n-0\n00012\n", Int64),
        ("a\n9223372036854775807\n1\n", Int64),
        ("a\n1\n\n", Int64),
        ("a\n1\nNA\n", Float64),
        ("a\n1.0\n2\n", Float64),
        ("a\n.5\n5.\n1e3\n1E+3\n", Float64),
        ("a\ninf\n-INF\n+Infinity\n3\n", Float64),
        ("a\n1e-500\n1\n", Float64),
        ("a\n1.5\n99999999999999999999\n", Float64),
        ("a\n\"\"\n\"\"\n", Float64),
        ("a\nTrue\nFALSE\ntrue\n", Bool),
        ("a\nTrue\n\"\"\n", Object),
        ("a\nTrue\n1\n", Object),
        ("a\n True\nFalse\n", Object),
        ("a\n1_000\n3\n", Object),
        ("a\n1e500\n1.5\n", Object),
        ("a\n inf\n1\n", Object),
        ("a\n nan\n6\n", Object),
        ("a\n0x10\n1\n", Object),
        ("a\n1d3\n1\n", Object),
        ("a\n99999999999999999999\n1\n", Object),
        ("a\n\n99999999999999999999\n", Object),
        ("a\n-9223372036854775809\n1\n", Object),
        ("a\n\u{a0}5\n1\n", Object),
        ("a\n", Object),
    ];
    for (text, want) in cases {
        assert_eq!(dtype(text), *want, "{text:?}");
    }
}

#[test]
fn values_and_missing_follow_pandas() {
    let v = floats("a\n1e-500\n-0.0\ninf\n\"\"\n1.5\n");
    assert_eq!(v[0], 0.0);
    assert!(v[1] == 0.0 && v[1].is_sign_negative());
    assert_eq!(v[2], f64::INFINITY);
    assert!(v[3].is_nan());
    // Quoted NA tokens are missing too (pandas), unless `quoted_na` is off.
    let t = parse("a\n\"NA\"\n1\n");
    assert_eq!(t.columns[0].dtype, PandasDtype::Float64);
    assert_eq!(t.columns[0].raw.missing_tokens.get("NA"), Some(&1));
    let keep = CsvOptions {
        quoted_na: false,
        ..CsvOptions::default()
    };
    let t = read_csv(b"a\n\"NA\"\nNA\nx\n", &keep).unwrap();
    assert_eq!(t.columns[0].missing, vec![false, true, false]);
    // Whitespace is not stripped: "  " and " Paris" are values.
    let t = parse("a\n\"  \"\n Paris\nParis \n\"\"\n");
    let c = &t.columns[0];
    assert_eq!(c.missing, vec![false, false, false, true]);
    assert_eq!((c.raw.whitespace_only, c.raw.padded), (1, 2));
}

#[test]
fn header_names_are_mangled_like_pandas() {
    let t = parse("a,a,,a.1,a\n1,2,3,4,5\n");
    assert_eq!(
        t.column_names(),
        vec!["a", "a.1", "Unnamed: 2", "a.1.1", "a.2"]
    );
}

#[test]
fn raw_text_counters() {
    let t = parse("a\n1\n-4\n1e3\nx\n 7\nNA\nnull\n\n");
    let raw = &t.columns[0].raw;
    assert_eq!(raw.py_numeric, 4);
    assert_eq!(raw.int_pattern, 2);
    assert_eq!(raw.padded, 1);
    let tokens: Vec<(&str, usize)> = raw
        .missing_tokens
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(tokens, vec![("NA", 1), ("null", 1)]);
    // Blank lines are skipped, so the empty line above is not a missing "".
    assert_eq!(t.rows, 7);
}

#[test]
fn invalid_utf8_names_the_column_and_row() {
    let err = read_csv(b"a,b\n1,ok\n2,\xFF\n", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err,
        super::super::ProfileError::InvalidUtf8 {
            column: "b".into(),
            row: Some(1)
        }
    );
}
