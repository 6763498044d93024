//! The profile through the API: the pandas fixture within its README's tolerances, and
//! the same data as CSV, JSON Lines, Parquet and XLSX giving the same profile.

use std::sync::Arc;

use analysis::profile::{read_csv, ColumnData, CsvOptions, Table};
use domain::Role;
use raia_tests::{both_backends, Backend, TestApp};
use serde_json::Value;

use crate::datasets::{fixture_dir, upload};

fn tolerance(key: &str) -> Option<(f64, bool)> {
    // (tolerance, relative); exact keys get (0, false). README "Recommended tolerances".
    const ABS: &[&str] = &[
        "min",
        "max",
        "median",
        "q25",
        "q75",
        "iqr",
        "iqr_lower_fence",
        "iqr_upper_fence",
    ];
    const REL: &[&str] = &["mean", "sum", "std", "std_ddof0"];
    if ABS.contains(&key) {
        Some((1e-9, false))
    } else if REL.contains(&key) {
        Some((1e-12, true))
    } else {
        None
    }
}

fn compare(path: &str, key: &str, want: &Value, got: &Value, failures: &mut Vec<String>) {
    match (tolerance(key), want.as_f64(), got.as_f64()) {
        (Some((tol, rel)), Some(w), Some(g)) => {
            let err = if rel {
                (w - g).abs() / w.abs().max(f64::MIN_POSITIVE)
            } else {
                (w - g).abs()
            };
            if err.is_nan() || err > tol {
                failures.push(format!("{path}: expected {w:?}, got {g:?}"));
            }
        }
        (_, Some(w), Some(g)) if want.is_number() => {
            if w != g {
                failures.push(format!("{path}: expected {w:?}, got {g:?}"));
            }
        }
        _ => {
            if want != got {
                failures.push(format!("{path}: expected {want}, got {got}"));
            }
        }
    }
}

