//! The portal's routes and their handlers. Every handler that shows or changes data checks
//! the session first, then the account's scope: a manufacture outside it is « introuvable »
//! (404), exactly like one that does not exist, so that ids cannot be probed. Every form
//! carries the session's token (CSRF), compared in constant time.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{
    ConnectInfo, DefaultBodyLimit, Form, Multipart, Path as UrlPath, Query, State,
};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::Portal;
use super::accounts::{Account, MIN_PASSWORD_CHARS, NewAccount, Role, random_token, same_secret};
use super::months::{DUE_DAY, LATE_MONTHS, MonthState, due_date, year_grid};
use super::pages::*;
use super::session::Session;
use super::upload::{FilePreview, Pending, accept_file, preview};
use crate::error::Error;
use crate::ingest::{CheckedFile, Context};
use crate::month::Month;
use crate::pipeline::{IngestOptions, check_only, ingest};
use crate::registry::Manufacture;
use crate::report::french;
use crate::store::{Outcome, Store};

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
            post(restore_month),
        )
        .route(
            "/manufactures/{id}/mois/{mois}/retirer",
            post(withdraw_month),
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
    account.role == Role::Reseau && account.sees_everything()
}

/// Whether an account sends files and changes months (a consultant only reads).
pub fn can_send(account: &Account) -> bool {
    account.role != Role::Consultant
}

fn is_workbook(file: &str) -> bool {
    crate::ingest::read::file_kind(Path::new(file)) == Ok(crate::ingest::read::FileKind::Workbook)
}

/// The client's address: the connection's, or, behind a trusted reverse proxy on this
/// machine (`mesure serve --derriere-proxy`), the address the proxy appended last to
/// `X-Forwarded-For` (what the client itself may have written there comes before it).
pub struct Client(pub IpAddr);

impl axum::extract::FromRequestParts<Arc<Portal>> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
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
        include_str!("../templates/portail/style.css")
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

async fn login_page(State(portal): App, jar: CookieJar) -> Response {
    if signed_in(&portal, &jar).is_some() {
        return Redirect::to("/accueil").into_response();
    }
    login_form(jar, String::new(), String::new(), StatusCode::OK)
}

