//! Assembling the server: open the database, start the projection runner, the
//! PostgreSQL listener and the NATS relay, and serve HTTP until told to stop.

use std::{net::SocketAddr, sync::atomic::Ordering, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{http::HeaderName, middleware, serve::ListenerExt, Router};
use commands::{
    blobs::Blobs, cipher::Cipher, model_cache::ModelCache, open_store,
    prediction_log::PredictionLog, relay::NatsRelay,
};
use migrations::{Backend, Db};
use projections::Runner;
use tokio::{sync::watch, task::JoinHandle};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};

use crate::{
    config::Config,
    datadir::{self, Keys},
    idempotency, problem_layer, routes,
    state::{AppState, Counters, Inner, RelayStatus},
    telemetry,
};

/// Opens the data directory and the database, applying migrations.
pub async fn open(config: &Config) -> anyhow::Result<(Db, Keys)> {
    let keys = datadir::prepare(&config.data_dir, config.jwt_secret.as_deref())
        .with_context(|| format!("preparing data directory {}", config.data_dir.display()))?;
    let url = config.database_url();
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("connecting to {}", redact(&url)))?;
    db.migrate().await.context("applying migrations")?;
    Ok((db, keys))
}

/// A URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Builds the shared state (does not start background tasks).
pub async fn state(config: Config) -> anyhow::Result<AppState> {
    let (db, keys) = open(&config).await?;
    let store = open_store(db.clone());
    let node = crate::datadir::node_id(&config.data_dir).context("reading the node id")?;
    let runner = Arc::new(Runner::new(
        db.clone(),
        projections::all(),
        store.notifier(),
    ));
    Ok(AppState(Arc::new(Inner {
        cipher: Cipher::new(db.clone(), keys.master),
        blobs: Blobs::new(config.data_dir.join("blobs")),
        mailer: Arc::new(
            crate::mail::Mailer::new(
                config.smtp_url.as_deref(),
                &config.mail_from,
                &config.data_dir,
            )
            .context("configuring mail")?,
        ),
        throttle: crate::throttle::AddressThrottle::new(config.address_lock_after),
        sso: crate::sso::Providers::new(&config.sso).context("configuring single sign-on")?,
        saml: crate::saml::SamlProviders::new(&config.saml, &config.public_url())
            .context("configuring SAML")?,
        tokens: config.tokens(&keys.jwt).context("loading the JWT keys")?,
        models: ModelCache::new(
            Blobs::new(config.data_dir.join("blobs")),
            config.model_cache_size,
        ),
        predictions: PredictionLog::new(),
        jobs: crate::jobs::Jobs::new(config.job_workers, node.clone()),
        tracer: config.otlp_endpoint.as_deref().map(|e| {
            Arc::new(crate::otlp::Exporter::new(
                e,
                &config.otlp_service_name,
                &node,
            ))
        }),
        prometheus: telemetry::prometheus(),
        clock: crate::compliance::Clock::default(),
        started: std::time::Instant::now(),
        counters: Counters::default(),
        relay: RelayStatus::default(),
        realtime: crate::feed::Realtime::new(
            store.clone(),
            config.ws_queue_len,
            Duration::from_millis(config.ws_slow_after_ms),
        ),
        llm: crate::llm::LlmState::default(),
        cache: crate::cache::Cache::open(&config, db.clone()).await?,
        config,
        db,
        store,
        runner,
        keys,
    })))
}

/// The full HTTP application.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let cors = if state.config.cors_origins.is_empty() {
        CorsLayer::new()
    } else {
        let origins = state
            .config
            .cors_origins
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect::<Vec<_>>();
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods(tower_http::cors::Any)
            .allow_headers([
                axum::http::header::AUTHORIZATION,
                axum::http::header::CONTENT_TYPE,
                axum::http::header::IF_MATCH,
                HeaderName::from_static("idempotency-key"),
            ])
            .expose_headers([axum::http::header::ETAG, request_id.clone()])
    };
    let (api, _) = routes::table(state.clone());
    let docs: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/docs")
        .url(
            "/api/v1/openapi-ui.json",
            crate::openapi::ApiDoc::openapi_doc(),
        )
        .into();
    api.merge(docs)
        .layer(axum::extract::DefaultBodyLimit::max(
            state.config.body_limit_bytes,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.config.request_timeout_secs),
        ))
        .layer(cors)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            problem_layer::layer,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A running server.
