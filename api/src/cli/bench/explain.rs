//! `raia bench explain`: per-row time of exact SHAP (8 features, 50 background rows),
//! kernel SHAP (30 features, 100 background rows), TreeSHAP on a forest and on XGBoost,
//! 1,000 rows end to end through HTTP and one kernel row through HTTP; beside the `shap`
//! package (`anchors.py shap`) on the same models, rows and background, with ratios.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

use analysis::{
    explain::{
        Background, ExactExplainer, ExactOptions, FnPredictor, KernelExplainer, KernelOptions,
        L1Reg, Predictor, SklearnTree, TreeEnsemble, XgbModel,
    },
    inference::{Model, TreeOutput},
};
use ndarray::{Array1, Array2, ArrayView2};
use serde_json::{json, Value};

use super::anchors::{self, Figure};
use crate::{
    config::Config,
    routes::explain::model_fn::{ModelFn, Output},
};

fn fixtures() -> PathBuf {
    std::env::var_os("RAIA_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/fixtures"))
}

/// A numeric CSV (header = names) as names and a matrix, keeping only `keep` columns if given.
fn csv(path: &Path, drop: &[&str]) -> anyhow::Result<(Vec<String>, Array2<f64>)> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim_matches('"').to_owned())
        .collect();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&j| !drop.contains(&header[j].as_str()))
        .collect();
    let mut flat = Vec::new();
    let mut n = 0;
    for l in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = l.split(',').collect();
        for &j in &keep {
            flat.push(cells[j].parse::<f64>()?);
        }
        n += 1;
    }
    let names = keep.iter().map(|&j| header[j].clone()).collect();
    Ok((names, Array2::from_shape_vec((n, keep.len()), flat)?))
}

fn per_row(seconds: f64, rows: usize) -> f64 {
    seconds / rows.max(1) as f64
}

fn line(what: &str, raia: f64, anchor: Option<&Figure>, anchor_rows: usize) {
    match anchor {
        Some(a) => {
            let theirs = per_row(a.seconds, anchor_rows);
            println!(
                "{what:<58} {:>12.3} ms/row   shap {:>12.3} ms/row   x{:.1}",
                raia * 1e3,
                theirs * 1e3,
                theirs / raia
            );
        }
        None => println!("{what:<58} {:>12.3} ms/row   (no shap figure)", raia * 1e3),
    }
}

fn find<'a>(figures: &'a [Figure], prefix: &str) -> Option<&'a Figure> {
    figures.iter().find(|f| f.anchor.starts_with(prefix))
}

/// Rows the anchor timed (its `rows` field), 0 when unknown.
fn rows_of(f: Option<&Figure>) -> usize {
    f.map_or(0, |f| f.rows as usize)
}

