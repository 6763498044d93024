//! Partial dependence against sklearn's `partial_dependence` in `expected.json`.

use super::fixture::{num, vec1, Checker, ExplainFixture};
use crate::explain::{partial_dependence, PdpOptions, Predictor};

#[test]
fn partial_dependence_matches_sklearn() {
    let fx = ExplainFixture::load();
    let meta = &fx.expected["meta"]["pdp"];
    let pct = vec1(&meta["percentiles"]);
    let options = PdpOptions {
        grid_resolution: num(&meta["grid_resolution"]) as usize,
        percentiles: (pct[0], pct[1]),
    };
    let mut c = Checker::default();
    let lr = fx.logreg();
    let forest = fx.forest();
    let mut checked = 0;
    for (name, model) in [
        ("logreg", &lr as &dyn Predictor),
        ("random_forest", &forest),
    ] {
        let pd = fx.model(name)["partial_dependence"].as_object().unwrap();
        for (feature, want) in pd {
            let j = fx.features.iter().position(|f| f == feature).unwrap();
            assert_eq!(num(&want["feature_index"]) as usize, j);
            let got = partial_dependence(model, fx.background.view(), j, &options).unwrap();
            let grid = vec1(&want["grid_values"]);
            assert_eq!(
                got.grid_values.len(),
                grid.len(),
                "{name} {feature} grid length"
            );
            for (g, w) in got.grid_values.iter().zip(&grid) {
                c.close(&format!("{name} pdp grid [{feature}]"), *g, *w, 1e-12);
            }
            for (g, w) in got.average.iter().zip(vec1(&want["average"])) {
                c.close(&format!("{name} pdp average [{feature}]"), *g, w, 1e-10);
            }
            // ICE curves average to the PD curve.
            for (k, avg) in got.average.iter().enumerate() {
                let mean =
                    got.individual.iter().map(|r| r[k]).sum::<f64>() / got.individual.len() as f64;
                c.close(&format!("{name} ice mean [{feature}]"), mean, *avg, 1e-12);
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
    c.report();
}
