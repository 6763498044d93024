#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Each step against hand-computed values (pandas semantics), fit-then-apply and refusals.

use super::*;
use crate::profile::{read_csv, ColumnData, CsvOptions, Table};

fn table(csv: &str) -> Table {
    read_csv(csv.as_bytes(), &CsvOptions::default()).unwrap()
}

fn steps(json: &str) -> Vec<Step> {
    serde_json::from_str(json).unwrap()
}

fn run(csv: &str, json: &str) -> (Table, Vec<Fitted>) {
    fit(table(csv), &steps(json)).unwrap()
}

fn floats(t: &Table, name: &str) -> Vec<Option<f64>> {
    let c = t.column(name).unwrap();
    (0..t.rows).map(|r| c.f64_at(r)).collect()
}

fn texts(t: &Table, name: &str) -> Vec<Option<String>> {
    let c = t.column(name).unwrap();
    (0..t.rows).map(|r| frame::key(c, r)).collect()
}

fn close(got: &[Option<f64>], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g.unwrap() - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
}

#[test]
fn impute_fills_mean_median_mode_and_constant() {
    let csv = "a,b,c\n1,x,1\n2,y,\n,,3\n4,x,4\n2,y,\n";
    let (t, f) = run(
        csv,
        r#"[{"op":"impute","columns":["a"],"strategy":"mean"},
            {"op":"impute","columns":["b"],"strategy":"mode"},
            {"op":"impute","columns":["c"],"strategy":"constant","value":0}]"#,
    );
    close(&floats(&t, "a"), &[1.0, 2.0, 2.25, 4.0, 2.0]);
    // x and y both appear twice: the smallest wins, as pandas' sorted mode()[0].
    assert_eq!(texts(&t, "b")[2].as_deref(), Some("x"));
    close(&floats(&t, "c"), &[1.0, 0.0, 3.0, 4.0, 0.0]);
    assert_eq!(
        f[0],
        Fitted::Impute {
            strategy: ImputeStrategy::Mean,
            fill: [("a".into(), Fill::Num(2.25))].into()
        }
    );
    let (t, _) = run(
        csv,
        r#"[{"op":"impute","columns":["a"],"strategy":"median"}]"#,
    );
    assert_eq!(floats(&t, "a")[2], Some(2.0));
    let (t, _) = run(
        csv,
        r#"[{"op":"impute","columns":["a"],"strategy":"mode"}]"#,
    );
    assert_eq!(floats(&t, "a")[2], Some(2.0));
}