/// A multipart dataset upload body (the API's reqwest has no multipart feature).
pub(super) async fn upload_csv(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<String> {
    let boundary = "raia-bench-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"{name}.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let r: Value = client
        .post(format!("{base}/api/v1/datasets/upload"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await?
        .json()
        .await?;
    r["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("upload failed: {r}"))
}

fn forest() -> anyhow::Result<TreeEnsemble> {
    let v: Value = serde_json::from_slice(&std::fs::read(
        fixtures().join("explain").join("rf_trees.json"),
    )?)?;
    let ints = |x: &Value| -> Vec<i64> {
        x.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_i64)
            .collect()
    };
    let nums = |x: &Value| -> Vec<f64> {
        x.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };
    let trees: Vec<SklearnTree> = v["trees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| SklearnTree {
            children_left: ints(&t["children_left"]),
            children_right: ints(&t["children_right"]),
            feature: ints(&t["feature"]),
            threshold: nums(&t["threshold"]),
            value: nums(&t["value_class1"]),
            weighted_n_node_samples: nums(&t["weighted_n_node_samples"]),
            missing_go_to_left: None,
        })
        .collect();
    let m = v["features"].as_array().map_or(0, Vec::len);
    Ok(TreeEnsemble::from_sklearn_forest(&trees, m)?)
}

/// TreeSHAP on the very forest shap's anchor explains (`rf_bc`: 20 trees, depth 5, 30
/// features), read from its ONNX export, on the anchor's rows and background. shap's
/// path-dependent covers come from the bootstrap samples; here they are recomputed by
/// routing the background and explained rows (the cost does not depend on cover values).
fn onnx_forest_lines(
    workdir: &Path,
    bg_file: &Path,
    figures: &[Figure],
    threads: usize,
) -> anyhow::Result<()> {
    let tree_file = workdir.join("bc30_tree_explain1000.csv");
    if !(tree_file.exists() && bg_file.exists()) {
        return Ok(());
    }
    let Model::Onnx(onnx) = Model::load(&std::fs::read(
        fixtures().join("models").join("rf_bc_f32.onnx"),
    )?)?
    else {
        anyhow::bail!("rf_bc_f32.onnx is not an ONNX model");
    };
    let trees = onnx
        .trees()
        .ok_or_else(|| anyhow::anyhow!("rf_bc_f32.onnx exports no trees"))?;
    let (_, xt) = csv(&tree_file, &["source_row"])?;
    let (_, b30) = csv(bg_file, &["source_row"])?;
    let ens = TreeEnsemble::from_onnx(&trees, TreeOutput::Probability(1), xt.ncols())?;
    let both = ndarray::concatenate(ndarray::Axis(0), &[b30.view(), xt.view()])?;
    let routed = ens.with_routed_covers(both.view(), None)?;
    let bg30 = Background::uniform(b30)?;
    let a_pd = find(figures, "shap.TreeExplainer tree_path_dependent");
    let a_iv = find(figures, "shap.TreeExplainer interventional");
    let t0 = Instant::now();
    routed.shap_path_dependent(xt.view(), threads)?;
    line(
        "TreeSHAP path-dependent, ONNX rf_bc 20x d5, 30 feat (= shap's)",
        per_row(t0.elapsed().as_secs_f64(), xt.nrows()),
        a_pd,
        rows_of(a_pd).max(1),
    );
    let t0 = Instant::now();
    ens.shap_interventional(xt.view(), &bg30, threads)?;
    line(
        "TreeSHAP interventional, ONNX rf_bc 20x d5, 100 bg (= shap's)",
        per_row(t0.elapsed().as_secs_f64(), xt.nrows()),
        a_iv,
        rows_of(a_iv).max(1),
    );
    Ok(())
}

/// A predictor without its masked-row evaluator: the explainer builds every masked row,
/// as it does for models other than linear pipelines.
struct RowsOnly<'a, P>(&'a P);

impl<P: Predictor> Predictor for RowsOnly<'_, P> {
    fn predict(&self, rows: ArrayView2<f64>) -> analysis::explain::Result<Array1<f64>> {
        self.0.predict(rows)
    }
}

/// Seconds per explained row, the median of three runs (`run` returns the rows explained).
fn median_secs(mut run: impl FnMut() -> anyhow::Result<usize>) -> anyhow::Result<f64> {
    let mut per_row_secs = Vec::with_capacity(3);
    for _ in 0..3 {
        let t0 = Instant::now();
        let rows = run()?;
        per_row_secs.push(per_row(t0.elapsed().as_secs_f64(), rows));
    }
    per_row_secs.sort_by(f64::total_cmp);
    Ok(per_row_secs[1])
}