pub struct Server {
    /// The bound address (useful with port 0).
    pub addr: SocketAddr,
    /// Its state (tests use the runner and the store).
    pub state: AppState,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// Asks everything to stop and waits for it.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    pub async fn run_until_signal(self) {
        shutdown_signal().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn relay_task(state: AppState, url: String, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    state.relay.configured.store(true, Ordering::Relaxed);
    tokio::spawn(async move {
        let mut stop = stop;
        loop {
            if *stop.borrow() {
                return;
            }
            match NatsRelay::connect(
                state.store.clone(),
                &url,
                &state.config.nats_stream,
                &state.config.nats_subject_prefix,
            )
            .await
            {
                Ok(relay) => {
                    state.relay.connected.store(true, Ordering::Relaxed);
                    let notify = state.store.notifier();
                    loop {
                        let notified = notify.notified();
                        tokio::pin!(notified);
                        notified.as_mut().enable();
                        match relay.run_once(500).await {
                            Ok(n) => {
                                state.relay.connected.store(true, Ordering::Relaxed);
                                if let Ok(c) = relay.cursor().await {
                                    state.relay.cursor.store(c, Ordering::Relaxed);
                                }
                                if n > 0 {
                                    continue;
                                }
                            }
                            Err(e) => {
                                state.relay.connected.store(false, Ordering::Relaxed);
                                tracing::warn!(error = %e, "nats relay failed; retrying");
                            }
                        }
                        tokio::select! {
                            _ = notified => {}
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = stop.changed() => return,
                        }
                    }
                }
                Err(e) => {
                    state.relay.connected.store(false, Ordering::Relaxed);
                    tracing::warn!(error = %e, "cannot reach NATS; retrying");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                _ = stop.changed() => return,
            }
        }
    })
}

/// Binds `config.listen` and starts serving and every background task.
pub async fn start(config: Config) -> anyhow::Result<Server> {
    let listen = config.listen;
    let state = state(config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    // Catch up before serving so the first reads are current.
    state
        .runner
        .catch_up()
        .await
        .context("catching up projections")?;
    let interrupted = crate::jobs::fail_interrupted(&state)
        .await
        .context("closing jobs interrupted by the last stop")?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "jobs left unfinished by the last stop were failed"
        );
    }
    if let Err(e) = crate::export::fail_orphans(&state).await {
        tracing::warn!(error = %e.problem().detail, "exports left pending were not closed");
    }
    tasks.push(tokio::spawn(state.runner.clone().run(stop_rx.clone())));
    // The prediction log stops after the HTTP server has finished its last
    // request, so no prediction served during shutdown goes unrecorded.
    let (log_stop, log_stop_rx) = watch::channel(false);
    if let Some(t) = state
        .predictions
        .spawn(state.store.clone(), state.cipher.clone(), log_stop_rx)
        .await
    {
        tasks.push(t);
    }
    if state.db.backend() == Backend::Postgres {
        tasks.push(tokio::spawn(projections::listen_postgres(
            state.db.url().to_owned(),
            state.store.notifier(),
            stop_rx.clone(),
        )));
    }
    tasks.push(tokio::spawn(
        state.realtime.feed.clone().run(stop_rx.clone()),
    ));
    tasks.push(tokio::spawn(crate::routes::streams::processor::run(
        state.clone(),
        stop_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::routes::events::webhooks::run(
        state.clone(),
        stop_rx.clone(),
    )));
    if state.config.notifications {
        tasks.push(tokio::spawn(crate::notify::run(
            state.clone(),
            stop_rx.clone(),
        )));
    }
    tasks.push(tokio::spawn(crate::mail::runner::run(
        state.clone(),
        state.mailer.clone(),
        stop_rx.clone(),
    )));
    if state.config.notification_delivery {
        tasks.push(tokio::spawn(crate::notify::deliver::run(
            state.clone(),
            stop_rx.clone(),
        )));
    }
    tasks.push(tokio::spawn(crate::export::schedule::run_loop(
        state.clone(),
        std::time::Duration::from_millis(state.config.export_schedule_tick_ms.max(100)),
        stop_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::retention::schedule::run(
        state.clone(),
        stop_rx.clone(),
    )));
    if let Some(url) = state.config.nats_url.clone() {
        tasks.push(relay_task(state.clone(), url, stop_rx.clone()));
    }
    // Like the prediction log, the trace exporter stops after the last request
    // and sends the spans still queued.
    let (trace_stop, trace_stop_rx) = watch::channel(false);
    if let Some(t) = state.tracer.clone() {
        tasks.push(tokio::spawn(t.run(trace_stop_rx)));
    }
    let app = router(state.clone());
    let mut http_stop = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        // No Nagle: WebSocket events and small responses go out at once instead of
        // waiting for the previous segment's (delayed) acknowledgement.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
        });
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "server failed");
        }
        let _ = log_stop.send(true);
        let _ = trace_stop.send(true);
    }));
    tracing::info!(%addr, backend = ?state.db.backend(), "raia listening");
    Ok(Server {
        addr,
        state,
        stop,
        tasks,
    })
}
