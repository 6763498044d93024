//! Tokenizer and sniffer edge cases.

use super::super::{read_csv, sniff, CsvOptions, Dialect, ProfileError, RaggedRows, Tokenizer};

/// All records as (line, fields, quoted flags), feeding `chunk` bytes at a time.
fn records(input: &[u8], dialect: Dialect, chunk: usize) -> Vec<(u64, Vec<String>, Vec<bool>)> {
    let mut out = Vec::new();
    let mut t = Tokenizer::new(dialect);
    let mut sink = |r: super::super::Record<'_>| {
        let fields = (0..r.len())
            .map(|i| String::from_utf8_lossy(r.field(i)).into_owned())
            .collect();
        let quoted = (0..r.len()).map(|i| r.is_quoted(i)).collect();
        out.push((r.line(), fields, quoted));
        Ok(())
    };
    for c in input.chunks(chunk.max(1)) {
        t.feed(c, &mut sink).unwrap();
    }
    t.finish(&mut sink).unwrap();
    out
}

/// Same records whatever the chunking.
fn tokenize(input: &[u8]) -> Vec<(u64, Vec<String>, Vec<bool>)> {
    let whole = records(input, Dialect::default(), usize::MAX);
    for chunk in 1..5 {
        assert_eq!(
            records(input, Dialect::default(), chunk),
            whole,
            "chunk size {chunk}"
        );
    }
    whole
}

fn fields(input: &[u8]) -> Vec<Vec<String>> {
    tokenize(input).into_iter().map(|(_, f, _)| f).collect()
}

#[test]
fn bom_is_stripped_even_when_split() {
    assert_eq!(
        fields(b"\xEF\xBB\xBFa,b\n1,2\n"),
        vec![vec!["a", "b"], vec!["1", "2"]]
    );
    // A partial BOM-like prefix is data.
    let lossy = String::from_utf8_lossy(b"\xEF\xBBx").into_owned();
    assert_eq!(fields(b"\xEF\xBBx\n"), vec![vec![lossy]]);
    assert_eq!(
        fields(b"\xEF"),
        vec![vec![String::from_utf8_lossy(b"\xEF").into_owned()]]
    );
}

#[test]
fn crlf_lf_and_lone_cr_end_records() {
    let expected = vec![
        vec!["a", "b"],
        vec!["1", "2"],
        vec!["3", "4"],
        vec!["5", "6"],
    ];
    assert_eq!(fields(b"a,b\r\n1,2\r\n3,4\n5,6"), expected);
    assert_eq!(fields(b"a,b\r1,2\r3,4\r5,6\r"), expected);
    let lines: Vec<u64> = tokenize(b"a,b\r\n1,2\r\n\r\n3,4\r\n")
        .iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(lines, vec![1, 2, 4]);
}

