//! Statistics kernels against numpy/pandas values, plus profile features the fixture
//! does not cover (semantic types, correlations, quality, serde).

use super::super::correlation::{cramers_v, pearson, spearman};
use super::super::histogram::histogram;
use super::super::infer::is_iso_datetime;
use super::super::quantile::{median, quantile_linear};
use super::super::stats::pairwise_sum;
use super::super::{
    profile, read_csv, CsvOptions, IssueKind, Profile, ProfileOptions, SemanticType, Severity,
    MISSING_CODE,
};

#[test]
fn quantiles_and_histogram_match_numpy() {
    let mut a = [0.1, 0.7, 2.5, 2.5, 3.3, 9.9, -1.0, 4.0, 4.0, 5.5, 7.25];
    let h = histogram(&a, 4);
    assert_eq!(h.edges, vec![-1.0, 1.725, 4.45, 7.175000000000001, 9.9]);
    assert_eq!(h.counts, vec![3, 5, 1, 2]);
    let h = histogram(&[3.0, 3.0], 3);
    assert_eq!(
        h.edges,
        vec![2.5, 2.8333333333333335, 3.1666666666666665, 3.5]
    );
    assert_eq!(h.counts, vec![0, 2, 0]);
    a.sort_by(f64::total_cmp);
    assert_eq!(quantile_linear(&a, 0.25), 1.6);
    assert_eq!(quantile_linear(&a, 0.75), 4.75);
    assert_eq!(quantile_linear(&a, 0.10), 0.1);
    assert_eq!(median(&a), 3.3);
    assert_eq!(median(&[1.0, 2.0]), 1.5);
    assert!(quantile_linear(&[], 0.5).is_nan());
}

#[test]
fn pairwise_sum_is_numpy_order() {
    // 0.1 added 1000 times: pairwise and naive summation differ in the last bits.
    let v = vec![0.1; 1000];
    let naive: f64 = v.iter().sum();
    assert_eq!(pairwise_sum(&v), 100.00000000000001);
    assert_ne!(pairwise_sum(&v), naive);
}

#[test]
fn correlations_match_pandas() {
    let nan = f64::NAN;
    let x = [1.0, 2.0, nan, 4.0, 5.0, 6.0, 2.0];
    let y = [2.0, 1.0, 3.0, nan, 7.0, 6.5, 1.0];
    let z = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0];
    assert!((pearson(&x, &y) - 0.922531208028885).abs() < 1e-14);
    assert!((pearson(&x, &z) - 0.7259764061501938).abs() < 1e-14);
    assert!((spearman(&x, &y) - 0.5789473684210527).abs() < 1e-14);
    assert!((spearman(&y, &z) - 0.9276336570439175).abs() < 1e-14);
    assert!((spearman(&x, &z) - 0.5147058823529411).abs() < 1e-14);
    assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
    let a = [0, 0, 1, 1, MISSING_CODE];
    assert!((cramers_v(&a, &a) - 1.0).abs() < 1e-15);
    assert!(cramers_v(&a, &[5, 5, 5, 5, 5]).is_nan());
    assert_eq!(cramers_v(&[0, 1, 0, 1], &[0, 0, 1, 1]), 0.0);
}

fn table_profile(text: &str) -> Profile {
    let table = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap();
    let options = ProfileOptions {
        correlations: true,
        ..ProfileOptions::default()
    };
    profile(&table, &options)
}

#[test]
fn semantic_types_and_correlation_matrices() {
    let mut csv = String::from("id,when,kind,comment,n,x,flag\n");
    for i in 0..40 {
        let day = i % 28 + 1;
        let kind = ["a", "b", "c"][i % 3];
        let words = [
            "it broke after the update",
            "works fine for me now",
            "please call me back",
        ];
        csv += &format!(
            "ID{i:04},2024-02-{day:02}T10:00:00Z,{kind},{},{i},{}.5,{}\n",
            words[i % 3],
            i * 2,
            i % 2 == 0
        );
    }
    let p = table_profile(&csv);
    let kinds: Vec<SemanticType> = p.columns.iter().map(|c| c.semantic_type).collect();
    use SemanticType::*;
    assert_eq!(
        kinds,
        vec![
            Identifier,
            Datetime,
            Categorical,
            Text,
            Integer,
            Float,
            Boolean
        ]
    );
    let corr = p.correlations.as_ref().unwrap();
    assert_eq!(corr.numeric_columns, vec!["n", "x"]);
    assert!((corr.pearson[0][1] - 1.0).abs() < 1e-12 && (corr.spearman[0][1] - 1.0).abs() < 1e-12);
    // Text and identifier columns stay out of Cramér's V.
    assert_eq!(corr.categorical_columns, vec!["kind", "flag"]);
    assert!((corr.cramers_v[0][0] - 1.0).abs() < 1e-12);
    assert!((0.0..1.0).contains(&corr.cramers_v[0][1]));
    // Serialized and read back, the profile serializes identically (NaN/inf encoding).
    let json = serde_json::to_value(&p).unwrap();
    let back: Profile = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), json);
}

