//! Special functions against reference values (scipy's own test tables, closed forms and
//! values printed by CPython's `math`).

#![allow(clippy::unwrap_used)]

use super::durbin::durbin_mtw_cdf;
use super::pomeranz::pomeranz_cdf;
use super::*;

fn close(got: f64, want: f64, rtol: f64) {
    let err = (got - want).abs();
    assert!(
        err <= rtol * want.abs() || err == 0.0,
        "got {got:e}, want {want:e}, rel err {:e}",
        err / want.abs()
    );
}

#[test]
fn log_gamma() {
    close(ln_gamma(0.5), 0.572_364_942_924_700_1, 1e-14);
    assert!(ln_gamma(1.0).abs() < 1e-14 && ln_gamma(2.0).abs() < 1e-14);
    close(ln_gamma(10.0), 12.801_827_480_081_469, 1e-14);
    close(ln_gamma(123.456), 469.605_547_129_929_56, 1e-14);
    close(ln_gamma(1e6), 12_815_504.569_147_611, 1e-14);
    assert!(ln_gamma(-1.0).is_nan());
}

#[test]
fn chi_square_survival() {
    // Even df have the closed form e^{-x/2} sum_{j<df/2} (x/2)^j / j!.
    for &(x, df) in &[
        (10.0, 4usize),
        (0.5, 2),
        (385.758_346_421_165_87, 4),
        (40.0, 10),
        (3.0, 20),
    ] {
        let h: f64 = x / 2.0;
        let mut term = 1.0;
        let mut sum = 0.0;
        for j in 0..df / 2 {
            if j > 0 {
                term *= h / j as f64;
            }
            sum += term;
        }
        close(chi2_sf(x, df), (-h).exp() * sum, 1e-12);
    }
    // chi2.ppf(0.95, 1) and chi2.ppf(0.99, 3).
    close(chi2_sf(3.841_458_820_694_124, 1), 0.05, 1e-12);
    close(chi2_sf(11.344_866_730_144_373, 3), 0.01, 1e-12);
    assert_eq!(chi2_sf(f64::INFINITY, 3), 0.0);
    assert_eq!(chi2_sf(0.0, 3), 1.0);
}

#[test]
fn error_function_and_normal() {
    close(erfc(1.0), 0.157_299_207_050_285_13, 1e-14);
    close(erfc(5.0), 1.537_459_794_428_035_1e-12, 1e-13);
    close(erf(0.3), 0.328_626_759_459_127_4, 1e-14);
    close(erfc(-1.0), 2.0 - 0.157_299_207_050_285_13, 1e-15);
    close(ndtr(1.96), 0.975_002_104_851_779_5, 1e-15);
    close(ndtr(-1.96), 0.024_997_895_148_220_435, 1e-13);
    close(ndtr(-10.0), 7.619_853_024_160_527e-24, 1e-12);
    close(ndtri(0.975), 1.959_963_984_540_054, 1e-14);
    close(ndtri(1e-10), -6.361_340_902_404_056, 1e-13);
    close(ndtri(0.5).abs() + 1.0, 1.0, 1e-15);
    for p in [1e-300, 1e-20, 0.001, 0.1, 0.3, 0.6, 0.9, 0.999_999] {
        close(ndtr(ndtri(p)), p, 1e-12);
    }
}

#[test]
fn kolmogorov_limit_matches_scipy_table() {
    let table = [
        (0.0, 1.0),
        (0.5, 0.963_945_243_664_875_1),
        (0.827_573_555_189_907_7, 0.5),
        (1.0, 0.269_999_671_677_354_56),
        (2.0, 6.709_252_557_796_953e-4),
        (0.2, 0.999_999_999_999_495),
        (0.3, 0.999_990_694_198_665_5),
        (1.4, 0.039_681_879_538_114_4),
    ];
    for (x, want) in table {
        close(kolmogorov_sf(x), want, 1e-13);
    }
}