fn login_form(jar: CookieJar, email: String, text: String, status: StatusCode) -> Response {
    let token = random_token();
    let jar = jar.add(cookie(LOGIN_COOKIE, token.clone()));
    let page = LoginPage {
        page: Page::public("Connexion"),
        jeton: token,
        email,
        message: text,
    };
    (jar, render(status, &page)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    jeton: String,
    email: String,
    mot_de_passe: String,
}

async fn login(
    State(portal): App,
    Client(from): Client,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|t| same_secret(&t, &form.jeton)) {
        return login_form(
            jar,
            form.email,
            "Le formulaire a expiré : saisissez à nouveau votre mot de passe.".into(),
            StatusCode::FORBIDDEN,
        );
    }
    let email = form.email.trim().to_lowercase();
    if let Some(wait) = portal.throttle.wait(&email, from) {
        let _ = portal
            .journal
            .record(&email, &from.to_string(), "connexion_freinee", "", "");
        let minutes = wait.as_secs().div_ceil(60).max(1);
        return login_form(
            jar,
            form.email,
            format!(
                "Trop de tentatives : réessayez dans {minutes} minute{}.",
                if minutes > 1 { "s" } else { "" }
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let accounts = portal.accounts.clone();
    let (typed, password) = (email.clone(), form.mot_de_passe);
    let verified = blocking(&portal, move || accounts.verify(&typed, &password)).await;
    match verified {
        Ok(Some(account)) => {
            portal.throttle.succeeded(&email, from);
            match portal.sessions.open(&account.email) {
                Ok(id) => {
                    let _ = portal.journal.record(
                        &account.email,
                        &from.to_string(),
                        "connexion",
                        "",
                        "",
                    );
                    let jar = jar
                        .remove(Cookie::build(LOGIN_COOKIE).path("/"))
                        .add(cookie(SESSION_COOKIE, id));
                    (jar, Redirect::to("/accueil")).into_response()
                }
                Err(e) => internal(Page::public("Connexion"), &e),
            }
        }
        Ok(None) => {
            portal.throttle.failed(&email, from);
            let _ = portal
                .journal
                .record(&email, &from.to_string(), "connexion_refusee", "", "");
            login_form(
                jar,
                form.email,
                "Adresse ou mot de passe incorrect.".into(),
                StatusCode::UNAUTHORIZED,
            )
        }
        Err(e) => internal(Page::public("Connexion"), &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    jeton: String,
}

async fn logout(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some((session, account)) = signed_in(&portal, &jar) {
        if !same_secret(&session.jeton, &form.jeton) {
            return forbidden(Page::signed_in("Refusé", &account, &session));
        }
        if let Some(id) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
            let _ = portal.sessions.close(&id);
        }
        let _ = portal.journal.record(
            &account.email,
            &client_ip.to_string(),
            "deconnexion",
            "",
            "",
        );
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    (jar, Redirect::to("/connexion")).into_response()
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

async fn invitation_page(State(portal): App, UrlPath(token): UrlPath<String>) -> Response {
    match portal.accounts.invited(&token) {
        Ok(Some(account)) => invitation_form(&token, &account, String::new(), StatusCode::OK),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            Page::public("Invitation"),
            "erreur",
            &super::accounts::AccountError::BadInvitation.to_string(),
        ),
        Err(e) => internal(Page::public("Invitation"), &e),
    }
}

fn invitation_form(token: &str, account: &Account, text: String, status: StatusCode) -> Response {
    render(
        status,
        &InvitationPage {
            page: Page::public("Choisir votre mot de passe"),
            token: token.to_string(),
            email: account.email.clone(),
            role: account.role.label(),
            scope: account.scope_label(),
            min_chars: MIN_PASSWORD_CHARS,
            message: text,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    mot_de_passe: String,
    confirmation: String,
}

async fn accept_invitation(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath(token): UrlPath<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let account = match portal.accounts.invited(&token) {
        Ok(Some(account)) => account,
        Ok(None) => return invitation_page(State(portal), UrlPath(token)).await,
        Err(e) => return internal(Page::public("Invitation"), &e),
    };
    if form.mot_de_passe != form.confirmation {
        return invitation_form(
            &token,
            &account,
            "Les deux mots de passe diffèrent.".into(),
            StatusCode::BAD_REQUEST,
        );
    }
    let accounts = portal.accounts.clone();
    let (t, password) = (token.clone(), form.mot_de_passe);
    let accepted = blocking(&portal, move || accounts.accept(&t, &password)).await;
    match accepted {
        Ok(Ok(account)) => {
            let from = client_ip.to_string();
            let _ = portal
                .journal
                .record(&account.email, &from, "invitation_acceptee", "", "");
            match portal.sessions.open(&account.email) {
                Ok(id) => {
                    let jar = jar.add(cookie(SESSION_COOKIE, id));
                    (jar, Redirect::to("/accueil")).into_response()
                }
                Err(e) => internal(Page::public("Invitation"), &e),
            }
        }
        Ok(Err(why)) => invitation_form(&token, &account, why.to_string(), StatusCode::BAD_REQUEST),
        Err(e) => internal(Page::public("Invitation"), &e),
    }
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

async fn home(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Vos manufactures", &account, &session);
    let manufactures = match visible(&portal, &account) {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    if account.role == Role::Gestionnaire && manufactures.len() == 1 {
        return Redirect::to(&format!("/manufactures/{}", manufactures[0].id)).into_response();
    }
    let store_root = portal.workspace.store.clone();
    let rows = blocking(&portal, move || home_rows(&store_root, &manufactures)).await;
    match rows {
        Ok(rows) => {
            let title = if account.role == Role::Gestionnaire {
                "Vos manufactures".to_string()
            } else {
                format!("Manufactures — {}", account.scope_label())
            };
            render(
                StatusCode::OK,
                &HomePage {
                    page: Page::signed_in(title, &account, &session),
                    rows,
                    due_day: DUE_DAY,
                },
            )
        }
        Err(e) => internal(page(), &e),
    }
}

fn home_rows(
    store_root: &Path,
    manufactures: &[Manufacture],
) -> crate::error::Result<Vec<HomeRow>> {
    let store = Store::read(store_root);
    let stored: BTreeSet<(String, Month)> = store.stored_months()?.into_iter().collect();
    let ledger = store.ledger()?;
    let today = chrono::Utc::now().date_naive();
    let last_month = Month::of_date(today).plus(-1);
    Ok(manufactures
        .iter()
        .map(|m| {
            let expected: Vec<Month> = if m.ouverture <= last_month {
                m.ouverture
                    .through(last_month)
                    .filter(|month| m.is_open(*month))
                    .collect()
            } else {
                Vec::new()
            };
            let received = expected
                .iter()
                .filter(|month| stored.contains(&(m.id.clone(), **month)))
                .count();
            let late = expected
                .iter()
                .filter(|month| {
                    !stored.contains(&(m.id.clone(), **month)) && today > due_date(**month)
                })
                .count();
            let last_upload = ledger
                .iter()
                .rev()
                .find(|e| e.mois.iter().any(|lm| lm.manufacture == m.id))
                .and_then(|e| chrono::DateTime::parse_from_rfc3339(&e.horodatage).ok())
                .map(|t| t.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "—".to_string());
            HomeRow {
                id: m.id.clone(),
                name: m.nom.clone(),
                commune: m.commune.clone(),
                region: m.region.name.to_string(),
                received,
                expected: expected.len(),
                late,
                last_upload,
            }
        })
        .collect())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearQuery {
    annee: Option<i32>,
}

async fn manufacture_page(
    State(portal): App,
    jar: CookieJar,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<YearQuery>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = |title: &str| Page::signed_in(title, &account, &session);
    let manufacture = match visible_one(&portal, &account, &id) {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(page("Page introuvable")),
        Err(e) => return internal(page("Erreur"), &e),
    };
    let today = chrono::Utc::now().date_naive();
    let this_year = Month::of_date(today).year();
    let year = query
        .annee
        .filter(|y| (manufacture.ouverture.year()..=this_year).contains(y))
        .unwrap_or(this_year);
    let store_root = portal.workspace.store.clone();
    let m = manufacture.clone();
    let grid = blocking(&portal, move || {
        let store = Store::read(&store_root);
        let stored: BTreeSet<(String, Month)> = store.stored_months()?.into_iter().collect();
        let ledger = store.ledger()?;
        Ok::<_, Error>(year_grid(&m, year, &stored, &ledger, today))
    })
    .await;
    let grid = match grid {
        Ok(grid) => grid,
        Err(e) => return internal(page("Erreur"), &e),
    };
    let months = grid
        .iter()
        .map(|status| GridMonth {
            month: status.month.to_string(),
            label: french::month(status.month),
            state: status.state.label(),
            class: status.state.class(),
            version: status.current_version(),
            expected: manufacture.is_open(status.month),
        })
        .collect();
    let history = grid
        .iter()
        .rev()
        .flat_map(|status| {
            let stored = status.state == MonthState::Recu;
            let current = status.current_version().filter(|_| stored);
            status.versions.iter().rev().map(move |v| HistoryLine {
                month_code: status.month.to_string(),
                month: french::month(status.month),
                number: v.number,
                when: v.when.clone(),
                file: v.file.clone(),
                by: v.by.clone(),
                outcome: v.outcome,
                rows: v.rows.clone(),
                restorable: v.number.is_some() && v.number != current && is_workbook(&v.file),
                withdrawable: v.number.is_some() && v.number == current,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        &ManufacturePage {
            page: page(&manufacture.nom),
            id: manufacture.id.clone(),
            name: manufacture.nom.clone(),
            commune: manufacture.commune.clone(),
            region: manufacture.region.name.to_string(),
            filiere: manufacture.filiere.clone(),
            opening: french::month(manufacture.ouverture),
            jeton: session.jeton.clone(),
            can_send: can_send(&account),
            year,
            has_previous_year: year > manufacture.ouverture.year(),
            has_next_year: year < this_year,
            months,
            history,
            reports: manufacture_reports(&portal.workspace.reports, &manufacture.id),
            due_day: DUE_DAY,
            late_months: LATE_MONTHS,
        },
    )
}

/// The report pages written for a manufacture, newest period first.
fn manufacture_reports(reports: &Path, id: &str) -> Vec<(String, String)> {
    let file = crate::report::pages::network_file(crate::engine::Level::Manufacture, id);
    let mut periods: Vec<String> = std::fs::read_dir(reports)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join(&file).is_file())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|name| !name.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    periods.sort();
    periods.reverse();
    periods
        .into_iter()
        .map(|period| {
            let words = french::period(&period);
            (format!("/rapports/{period}/{file}"), words)
        })
        .collect()
}

async fn template_download(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month)): UrlPath<(String, String)>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Modèle", &account, &session);
    let manufacture = match visible_one(&portal, &account, &id) {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(page()),
        Err(e) => return internal(page(), &e),
    };
    let Ok(month) = month.parse::<Month>() else {
        return not_found(page());
    };
    let workspace = portal.workspace.clone();
    let m = manufacture.clone();
    let bytes = blocking(&portal, move || template_bytes(&workspace, &m, month)).await;
    match bytes {
        Ok(bytes) => {
            let name = format!("{}_{month}.xlsx", manufacture.id);
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "telechargement_modele",
                &format!("{} {month}", manufacture.id),
                "",
            );
            download(&name, XLSX_TYPE, bytes)
        }
        Err(e) => internal(page(), &e),
    }
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

fn template_bytes(
    workspace: &crate::workspace::Workspace,
    manufacture: &Manufacture,
    month: Month,
) -> crate::error::Result<Vec<u8>> {
    let definitions = workspace.definitions()?;
    let identification = crate::template::Identification {
        manufacture: manufacture.id.clone(),
        name: manufacture.nom.clone(),
        month,
    };
    let folder = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let path = folder.path().join("modele.xlsx");
    crate::template::write_template(&path, &definitions, &identification)?;
    std::fs::read(&path).map_err(|e| Error::io(&path, e))
}

async fn upload(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath(id): UrlPath<String>,
    mut multipart: Multipart,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Envoi", &account, &session);
    let manufacture = match visible_one(&portal, &account, &id) {
        Ok(Some(m)) if can_send(&account) => m,
        Ok(Some(_)) => return not_found(page()),
        Ok(None) => return not_found(page()),
        Err(e) => return internal(page(), &e),
    };
    let mut token = String::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return upload_failed(page(), &manufacture, e.status(), portal.max_upload),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return upload_failed(page(), &manufacture, e.status(), portal.max_upload),
        };
        match (name.as_str(), file_name) {
            ("jeton", _) => token = String::from_utf8_lossy(&bytes).to_string(),
            ("fichiers", Some(sent)) if !(sent.is_empty() && bytes.is_empty()) => {
                match accept_file(&sent, &bytes) {
                    Ok(kept) => files.push((kept, bytes.to_vec())),
                    Err(why) => refused.push(why.to_string()),
                }
            }
            _ => {}
        }
    }
    if !same_secret(&session.jeton, &token) {
        return forbidden(page());
    }
    if files.is_empty() && refused.is_empty() {
        return message(
            StatusCode::BAD_REQUEST,
            page(),
            "erreur",
            &super::upload::UploadError::Nothing.to_string(),
        );
    }
    let from = client_ip.to_string();
    for (name, bytes) in &files {
        let _ = portal.journal.record(
            &account.email,
            &from,
            "depot",
            &format!("{} : {name}", manufacture.id),
            &crate::store::sha256_hex(bytes),
        );
    }
    for why in &refused {
        let _ = portal
            .journal
            .record(&account.email, &from, "depot_refuse", why, "");
    }
    let folder = portal.folder.clone();
    let (email, m_id) = (account.email.clone(), manufacture.id.clone());
    let kept = blocking(&portal, move || {
        Pending::keep(&folder, &email, &m_id, &files, refused)
    })
    .await;
    match kept {
        Ok(pending) => Redirect::to(&format!("/depots/{}", pending.id)).into_response(),
        Err(e) => internal(page(), &e),
    }
}

/// The page for an upload the server could not read whole (too large, cut off).
fn upload_failed(
    page: Page,
    manufacture: &Manufacture,
    status: StatusCode,
    limit: usize,
) -> Response {
    let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "Envoi trop volumineux : {} au plus par envoi, et 50 Mo par fichier. Envoyez les fichiers en plusieurs fois.",
            megabytes(limit)
        )
    } else {
        "L'envoi a été interrompu avant la fin : renvoyez les fichiers.".to_string()
    };
    render(
        status,
        &MessagePage {
            page: Page {
                title: "Envoi non reçu".into(),
                ..page
            },
            kind: "erreur",
            message: text,
            back: format!("/manufactures/{}", manufacture.id),
            back_label: format!("Retour à {}", manufacture.nom),
        },
    )
}

fn megabytes(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        return format!("{} Ko", bytes / 1024);
    }
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let decimals = if mb < 10.0 && mb.fract() != 0.0 { 1 } else { 0 };
    format!("{} Mo", french::number(mb, decimals))
}

/// An upload of the signed-in account, by its id.
fn own_pending(portal: &Portal, account: &Account, id: &str) -> Option<Pending> {
    Pending::find(&portal.folder, id).filter(|p| p.email == account.email)
}

/// Checks an upload's files as `ingest` would, then refuses what is outside the account's
/// scope (a workbook of another manufacture sent from this page).
fn check_pending(
    portal: &Portal,
    account: &Account,
    pending: &Pending,
) -> crate::error::Result<Vec<(CheckedFile, FilePreview)>> {
    let definitions = portal.workspace.definitions()?;
    let registry = portal.workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = Store::open_existing(&portal.workspace.store);
    let ledger = match &store {
        Some(store) => store.ledger()?,
        None => Vec::new(),
    };
    let versions = |manufacture: &str, month: Month| {
        super::months::versions_of(manufacture, month, &ledger)
            .iter()
            .filter_map(|v| v.number)
            .max()
    };
    let mut checked_files = Vec::new();
    for path in pending.paths(&portal.folder) {
        let mut checked = check_only(&path, &context, store.as_ref())?;
        let outside: Vec<String> = checked
            .submissions
            .iter()
            .filter(|s| {
                registry
                    .get(&s.manufacture)
                    .is_none_or(|m| !account.sees(m))
            })
            .map(|s| s.manufacture.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !outside.is_empty() {
            checked.problems.insert(
                0,
                crate::error::Problem::error(
                    crate::error::Location::file(&path),
                    format!(
                        "ce fichier concerne {}, que votre compte ne gère pas : vérifiez la feuille Identification (ou la colonne id_manufacture)",
                        outside.join(", ")
                    ),
                ),
            );
            checked.submissions.clear();
        }
        let preview = preview(&checked, store.as_ref(), &definitions, &versions)?;
        checked_files.push((checked, preview));
    }
    Ok(checked_files)
}

fn file_views(previews: &[FilePreview], pending: &Pending, stored: bool) -> Vec<FileView> {
    let mut views: Vec<FileView> = previews
        .iter()
        .map(|p| FileView {
            name: p.name.clone(),
            accepted: p.accepted,
            changes: p.changes.iter().map(change_view).collect(),
            problems: p
                .problems
                .iter()
                .map(|l| ProblemView {
                    place: l.place.clone(),
                    message: l.message.clone(),
                    blocking: l.blocking,
                })
                .collect(),
            annotated: !p.accepted && !stored,
        })
        .collect();
    for why in &pending.refus {
        let (name, text) = why.split_once(" : ").unwrap_or(("fichier", why.as_str()));
        views.push(FileView {
            name: name.to_string(),
            accepted: false,
            changes: Vec::new(),
            problems: vec![ProblemView {
                place: "fichier entier".into(),
                message: text.to_string(),
                blocking: true,
            }],
            annotated: false,
        });
    }
    views
}

fn change_view(change: &super::upload::MonthChange) -> ChangeView {
    let version = match change.from {
        Some(from) => format!("version {from} → {}", change.to),
        None => "première version".to_string(),
    };
    let headline = format!(
        "{}, {} : {version}",
        change.manufacture,
        french::month(change.month)
    );
    let details = change
        .tables
        .iter()
        .map(|t| {
            let mut text = if t.rows_before == t.rows_after || change.from.is_none() {
                format!("{} : {}", t.sheet, lines(t.rows_after))
            } else {
                format!(
                    "{} : {} au lieu de {}",
                    t.sheet,
                    lines(t.rows_after),
                    t.rows_before
                )
            };
            if change.from.is_some() {
                for (column, before, after) in &t.totals {
                    text.push_str(&format!(
                        " ; {column} {} au lieu de {}",
                        french::number(*after, decimals(*after)),
                        french::number(*before, decimals(*before))
                    ));
                }
            }
            text
        })
        .collect();
    ChangeView { headline, details }
}

fn lines(n: usize) -> String {
    format!("{n} ligne{}", plural(n))
}

fn decimals(value: f64) -> usize {
    if value.fract().abs() < 1e-9 { 0 } else { 2 }
}

async fn pending_page(
    State(portal): App,
    jar: CookieJar,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Vérification", &account, &session);
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let checked = blocking(&portal, move || check_pending(&p, &a, &pd)).await;
    match checked {
        Ok(checked) => {
            let previews: Vec<FilePreview> = checked.into_iter().map(|(_, p)| p).collect();
            preview_page(&portal, page(), &session, &pending, &previews, false)
        }
        Err(e) => internal(page(), &e),
    }
}

fn gone(page: Page) -> Response {
    message(
        StatusCode::NOT_FOUND,
        Page {
            title: "Envoi introuvable".into(),
            ..page
        },
        "erreur",
        "Cet envoi n'existe plus : il a déjà été confirmé ou annulé (voyez la page de la manufacture), ou il n'est pas le vôtre.",
    )
}

fn preview_page(
    portal: &Portal,
    page: Page,
    session: &Session,
    pending: &Pending,
    previews: &[FilePreview],
    stored: bool,
) -> Response {
    let back_label = portal
        .workspace
        .registry()
        .ok()
        .and_then(|r| r.get(&pending.manufacture).map(|m| m.nom.clone()))
        .unwrap_or_else(|| pending.manufacture.clone());
    let files = file_views(previews, pending, stored);
    let accepted_count = files.iter().filter(|f| f.accepted).count();
    let refused = files.len() - accepted_count;
    let summary = match (stored, accepted_count, refused) {
        (true, n, _) => format!("{n} fichier{} enregistré{} : merci.", plural(n), plural(n)),
        (false, n, 0) => format!(
            "{n} fichier{} prêt{} à être enregistré{} : vérifiez ce qu'il{} remplace{}, puis confirmez.",
            plural(n),
            plural(n),
            plural(n),
            plural(n),
            if n > 1 { "nt" } else { "" }
        ),
        (false, 0, r) => format!(
            "{r} fichier{} refusé{} : corrigez chaque problème ci-dessous, puis renvoyez.",
            plural(r),
            plural(r)
        ),
        (false, n, r) => format!(
            "{n} fichier{} accepté{}, {r} refusé{}.",
            plural(n),
            plural(n),
            plural(r)
        ),
    };
    render(
        StatusCode::OK,
        &PreviewPage {
            page,
            id: pending.id.clone(),
            jeton: session.jeton.clone(),
            files,
            accepted_count,
            summary,
            stored,
            back: format!("/manufactures/{}", pending.manufacture),
            back_label,
        },
    )
}

fn plural(n: usize) -> &'static str {
    if n > 1 { "s" } else { "" }
}

async fn annotated_download(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, n)): UrlPath<(String, usize)>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Copie annotée", &account, &session);
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let Some(name) = pending.fichiers.get(n).cloned() else {
        return not_found(page());
    };
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let written = blocking(&portal, move || {
        let checked = check_pending(&p, &a, &pd)?;
        let (file, _) = &checked[n];
        let path = pd.paths(&p.folder)[n].clone();
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let out = pd.folder(&p.folder).join(format!(".annote-{n}.xlsx"));
        crate::ingest::annotate::write_annotated(&path, &bytes, &file.problems, &out)?;
        std::fs::read(&out).map_err(|e| Error::io(&out, e))
    })
    .await;
    match written {
        Ok(bytes) => {
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "telechargement_annote",
                &name,
                "",
            );
            download(&format!("{stem}_annote.xlsx"), XLSX_TYPE, bytes)
        }
        Err(Error::Usage(text)) => message(
            StatusCode::OK,
            page(),
            "info",
            &format!("Ce fichier ne peut pas être annoté : {text}"),
        ),
        Err(e) => internal(page(), &e),
    }
}

async fn confirm(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Envoi enregistré", &account, &session);
    if !same_secret(&session.jeton, &form.jeton) {
        return forbidden(page());
    }
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let _write = portal.writes.lock().await;
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let outcome = blocking(&portal, move || {
        let checked = check_pending(&p, &a, &pd)?;
        let (accepted, previews): (Vec<_>, Vec<_>) = checked
            .into_iter()
            .filter(|(c, _)| c.is_accepted())
            .map(|(c, preview)| (c.path, preview))
            .unzip();
        let options = IngestOptions {
            by: Some(a.email.clone()),
            ..IngestOptions::default()
        };
        let reports = ingest(&p.workspace, &accepted, options, &|| {}, &|_| {})?;
        Ok::<_, Error>((reports, previews))
    })
    .await;
    let (reports, previews) = match outcome {
        Ok(done) => done,
        Err(e) => return internal(page(), &e),
    };
    let from = client_ip.to_string();
    for report in &reports {
        let name = report
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let action = match report.outcome {
            Outcome::Accepte | Outcome::DejaRecu => "confirmation",
            _ => "confirmation_refusee",
        };
        let _ = portal
            .journal
            .record(&account.email, &from, action, name, &report.hash);
    }
    let stored: Vec<FilePreview> = previews
        .into_iter()
        .zip(&reports)
        .filter(|(_, r)| matches!(r.outcome, Outcome::Accepte | Outcome::DejaRecu))
        .map(|(p, _)| p)
        .collect();
    let _ = pending.discard(&portal.folder);
    portal.store_changed();
    let done = Pending {
        refus: Vec::new(),
        ..pending
    };
    preview_page(&portal, page(), &session, &done, &stored, true)
}

async fn cancel(
    State(portal): App,
    jar: CookieJar,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Envoi annulé", &account, &session);
    if !same_secret(&session.jeton, &form.jeton) {
        return forbidden(page());
    }
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    match pending.discard(&portal.folder) {
        Ok(()) => Redirect::to(&format!("/manufactures/{}", pending.manufacture)).into_response(),
        Err(e) => internal(page(), &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RestoreForm {
    jeton: String,
    version: usize,
}

/// The manufacture and month of a month's form, once the session, its token and the
/// account's scope are checked; or the page that says why not.
fn month_action(
    portal: &Portal,
    jar: &CookieJar,
    id: &str,
    month: &str,
    token: &str,
) -> Result<(Session, Account, Manufacture, Month), Box<Response>> {
    let Some((session, account)) = signed_in(portal, jar) else {
        return Err(Box::new(to_login()));
    };
    let page = || Page::signed_in("Mois", &account, &session);
    if !same_secret(&session.jeton, token) {
        return Err(Box::new(forbidden(page())));
    }
    let manufacture = match visible_one(portal, &account, id) {
        Ok(Some(m)) if can_send(&account) => m,
        Ok(_) => return Err(Box::new(not_found(page()))),
        Err(e) => return Err(Box::new(internal(page(), &e))),
    };
    let Ok(month) = month.parse::<Month>() else {
        return Err(Box::new(not_found(page())));
    };
    Ok((session, account, manufacture, month))
}

fn month_done(
    page: Page,
    manufacture: &Manufacture,
    month: Month,
    kind: &'static str,
    text: &str,
) -> Response {
    render(
        StatusCode::OK,
        &MessagePage {
            page,
            kind,
            message: text.to_string(),
            back: format!("/manufactures/{}?annee={}", manufacture.id, month.year()),
            back_label: format!("Retour à {}", manufacture.nom),
        },
    )
}

async fn restore_month(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month)): UrlPath<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> Response {
    let (session, account, manufacture, month) =
        match month_action(&portal, &jar, &id, &month, &form.jeton) {
            Ok(found) => found,
            Err(page) => return *page,
        };
    let page = || Page::signed_in("Version restaurée", &account, &session);
    let _write = portal.writes.lock().await;
    let (p, m_id, by, version) = (
        Arc::clone(&portal),
        manufacture.id.clone(),
        account.email.clone(),
        form.version,
    );
    let restored = blocking(&portal, move || {
        crate::pipeline::restore(&p.workspace, &m_id, month, version, Some(&by), &|_| {})
    })
    .await;
    let label = french::month(month);
    match restored {
        Ok(report) => {
            portal.store_changed();
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "restauration",
                &format!("{} {month} : version {version}", manufacture.id),
                &report.hash,
            );
            let (kind, text) = match report.outcome {
                Outcome::Accepte => (
                    "succes",
                    format!(
                        "{label} : la version {version} est de nouveau celle du mois (enregistrée comme une nouvelle version)."
                    ),
                ),
                Outcome::DejaRecu => (
                    "info",
                    format!("{label} : la version {version} est déjà celle du mois."),
                ),
                _ => {
                    let why: Vec<String> = report
                        .problems
                        .iter()
                        .filter(|p| p.severity == crate::error::Severity::Error)
                        .map(|p| p.within_file())
                        .collect();
                    (
                        "erreur",
                        format!(
                            "{label} : la version {version} n'est plus acceptée aujourd'hui ({}). Rien n'a changé.",
                            why.join(" ; ")
                        ),
                    )
                }
            };
            month_done(page(), &manufacture, month, kind, &text)
        }
        Err(Error::Usage(text)) => month_done(page(), &manufacture, month, "erreur", &text),
        Err(e) => internal(page(), &e),
    }
}

async fn withdraw_month(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month)): UrlPath<(String, String)>,
    Form(form): Form<TokenForm>,
) -> Response {
    let (session, account, manufacture, month) =
        match month_action(&portal, &jar, &id, &month, &form.jeton) {
            Ok(found) => found,
            Err(page) => return *page,
        };
    let page = || Page::signed_in("Mois retiré", &account, &session);
    let _write = portal.writes.lock().await;
    let (p, m_id, by) = (
        Arc::clone(&portal),
        manufacture.id.clone(),
        account.email.clone(),
    );
    let withdrawn = blocking(&portal, move || {
        crate::pipeline::withdraw(&p.workspace, &m_id, month, Some(&by), &|_| {})
    })
    .await;
    let label = french::month(month);
    match withdrawn {
        Ok(Some(_)) => {
            portal.store_changed();
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "retrait",
                &format!("{} {month}", manufacture.id),
                "",
            );
            let text = format!(
                "{label} est retiré : il ne compte plus dans les chiffres. Les fichiers reçus restent gardés ; renvoyez le bon classeur quand vous l'aurez."
            );
            month_done(page(), &manufacture, month, "succes", &text)
        }
        Ok(None) => {
            let text = format!("{label} n'est pas enregistré : rien à retirer.");
            month_done(page(), &manufacture, month, "info", &text)
        }
        Err(e) => internal(page(), &e),
    }
}