#[test]
fn iso_datetime_recognition() {
    for ok in [
        "2024-02-29",
        "2023-12-31T23:59:59",
        "2023-01-01 00:00",
        "2023-01-01T00:00:00.123+02:00",
        "2023-01-01T00:00:00Z",
        "2023-01-01T00:00:00-0530",
    ] {
        assert!(is_iso_datetime(ok), "{ok}");
    }
    for bad in [
        "2023-02-29",
        "2023-13-01",
        "2023-1-01",
        "2023-01-01T24:00",
        "2023-01-01T10:00:00.",
        "20230101",
        "x",
    ] {
        assert!(!is_iso_datetime(bad), "{bad}");
    }
}

#[test]
fn quality_flags_problems_and_scores_clean_data_100() {
    let p = table_profile("a,b,c\n1, x,k\n1, x,k\n2,y,k\n3,NA,k\n");
    let kinds: Vec<IssueKind> = p.quality.issues.iter().map(|i| i.kind).collect();
    for k in [
        IssueKind::DuplicateRows,
        IssueKind::ConstantColumn,
        IssueKind::MissingValues,
        IssueKind::PaddedValues,
    ] {
        assert!(kinds.contains(&k), "{k:?} in {kinds:?}");
    }
    assert!(p.quality.score < 100.0);
    let clean = table_profile("a,b\n1,x\n2,y\n3,z\n");
    assert_eq!(clean.quality.score, 100.0);
    // Only informational findings (here: `b` is all-distinct, flagged high-cardinality).
    assert!(clean
        .quality
        .issues
        .iter()
        .all(|i| i.severity == Severity::Info));
}

#[test]
fn non_finite_values_use_the_fixture_encoding() {
    let p = table_profile("a,b\ninf,\n1,\n");
    let a = serde_json::to_value(&p.columns[0]).unwrap();
    assert_eq!(a["max"], "inf");
    assert_eq!(a["mean"], "inf");
    assert!(a["std"].is_null());
    let b = serde_json::to_value(&p.columns[1]).unwrap();
    assert!(b["mean"].is_null() && b["min"].is_null());
    assert_eq!(b["sum"], 0.0);
    assert_eq!(b["pandas_dtype"], "float64");
}

#[test]
fn radix_sorts_match_comparison_sorts() {
    use super::super::sort::{sort_f64, sort_i64};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut f: Vec<f64> = (0..5000)
        .map(|_| (rng.gen::<f64>() - 0.5) * 10f64.powi(rng.gen_range(-5..8)))
        .collect();
    f.extend([
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        -1e-300,
    ]);
    let mut want = f.clone();
    want.sort_by(f64::total_cmp);
    sort_f64(&mut f);
    assert_eq!(
        f.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    let mut i: Vec<i64> = (0..5000)
        .map(|_| rng.gen_range(-1000..1000) * rng.gen_range(1..1_000_000_000))
        .collect();
    i.extend([i64::MIN, i64::MAX, 0, -1]);
    let mut want = i.clone();
    want.sort_unstable();
    sort_i64(&mut i);
    assert_eq!(i, want);
}

#[test]
fn sorted_histogram_equals_per_value_histogram() {
    use super::super::histogram::histogram_sorted;
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for bins in [1, 3, 10, 17] {
        let mut v: Vec<f64> = (0..3000)
            .map(|_| (rng.gen_range(0..40) as f64) * 0.1 - 1.3)
            .collect();
        v.extend([f64::INFINITY, f64::NEG_INFINITY]);
        v.sort_by(f64::total_cmp);
        assert_eq!(histogram(&v, bins), histogram_sorted(&v, bins));
    }
    assert_eq!(
        histogram_sorted(&[f64::INFINITY], 4),
        histogram(&[f64::INFINITY], 4)
    );
}

#[test]
fn spearman_ties_and_signed_zero_match_pandas() {
    let nan = f64::NAN;
    let a = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, nan, 0.0, -0.0, 5.0];
    let b = [2.0, 2.0, 1.0, 4.0, 4.0, nan, 1.0, 0.0, 3.0, 3.0];
    let c = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0, 3.0];
    assert!((spearman(&a, &b) - 0.6049382716049383).abs() < 1e-15);
    assert!(spearman(&a, &c).abs() < 1e-15);
    assert!((spearman(&b, &c) - -0.0317135164628078).abs() < 1e-15);
    assert!((pearson(&a, &b) - 0.5402702026688977).abs() < 1e-15);
    assert!((pearson(&b, &c) - -0.021466939537054665).abs() < 1e-15);
    assert!((spearman(&a, &a) - 1.0).abs() < 1e-15);
}
