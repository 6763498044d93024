//! Transformations: a declarative pipeline fitted on a dataset becomes a new version
//! whose lineage holds the pipeline and the fitted parameters; the fitted steps
//! re-apply to new data unchanged; bad pipelines are refused with no event.

use domain::Role;
use raia_tests::{both_backends, expect_problem, Backend, TestApp};
use serde_json::{json, Value};

use crate::datasets::upload;

const TRAIN: &str = "age,city,income,name,label\n\
    20,Paris,100, ann ,1\n\
    30,Rome,,bob,0\n\
    ,Paris,300,cy,1\n\
    40,Oslo,400,dee,0\n\
    20,Paris,100, ann ,1\n";

async fn rows(app: &TestApp, t: &str, id: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let p: Value = app
        .get(&format!("/api/v1/datasets/{id}/preview?limit=100"), t)
        .await
        .json()
        .await
        .unwrap();
    let cols = p["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let rows = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().clone())
        .collect();
    (cols, rows)
}

fn column(cols: &[String], rows: &[Vec<Value>], name: &str) -> Vec<Value> {
    let i = cols
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no {name} in {cols:?}"));
    rows.iter().map(|r| r[i].clone()).collect()
}

async fn transform(app: &TestApp, t: &str, id: &str, body: Value) -> Value {
    let r = app
        .post(&format!("/api/v1/datasets/{id}/transform"), t, &body)
        .await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{v}");
    v
}

async fn every_step_fits_records_its_parameters_and_reapplies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let src = upload(&app, &t, "people", "people.csv", TRAIN.as_bytes().to_vec()).await;
    let sid = src["id"].as_str().unwrap();
    let pipeline = json!([
        {"op": "trim"},
        {"op": "drop_duplicates"},
        {"op": "impute", "columns": ["age"], "strategy": "median"},
        {"op": "impute", "columns": ["income"], "strategy": "mean"},
        {"op": "derive", "name": "income_k", "expr": "income / 1000"},
        {"op": "outliers", "columns": ["income"], "method": "iqr", "action": "clip"},
        {"op": "standardize", "columns": ["age"]},
        {"op": "min_max", "columns": ["income"]},
        {"op": "target_encode", "columns": ["name"], "target": "label"},
        {"op": "bin", "column": "income_k", "method": "edges", "edges": [0, 0.2, 1], "output": "income_band"},
        {"op": "cast", "columns": {"label": "boolean"}},
        {"op": "one_hot", "columns": ["city"]}
    ]);
    let out = transform(
        &app,
        &t,
        sid,
        json!({"steps": pipeline, "name": "people clean"}),
    )
    .await;
    let oid = out["id"].as_str().unwrap();
    assert_eq!(out["name"], "people clean");
    assert_eq!(out["version"], 2);
    assert_eq!(out["row_count"], 4);
    let lineage = &out["lineage"];
    assert_eq!(lineage["version_of"], sid);
    assert_eq!(lineage["derived_from"], json!([sid]));
    let origin = &lineage["origin"];
    assert_eq!(origin["kind"], "transform");
    assert_eq!(origin["source"], sid);
    assert_eq!(origin["pipeline"], pipeline);
    let fitted = origin["fitted"].as_array().unwrap();
    assert_eq!(fitted.len(), 12);
    // Hand-computed on the de-duplicated rows: ages 20, 30, (30), 40; incomes 100, (266.67), 300, 400.
    assert_eq!(fitted[2]["fill"]["age"], 30.0);
    let mean_income = fitted[3]["fill"]["income"].as_f64().unwrap();
    assert!((mean_income - 800.0 / 3.0).abs() < 1e-9);
    let scale = &fitted[6]["params"]["age"];
    assert_eq!(scale["mean"], 30.0);
    let std = (200.0f64 / 3.0).sqrt();
    assert!((scale["std"].as_f64().unwrap() - std).abs() < 1e-12);
    assert_eq!(
        fitted[11]["categories"]["city"],
        json!(["Oslo", "Paris", "Rome"])
    );
    assert_eq!(fitted[8]["maps"]["name"]["categories"]["ann"], 1.0);
    let (cols, data) = rows(&app, &t, oid).await;
    assert_eq!(
        cols,
        [
            "age",
            "city_Oslo",
            "city_Paris",
            "city_Rome",
            "income",
            "name",
            "label",
            "income_k",
            "income_band"
        ]
    );
    assert_eq!(
        column(&cols, &data, "city_Paris"),
        [json!(1), json!(0), json!(1), json!(0)]
    );
    assert_eq!(
        column(&cols, &data, "label"),
        [json!(true), json!(false), json!(true), json!(false)]
    );
    assert_eq!(
        column(&cols, &data, "income_band"),
        [json!(0), json!(1), json!(1), json!(1)]
    );
    let income: Vec<f64> = column(&cols, &data, "income")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!((income[0], income[3]), (0.0, 1.0));
    assert!((income[1] - (800.0 / 3.0 - 100.0) / 300.0).abs() < 1e-9);

    // Re-applying the fitted pipeline to new data reuses the training parameters.
    let new_rows = b"age,city,income,name,label\n,Rome,400,zed,0\n50,Paris,100,ann,1\n".to_vec();
    let new = upload(&app, &t, "people new", "new.csv", new_rows).await;
    let nid = new["id"].as_str().unwrap();
    let again = transform(&app, &t, nid, json!({"apply_fitted_from": oid})).await;
    let o2 = &again["lineage"]["origin"];
    assert_eq!(o2["fitted"], origin["fitted"]);
    assert_eq!(o2["pipeline"], pipeline);
    assert_eq!(o2["fitted_from"], oid);
    assert_eq!(again["lineage"]["derived_from"], json!([nid, oid]));
    let (cols, data) = rows(&app, &t, again["id"].as_str().unwrap()).await;
    let num = |name: &str| -> Vec<f64> {
        column(&cols, &data, name)
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    // Missing age takes the training median (30); both are standardised with the
    // training mean (30) and std, which a refit on these rows would not give.
    let age = num("age");
    assert_eq!(age[0], 0.0);
    assert!((age[1] - 20.0 / std).abs() < 1e-9, "{age:?}");
    // An unseen name gets the training target mean (0.5); incomes scale by the training range.
    assert_eq!(num("name"), [0.5, 1.0]);
    assert_eq!(num("income"), [1.0, 0.0]);
    assert_eq!(num("city_Rome"), [1.0, 0.0]);
}
both_backends!(
    every_step_fits_records_its_parameters_and_reapplies,
    every_step_fits_records_its_parameters_and_reapplies
);

async fn bad_pipelines_are_refused_without_an_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let t = app.token(Role::DataScientist).await;
    let src = upload(&app, &t, "d", "d.csv", b"a,b\n1,x\n2,y\n".to_vec()).await;
    let path = format!("/api/v1/datasets/{}/transform", src["id"].as_str().unwrap());
    let viewer = app.token(Role::Viewer).await;
    app.sync().await;
    let before = app.event_count().await;
    for (body, code) in [
        (
            json!({"steps": [{"op": "standardize", "columns": ["nope"]}]}),
            "unknown_column",
        ),
        (json!({"steps": [{"op": "explode"}]}), "invalid_pipeline"),
        (
            json!({"steps": [{"op": "cast", "columns": {"b": "integer"}}]}),
            "cast_failed",
        ),
        (
            json!({"steps": [{"op": "min_max", "columns": ["b"]}]}),
            "step_not_applicable",
        ),
        (
            json!({"steps": [{"op": "derive", "name": "c", "expr": "a +"}]}),
            "invalid_pipeline",
        ),
        (json!({"steps": []}), "invalid_pipeline"),
        (json!({}), "invalid_pipeline"),
        (json!({"apply_fitted_from": src["id"]}), "invalid_pipeline"),
    ] {
        let doc = expect_problem(app.post(&path, &t, &body).await, 422, code).await;
        if code == "cast_failed" {
            assert!(doc["detail"].as_str().unwrap().contains("`x`"), "{doc}");
        }
    }
    let r = app
        .post(
            "/api/v1/datasets/00000000-0000-0000-0000-000000000000/transform",
            &t,
            &json!({"steps": [{"op": "trim"}]}),
        )
        .await;
    expect_problem(r, 404, "not_found").await;
    assert_eq!(
        app.post(&path, &viewer, &json!({"steps": [{"op": "trim"}]}))
            .await
            .status(),
        403
    );
    app.sync().await;
    assert_eq!(app.event_count().await, before);
}
both_backends!(
    bad_pipelines_are_refused_without_an_event,
    bad_pipelines_are_refused_without_an_event
);