/// Runs the benchmark.
pub async fn run(workdir: &Path, script: &Path, python: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(workdir)?;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("raia bench explain ({profile} build)");
    let figures = match anchors::run(script, python, "shap", workdir, 1.0) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("shap anchors not run: {e}");
            Vec::new()
        }
    };
    let threads = analysis::explain::default_threads();

    // 1. Exact, 8 features, 50 background rows, the fixture's logistic regression in f64.
    let ed = fixtures().join("explain");
    let expected: Value = serde_json::from_slice(&std::fs::read(ed.join("expected.json"))?)?;
    let p = &expected["models"]["logreg"]["parameters"];
    let vecf = |v: &Value| -> Vec<f64> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };
    let (mean, scale, coef) = (vecf(&p["mean"]), vecf(&p["scale"]), vecf(&p["coef"]));
    let intercept = p["intercept"].as_f64().unwrap_or_default();
    let lr = FnPredictor(move |x: &[f64]| {
        let z: f64 = (0..x.len())
            .map(|j| coef[j] * (x[j] - mean[j]) / scale[j])
            .sum::<f64>()
            + intercept;
        1.0 / (1.0 + (-z).exp())
    });
    let (_, b8) = csv(&ed.join("background.csv"), &[])?;
    let (_, x8) = csv(&ed.join("explain.csv"), &[])?;
    let bg8 = Background::uniform(b8.clone())?;
    let a_exact = find(&figures, "shap.explainers.Exact");
    let exact_rows = match rows_of(a_exact) {
        0 => 10,
        n => n,
    };
    // The same logistic regression as the API serves it (the fixture's ONNX file), whose
    // masked rows the linear-pipeline evaluator scores without building them.
    let lr_onnx = ModelFn {
        model: Arc::new(Model::load(&std::fs::read(ed.join("model_logreg.onnx"))?)?),
        output: Output::Probability(1),
    };
    let exact = median_secs(|| {
        let rows =
            ExactExplainer::new(&lr_onnx, &bg8, ExactOptions::default())?.explain(x8.view())?;
        Ok(rows.len())
    })?;
    line(
        "exact SHAP, 8 features, 50 bg (LR, ONNX f32 as served)",
        exact,
        a_exact,
        exact_rows,
    );
    let exact = median_secs(|| {
        let rows = ExactExplainer::new(&lr, &bg8, ExactOptions::default())?.explain(x8.view())?;
        Ok(rows.len())
    })?;
    line(
        "  the same in f64, a closure: rows built (generic path)",
        exact,
        a_exact,
        exact_rows,
    );

    // 2. Kernel, 30 features, 100 background rows, the fixture's scaler + LR pipeline (ONNX).
    let model = Arc::new(Model::load(&std::fs::read(
        fixtures()
            .join("models")
            .join("pipe_scaler_logreg_bc_f32.onnx"),
    )?)?);
    let f30 = ModelFn {
        model: Arc::clone(&model),
        output: Output::Probability(1),
    };
    let bg_file = workdir.join("bc30_background100.csv");
    let ex_file = workdir.join("bc30_explain10.csv");
    let kernel_rows = if bg_file.exists() && ex_file.exists() {
        let (_, b30) = csv(&bg_file, &["source_row"])?;
        let (_, x10) = csv(&ex_file, &["source_row"])?;
        let bg30 = Background::uniform(b30)?;
        let opts = KernelOptions {
            l1_reg: L1Reg::Off,
            threads,
            ..KernelOptions::default()
        };
        let a_kernel = find(&figures, "shap.KernelExplainer");
        let kernel_rows = match rows_of(a_kernel) {
            0 => 10,
            n => n,
        };
        let kernel = median_secs(|| {
            let rows = KernelExplainer::new(&f30, &bg30, opts)?.explain(x10.view())?;
            Ok(rows.len())
        })?;
        line(
            "kernel SHAP, 30 features, 100 bg (LR pipeline ONNX f32)",
            kernel,
            a_kernel,
            kernel_rows,
        );
        let built = RowsOnly(&f30);
        let kernel = median_secs(|| {
            let rows = KernelExplainer::new(&built, &bg30, opts)?.explain(x10.view())?;
            Ok(rows.len())
        })?;
        line(
            "  the same with rows built (generic path)",
            kernel,
            a_kernel,
            kernel_rows,
        );
        Some(x10)
    } else {
        println!(
            "kernel SHAP: {} missing (the shap anchor writes it)",
            bg_file.display()
        );
        None
    };

    // 3. TreeSHAP: the explain fixture's forest (10 trees, depth 4, 8 features) and XGBoost.
    let rf = forest()?;
    let xt8 = Array2::from_shape_fn((1000, 8), |(i, j)| b8[[i % b8.nrows(), j]]);
    let t0 = Instant::now();
    rf.shap_path_dependent(xt8.view(), threads)?;
    let pd = per_row(t0.elapsed().as_secs_f64(), 1000);
    let t0 = Instant::now();
    rf.shap_interventional(xt8.view(), &bg8, threads)?;
    let iv = per_row(t0.elapsed().as_secs_f64(), 1000);
    let a_pd = find(&figures, "shap.TreeExplainer tree_path_dependent");
    let a_iv = find(&figures, "shap.TreeExplainer interventional");
    line(
        "TreeSHAP path-dependent, RF 10x d4, 8 feat (shap: RF 20x d5, 30 feat)",
        pd,
        a_pd,
        rows_of(a_pd).max(1000),
    );
    line(
        "TreeSHAP interventional, RF 10x d4, 50 bg (shap: 20x d5, 100 bg)",
        iv,
        a_iv,
        rows_of(a_iv).max(1000),
    );
    onnx_forest_lines(workdir, &bg_file, &figures, threads)?;
    let xgb: XgbModel = serde_json::from_slice(&std::fs::read(
        fixtures().join("models").join("xgb_clf_bc.json"),
    )?)?;
    let xe = TreeEnsemble::from_xgboost(&xgb, 0)?;
    let tree_file = workdir.join("bc30_tree_explain1000.csv");
    if tree_file.exists() && bg_file.exists() {
        let (_, xt) = csv(&tree_file, &["source_row"])?;
        let (_, b30) = csv(&bg_file, &["source_row"])?;
        let bg30 = Background::uniform(b30)?;
        let t0 = Instant::now();
        xe.shap_path_dependent(xt.view(), threads)?;
        line(
            "TreeSHAP path-dependent, XGBoost bc (30 feat)",
            per_row(t0.elapsed().as_secs_f64(), xt.nrows()),
            None,
            0,
        );
        let t0 = Instant::now();
        xe.shap_interventional(xt.view(), &bg30, threads)?;
        line(
            "TreeSHAP interventional, XGBoost bc, 100 bg",
            per_row(t0.elapsed().as_secs_f64(), xt.nrows()),
            None,
            0,
        );
    }

    // 4. Through HTTP: 1,000 rows of exact SHAP (8 features) and one kernel row (30 features).
    let dir = tempfile::tempdir()?;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        password: commands::password::PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        },
        log_format: "pretty".into(),
        // A debug build needs more than the default 30 s for 1,000 exact rows.
        request_timeout_secs: 600,
        ..Config::default()
    };
    let server = crate::startup::start(config).await?;
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let t = super::models::token(&base, &client, &server.state).await?;
    let lr_id = super::models::install(
        &server.state,
        "explain_logreg",
        std::fs::read(ed.join("model_logreg.onnx"))?,
    )
    .await?;
    let bg_id = upload_csv(
        &client,
        &base,
        &t,
        "background",
        std::fs::read(ed.join("background.csv"))?,
    )
    .await?;
    let rows1000: Vec<Value> = (0..1000)
        .map(|i| json!(x8.row(i % x8.nrows()).to_vec()))
        .collect();
    let body = json!({"version": 1, "rows": rows1000, "method": "exact",
                      "background_dataset_id": bg_id, "background_size": 50});
    let t0 = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/explainability/shap/{lr_id}"))
        .bearer_auth(&t)
        .json(&body)
        .send()
        .await?;
    let status = r.status();
    let _ = r.bytes().await?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "HTTP: 1,000 rows exact SHAP (8 feat, 50 bg), recorded       {secs:>10.3} s total ({status}), {:.3} ms/row",
        secs * 1e3 / 1000.0
    );
    if let Some(x10) = kernel_rows {
        let pipe_id = super::models::install(
            &server.state,
            "pipe_scaler_logreg_bc_f32",
            std::fs::read(
                fixtures()
                    .join("models")
                    .join("pipe_scaler_logreg_bc_f32.onnx"),
            )?,
        )
        .await?;
        let (names, b30) = csv(&bg_file, &["source_row"])?;
        let mut text = names.join(",") + "\n";
        for r in b30.rows() {
            text += &r.iter().map(f64::to_string).collect::<Vec<_>>().join(",");
            text += "\n";
        }
        let bg30 = upload_csv(&client, &base, &t, "bc30", text.into_bytes()).await?;
        let mut lat = Vec::new();
        for i in 0..5 {
            let body = json!({"version": 1, "rows": [x10.row(i % x10.nrows()).to_vec()], "method": "kernel",
                              "l1_reg": "off", "background_dataset_id": bg30, "background_size": 100});
            let t0 = Instant::now();
            let r = client
                .post(format!("{base}/api/v1/explainability/shap/{pipe_id}"))
                .bearer_auth(&t)
                .json(&body)
                .send()
                .await?;
            anyhow::ensure!(
                r.status().is_success(),
                "kernel over HTTP: {}",
                r.text().await?
            );
            let _ = r.bytes().await?;
            lat.push(t0.elapsed().as_secs_f64());
        }
        lat.sort_by(f64::total_cmp);
        println!(
            "HTTP: one kernel row (30 feat, 100 bg), median of 5          {:>10.1} ms",
            lat[2] * 1e3
        );
    }
    server.shutdown().await;
    Ok(())
}