#[test]
fn duplicates_missing_and_whitespace_are_cleaned() {
    let csv = "a,b\n1, p \n2,q\n1, p \n,r\n3,\n";
    let (t, _) = run(csv, r#"[{"op":"drop_duplicates"}]"#);
    assert_eq!(t.rows, 4);
    let (t, _) = run(csv, r#"[{"op":"drop_missing"}]"#);
    assert_eq!(floats(&t, "a"), vec![Some(1.0), Some(2.0), Some(1.0)]);
    let (t, _) = run(
        csv,
        r#"[{"op":"drop_missing","columns":["a","b"],"how":"all"}]"#,
    );
    assert_eq!(t.rows, 5);
    let (t, _) = run(
        csv,
        r#"[{"op":"trim"},{"op":"drop_duplicates","columns":["b"]}]"#,
    );
    assert_eq!(
        texts(&t, "b"),
        vec![Some("p".into()), Some("q".into()), Some("r".into()), None]
    );
}

#[test]
fn outliers_are_clipped_or_dropped_by_iqr_and_zscore() {
    let csv = "a\n1\n2\n3\n4\n100\n";
    let (t, f) = run(
        csv,
        r#"[{"op":"outliers","columns":["a"],"method":"iqr","action":"clip"}]"#,
    );
    // q1 = 2, q3 = 4, IQR = 2: bounds [-1, 7].
    close(&floats(&t, "a"), &[1.0, 2.0, 3.0, 4.0, 7.0]);
    let Fitted::Outliers { bounds, .. } = &f[0] else {
        panic!()
    };
    assert_eq!(
        bounds["a"],
        Bounds {
            lower: -1.0,
            upper: 7.0
        }
    );
    let (t, _) = run(
        csv,
        r#"[{"op":"outliers","columns":["a"],"method":"iqr","action":"drop"}]"#,
    );
    assert_eq!(t.rows, 4);
    // mean 22, sample std sqrt(7610 / 4): 100 is beyond one std, 1..4 are not.
    let (t, f) = run(
        csv,
        r#"[{"op":"outliers","columns":["a"],"method":"zscore","factor":1,"action":"drop"}]"#,
    );
    assert_eq!(t.rows, 4);
    let Fitted::Outliers { bounds, .. } = &f[0] else {
        panic!()
    };
    assert!((bounds["a"].upper - (22.0 + (7610.0f64 / 4.0).sqrt())).abs() < 1e-12);
}

#[test]
fn scaling_uses_sample_std_and_fitted_min_max() {
    let csv = "a,b\n1,1\n2,2\n3,3\n4,5\n";
    let (t, f) = run(
        csv,
        r#"[{"op":"standardize","columns":["a"]},{"op":"min_max","columns":["b"]}]"#,
    );
    let s = (5.0f64 / 3.0).sqrt();
    close(&floats(&t, "a"), &[-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    close(&floats(&t, "b"), &[0.0, 0.25, 0.5, 1.0]);
    let Fitted::Standardize { params } = &f[0] else {
        panic!()
    };
    assert_eq!(params["a"].mean, 2.5);
    assert!((params["a"].std - s).abs() < 1e-15);
    let (t, _) = run(csv, r#"[{"op":"min_max","columns":["b"],"range":[-1,1]}]"#);
    close(&floats(&t, "b"), &[-1.0, -0.5, 0.0, 1.0]);
}

#[test]
fn encodings_learn_sorted_categories_and_target_means() {
    let csv = "b,y\nx,1\ny,0\nx,0\nz,1\n";
    let (t, _) = run(csv, r#"[{"op":"one_hot","columns":["b"]}]"#);
    assert_eq!(t.column_names(), vec!["b_x", "b_y", "b_z", "y"]);
    assert_eq!(
        floats(&t, "b_x"),
        vec![Some(1.0), Some(0.0), Some(1.0), Some(0.0)]
    );
    let (t, _) = run(csv, r#"[{"op":"ordinal","columns":["b"]}]"#);
    assert_eq!(
        floats(&t, "b"),
        vec![Some(0.0), Some(1.0), Some(0.0), Some(2.0)]
    );
    let (t, _) = run(
        csv,
        r#"[{"op":"ordinal","columns":["b"],"order":{"b":["z","y","x"]}}]"#,
    );
    assert_eq!(
        floats(&t, "b"),
        vec![Some(2.0), Some(1.0), Some(2.0), Some(0.0)]
    );
    let (t, _) = run(
        csv,
        r#"[{"op":"target_encode","columns":["b"],"target":"y"}]"#,
    );
    close(&floats(&t, "b"), &[0.5, 0.0, 0.5, 1.0]);
    let (t, f) = run(
        csv,
        r#"[{"op":"target_encode","columns":["b"],"target":"y","smoothing":1}]"#,
    );
    close(&floats(&t, "b"), &[0.5, 0.25, 0.5, 0.75]);
    // Unseen categories get the global mean.
    let again = apply(table("b,y\nw,1\n"), &f).unwrap();
    close(&floats(&again, "b"), &[0.5]);
}

#[test]
fn bins_follow_pandas_cut_and_qcut() {
    let (t, f) = run(
        "a\n0\n1\n2\n3\n4\n",
        r#"[{"op":"bin","column":"a","method":"equal_width","bins":2}]"#,
    );
    assert_eq!(
        floats(&t, "a"),
        [0.0, 0.0, 0.0, 1.0, 1.0].map(Some).to_vec()
    );
    let Fitted::Bin { edges, .. } = &f[0] else {
        panic!()
    };
    assert_eq!(edges, &vec![-0.004, 2.0, 4.0]);
    let (t, f) = run(
        "a\n1\n2\n3\n4\n5\n6\n7\n8\n",
        r#"[{"op":"bin","column":"a","method":"quantile","bins":4,"output":"q"}]"#,
    );
    assert_eq!(
        floats(&t, "q"),
        [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0].map(Some).to_vec()
    );
    let Fitted::Bin { edges, .. } = &f[0] else {
        panic!()
    };
    assert_eq!(edges, &vec![1.0, 2.75, 4.5, 6.25, 8.0]);
    let (t, _) = run(
        "a\n0\n5\n10\n15\n25\n",
        r#"[{"op":"bin","column":"a","method":"edges","edges":[0,10,20]}]"#,
    );
    assert_eq!(
        floats(&t, "a"),
        vec![None, Some(0.0), Some(0.0), Some(1.0), None]
    );
}

#[test]
fn casts_and_derived_columns() {
    let (t, _) = run(
        "a,b,c\n1,2.0,yes\n2,3.0,no\n",
        r#"[{"op":"cast","columns":{"a":"text","b":"integer","c":"boolean"}},
            {"op":"derive","name":"d","expr":"b * 2 + 1"},
            {"op":"derive","name":"e","expr":"c and d > 5"}]"#,
    );
    assert!(matches!(t.column("a").unwrap().data, ColumnData::Object(_)));
    assert!(matches!(t.column("b").unwrap().data, ColumnData::Int64(_)));
    assert!(matches!(t.column("c").unwrap().data, ColumnData::Bool(_)));
    close(&floats(&t, "d"), &[5.0, 7.0]);
    assert_eq!(
        texts(&t, "e"),
        vec![Some("False".into()), Some("False".into())]
    );
}

#[test]
fn fitted_pipelines_reapply_without_refitting() {
    let pipeline = r#"[{"op":"impute","columns":["a"],"strategy":"mean"},
        {"op":"standardize","columns":["a"]},
        {"op":"one_hot","columns":["b"]},
        {"op":"bin","column":"c","method":"quantile","bins":2}]"#;
    let train = "a,b,c\n1,x,1\n,y,2\n3,x,3\n5,y,4\n";
    let (fitted_out, f) = run(train, pipeline);
    // Re-applying to the training data gives the same table; the JSON round-trips.
    let json = serde_json::to_string(&f).unwrap();
    let back: Vec<Fitted> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f);
    assert_eq!(
        to_csv(&apply(table(train), &back).unwrap()),
        to_csv(&fitted_out)
    );
    // New data uses the training mean (3) and std (sqrt(8/3)), not its own.
    let new = apply(table("a,b,c\n7,z,9\n,x,1\n"), &back).unwrap();
    close(&floats(&new, "a"), &[4.0 / (8.0f64 / 3.0).sqrt(), 0.0]);
    assert_eq!(floats(&new, "b_x"), vec![Some(0.0), Some(1.0)]);
    assert_eq!(floats(&new, "c"), vec![None, Some(0.0)]);
}

#[test]
fn bad_pipelines_are_refused_precisely() {
    let t = || table("a,b\n1,x\n2,y\n");
    let err = |json: &str| fit(t(), &steps(json)).unwrap_err();
    assert_eq!(
        err(r#"[{"op":"trim"},{"op":"standardize","columns":["zz"]}]"#),
        TransformError::UnknownColumn {
            step: 1,
            column: "zz".into()
        }
    );
    assert!(matches!(
        err(r#"[{"op":"cast","columns":{"b":"float"}}]"#),
        TransformError::Cast {
            step: 0,
            row: 0,
            ..
        }
    ));
    assert!(matches!(
        err(r#"[{"op":"standardize","columns":["b"]}]"#),
        TransformError::Unfit { .. }
    ));
    assert!(matches!(
        err(r#"[{"op":"derive","name":"c","expr":"nope +"}]"#),
        TransformError::Invalid(_)
    ));
    assert!(matches!(
        err(r#"[{"op":"impute","columns":["a"],"strategy":"constant"}]"#),
        TransformError::Invalid(_)
    ));
    assert!(fit(t(), &[]).is_err());
    assert!(serde_json::from_str::<Vec<Step>>(r#"[{"op":"explode"}]"#).is_err());
    assert!(serde_json::from_str::<Vec<Step>>(r#"[{"op":"trim","colums":["a"]}]"#).is_err());
}
