//! The OpenAPI 3.1 document, generated from the handlers' annotations, with each
//! operation's permitted roles added from the route table.

use axum::{extract::State, Json};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::{routes, state::AppState};

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The annotated operations.
#[derive(OpenApi)]
#[openapi(
    info(title = "RAIA", description = "AI governance backend: every action is an event in a hash-chained log."),
    modifiers(&Bearer),
    paths(
        routes::health::live, routes::health::detailed,
        routes::metrics::system, routes::metrics::application, routes::metrics::database,
        routes::auth::register, routes::auth::login, routes::auth::me,
        routes::sessions::refresh, routes::sessions::logout, routes::sessions::list, routes::sessions::end,
        routes::sessions::change_password,
        routes::users::list, routes::users::change_role, routes::users::deactivate, routes::users::reactivate,
        routes::users::force_logout,
        routes::recovery::forgot_password, routes::recovery::reset_password,
        routes::recovery::verify_email, routes::recovery::resend_verification,
        routes::sso::providers, routes::sso::start, routes::sso::callback,
        routes::api_keys::create, routes::api_keys::list, routes::api_keys::revoke,
        routes::privacy::export, routes::privacy::erase,
        routes::models::create, routes::models::list, routes::models::get, routes::models::update, routes::models::delete,
        routes::model_upload::upload, routes::model_versions::list, routes::model_versions::get,
        routes::model_versions::set_alias, routes::model_versions::remove_alias,
        routes::model_lifecycle::submit, routes::model_lifecycle::approve, routes::model_lifecycle::reject,
        routes::model_lifecycle::deploy, routes::model_lifecycle::retire,
        routes::predict::predict, routes::predictions::list,
        routes::evaluate::evaluate, routes::evaluate::performance, routes::compare::compare,
        routes::datasets::upload::upload, routes::datasets::list, routes::datasets::get, routes::datasets::delete,
        routes::datasets::preview, routes::datasets::profile, routes::datasets::transform::transform,
        routes::connectors::create, routes::connectors::list, routes::connectors::import,
        routes::quality::validate, routes::quality::assess, routes::quality::report, routes::quality::issues,
        routes::quality::set_rules,
        routes::drift::detect, routes::drift::reports, routes::drift::alerts,
        routes::model_remote::register,
        routes::saml::metadata, routes::saml::start, routes::saml::acs,
        routes::jobs::list, routes::jobs::get, routes::jobs::cancel,
        routes::fairness::analyze::analyze, routes::fairness::analyze::detect_bias,
        routes::fairness::reports::list, routes::fairness::reports::compare, routes::fairness::reports::get,
        routes::fairness::reports::bias_metrics, routes::fairness::mitigation::mitigate,
        routes::audit::logs, routes::audit::search, routes::audit::verify,
        routes::explain::shap::get, routes::explain::shap::post, routes::explain::lime::get, routes::explain::lime::post, routes::explain::importance::get, routes::explain::importance::post, routes::explain::pdp::get, routes::explain::pdp::post, routes::explain::what_if::post, routes::explain::counterfactuals::post, routes::explain::record::get, routes::explain::record::list,
        routes::compliance::status, routes::compliance::generate_report,
        routes::export::pdf, routes::export::excel, routes::export::csv, routes::export::jobs,
        routes::export::download, routes::export::delete, routes::export::get_job,
        routes::export::schedules::create, routes::export::schedules::list, routes::export::schedules::delete,
        routes::notifications::list, routes::notifications::mark_read, routes::notifications::delete,
        routes::notifications::mark_all_read, routes::notifications::preferences::get,
        routes::notifications::preferences::put, routes::notifications::preferences::dead_letters,
        routes::permissions, routes::auth_permissions,
        routes::cache::stats, routes::cache::clear, routes::cache::flush_all,
        routes::retention::list, routes::retention::set, routes::retention::clear, routes::retention::enforce,
        routes::ws::ticket, routes::analytics::models, routes::analytics::streams, routes::analytics::system, routes::analytics::subscribe, routes::analytics::unsubscribe, routes::streams::create, routes::streams::list, routes::streams::get, routes::streams::update, routes::streams::delete, routes::streams::start, routes::streams::stop, routes::streams::metrics, routes::streams::ingest::ingest, routes::events::publish, routes::events::subscribe, routes::events::unsubscribe, routes::events::subscriptions, routes::events::deliveries, routes::events::sse::stream,
    ),
    components(schemas(crate::error::Problem))
)]
pub struct ApiDoc;

impl ApiDoc {
    /// The generated document (without access annotations).
    pub fn openapi_doc() -> utoipa::openapi::OpenApi {
        <Self as OpenApi>::openapi()
            .merge_from(crate::routes::llm::doc::LlmDoc::openapi())
            .merge_from(crate::routes::evaluations::doc::EvaluationsDoc::openapi())
    }
}

/// The document as JSON, with `x-raia-access` on every operation.
pub fn document(state: &AppState) -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi_doc()).unwrap_or_default();
    let (_, specs) = routes::table(state.clone());
    for s in specs {
        let op = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(&s.path))
            .and_then(|p| p.get_mut(s.method.to_lowercase()));
        if let Some(op) = op {
            op["x-raia-access"] = serde_json::to_value(s.access).unwrap_or_default();
        }
    }
    doc
}

/// Serves the document.
pub async fn serve(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(document(&state))
}
