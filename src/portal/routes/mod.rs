//! The portal's routes and their handlers. Every handler that shows or changes data checks
//! the session first, then the account's scope: a manufacture outside it is « introuvable »
//! (404), exactly like one that does not exist, so that ids cannot be probed. Every form
//! carries the session's token (CSRF), compared in constant time.
//!
//! This module holds the router and what every handler shares (pages for errors, the
//! session, the client's address, the blocking pool); the handlers live by audience:
//! [`auth`] (signing in, invitations), [`manufacture`] (a manufacture's pages), [`months`]
//! (a month restored or withdrawn, a version's file), [`uploads`] (send, confirm, cancel) and
//! [`preview`](mod@preview) (what the preview shows), [`network`] (declarations, journal, definitions),
//! [`access`] (the accounts of a réseau account's scope) and [`reports`] (report pages and
//! figures).
//!
//! Size: about 400 lines of code: the router and the checks every handler shares (session,
//! scope, token, error pages), which read best in one place; the rest is unit tests.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, Form, Multipart, Path as UrlPath, Query, State,
};
use axum::http::{self, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::Portal;
use super::accounts::{
    Account, AccountError, MIN_PASSWORD_CHARS, NewAccount, Role, random_token, same_secret,
};
use super::months::{MonthState, year_grid};
use super::pages::*;
use super::session::Session;
use super::upload::{FilePreview, Pending, accept_file, preview};
use crate::engine::coverage::{Coverage, OVERDUE_MONTHS};
use crate::error::Error;
use crate::ingest::{CheckedFile, Context};
use crate::month::Month;
use crate::pipeline::{IngestOptions, check_only, ingest};
use crate::registry::{Manufacture, ManufactureId};
use crate::report::french;
use crate::store::{Outcome, Store};

mod access;
mod auth;
mod manufacture;
mod months;
mod network;
mod preview;
mod reports;
mod uploads;

use access::*;
use auth::*;
use manufacture::*;
use months::*;
use network::*;
use preview::*;
use reports::*;
use uploads::*;

/// The session cookie. `__Host-` makes the browser keep it only over HTTPS (or localhost),
/// for this host and path `/`.
pub const SESSION_COOKIE: &str = "__Host-mesure";

/// The cookie carrying the sign-in form's token before any session exists.
pub const LOGIN_COOKIE: &str = "__Host-mesure-connexion";

type App = State<Arc<Portal>>;

pub fn routes(max_upload: usize) -> Router<Arc<Portal>> {
    Router::new()
        .route("/", get(root))
        .route("/style.css", get(style))
        .route("/connexion", get(login_page).post(login))
        .route("/deconnexion", post(logout))
        .route(
            "/invitation/{token}",
            get(invitation_page).post(accept_invitation),
        )
        .route("/accueil", get(home))
        .route("/manufactures/{id}", get(manufacture_page))
        .route("/manufactures/{id}/modele/{mois}", get(template_download))
        .route(
            "/manufactures/{id}/mois/{mois}/restaurer",
            post(change_month::<RestoreForm>),
        )
        .route(
            "/manufactures/{id}/mois/{mois}/retirer",
            post(change_month::<WithdrawForm>),
        )
        .route(
            "/manufactures/{id}/mois/{mois}/version/{n}",
            get(version_file),
        )
        .route(
            "/manufactures/{id}/depot",
            post(upload).layer(DefaultBodyLimit::max(max_upload)),
        )
        .route("/depots/{id}", get(pending_page))
        .route("/depots/{id}/annote/{n}", get(annotated_download))
        .route("/depots/{id}/confirmer", post(confirm))
        .route("/depots/{id}/annuler", post(cancel))
        .route("/journal", get(journal_page))
        .route("/declarations", get(declarations_page))
        .route("/rapports", get(reports_page))
        .route("/definitions", get(definitions_page))
        .route("/definitions/dictionnaire", get(dictionary_page))
        .route("/chiffres.csv", get(figures_download))
        .route("/rapports/{period}/{file}", get(report_file))
        .route("/comptes", get(accounts_page))
        .route("/comptes/inviter", post(invite_account))
        .route("/comptes/reinitialiser", post(reset_account))
        .route("/comptes/retirer", post(remove_account))
        .fallback(not_found_anywhere)
}

/// The page shown if a handler panics: a French message, never a bare 500.
pub fn panic_page(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        Page::public("Erreur interne"),
        "erreur",
        "Une erreur interne est survenue ; rien n'a été enregistré par cette action. Réessayez, et si elle se reproduit, prévenez la tête de réseau.",
    )
}

fn message(status: StatusCode, page: Page, kind: &'static str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            page,
            kind,
            message: text.to_string(),
            back: "/accueil".into(),
            back_label: "Retour à l'accueil".into(),
        },
    )
}

fn not_found(page: Page) -> Response {
    message(
        StatusCode::NOT_FOUND,
        Page {
            title: "Page introuvable".into(),
            ..page
        },
        "erreur",
        "Cette page n'existe pas, ou votre compte n'y a pas accès.",
    )
}

async fn not_found_anywhere() -> Response {
    not_found(Page::public("Page introuvable"))
}

fn internal(page: Page, error: &Error) -> Response {
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        Page {
            title: "Erreur".into(),
            ..page
        },
        "erreur",
        &format!("L'opération n'a pas abouti : {error}"),
    )
}