/// Whether an account reads the network's grid of declarations: a réseau account.
pub fn sees_grid(account: &Account) -> bool {
    account.role == Role::Reseau
}

async fn declarations_page(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Déclarations", &account, &session);
    if !sees_grid(&account) {
        return not_found(page());
    }
    let manufactures = match visible(&portal, &account) {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    let contacts = match portal.accounts.list() {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    let store_root = portal.workspace.store.clone();
    let built = blocking(&portal, move || {
        declarations(&store_root, &manufactures, &contacts)
    })
    .await;
    match built {
        Ok((months, rows, late)) => render(
            StatusCode::OK,
            &DeclarationsPage {
                page: page(),
                scope: account.scope_label(),
                months,
                rows,
                late,
                late_months: LATE_MONTHS,
            },
        ),
        Err(e) => internal(page(), &e),
    }
}

/// The network's grid over the last twelve months, and the months late or missing with the
/// managers to ask.
fn declarations(
    store_root: &Path,
    manufactures: &[Manufacture],
    accounts: &[Account],
) -> crate::error::Result<(Vec<String>, Vec<GridRow>, Vec<LateMonth>)> {
    let store = Store::read(store_root);
    let stored: BTreeSet<(String, Month)> = store.stored_months()?.into_iter().collect();
    let ledger = store.ledger()?;
    let today = chrono::Utc::now().date_naive();
    let last = Month::of_date(today).plus(-1);
    let months: Vec<Month> = last.plus(-11).through(last).collect();
    let labels = months
        .iter()
        .map(|m| french::short_month(*m, true))
        .collect();
    let mut rows = Vec::new();
    let mut late = Vec::new();
    for manufacture in manufactures {
        let mut cells = Vec::new();
        let (mut received, mut expected) = (0, 0);
        for month in &months {
            let versions = super::months::versions_of(&manufacture.id, *month, &ledger);
            let is_stored = stored.contains(&(manufacture.id.clone(), *month));
            let refused = versions.last().is_some_and(|v| v.outcome == "refusé");
            let state = super::months::month_state(manufacture, *month, is_stored, refused, today);
            expected += usize::from(state != MonthState::PasAttendu);
            received += usize::from(state == MonthState::Recu);
            if matches!(
                state,
                MonthState::EnRetard | MonthState::Manquant | MonthState::Refuse
            ) {
                late.push(LateMonth {
                    id: manufacture.id.clone(),
                    name: manufacture.nom.clone(),
                    month: french::month(*month),
                    state: state.label(),
                    contacts: accounts
                        .iter()
                        .filter(|a| a.role == Role::Gestionnaire && a.sees(manufacture))
                        .map(|a| a.email.clone())
                        .collect(),
                });
            }
            cells.push(GridCell {
                letter: state.letter(),
                class: state.class(),
                title: format!("{} : {}", french::month(*month), state.label()),
            });
        }
        rows.push(GridRow {
            id: manufacture.id.clone(),
            name: manufacture.nom.clone(),
            cells,
            received,
            expected,
        });
    }
    Ok((labels, rows, late))
}

async fn accounts_page(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    accounts_view(
        &portal,
        &session,
        &account,
        String::new(),
        "succes",
        String::new(),
    )
}

/// The page of the accounts a réseau account manages, with a message and, once, a link.
fn accounts_view(
    portal: &Portal,
    session: &Session,
    account: &Account,
    message_text: String,
    message_kind: &'static str,
    link: String,
) -> Response {
    let page = || Page::signed_in("Comptes", account, session);
    if !sees_grid(account) {
        return not_found(page());
    }
    let (list, registry) = match (portal.accounts.list(), portal.workspace.registry()) {
        (Ok(list), Ok(registry)) => (list, registry),
        (Err(e), _) | (_, Err(e)) => return internal(page(), &e),
    };
    let rows = list
        .iter()
        .filter(|other| account.manages(other, &registry))
        .map(|other| AccountRow {
            email: other.email.clone(),
            role: other.role.label(),
            scope: other.scope_label(),
            state: if other.is_active() {
                "actif"
            } else {
                "invitation en attente"
            },
        })
        .collect();
    render(
        StatusCode::OK,
        &AccountsPage {
            page: page(),
            scope: account.scope_label(),
            jeton: session.jeton.clone(),
            rows,
            message: message_text,
            message_kind,
            link,
            days: super::accounts::INVITATION_DAYS,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    jeton: String,
    email: String,
    role: String,
    manufactures: String,
    regions: String,
}

/// `mp003, mp007` as a list.
fn list_of(text: &str) -> Vec<String> {
    text.split([',', ';', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The portal's address as the browser reached it, for invitation links.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let local =
        host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or(if local { "http" } else { "https" });
    format!("{scheme}://{host}")
}

async fn invite_account(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    if !sees_grid(&account) {
        return not_found(Page::signed_in("Comptes", &account, &session));
    }
    if !same_secret(&session.jeton, &form.jeton) {
        return forbidden(Page::signed_in("Comptes", &account, &session));
    }
    let role = if form.role == "reseau" {
        Role::Reseau
    } else {
        Role::Gestionnaire
    };
    let mut regions = list_of(&form.regions);
    if role == Role::Reseau && regions.is_empty() {
        regions = account.regions.clone();
    }
    let new = NewAccount {
        email: form.email.clone(),
        role,
        manufactures: if role == Role::Gestionnaire {
            list_of(&form.manufactures)
        } else {
            Vec::new()
        },
        regions,
    };
    let registry = match portal.workspace.registry() {
        Ok(registry) => registry,
        Err(e) => return internal(Page::signed_in("Comptes", &account, &session), &e),
    };
    let candidate = Account {
        email: new.email.trim().to_lowercase(),
        role: new.role,
        manufactures: new.manufactures.clone(),
        regions: new.regions.clone(),
        mot_de_passe: None,
        invitation: None,
        invite_par: account.email.clone(),
        cree_le: chrono::Utc::now(),
    };
    if !account.manages(&candidate, &registry) {
        let text = "Ce compte sortirait de votre périmètre : vous ne créez que des comptes des manufactures et régions que vous couvrez.".to_string();
        return accounts_view(&portal, &session, &account, text, "erreur", String::new());
    }
    match portal.accounts.invite(new, &account.email, &registry) {
        Ok(Ok(token)) => {
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "compte_cree",
                &candidate.email,
                "",
            );
            let link = format!("{}/invitation/{token}", base_url(&headers));
            let text = format!("Compte créé pour {}.", candidate.email);
            accounts_view(&portal, &session, &account, text, "succes", link)
        }
        Ok(Err(why)) => accounts_view(
            &portal,
            &session,
            &account,
            why.to_string(),
            "erreur",
            String::new(),
        ),
        Err(e) => internal(Page::signed_in("Comptes", &account, &session), &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AccountForm {
    jeton: String,
    email: String,
}

/// The account a réseau account's form names, if it manages it.
fn managed(portal: &Portal, account: &Account, email: &str) -> Option<Account> {
    let registry = portal.workspace.registry().ok()?;
    portal
        .accounts
        .get(email)
        .ok()
        .flatten()
        .filter(|other| account.manages(other, &registry))
}

/// The session, account and the managed account a form names, once the session, its token
/// and the scope are checked; or the page that says why not.
fn account_action(
    portal: &Portal,
    jar: &CookieJar,
    form: &AccountForm,
) -> Result<(Session, Account, Account), Box<Response>> {
    let Some((session, account)) = signed_in(portal, jar) else {
        return Err(Box::new(to_login()));
    };
    let page = || Page::signed_in("Comptes", &account, &session);
    if !same_secret(&session.jeton, &form.jeton) {
        return Err(Box::new(forbidden(page())));
    }
    let Some(target) = managed(portal, &account, &form.email) else {
        return Err(Box::new(not_found(page())));
    };
    Ok((session, account, target))
}

async fn reset_account(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    let (session, account, target) = match account_action(&portal, &jar, &form) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let page = || Page::signed_in("Comptes", &account, &session);
    match portal.accounts.reset(&target.email) {
        Ok(Ok(token)) => {
            let _ = portal.sessions.close_all_of(&target.email);
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "compte_reinitialise",
                &target.email,
                "",
            );
            let link = format!("{}/invitation/{token}", base_url(&headers));
            let text = format!(
                "Le mot de passe de {} est effacé ; ses sessions sont fermées.",
                target.email
            );
            accounts_view(&portal, &session, &account, text, "succes", link)
        }
        Ok(Err(why)) => accounts_view(
            &portal,
            &session,
            &account,
            why.to_string(),
            "erreur",
            String::new(),
        ),
        Err(e) => internal(page(), &e),
    }
}

async fn remove_account(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    Form(form): Form<AccountForm>,
) -> Response {
    let (session, account, target) = match account_action(&portal, &jar, &form) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let page = || Page::signed_in("Comptes", &account, &session);
    match portal.accounts.remove(&target.email) {
        Ok(Ok(removed)) => {
            let _ = portal.sessions.close_all_of(&removed.email);
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "compte_retire",
                &removed.email,
                "",
            );
            let text = format!("Compte {} supprimé.", removed.email);
            accounts_view(&portal, &session, &account, text, "succes", String::new())
        }
        Ok(Err(why)) => accounts_view(
            &portal,
            &session,
            &account,
            why.to_string(),
            "erreur",
            String::new(),
        ),
        Err(e) => internal(page(), &e),
    }
}

/// The report pages an account may read: a manager, their manufactures' pages; a regional
/// network head, its manufactures' and régions' pages; the national network and consultants,
/// every page.
fn may_read_report(account: &Account, registry: &crate::registry::Registry, file: &str) -> bool {
    if account.sees_everything() {
        return true;
    }
    let own_manufacture = registry.manufactures().iter().any(|m| {
        account.sees(m)
            && file == crate::report::pages::network_file(crate::engine::Level::Manufacture, &m.id)
    });
    let own_region = account.role == Role::Reseau
        && account.regions.iter().any(|code| {
            file == crate::report::pages::network_file(crate::engine::Level::Region, code)
        });
    own_manufacture || own_region
}

/// The security policy of a report page: self-contained, so its style sheet is inline.
const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportQuery {
    /// Set: the standalone file, as `mesure report` wrote it.
    autonome: Option<String>,
}

/// The body and title of a report page written by `mesure report` (its `<main>` and its
/// `<title>`), to show it in the portal's frame.
fn report_parts(html: &str) -> Option<(String, String)> {
    let body = html.split_once("<main>\n")?.1.rsplit_once("\n</main>")?.0;
    let title = html.split_once("<title>")?.1.split_once("</title>")?.0;
    Some((body.to_string(), title.to_string()))
}

/// A report's body without its first `<nav>` (its links to the network's pages).
fn without_first_nav(body: &str) -> String {
    match (body.find("<nav>"), body.find("</nav>\n")) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{}", &body[..start], &body[end + "</nav>\n".len()..])
        }
        _ => body.to_string(),
    }
}

async fn report_file(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((period, file)): UrlPath<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Rapport", &account, &session);
    let plain = |text: &str| {
        !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && !text.starts_with('.')
    };
    if !plain(&period) || !plain(&file) || !file.ends_with(".html") {
        return not_found(page());
    }
    let registry = match portal.workspace.registry() {
        Ok(registry) => registry,
        Err(e) => return internal(page(), &e),
    };
    if !may_read_report(&account, &registry, &file) {
        return not_found(page());
    }
    let path = portal.workspace.reports.join(&period).join(&file);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "lecture_rapport",
                &format!("{period}/{file}"),
                "",
            );
            let html = String::from_utf8_lossy(&bytes);
            if query.autonome.is_none()
                && let Some((body, title)) = report_parts(&html)
            {
                // The title was escaped when the report was written: unescape the few
                // entities askama writes, since the portal's template escapes it again.
                let title = title
                    .replace("&#39;", "'")
                    .replace("&#34;", "\"")
                    .replace("&#60;", "<")
                    .replace("&#62;", ">")
                    .replace("&#38;", "&");
                // The report's own links go to network pages: for a reader who cannot open
                // them (a manager, a regional head), they would lead to « introuvable ».
                let body = if account.sees_everything() {
                    body
                } else {
                    without_first_nav(&body)
                };
                return render(
                    StatusCode::OK,
                    &ReportPage {
                        page: Page::signed_in(title, &account, &session),
                        body,
                        standalone: format!("/rapports/{period}/{file}?autonome=1"),
                    },
                );
            }
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CONTENT_SECURITY_POLICY, REPORT_POLICY),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => not_found(page()),
    }
}

async fn reports_page(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Rapports", &account, &session);
    let registry = match portal.workspace.registry() {
        Ok(registry) => registry,
        Err(e) => return internal(page(), &e),
    };
    let mut links = Vec::new();
    let mut periods: Vec<String> = std::fs::read_dir(&portal.workspace.reports)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().to_str().map(str::to_string))
                .filter(|name| !name.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    periods.sort();
    periods.reverse();
    for period in &periods {
        let folder = portal.workspace.reports.join(period);
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.file_name().to_str().map(str::to_string))
                    .filter(|name| name.ends_with(".html"))
                    .filter(|name| may_read_report(&account, &registry, name))
                    .collect()
            })
            .unwrap_or_default();
        files.sort_by_key(|name| (!name.starts_with("national"), name.clone()));
        for file in files {
            links.push(ReportLink {
                href: format!("/rapports/{period}/{file}"),
                label: report_label(&registry, &file),
                period: french::period(period),
            });
        }
    }
    render(
        StatusCode::OK,
        &ReportsPage {
            page: page(),
            links,
        },
    )
}