async fn the_profile_through_the_api_matches_the_pandas_fixture(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let dir = fixture_dir("quality");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let data_file = expected["meta"]["data_file"].as_str().unwrap_or("data.csv");
    let ds = upload(
        &app,
        &t,
        "quality fixture",
        data_file,
        std::fs::read(dir.join(data_file)).unwrap(),
    )
    .await;
    let r = app
        .get(
            &format!("/api/v1/datasets/{}/profile", ds["id"].as_str().unwrap()),
            &t,
        )
        .await;
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (k, want) in expected["dataset"].as_object().unwrap() {
        compare(
            &format!("dataset.{k}"),
            k,
            want,
            &got["dataset"][k],
            &mut failures,
        );
        compared += 1;
    }
    for (name, want) in expected["columns"].as_object().unwrap() {
        let mine = got["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name.as_str());
        let Some(mine) = mine else {
            failures.push(format!("column {name} missing"));
            continue;
        };
        for (k, w) in want.as_object().unwrap() {
            compare(&format!("{name}.{k}"), k, w, &mine[k], &mut failures);
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} values compared");
    assert!(got.get("correlations").is_none());
    let with: Value = app
        .get(
            &format!(
                "/api/v1/datasets/{}/profile?correlations=true",
                ds["id"].as_str().unwrap()
            ),
            &t,
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(with["correlations"].is_object(), "{}", with["correlations"]);
    assert_eq!(with["columns"], got["columns"]);
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The schema comes from the same profile: the id role is an identifier.
    let id_col = expected["meta"]["roles"]["id"].as_str().unwrap();
    let col = ds["schema"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == id_col)
        .unwrap();
    assert_eq!(col["type"], "identifier");
}
both_backends!(
    the_profile_through_the_api_matches_the_pandas_fixture,
    the_profile_through_the_api_matches_the_pandas_fixture
);

fn fixture_table() -> Table {
    let dir = fixture_dir("quality");
    read_csv(
        &std::fs::read(dir.join("data.csv")).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap()
}

enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(&'a str),
}

fn cell(t: &Table, c: usize, r: usize) -> Cell<'_> {
    let col = &t.columns[c];
    if col.missing[r] {
        return Cell::Null;
    }
    match &col.data {
        ColumnData::Int64(v) => Cell::Int(v[r]),
        ColumnData::Float64(v) => Cell::Float(v[r]),
        ColumnData::Bool(v) => Cell::Bool(v[r]),
        ColumnData::Object(s) => Cell::Str(s.get(r).unwrap()),
    }
}

fn to_jsonl(t: &Table) -> Vec<u8> {
    let mut out = String::new();
    for r in 0..t.rows {
        let members: Vec<String> = (0..t.columns.len())
            .map(|c| {
                let v = match cell(t, c, r) {
                    Cell::Null => Value::Null,
                    Cell::Int(i) => i.into(),
                    Cell::Float(f) => f.into(),
                    Cell::Bool(b) => b.into(),
                    Cell::Str(s) => s.into(),
                };
                format!("{}:{}", Value::from(t.columns[c].name.as_str()), v)
            })
            .collect();
        out.push_str(&format!("{{{}}}\n", members.join(",")));
    }
    out.into_bytes()
}

fn to_xlsx(t: &Table) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, col) in t.columns.iter().enumerate() {
        ws.write_string(0, c as u16, &col.name).unwrap();
        for r in 0..t.rows {
            let (row, cc) = (r as u32 + 1, c as u16);
            match cell(t, c, r) {
                Cell::Null => {}
                Cell::Int(i) => {
                    ws.write_number(row, cc, i as f64).unwrap();
                }
                Cell::Float(f) => {
                    ws.write_number(row, cc, f).unwrap();
                }
                Cell::Bool(b) => {
                    ws.write_boolean(row, cc, b).unwrap();
                }
                Cell::Str(s) => {
                    ws.write_string(row, cc, s).unwrap();
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// Writes the table as Parquet with one OPTIONAL column per table column.
pub fn to_parquet(t: &Table) -> Vec<u8> {
    use parquet::basic::{ConvertedType, Repetition, Type as Physical};
    use parquet::column::writer::ColumnWriter;
    use parquet::data_type::ByteArray;
    use parquet::file::{properties::WriterProperties, writer::SerializedFileWriter};
    use parquet::schema::types::Type;
    let fields = t
        .columns
        .iter()
        .map(|c| {
            let (physical, converted) = match &c.data {
                ColumnData::Int64(_) => (Physical::INT64, ConvertedType::NONE),
                ColumnData::Float64(_) => (Physical::DOUBLE, ConvertedType::NONE),
                ColumnData::Bool(_) => (Physical::BOOLEAN, ConvertedType::NONE),
                ColumnData::Object(_) => (Physical::BYTE_ARRAY, ConvertedType::UTF8),
            };
            Arc::new(
                Type::primitive_type_builder(&c.name, physical)
                    .with_repetition(Repetition::OPTIONAL)
                    .with_converted_type(converted)
                    .build()
                    .unwrap(),
            )
        })
        .collect();
    let schema = Arc::new(
        Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .unwrap(),
    );
    let mut w = SerializedFileWriter::new(
        Vec::new(),
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut c = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        let column = &t.columns[c];
        let defs: Vec<i16> = column.missing.iter().map(|&m| i16::from(!m)).collect();
        let present = |r: &usize| !column.missing[*r];
        let rows = 0..t.rows;
        match (col.untyped(), &column.data) {
            (ColumnWriter::Int64ColumnWriter(w), ColumnData::Int64(v)) => {
                let vals: Vec<i64> = rows.filter(present).map(|r| v[r]).collect();
                w.write_batch(&vals, Some(&defs), None).unwrap();
            }
            (ColumnWriter::DoubleColumnWriter(w), ColumnData::Float64(v)) => {
                let vals: Vec<f64> = rows.filter(present).map(|r| v[r]).collect();
                w.write_batch(&vals, Some(&defs), None).unwrap();
            }
            (ColumnWriter::BoolColumnWriter(w), ColumnData::Bool(v)) => {
                let vals: Vec<bool> = rows.filter(present).map(|r| v[r]).collect();
                w.write_batch(&vals, Some(&defs), None).unwrap();
            }
            (ColumnWriter::ByteArrayColumnWriter(w), ColumnData::Object(s)) => {
                let vals: Vec<ByteArray> = rows
                    .filter(present)
                    .map(|r| ByteArray::from(s.get(r).unwrap()))
                    .collect();
                w.write_batch(&vals, Some(&defs), None).unwrap();
            }
            _ => panic!("writer and data disagree"),
        }
        col.close().unwrap();
        c += 1;
    }
    rg.close().unwrap();
    w.into_inner().unwrap()
}

/// The profile without what only a text format can carry: the raw spelling of missing
/// values (and the quality figures derived from it).
fn comparable(mut p: Value) -> Value {
    let obj = p.as_object_mut().unwrap();
    obj.remove("dataset_id");
    obj.remove("quality");
    for c in obj["columns"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("raw_missing_tokens");
    }
    p
}

async fn the_same_data_as_csv_jsonl_parquet_and_xlsx_gives_the_same_profile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::MlEngineer).await;
    let table = fixture_table();
    let csv = std::fs::read(fixture_dir("quality").join("data.csv")).unwrap();
    let mut profiles = Vec::new();
    for (name, bytes, format) in [
        ("data.csv", csv, "csv"),
        ("data.jsonl", to_jsonl(&table), "jsonl"),
        ("data.parquet", to_parquet(&table), "parquet"),
        ("data.xlsx", to_xlsx(&table), "xlsx"),
    ] {
        let ds = upload(&app, &t, name, name, bytes).await;
        assert_eq!(ds["format"], format);
        assert_eq!(ds["row_count"].as_u64(), Some(table.rows as u64));
        let p: Value = app
            .get(
                &format!("/api/v1/datasets/{}/profile", ds["id"].as_str().unwrap()),
                &t,
            )
            .await
            .json()
            .await
            .unwrap();
        profiles.push((format, p));
    }
    let csv_profile = comparable(profiles[0].1.clone());
    for (format, p) in &profiles[1..] {
        assert_eq!(
            comparable(p.clone()),
            csv_profile,
            "{format} differs from csv"
        );
    }
    // The typed formats all lose the same raw tokens, so they agree on everything.
    let strip = |p: &Value| {
        let mut p = p.clone();
        p.as_object_mut().unwrap().remove("dataset_id");
        p
    };
    assert_eq!(strip(&profiles[1].1), strip(&profiles[2].1));
    assert_eq!(strip(&profiles[1].1), strip(&profiles[3].1));
}
both_backends!(
    the_same_data_as_csv_jsonl_parquet_and_xlsx_gives_the_same_profile,
    the_same_data_as_csv_jsonl_parquet_and_xlsx_gives_the_same_profile
);