/// Whether an account reads the audit journal: a réseau account over the whole network.
pub fn sees_journal(account: &Account) -> bool {
    account.role == Role::Network && account.sees_everything()
}

/// Whether an account sends files and changes months (a consultant only reads).
pub fn can_send(account: &Account) -> bool {
    account.role != Role::Consultant
}

fn is_workbook(file: &str) -> bool {
    crate::ingest::file_kind(Path::new(file)) == Ok(crate::ingest::FileKind::Workbook)
}

/// The client's address: the connection's, or, behind a trusted reverse proxy on this
/// machine (`mesure serve --derriere-proxy`), the address the proxy appended last to
/// `X-Forwarded-For` (what the client itself may have written there comes before it).
pub struct Client(pub IpAddr);

impl axum::extract::FromRequestParts<Arc<Portal>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        portal: &Arc<Portal>,
    ) -> Result<Self, Self::Rejection> {
        // axum's own extractor, which also knows the tests' MockConnectInfo.
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, portal)
            .await
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Client(client_address(
            peer,
            &parts.headers,
            portal.behind_proxy,
        )))
    }
}

/// The address a request comes from, given its peer and headers.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, behind_proxy: bool) -> IpAddr {
    if !behind_proxy || !peer.is_loopback() {
        return peer;
    }
    // Only the last hop is the proxy's word; an unreadable one is not replaced by an
    // earlier hop, which the client may have written itself.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    hops.last()
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer)
}

fn cookie(name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path("/")
        .build()
}

/// The signed-in account, if the session cookie names a valid session of an existing one.
fn signed_in(portal: &Portal, jar: &CookieJar) -> Option<(Session, Account)> {
    let id = jar.get(SESSION_COOKIE)?.value().to_string();
    let session = portal.sessions.get(&id)?;
    let account = portal.accounts.get(&session.email).ok().flatten()?;
    account.is_active().then_some((session, account))
}

/// The signed-in account of a request. As an extractor, it answers a request without a valid
/// session with the sign-in page, before the handler runs.
pub(super) struct SignedIn {
    pub(super) session: Session,
    pub(super) account: Account,
}

impl SignedIn {
    /// A page of the portal for this account.
    fn page(&self, title: &str) -> Page {
        Page::signed_in(title, &self.account, &self.session)
    }
}

impl axum::extract::FromRequestParts<Arc<Portal>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        portal: &Arc<Portal>,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        signed_in(portal, &jar)
            .map(|(session, account)| SignedIn { session, account })
            .ok_or_else(to_login)
    }
}

fn to_login() -> Response {
    Redirect::to("/connexion").into_response()
}

/// Runs blocking work (reading workbooks, argon2, the store) on the blocking pool, at most
/// as many at once as the portal's check permits allow.
async fn blocking<T: Send + 'static>(
    portal: &Portal,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let _permit = portal
        .checks
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(work)
        .await
        .expect("blocking work does not panic")
}

async fn root(State(portal): App, jar: CookieJar) -> Response {
    match signed_in(&portal, &jar) {
        Some(_) => Redirect::to("/accueil").into_response(),
        None => to_login(),
    }
}

async fn style() -> Response {
    let css = format!(
        "{}\n{}",
        crate::report::html::STYLE,
        include_str!("../../templates/portail/style.css")
    );
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        css,
    )
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    #[serde(rename = "jeton")]
    token: String,
}

fn forbidden(page: Page) -> Response {
    message(
        StatusCode::FORBIDDEN,
        Page {
            title: "Action refusée".into(),
            ..page
        },
        "erreur",
        "Ce formulaire a expiré ou ne vient pas de cette page : rechargez la page et recommencez.",
    )
}

/// The manufactures an account sees, in registry order.
fn visible(portal: &Portal, account: &Account) -> crate::error::Result<Vec<Manufacture>> {
    let registry = portal.workspace.registry()?;
    Ok(registry
        .manufactures()
        .iter()
        .filter(|m| account.sees(m))
        .cloned()
        .collect())
}

/// The manufacture of a URL, if the account sees it.
fn visible_one(
    portal: &Portal,
    account: &Account,
    id: &str,
) -> crate::error::Result<Option<Manufacture>> {
    let registry = portal.workspace.registry()?;
    Ok(registry
        .get(id)
        .filter(|m| m.id == id && account.sees(m))
        .cloned())
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn download(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

/// Whether an account reads the network's grid of declarations: a réseau account.
pub fn sees_grid(account: &Account) -> bool {
    account.role == Role::Network
}

/// Whether an account reads the definitions page: a consultant, or a network head.
pub fn sees_definitions(account: &Account) -> bool {
    matches!(account.role, Role::Consultant | Role::Network)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behind_a_proxy_the_client_is_the_last_forwarded_hop() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "10.0.0.1, 203.0.113.9".parse().unwrap());
        assert_eq!(
            client_address(local, &headers, true),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(local, &headers, false), local, "not trusted");
        let remote: IpAddr = "198.51.100.4".parse().unwrap();
        assert_eq!(
            client_address(remote, &headers, true),
            remote,
            "only a proxy on this machine is believed"
        );
        headers.insert("x-forwarded-for", "203.0.113.9, nonsense".parse().unwrap());
        assert_eq!(
            client_address(local, &headers, true),
            local,
            "an unreadable last hop is not replaced by one the client wrote"
        );
    }
}