#[test]
fn quoting_rules_follow_pandas() {
    let recs =
        tokenize(b"a,b,c\n\"x,1\",\"say \"\"hi\"\"\",\"\"\n\"multi\r\nline\",\"x\" y,a\"b\"\n");
    assert_eq!(recs[1].1, vec!["x,1", "say \"hi\"", ""]);
    assert_eq!(recs[1].2, vec![true, true, true]);
    // CRLF inside quotes is data; text after a closing quote is appended; inner quotes of
    // an unquoted field are literal.
    assert_eq!(recs[2].1, vec!["multi\r\nline", "x y", "a\"b\""]);
    assert_eq!(recs[2].2, vec![true, true, false]);
    assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[test]
fn blank_and_whitespace_lines_are_skipped_but_quoted_empty_is_not() {
    assert_eq!(
        fields(b"a\n\n  \n\t\n1\n\"\"\n"),
        vec![vec!["a"], vec!["1"], vec![""]]
    );
    // Trailing delimiter at EOF yields an empty last field.
    assert_eq!(fields(b"a,b\n1,"), vec![vec!["a", "b"], vec!["1", ""]]);
}

#[test]
fn ragged_row_error_names_line_and_counts() {
    let input = b"a,b,c\n1,2,3\n\"x\ny\",2,3\n\n4,5\n";
    let err = read_csv(input, &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err,
        ProfileError::RaggedRow {
            line: 6,
            expected: 3,
            found: 2
        }
    );
    assert_eq!(err.to_string(), "line 6: expected 3 fields, found 2");
    let err = read_csv(b"a,b\n1,2\n3,4,5\n", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err,
        ProfileError::RaggedRow {
            line: 3,
            expected: 2,
            found: 3
        }
    );
    // pandas pads short rows with NaN; long rows still fail.
    let pad = CsvOptions {
        ragged: RaggedRows::PadShort,
        ..CsvOptions::default()
    };
    let t = read_csv(b"a,b\n1,2\n3\n", &pad).unwrap();
    assert_eq!(t.columns[1].missing, vec![false, true]);
    assert_eq!(t.columns[1].raw.missing_tokens.get(""), Some(&1));
    assert!(read_csv(b"a,b\n1,2,3\n", &pad).is_err());
}

#[test]
fn unterminated_quote_and_empty_input_are_errors() {
    let err = read_csv(b"a,b\n1,2\n\"x,3\n", &CsvOptions::default()).unwrap_err();
    assert_eq!(err, ProfileError::UnterminatedQuote { line: 3 });
    assert_eq!(
        read_csv(b"", &CsvOptions::default()).unwrap_err(),
        ProfileError::EmptyInput
    );
    assert_eq!(
        read_csv(b"\n\n", &CsvOptions::default()).unwrap_err(),
        ProfileError::EmptyInput
    );
}

#[test]
fn sniffs_separators_and_quotes() {
    let tsv = b"name\tnote\tn\nann\t\"a, b, c\"\t1\nbob\tx,y\t2\n";
    assert_eq!(
        sniff(tsv),
        Dialect {
            delimiter: b'\t',
            quote: b'"'
        }
    );
    let semi = b"a;b;c\n1,5;2,25;x\n3,0;4,75;y\n";
    assert_eq!(sniff(semi).delimiter, b';');
    assert_eq!(sniff(b"a|b\n1|2\n3|4\n").delimiter, b'|');
    // Commas inside quotes do not vote for the comma.
    assert_eq!(sniff(b"a,b\n\"1;2;3\",4\n\"5;6\",7\n").delimiter, b',');
    assert_eq!(sniff(b"'a','b'\n'x,y','z'\n").quote, b'\'');
    assert_eq!(sniff(b"single\ncolumn\n").delimiter, b',');
    let t = read_csv(semi, &CsvOptions::default()).unwrap();
    assert_eq!(t.column_names(), vec!["a", "b", "c"]);
    assert_eq!(t.dialect.delimiter, b';');
    let t = read_csv(tsv, &CsvOptions::default()).unwrap();
    assert_eq!(
        t.columns[1].data,
        super::super::ColumnData::Object(super::super::Strings {
            codes: vec![0, 1],
            values: vec!["a, b, c".into(), "x,y".into()],
        })
    );
}

#[test]
fn bad_dialect_is_rejected() {
    let opts = CsvOptions {
        delimiter: Some(b'"'),
        quote: Some(b'"'),
        ..CsvOptions::default()
    };
    assert!(matches!(
        read_csv(b"a\n", &opts),
        Err(ProfileError::InvalidOption(_))
    ));
}

/// A file over the parallel threshold whose line breaks are mostly inside quotes, so
/// chunk cuts land inside quoted fields and must fall back to sequential continuation.
fn big_multiline_csv(rows: usize) -> String {
    let mut s = String::from("id,text,n\n");
    for i in 0..rows {
        s += &format!(
            "{i},\"line one\nline \"\"two\"\"\r\nthree\n\n{i}\",{}\n",
            i % 7
        );
    }
    s
}

#[test]
fn parallel_tokenizing_equals_sequential() {
    let text = big_multiline_csv(40_000);
    assert!(text.len() > 1 << 20);
    let one = CsvOptions {
        threads: 1,
        ..CsvOptions::default()
    };
    let seq = read_csv(text.as_bytes(), &one).unwrap();
    assert_eq!(seq.rows, 40_000);
    for threads in 2..6 {
        let par = read_csv(
            text.as_bytes(),
            &CsvOptions {
                threads,
                ..one.clone()
            },
        )
        .unwrap();
        assert_eq!(format!("{seq:?}"), format!("{par:?}"), "{threads} threads");
    }
    // Plain rows too (every cut is a record boundary).
    let plain: String = (0..200_000)
        .map(|i| format!("{i},x{},{}\n", i % 13, i % 5))
        .collect();
    let plain = format!("a,b,c\n{plain}");
    let seq = read_csv(plain.as_bytes(), &one).unwrap();
    let par = read_csv(
        plain.as_bytes(),
        &CsvOptions {
            threads: 3,
            ..one.clone()
        },
    )
    .unwrap();
    assert_eq!(format!("{seq:?}"), format!("{par:?}"));
}

#[test]
fn parallel_errors_report_absolute_lines() {
    for multiline in [false, true] {
        let mut text = if multiline {
            big_multiline_csv(40_000)
        } else {
            let rows: String = (0..300_000).map(|i| format!("{i},t,{}\n", i % 5)).collect();
            format!("id,text,n\n{rows}")
        };
        let lines_before = text.matches('\n').count() as u64;
        text += "1,2\n";
        let errors: Vec<ProfileError> = (1..5)
            .map(|threads| {
                read_csv(
                    text.as_bytes(),
                    &CsvOptions {
                        threads,
                        ..CsvOptions::default()
                    },
                )
                .unwrap_err()
            })
            .collect();
        let want = ProfileError::RaggedRow {
            line: lines_before + 1,
            expected: 3,
            found: 2,
        };
        assert!(errors.iter().all(|e| *e == want), "{errors:?}");
        text.truncate(text.len() - 4);
        text += "\"open,1,2\n";
        let err = read_csv(
            text.as_bytes(),
            &CsvOptions {
                threads: 3,
                ..CsvOptions::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            ProfileError::UnterminatedQuote {
                line: lines_before + 1
            }
        );
    }
}
