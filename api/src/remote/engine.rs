//! What runs a resolved version: RAIA's own evaluator on a loaded artifact, or
//! a remote model server. Predict and evaluate go through this one door.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use analysis::inference::{Model, Prediction};
use domain::model::RemoteEndpoint;
use ndarray::Array2;

use crate::{
    error::{ApiError, ApiResult},
    routes::predict::{loaded, run, Resolved},
    state::AppState,
};

/// Remote endpoints by their content address (the version's `sha256`).
static ENDPOINTS: std::sync::LazyLock<Mutex<HashMap<String, Arc<RemoteEndpoint>>>> =
    std::sync::LazyLock::new(|| Mutex::new(HashMap::new()));

/// A version ready to predict.
#[derive(Debug, Clone)]
pub enum Engine {
    /// An artifact RAIA evaluates itself.
    Local(Arc<Model>),
    /// A model server.
    Remote(Arc<RemoteEndpoint>),
}

async fn endpoint(
    state: &AppState,
    model_id: &str,
    r: &Resolved,
) -> ApiResult<Arc<RemoteEndpoint>> {
    if let Some(ep) = ENDPOINTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&r.sha256)
    {
        return Ok(ep.clone());
    }
    let loaded = commands::load::<domain::model::Model>(
        state.store.as_ref(),
        &domain::upcast::Upcasters::domain(),
        model_id,
        commands::Until::Now,
    )
    .await
    .map_err(ApiError::internal)?;
    let ep = loaded
        .state
        .versions
        .iter()
        .find(|v| i64::from(v.number) == r.version)
        .and_then(|v| v.spec.artifact.remote.clone())
        .map(Arc::new)
        .ok_or_else(|| ApiError::internal("a remote version without its endpoint"))?;
    ENDPOINTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(r.sha256.clone(), ep.clone());
    Ok(ep)
}

/// Remembers a just-registered endpoint under its content address.
pub fn remember(sha256: &str, ep: RemoteEndpoint) {
    ENDPOINTS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(sha256.to_owned(), Arc::new(ep));
}

impl Engine {
    /// The engine of a resolved version of `model_id`.
    pub async fn of(state: &AppState, model_id: &str, r: &Resolved) -> ApiResult<Self> {
        if r.format == "remote" {
            Ok(Engine::Remote(endpoint(state, model_id, r).await?))
        } else {
            Ok(Engine::Local(loaded(state, &r.sha256).await?))
        }
    }

    /// Features per row.
    pub fn n_features(&self, r: &Resolved) -> usize {
        match self {
            Engine::Local(m) => m.signature().n_features,
            Engine::Remote(_) => r.signature["n_features"].as_u64().unwrap_or(0) as usize,
        }
    }

    /// Feature names the artifact itself carries (XGBoost), if any.
    pub fn own_feature_names(&self) -> Option<Vec<String>> {
        match self {
            Engine::Local(m) => m.signature().feature_names.clone(),
            Engine::Remote(_) => None,
        }
    }

    /// Whether missing values (NaN) may be sent.
    pub fn missing_ok(&self) -> bool {
        match self {
            Engine::Local(m) => matches!(**m, Model::Xgboost(_)),
            // The server decides; RAIA passes NaN as JSON null is not FP64.
            Engine::Remote(_) => false,
        }
    }

    /// Predicts `x`.
    pub async fn predict(
        &self,
        r: &Resolved,
        x: Array2<f64>,
        names: Option<&[String]>,
    ) -> ApiResult<Prediction> {
        match self {
            Engine::Local(m) => run(Arc::clone(m), x).await,
            Engine::Remote(ep) => {
                let classes = r.signature.get("classes").filter(|c| !c.is_null());
                Ok(super::predict(ep, &x, names, classes).await?)
            }
        }
    }
}
