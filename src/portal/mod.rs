//! The portal (`mesure serve`): the workspace served to browsers by one process. Managers
//! download their pre-filled workbooks, send them, read every problem and what a file would
//! replace before confirming it; the network sees every manufacture of its scope; nobody sees
//! what is not theirs.
//!
//! Its state lives in the workspace's `portail/` folder (accounts, sessions, pending uploads,
//! the audit journal): no database server. Pages are rendered on the server from askama
//! templates (`src/templates/portail/`), escaped by default, and work without JavaScript.
//! Checks run on a bounded pool off the async runtime; writes to the store go one at a time
//! and take the store's lock, so a command-line `mesure ingest` at the same time waits its turn.

pub mod accounts;
pub mod journal;
pub mod months;
mod pages;
mod routes;
pub mod session;
pub mod upload;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{self, HeaderValue, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::error::{Error, Result};
use crate::workspace::Workspace;
use accounts::Accounts;
use journal::Journal;
use session::{Sessions, Throttle};

/// The portal's folder in a workspace.
pub const PORTAL_DIR: &str = "portail";

/// The largest request body: a few monthly workbooks at once (each file is also held to the
/// pipeline's 50 MB).
pub const MAX_UPLOAD_BYTES: usize = 120 * 1024 * 1024;

/// How long a request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The content security policy of every page: nothing but the server's own style sheet and
/// images, no script at all, forms posted only to the server, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// What every request handler shares.
pub struct Portal {
    /// The workspace served.
    pub workspace: Workspace,
    /// Its `portail/` folder.
    pub folder: PathBuf,
    /// The accounts.
    pub accounts: Accounts,
    /// The signed-in sessions.
    pub sessions: Sessions,
    /// The brake on password guessing.
    pub throttle: Throttle,
    /// The audit journal.
    pub journal: Journal,
    /// Bounds the checks running at once (each reads a workbook on a blocking thread).
    pub checks: tokio::sync::Semaphore,
    /// Serializes this process's writes to the store (other processes wait on its lock).
    pub writes: tokio::sync::Mutex<()>,
    /// The largest request body accepted on the upload route.
    pub max_upload: usize,
    /// Whether a reverse proxy on this machine forwards the requests: the client's address
    /// is then the last one in `X-Forwarded-For` (for the sign-in brake and the journal).
    pub behind_proxy: bool,
    /// Wakes the worker that brings the reports up to date, when one runs.
    pub reports_due: Option<Arc<tokio::sync::Notify>>,
    /// Every figure of the network, computed once per state of the store (named by the
    /// ledger's length and time), not once per request.
    figures: std::sync::Mutex<Option<(StoreState, Arc<polars::prelude::DataFrame>)>>,
}

/// What names a state of the store: the ledger's length and modification time (every change
/// appends to it).
type StoreState = (u64, Option<std::time::SystemTime>);

impl Portal {
    /// The portal of a workspace, its folder created if needed.
    pub fn open(workspace: Workspace) -> Result<Portal> {
        let folder = workspace.root.join(PORTAL_DIR);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Portal {
            accounts: Accounts::new(&folder),
            sessions: Sessions::load(&folder),
            throttle: Throttle::default(),
            journal: Journal::new(&folder),
            checks: tokio::sync::Semaphore::new(parallel * 2),
            writes: tokio::sync::Mutex::new(()),
            max_upload: MAX_UPLOAD_BYTES,
            behind_proxy: false,
            reports_due: None,
            figures: std::sync::Mutex::new(None),
            folder,
            workspace,
        })
    }
}

impl Portal {
    /// Days after a month's end by which it is due (the workspace's `delai_declaration_jours`).
    pub fn deadline_days(&self) -> i64 {
        crate::engine::coverage::deadline_days(&self.workspace.params)
    }

