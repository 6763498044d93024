//! Per-statistic checks of one column: KS, Wasserstein, bins with PSI / Jensen-Shannon,
//! chi-square and z, each against the scipy values in `expected.json`.

use serde_json::Value;

use super::checker::{abs, rel, rel_or_abs, Checker, Tol};
use super::fixture::float;
use crate::drift::binning::Binned;
use crate::drift::chi_square::chi_square;
use crate::drift::jensen_shannon::jensen_shannon;
use crate::drift::ks::{effective_n, ks_2samp, ks_limit_pvalue, KsMethod};
use crate::drift::psi::psi;
use crate::drift::sample::CategoryCounts;
use crate::drift::wasserstein::wasserstein_normed;
use crate::drift::z_test::z_test;
use crate::drift::{NumericSample, StatTest};

/// Tolerance of a p-value or distance used as Evidently's score.
pub fn score_tol(test: StatTest, want: f64) -> Tol {
    match test {
        StatTest::Ks if want < 1e-300 => abs(1e-12),
        StatTest::Ks => rel(1e-6),
        StatTest::ChiSquare => rel_or_abs(1e-6, 1e-12),
        StatTest::Z
        | StatTest::Psi
        | StatTest::JensenShannon
        | StatTest::KlDiv
        | StatTest::Hellinger => abs(1e-9),
        StatTest::Wasserstein => rel(1e-9),
    }
}

pub fn check_numeric_only(
    at: &str,
    r: &NumericSample,
    c: &NumericSample,
    want: &Value,
    ck: &mut Checker,
) {
    let ks = &want["ks"];
    if ks.is_object() {
        let auto = ks_2samp(r, c, KsMethod::Auto).unwrap();
        ck.float(
            at,
            "ks.statistic",
            auto.statistic,
            &ks["statistic"],
            abs(1e-12),
        );
        let method = if auto.method == KsMethod::Exact {
            "exact"
        } else {
            "asymp"
        };
        ck.eq(
            at,
            "ks.pvalue_method_used_by_auto",
            method,
            ks["pvalue_method_used_by_auto"].as_str().unwrap(),
        );
        let p = float(&ks["pvalue"]);
        ck.value(
            at,
            &format!("ks.pvalue ({method})"),
            auto.p_value,
            p,
            score_tol(StatTest::Ks, p),
        );
        let asymp = ks_2samp(r, c, KsMethod::Asymp).unwrap();
        ck.float(
            at,
            "ks.pvalue_asymp",
            asymp.p_value,
            &ks["pvalue_asymp"],
            rel_or_abs(1e-6, 1e-10),
        );
        let (n1, n2) = (r.len() as u64, c.len() as u64);
        let limit = ks_limit_pvalue(asymp.statistic, n1, n2);
        ck.float(
            at,
            "ks.pvalue_kolmogorov_limit",
            limit,
            &ks["pvalue_kolmogorov_limit"],
            rel_or_abs(1e-6, 1e-10),
        );
        ck.float(
            at,
            "ks.effective_n",
            effective_n(r.len(), c.len()),
            &ks["effective_n"],
            rel(1e-12),
        );
    }
    let w = &want["wasserstein"];
    if w.is_object() {
        let got = wasserstein_normed(r, c).unwrap();
        ck.float(
            at,
            "wasserstein.distance",
            got.distance,
            &w["distance"],
            rel(1e-9),
        );
        ck.float(
            at,
            "wasserstein.reference_std_ddof0",
            got.reference_std,
            &w["reference_std_ddof0"],
            rel(1e-9),
        );
        ck.float(
            at,
            "wasserstein.normed",
            got.normed,
            &w["normed"],
            rel(1e-9),
        );
    }
}

pub fn check_binned(at: &str, binned: &Binned, want: &Value, ck: &mut Checker) {
    let p = &want["psi"];
    if p.is_object() {
        let (kind, n_bins) = match binned {
            Binned::SturgesHistogram(h) => {
                let range = h.edges.last().unwrap() - h.edges[0];
                ck.floats(
                    at,
                    "psi.bin_edges (abs / range)",
                    &h.edges,
                    &p["bin_edges"],
                    abs(1e-12 * range),
                );
                ("sturges_histogram", h.reference.len())
            }
            Binned::UniqueValues(t) => {
                ck.categories(&format!("{at} psi"), &t.categories, &p["categories"]);
                ("unique_values", t.categories.len())
            }
        };
        ck.eq(at, "psi.binning", kind, p["binning"].as_str().unwrap());
        ck.count(at, "psi.n_bins", n_bins, &p["n_bins"]);
        ck.counts(
            at,
            "psi.reference_counts",
            binned.reference_counts(),
            &p["reference_counts"],
        );
        ck.counts(
            at,
            "psi.current_counts",
            binned.current_counts(),
            &p["current_counts"],
        );
        let got = psi(binned.reference_counts(), binned.current_counts()).unwrap();
        ck.float(at, "psi.value", got.value, &p["value"], abs(1e-9));
        let pct = "psi.*_percents_after_zero_fill";
        ck.floats(
            at,
            pct,
            &got.reference_percents,
            &p["reference_percents_after_zero_fill"],
            abs(1e-15),
        );
        ck.floats(
            at,
            pct,
            &got.current_percents,
            &p["current_percents_after_zero_fill"],
            abs(1e-15),
        );
    }
    if want["jensenshannon"].is_object() {
        let js = jensen_shannon(binned.reference_counts(), binned.current_counts()).unwrap();
        ck.float(
            at,
            "jensenshannon.value",
            js,
            &want["jensenshannon"]["value"],
            abs(1e-9),
        );
    }
}

pub fn check_counts_tests(at: &str, table: &CategoryCounts, want: &Value, ck: &mut Checker) {
    let x = &want["chisquare"];
    if x.is_object() {
        let got = chi_square(&table.reference, &table.current).unwrap();
        ck.categories(
            &format!("{at} chisquare"),
            &table.categories,
            &x["categories"],
        );
        ck.float(
            at,
            "chisquare.statistic",
            got.statistic,
            &x["statistic"],
            rel(1e-9),
        );
        ck.float(
            at,
            "chisquare.pvalue",
            got.p_value,
            &x["pvalue"],
            rel_or_abs(1e-6, 1e-12),
        );
        ck.count(at, "chisquare.df", got.df, &x["df"]);
        ck.counts(at, "chisquare.f_obs", &got.f_obs, &x["f_obs"]);
        ck.floats(at, "chisquare.f_exp", &got.f_exp, &x["f_exp"], rel(1e-12));
        ck.float(at, "chisquare.k_norm", got.k_norm, &x["k_norm"], rel(1e-12));
    }
    let z = &want["z"];
    if z.is_object() {
        let got = z_test(&table.reference, &table.current).unwrap();
        ck.float(at, "z.z", got.z, &z["z"], rel(1e-9));
        ck.float(at, "z.pvalue", got.p_value, &z["pvalue"], abs(1e-9));
        ck.categories(
            &format!("{at} z.coded_zero_level"),
            &table.categories[..1],
            &Value::Array(vec![z["coded_zero_level"].clone()]),
        );
        let shares = [
            (got.reference_share_not_zero_level, "reference"),
            (got.current_share_not_zero_level, "current"),
        ];
        for (share, side) in shares {
            let key = format!("{side}_share_not_zero_level");
            ck.float(at, &format!("z.{key}"), share, &z[key.as_str()], rel(1e-12));
        }
    }
}
