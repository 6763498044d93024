//! `overall`, `by_attribute.<attr>` (except the threshold optimizer) and `intersectional`.

use serde_json::Value;

use super::checker::Checker;
use super::fixture::{at, str_at, Fixture};
use super::fixture_checks::{check_aggregates, check_group, check_pair, check_reweighing, TOL};
use crate::fairness::{fairness_report, FairnessReport, GroupIndex, Predictions, ReportOptions};

fn report(fx: &Fixture, groups: &GroupIndex, privileged: Option<Vec<String>>) -> FairnessReport {
    let data = Predictions::new(&fx.y_true, &fx.y_pred);
    let options = ReportOptions {
        privileged,
        ..ReportOptions::default()
    };
    fairness_report(&data, groups, &options).unwrap()
}

#[test]
fn overall_matches_fixture() {
    let fx = Fixture::load();
    let mut c = Checker::default();
    let first = &fx.attribute_names()[0];
    let r = report(&fx, &fx.groups_for(first), None);
    check_group(&mut c, "overall", &r.frame.overall, &fx.expected["overall"]);
    c.close(
        "theil",
        "overall.theil (disparities)",
        r.disparities.theil_index,
        &fx.expected["overall"]["theil_index"],
        TOL,
    );
    c.finish("overall");
}

#[test]
fn by_attribute_matches_fixture() {
    let fx = Fixture::load();
    let mut c = Checker::default();
    for attr in fx.attribute_names() {
        let exp = &fx.expected["by_attribute"][&attr];
        let meta = &fx.expected["meta"];
        let privileged = str_at(meta, &["privileged_groups", &attr]).to_owned();
        let groups = fx.groups_for(&attr);
        let levels: Vec<Vec<String>> = at(meta, &["group_levels", &attr])
            .as_array()
            .unwrap()
            .iter()
            .map(|l| vec![l.as_str().unwrap().to_owned()])
            .collect();
        assert_eq!(groups.keys(), levels.as_slice(), "{attr}: group order");
        let r = report(&fx, &groups, Some(vec![privileged.clone()]));
        for (level, e) in exp["groups"].as_object().unwrap() {
            let g = r
                .frame
                .by_group
                .iter()
                .find(|g| g.key == [level.clone()])
                .unwrap();
            check_group(&mut c, &format!("{attr}.groups.{level}"), g, e);
        }
        check_aggregates(&mut c, &attr, &r, exp);

        let pv = &exp["privileged_vs_unprivileged"];
        let cmp = r.privileged.as_ref().unwrap();
        assert_eq!(pv["privileged_group"].as_str(), Some(privileged.as_str()));
        assert_eq!(cmp.privileged, std::slice::from_ref(&privileged));
        for (k, a) in [
            ("privileged_selection_rate", cmp.privileged_selection_rate),
            (
                "unprivileged_selection_rate",
                cmp.unprivileged_selection_rate,
            ),
            ("privileged_tpr", cmp.privileged_tpr),
            ("unprivileged_tpr", cmp.unprivileged_tpr),
            ("privileged_fpr", cmp.privileged_fpr),
            ("unprivileged_fpr", cmp.unprivileged_fpr),
        ] {
            c.close("rate", &format!("{attr}.pv.{k}"), a, &pv[k], TOL);
        }
        check_pair(&mut c, &format!("{attr}.pv"), &cmp.disparity, pv);
        check_pair(
            &mut c,
            &format!("{attr}.pv(disparities)"),
            r.disparities.privileged.as_ref().unwrap(),
            pv,
        );
        for (level, e) in pv["per_group_vs_privileged"].as_object().unwrap() {
            let g = cmp
                .per_group
                .iter()
                .find(|g| g.key == [level.clone()])
                .unwrap();
            check_pair(
                &mut c,
                &format!("{attr}.pv.per_group.{level}"),
                &g.disparity,
                e,
            );
        }
        assert_eq!(
            cmp.per_group.len(),
            pv["per_group_vs_privileged"].as_object().unwrap().len()
        );

        let key = |e: &Value| vec![e["group"].as_str().unwrap().to_owned()];
        check_reweighing(
            &mut c,
            &format!("{attr}.reweighing"),
            &r.reweighing,
            &exp["reweighing"]["per_group"],
            &key,
        );
        let rw_pv = r.reweighing_privileged.as_ref().unwrap();
        check_reweighing(
            &mut c,
            &format!("{attr}.reweighing.pv"),
            rw_pv,
            &exp["reweighing"]["privileged_vs_unprivileged"],
            &key,
        );

        let cross = &meta["cross_checks"][&attr];
        if cross.is_object() {
            c.close(
                "theil",
                &format!("{attr}.cross.theil"),
                r.disparities.theil_index,
                &cross["theil_index"],
                TOL,
            );
            c.close(
                "theil",
                &format!("{attr}.cross.between"),
                r.disparities.between_groups_theil_index,
                &cross["between_all_groups_theil_index"],
                TOL,
            );
        }
    }
    c.finish("by_attribute");
}

#[test]
fn intersectional_matches_fixture() {
    let fx = Fixture::load();
    let mut c = Checker::default();
    let exp = &fx.expected["intersectional"];
    let names = fx.intersection_names();
    if let Some(attrs) = exp["attributes"].as_array() {
        let attrs: Vec<&str> = attrs.iter().map(|a| a.as_str().unwrap()).collect();
        assert_eq!(attrs, names.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let key_of = |e: &Value| -> Vec<String> {
        names
            .iter()
            .map(|n| e["key"][n].as_str().unwrap().to_owned())
            .collect()
    };
    let groups = fx.intersection_groups();
    let r = report(&fx, &groups, None);
    let expected_groups = exp["groups"].as_array().unwrap();
    let expected_keys: Vec<Vec<String>> = expected_groups.iter().map(key_of).collect();
    assert_eq!(
        groups.keys(),
        expected_keys.as_slice(),
        "intersectional group order"
    );
    for (e, g) in expected_groups.iter().zip(&r.frame.by_group) {
        check_group(&mut c, &format!("intersectional.{:?}", g.key), g, e);
    }
    check_aggregates(&mut c, "intersectional", &r, exp);
    check_reweighing(
        &mut c,
        "intersectional.reweighing",
        &r.reweighing,
        &exp["reweighing"],
        &key_of,
    );
    c.finish("intersectional");
}