    /// Every figure of the network (`mesure compute`'s long form), from the cache if the
    /// store has not changed since it was computed.
    pub fn figures(&self) -> Result<Arc<polars::prelude::DataFrame>> {
        let ledger = self.workspace.store.join("depots.jsonl");
        let state: StoreState = std::fs::metadata(&ledger)
            .map(|m| (m.len(), m.modified().ok()))
            .unwrap_or((0, None));
        let mut cache = self.figures.lock().expect("figures lock");
        if let Some((at, figures)) = cache.as_ref()
            && *at == state
        {
            return Ok(Arc::clone(figures));
        }
        let definitions = self.workspace.definitions()?;
        let registry = self.workspace.registry()?;
        let store = crate::store::Store::read(&self.workspace.store);
        let inputs = crate::engine::Inputs::from_store(&store, &definitions)?;
        let figures = Arc::new(crate::engine::compute(
            &definitions,
            &registry,
            &inputs,
            &crate::engine::Request::default(),
        )?);
        *cache = Some((state, Arc::clone(&figures)));
        Ok(figures)
    }

    /// Says that the store changed (a confirmed upload, a restored or withdrawn month): the
    /// reports worker, if any, rewrites the reports once the burst is over.
    pub fn store_changed(&self) {
        if let Some(due) = &self.reports_due {
            due.notify_one();
        }
    }
}

/// How long the reports worker waits after a change for more changes, so that a burst of
/// confirmations rewrites the reports once.
pub const REPORTS_DEBOUNCE: Duration = Duration::from_secs(3);

/// Brings the reports up to date after changes, one run at a time and once per burst: the
/// pages whose content changes are rewritten (`mesure report`'s incremental writing), never
/// on a page request.
async fn reports_worker(workspace: Workspace, due: Arc<tokio::sync::Notify>) {
    loop {
        due.notified().await;
        tokio::time::sleep(REPORTS_DEBOUNCE).await;
        let workspace = workspace.clone();
        let written = tokio::task::spawn_blocking(move || {
            crate::report::write_reports(&workspace, &crate::report::Options::default(), &|_| {})
        })
        .await;
        match written {
            Ok(Ok(summary)) => eprintln!(
                "rapports à jour : {} fichiers réécrits, {} inchangés",
                summary.written, summary.unchanged
            ),
            Ok(Err(e)) => eprintln!("rapports non mis à jour : {e}"),
            Err(e) => eprintln!("rapports non mis à jour : {e}"),
        }
    }
}

/// The portal's routes with their security layers: body limit, timeout, compression, a
/// French page instead of a crash, and the security headers on every response.
pub fn router(portal: Arc<Portal>) -> Router {
    let header = |name, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    routes::routes(portal.max_upload)
        .with_state(portal)
        .layer(CompressionLayer::new())
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::CACHE_CONTROL, "no-store"))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(CatchPanicLayer::custom(routes::panic_page))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &http::Request<axum::body::Body>| {
                    let path = logged_path(request.uri().path());
                    tracing::info_span!("requete", method = %request.method(), path = %path)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
}

/// A request's path as the log shows it: an invitation link's token is a secret, and is
/// left out.
fn logged_path(path: &str) -> String {
    match path.strip_prefix("/invitation/") {
        Some(_) => "/invitation/…".to_string(),
        None => path.to_string(),
    }
}

/// Serves the portal on `address` until Ctrl-C (or SIGTERM).
pub fn serve(workspace: Workspace, address: SocketAddr, behind_proxy: bool) -> Result<()> {
    // Each request on standard error (method, path, status, time), at the level set by
    // RUST_LOG-like `MESURE_JOURNAL` (info by default: one line per request).
    let level = std::env::var("MESURE_JOURNAL")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
    let mut portal = Portal::open(workspace)?;
    portal.behind_proxy = behind_proxy;
    let due = Arc::new(tokio::sync::Notify::new());
    portal.reports_due = Some(Arc::clone(&due));
    let portal = Arc::new(portal);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Refused(format!("impossible de démarrer le serveur : {e}")))?;
    runtime.block_on(async move {
        tokio::spawn(reports_worker(portal.workspace.clone(), due));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Error::Refused(format!("impossible d'écouter sur {address} : {e}")))?;
        let app = router(portal).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| Error::Refused(format!("le serveur s'est arrêté : {e}")))
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_token_never_reaches_the_log() {
        assert_eq!(logged_path("/invitation/0123abcd"), "/invitation/…");
        assert_eq!(logged_path("/manufactures/mp001"), "/manufactures/mp001");
    }
}
