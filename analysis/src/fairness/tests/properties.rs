//! Properties independent of the fixture values: weights, errors, grouping, encoding.

use super::fixture::Fixture;
use crate::fairness::{
    fairness_report, fit_threshold_optimizer, reweighing, small_group_warnings, Confusion,
    ConfusionTable, Disparities, FairnessError, GroupIndex, Predictions, ReportOptions,
    ThresholdOptimizerConfig,
};

#[test]
fn unit_weights_equal_unweighted_and_integer_weights_equal_duplication() {
    let fx = Fixture::load();
    let attr = &fx.attribute_names()[0];
    let groups = fx.groups_for(attr);
    let opts = ReportOptions::default();
    let plain = fairness_report(&Predictions::new(&fx.y_true, &fx.y_pred), &groups, &opts).unwrap();
    let ones = vec![1.0; fx.y_true.len()];
    let data = Predictions::new(&fx.y_true, &fx.y_pred).with_weights(&ones);
    let unit = fairness_report(&data, &groups, &opts).unwrap();
    assert_eq!(plain.frame, unit.frame);
    assert_eq!(plain.disparities, unit.disparities);

    // Weight w in {1, 2, 3} must act like repeating the row w times.
    let w: Vec<f64> = (0..fx.y_true.len()).map(|i| (i % 3 + 1) as f64).collect();
    let rep = |i: usize| (0..(i % 3 + 1)).map(move |_| i);
    let idx: Vec<usize> = (0..fx.y_true.len()).flat_map(rep).collect();
    let yt: Vec<u8> = idx.iter().map(|&i| fx.y_true[i]).collect();
    let yp: Vec<u8> = idx.iter().map(|&i| fx.y_pred[i]).collect();
    let labels: Vec<&str> = idx
        .iter()
        .map(|&i| fx.attribute(attr)[i].as_str())
        .collect();
    let dup_groups = GroupIndex::from_labels(&labels).unwrap();
    let dup = fairness_report(&Predictions::new(&yt, &yp), &dup_groups, &opts).unwrap();
    let wdata = Predictions::new(&fx.y_true, &fx.y_pred).with_weights(&w);
    let weighted = fairness_report(&wdata, &groups, &opts).unwrap();
    let a = serde_json::to_value(weighted.disparities).unwrap();
    let b = serde_json::to_value(dup.disparities).unwrap();
    for (k, v) in a.as_object().unwrap() {
        if let (Some(x), Some(y)) = (v.as_f64(), b[k].as_f64()) {
            assert!((x - y).abs() < 1e-12, "{k}: {x} vs {y}");
        }
    }
    for (g, d) in weighted.frame.by_group.iter().zip(&dup.frame.by_group) {
        assert!((g.rates.tpr - d.rates.tpr).abs() < 1e-12);
        assert!((g.rates.selection_rate - d.rates.selection_rate).abs() < 1e-12);
        assert!((g.theil_index - d.theil_index).abs() < 1e-12);
        assert_eq!(g.weight, d.count as f64);
    }
}

#[test]
fn reweighing_makes_label_independent_of_group() {
    let fx = Fixture::load();
    for attr in fx.attribute_names() {
        let groups = fx.groups_for(&attr);
        let table =
            ConfusionTable::build(&Predictions::new(&fx.y_true, &fx.y_pred), &groups).unwrap();
        let rw = reweighing(&table);
        let w = rw.row_weights(&fx.y_true, &groups).unwrap();
        let t = ConfusionTable::build(
            &Predictions::new(&fx.y_true, &fx.y_pred).with_weights(&w),
            &groups,
        )
        .unwrap();
        let overall = t.overall().base_rate();
        for g in &t.groups {
            assert!((g.base_rate() - overall).abs() < 1e-12);
        }
        // Total weight is preserved.
        assert!((t.overall().total() - fx.y_true.len() as f64).abs() < 1e-9);
    }
}

