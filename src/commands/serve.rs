//! `csfeed serve`: the scheduler and the web site in one process.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use csfeed_web::{AppState, SiteSettings};
use indicatif::ProgressBar;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::cli::{GlobalArgs, ServeArgs};
use crate::context::Context;
use crate::pipeline::Pipeline;

pub async fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let settings = context.loaded.settings.clone();
    // Listen before anything else starts: a busy port is one clear line, not a scheduler
    // that starts fetching and is then torn down mid-cycle.
    let bind = args.bind.unwrap_or(settings.server.bind);
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| {
        format!("cannot listen on {bind}: is another server using it? choose another address with --bind")
    })?;
    let metrics = install_metrics()?;
    let store = if args.web_only {
        web_only_store(&context)?
    } else {
        context.open_store_synced()?
    };
    let index = context.open_index(OpenMode::ReadWrite)?;
    catch_up(&index, &store).await;

    let (stop_scheduler, stopped) = watch::channel(false);
    let scheduler = if args.web_only {
        tokio::spawn(follow(store.clone(), index.clone(), stopped, metrics.clone()))
    } else {
        let pipeline = Pipeline::new(
            store.clone(),
            context.shared_fetcher(&store)?,
            settings.fetch.clone(),
            context.data_dir.clone(),
        );
        tokio::spawn(schedule(
            pipeline,
            store.clone(),
            index.clone(),
            settings.fetch.scheduler_tick,
            stopped,
            metrics.clone(),
        ))
    };

    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    let state = AppState {
        store: store.clone(),
        index: Arc::clone(&index),
        site: Arc::new(SiteSettings {
            title: settings.site.title.clone(),
            tagline: settings.site.tagline.clone(),
            public_url: settings.server.public_url.clone(),
        }),
        metrics: Some(metrics.clone()),
        feeds: Arc::default(),
        admin_token: settings
            .server
            .admin_token
            .as_ref()
            .filter(|token| !token.0.is_empty())
            .map(|token| Arc::new(csfeed_web::AdminToken(token.0.clone()))),
        subscriptions: if settings.email.subscriptions {
            Some(Arc::new(csfeed_web::Subscriptions {
                mailer: context.mailer()?,
                links: context.links(Some(address))?,
            }))
        } else {
            None
        },
    };
    info!(url = %format!("http://{address}/"), data_dir = %context.data_dir.display(), web_only = args.web_only, "csfeed is serving");
    // Also on stdout, for scripts and tests that start csfeed on port 0.
    println!("csfeed is serving on http://{address}/");
    let _ = std::io::stdout().flush();

    axum::serve(listener, csfeed_web::app(state))
        .with_graceful_shutdown(shutdown_requested())
        .await
        .context("the web server failed")?;

    info!("shutting down: letting in-flight fetches finish");
    let _ = stop_scheduler.send(true);
    if tokio::time::timeout(settings.server.shutdown_timeout, scheduler)
        .await
        .is_err()
    {
        warn!("in-flight fetches did not finish in time; they will be retried on the next start");
    }
    // Whatever the last fetches stored is searchable after a restart without waiting.
    catch_up(&index, &store).await;
    info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The store a web replica reads: it must exist (a writer creates it and its sources), and
/// links in emails must verify on every replica, so their key cannot be this replica's own.
fn web_only_store(context: &Context) -> anyhow::Result<Store> {
    let settings = &context.loaded.settings;
    let shared_secret = settings
        .email
        .secret
        .as_ref()
        .is_some_and(|secret| !secret.0.is_empty());
    if settings.email.subscriptions && !shared_secret {
        anyhow::bail!(
            "--web-only with subscriptions needs email.secret (or CSFEED__EMAIL__SECRET), the same on every \
             process, so links emailed by one are accepted by all; or set email.subscriptions = false"
        );
    }
    context.open_existing_store()?.context(
        "--web-only serves an existing database and there is none yet: start a writer (`csfeed serve` or \
         `csfeed fetch`) on it first",
    )
}

/// How often a web replica looks for stories stored by the writers.
const FOLLOW_TICK: Duration = Duration::from_secs(2);

/// A web replica's only background work: keeping its own index caught up with the store's
/// change sequence, whichever writer made the changes.
async fn follow(
    store: Store,
    index: Arc<SearchIndex>,
    mut stop: watch::Receiver<bool>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) {
    loop {
        catch_up(&index, &store).await;
        metrics.run_upkeep();
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_TICK) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Fetches due sources and keeps the index caught up with the store — including articles
/// stored by a separate `csfeed fetch` — until told to stop.
async fn schedule(
    pipeline: Pipeline,
    store: Store,
    index: Arc<SearchIndex>,
    tick: Duration,
    mut stop: watch::Receiver<bool>,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
) {
    loop {
        let due = {
            let pipeline = pipeline.clone();
            tokio::task::spawn_blocking(move || pipeline.due_sources(Some(Utc::now()), None)).await
        };
        match due {
            Ok(Ok(due)) if !due.is_empty() => {
                let report = pipeline.run_cycle(due, &ProgressBar::hidden()).await;
                info!(summary = %report.summary(), "fetch cycle finished");
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => error!(error = %format!("{error:#}"), "cannot list due sources"),
            Err(error) => error!(error = %error, "scheduler task failed"),
        }
        catch_up(&index, &store).await;
        metrics.run_upkeep();
        tokio::select! {
            _ = tokio::time::sleep(tick.max(Duration::from_secs(1))) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn catch_up(index: &Arc<SearchIndex>, store: &Store) {
    let (index, store) = (index.clone(), store.clone());
    let result = tokio::task::spawn_blocking(move || {
        let result = index.catch_up(&store);
        metrics::gauge!("csfeed_index_documents").set(index.num_docs() as f64);
        result
    })
    .await;
    match result {
        Ok(Ok(result)) if result.indexed > 0 => {
            info!(
                indexed = result.indexed,
                watermark = result.watermark,
                "index caught up"
            );
        }
        Ok(Ok(_)) => {}
        Ok(Err(error)) => error!(error = %error, "indexing failed; will retry"),
        Err(error) => error!(error = %error, "indexing task failed; will retry"),
    }
}

/// Installs the Prometheus recorder behind `/metrics`; durations become histograms.
fn install_metrics() -> anyhow::Result<metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    const SECONDS: &[f64] = &[
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    ];
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS)
        .context("cannot set up /metrics")?
        .install_recorder()
        .context("cannot set up /metrics")
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_requested() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => info!("received Ctrl-C"),
        _ = terminate => info!("received SIGTERM"),
    }
}