/// A report file's name in words: « La Fabrique nivernaise », « Région Bretagne »...
fn report_label(registry: &crate::registry::Registry, file: &str) -> String {
    let stem = file.trim_end_matches(".html");
    if stem == "national" {
        return "Rapport national".to_string();
    }
    if let Some(m) = registry.manufactures().iter().find(|m| {
        file == crate::report::pages::network_file(crate::engine::Level::Manufacture, &m.id)
    }) {
        return m.nom.clone();
    }
    if let Some(code) = stem.strip_prefix("region-")
        && let Some(region) = crate::geo::region(code)
    {
        return format!("Région {}", region.name);
    }
    match stem.split_once('-') {
        Some((kind, name)) => format!("{} {}", capitalized(kind), name.replace('-', " ")),
        None => stem.to_string(),
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether an account reads the definitions page: a consultant, or a network head.
pub fn sees_definitions(account: &Account) -> bool {
    matches!(account.role, Role::Consultant | Role::Reseau)
}

async fn definitions_page(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Définitions", &account, &session);
    if !sees_definitions(&account) {
        return not_found(page());
    }
    let workspace = portal.workspace.clone();
    let gathered = blocking(&portal, move || {
        let check = crate::pipeline::check_workspace(&workspace)?;
        let indicators = workspace
            .definitions()
            .map(|d| d.indicators.iter().map(indicator_view).collect())
            .unwrap_or_default();
        Ok::<_, Error>((check, indicators))
    })
    .await;
    match gathered {
        Ok((check, indicators)) => render(
            StatusCode::OK,
            &DefinitionsPage {
                page: page(),
                summary: check.summary.join(", "),
                problems: check
                    .problems
                    .iter()
                    .map(|p| ProblemView {
                        place: p.location.to_string(),
                        message: p.message.clone(),
                        blocking: true,
                    })
                    .collect(),
                indicators,
            },
        ),
        Err(e) => internal(page(), &e),
    }
}

fn indicator_view(indicator: &crate::definitions::Indicator) -> IndicatorView {
    use crate::definitions::{Direction, Kind, StockOverMonths};
    let scale = |s: f64| {
        if s == 1.0 {
            String::new()
        } else {
            format!(" × {}", french::number(s, 0))
        }
    };
    let (kind, formula) = match &indicator.kind {
        Kind::Sum { value } => (
            "somme (flux : additionné sur les mois et les manufactures)",
            format!("Σ {}", value.text),
        ),
        Kind::Stock { value, over_months } => (
            match over_months {
                StockOverMonths::Mean => {
                    "stock (additionné entre manufactures ; moyenne des mois déclarés)"
                }
                StockOverMonths::Last => {
                    "stock (additionné entre manufactures ; dernier mois déclaré)"
                }
            },
            format!("Σ {} dans le mois", value.text),
        ),
        Kind::Ratio {
            numerator,
            denominator,
            scale: s,
        } => (
            "ratio regroupé",
            format!("Σ {} / Σ {}{}", numerator.text, denominator.text, scale(*s)),
        ),
        Kind::Share {
            value,
            part,
            scale: s,
        } => (
            "part regroupée",
            format!(
                "(Σ {} où {}) / Σ {}{}",
                value.text,
                part.text,
                value.text,
                scale(*s)
            ),
        ),
        Kind::WeightedMean { value, weight } => (
            "moyenne pondérée regroupée",
            format!("Σ ({} × {}) / Σ {}", value.text, weight.text, weight.text),
        ),
        Kind::Evenness {
            column,
            categories,
            weight,
        } => (
            "équitabilité (indice de Pielou)",
            format!(
                "H / ln {} sur {column}, chaque ligne pesant {}",
                categories.len(),
                weight.text
            ),
        ),
    };
    IndicatorView {
        id: indicator.id.clone(),
        name: indicator.name.clone(),
        theme: indicator.theme.clone(),
        description: indicator.description.clone(),
        kind,
        formula,
        table: indicator.table.clone(),
        filter: indicator
            .filter
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default(),
        unit: indicator.unit.clone(),
        target: match indicator.target {
            Some(t) => format!(
                "{} {}",
                match t.direction {
                    Direction::AtLeast => "au moins",
                    Direction::AtMost => "au plus",
                },
                french::value(Some(t.value), &indicator.unit)
            ),
            None => "aucune".to_string(),
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FiguresQuery {
    /// `excel` for Excel's French CSV (`;`, decimal comma, BOM), `parquet` for Parquet.
    format: String,
}

/// Whether a figure's row (its level and entity) is within an account's scope: a manager, their
/// manufactures and the nation; a regional network head, its manufactures, its régions and
/// the nation; the national network and consultants, everything.
fn figure_visible(
    account: &Account,
    visible_ids: &BTreeSet<String>,
    level: &str,
    entity: &str,
) -> bool {
    if account.sees_everything() {
        return true;
    }
    match level {
        "manufacture" => visible_ids.contains(entity),
        "national" => true,
        "region" => account.role == Role::Reseau && account.regions.iter().any(|r| r == entity),
        _ => false,
    }
}

async fn figures_download(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    Query(query): Query<FiguresQuery>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Chiffres", &account, &session);
    let visible_ids: BTreeSet<String> = match visible(&portal, &account) {
        Ok(list) => list.into_iter().map(|m| m.id).collect(),
        Err(e) => return internal(page(), &e),
    };
    let excel = query.format == "excel";
    let parquet = query.format == "parquet";
    let p = Arc::clone(&portal);
    let a = account.clone();
    let written = blocking(&portal, move || {
        let figures = p.figures()?;
        let levels = figures
            .column("niveau")
            .and_then(|c| c.str().cloned())
            .map_err(polars_error)?;
        let entities = figures
            .column("entite")
            .and_then(|c| c.str().cloned())
            .map_err(polars_error)?;
        let mask: polars::prelude::BooleanChunked = levels
            .iter()
            .zip(entities.iter())
            .map(|(level, entity)| {
                figure_visible(&a, &visible_ids, level.unwrap_or(""), entity.unwrap_or(""))
            })
            .collect();
        let mine = figures.filter(&mask).map_err(polars_error)?;
        let mut bytes = Vec::new();
        if parquet {
            crate::export::write_parquet(&mine, &mut bytes)?;
        } else {
            crate::export::write_csv(&mine, &mut bytes, excel)?;
        }
        Ok::<_, Error>(bytes)
    })
    .await;
    match written {
        Ok(bytes) => {
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "telechargement_chiffres",
                &query.format,
                "",
            );
            if parquet {
                download(
                    "indicateurs.parquet",
                    "application/vnd.apache.parquet",
                    bytes,
                )
            } else {
                download("indicateurs.csv", "text/csv; charset=utf-8", bytes)
            }
        }
        Err(e) => internal(page(), &e),
    }
}

fn polars_error(e: polars::prelude::PolarsError) -> Error {
    Error::Usage(format!("erreur interne en lisant les chiffres ({e})"))
}

async fn journal_page(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = Page::signed_in("Journal", &account, &session);
    if !sees_journal(&account) {
        return not_found(page);
    }
    match portal.journal.last(500) {
        Ok(events) => render(StatusCode::OK, &JournalPage { page, events }),
        Err(e) => internal(page, &e),
    }
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