#[test]
fn intersection_uses_tuple_order_and_codes_are_consistent() {
    let a = ["x", "x y", "x", "B", "x y"];
    let b = ["2", "1", "1", "9", "1"];
    let g = GroupIndex::from_attributes(&[&a[..], &b[..]]).unwrap();
    let keys: Vec<Vec<&str>> = g
        .keys()
        .iter()
        .map(|k| k.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        keys,
        vec![
            vec!["B", "9"],
            vec!["x", "1"],
            vec!["x", "2"],
            vec!["x y", "1"]
        ]
    );
    for (i, &c) in g.codes().iter().enumerate() {
        assert_eq!(g.keys()[c as usize], vec![a[i].to_owned(), b[i].to_owned()]);
    }
    assert_eq!(g.position(&["x", "2"]), Some(2));
    assert!(matches!(
        g.require(&["nope"]),
        Err(FairnessError::UnknownGroup(_))
    ));
}

#[test]
fn invalid_inputs_are_typed_errors() {
    let groups = GroupIndex::from_labels(&["a", "b", "a"]).unwrap();
    let build = |t: &[u8], p: &[u8]| ConfusionTable::build(&Predictions::new(t, p), &groups);
    assert!(matches!(
        build(&[0, 2, 1], &[0, 1, 1]),
        Err(FairnessError::NonBinary {
            what: "y_true",
            row: 1,
            value: 2
        })
    ));
    assert!(matches!(
        build(&[0, 1, 1], &[0, 1]),
        Err(FairnessError::LengthMismatch { what: "y_pred", .. })
    ));
    assert!(matches!(build(&[], &[]), Err(FairnessError::Empty)));
    let w = [1.0, f64::NAN, 1.0];
    let data = Predictions::new(&[0, 1, 1], &[0, 1, 1]).with_weights(&w);
    assert!(matches!(
        ConfusionTable::build(&data, &groups),
        Err(FairnessError::InvalidWeight { row: 1, .. })
    ));
    let opts = ReportOptions {
        privileged: Some(vec!["zzz".into()]),
        ..Default::default()
    };
    let data = Predictions::new(&[0, 1, 1], &[0, 1, 1]);
    assert!(matches!(
        fairness_report(&data, &groups, &opts),
        Err(FairnessError::UnknownGroup(_))
    ));
    let cfg = ThresholdOptimizerConfig::default();
    // Group "b" has only a positive label.
    let r = fit_threshold_optimizer(&[0, 1, 1], &[0.1, 0.9, 0.8], &groups, &cfg);
    assert!(matches!(r, Err(FairnessError::DegenerateLabels(_))));
}

#[test]
fn undefined_values_serialize_like_the_fixture() {
    // Privileged group never selected: SR_u / SR_p = x / 0 = inf; nothing selected: 0 / 0.
    let p = Confusion {
        rows: 2,
        tp: 0.0,
        fp: 0.0,
        tn: 1.0,
        fn_: 1.0,
    };
    let u = Confusion {
        rows: 2,
        tp: 1.0,
        fp: 0.0,
        tn: 1.0,
        fn_: 0.0,
    };
    let d = Disparities::compute(&[p, u], Some(0));
    let json = serde_json::to_value(d).unwrap();
    assert_eq!(json["privileged"]["disparate_impact"], "inf");
    let none = Disparities::compute(&[p, p], Some(0));
    let json = serde_json::to_value(none).unwrap();
    assert!(json["privileged"]["disparate_impact"].is_null());
    assert!(json["demographic_parity_ratio"].is_null());
    let back: Disparities = serde_json::from_value(json).unwrap();
    assert!(back.demographic_parity_ratio.is_nan());
    let text = serde_json::to_string(&d).unwrap();
    let back: Disparities = serde_json::from_str(&text).unwrap();
    assert_eq!(back.privileged.unwrap().disparate_impact, f64::INFINITY);
}

#[test]
fn small_groups_are_warned_about() {
    let fx = Fixture::load();
    let groups = fx.intersection_groups();
    let table = ConfusionTable::build(&Predictions::new(&fx.y_true, &fx.y_pred), &groups).unwrap();
    let smallest = table.counts.iter().map(|c| c.total()).min().unwrap();
    assert!(small_group_warnings(&table, smallest).is_empty());
    let w = small_group_warnings(&table, smallest + 1);
    assert!(!w.is_empty() && w.iter().all(|w| w.count == smallest));
}