#[test]
fn smirnov_matches_scipy_table() {
    let table = [
        (1, 0.1, 0.9),
        (2, 0.875, 0.125 * 0.125),
        (3, 0.875, 0.125 * 0.125 * 0.125),
        (4, 0.5, 0.093_75),
        (5, 0.5, 0.056),
        (6, 0.5, 0.032_793_209_876_5),
        (7, 0.5, 0.019_195_870_768_1),
        (8, 0.5, 0.011_295_318_603_5),
        (9, 0.5, 0.006_619_332_573_55),
        (10, 0.5, 0.003_888_705),
    ];
    for (n, x, want) in table {
        close(smirnov_sf(n, x), want, 1e-10);
    }
}

#[test]
fn kolmogn_matches_scipy_table() {
    // scipy/stats/tests/test_stats.py::TestKSTwoSamples' kolmogn dataset; one row per path.
    close(kolmogn_cdf(32, 0.5), 0.999_999_936_316_330_7, 1e-13);
    close(kolmogn_sf(32, 0.5), 6.368_366_937_916_623e-8, 1e-10);
    close(kolmogn_cdf(32, 1.0 / 8.0), 0.346_242_299_797_752_23, 1e-12);
    close(kolmogn_cdf(32, 1.0 / 4.0), 0.969_950_833_655_808_5, 1e-12);
    assert_eq!(kolmogn_sf(1600, 0.49), 0.0);
    close(
        kolmogn_sf(1600, 1.0 / 16.0),
        7.083_787_622_970_219_5e-6,
        1e-10,
    );
    close(kolmogn_sf(1600, 14.0 / 1600.0), 0.999_623_573_176_02, 1e-12);
    close(
        kolmogn_sf(1600, 1.0 / 32.0),
        0.086_033_862_966_514_16,
        1e-10,
    );
    assert_eq!(kolmogn_cdf(32, 1.0 / 64.0), 0.0);
    assert_eq!(kolmogn_sf(101, 1.1), 0.0);
    // Exact values at x = 1/n: n!/n^n, and at 1 - 1/n: 1 - 2/n^n.
    close(kolmogn_cdf(10, 0.1), 362_880.0 * 10.0 / 1e10, 1e-12);
    close(kolmogn_sf(10, 0.9), 2.0 / 1e10, 1e-12);
}

#[test]
fn kolmogn_matches_simard_lecuyer_table() {
    let ns = [10u64, 100, 1000];
    let ratios = [0.25, 1.0 / 3.0, 0.5, 1.0, 2.0, 3.0];
    let expected = [
        [
            1.921_552_92e-8,
            5.729_332_28e-5,
            2.152_332_26e-2,
            6.315_665_89e-1,
            9.976_855_92e-1,
            9.999_999_42e-1,
        ],
        [
            1.002_018_86e-9,
            1.326_730_79e-5,
            1.246_085_94e-2,
            5.861_632_20e-1,
            9.958_668_77e-1,
            9.999_982_40e-1,
        ],
        [
            1.569_908_74e-10,
            5.717_382_76e-6,
            9.597_254_30e-3,
            5.703_226_92e-1,
            9.954_095_45e-1,
            9.999_976_57e-1,
        ],
    ];
    for (n, row) in ns.iter().zip(expected) {
        for (r, want) in ratios.iter().zip(row) {
            let x = r * std::f64::consts::LN_2 * (std::f64::consts::PI / 2.0 / *n as f64).sqrt();
            close(kolmogn_cdf(*n, x), want, 1e-5);
        }
    }
}

#[test]
fn durbin_and_pomeranz_agree() {
    for n in [5u64, 20, 77, 140] {
        for x in [0.08, 0.15, 0.22, 0.3, 0.45] {
            if n as f64 * x > 1.0 {
                close(durbin_mtw_cdf(n, x), pomeranz_cdf(n, x), 1e-11);
            }
        }
    }
}
