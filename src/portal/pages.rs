//! The portal's pages: one askama template per page (in `src/templates/portail/`), each with
//! the values it shows already put into words. Every value is escaped by the template.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::accounts::Account;
use super::journal::Event;
use super::months::Version;
use super::session::Session;

/// The frame every page shares: its title and who is signed in.
pub struct Page {
    pub title: String,
    pub user: Option<UserBar>,
}

/// The signed-in account, in the page's top bar.
pub struct UserBar {
    pub email: String,
    pub role: &'static str,
    /// The session's form token, for the sign-out button.
    pub token: String,
    pub sees_grid: bool,
    pub sees_definitions: bool,
    pub sees_journal: bool,
}

impl Page {
    /// A page for a signed-in account.
    pub fn signed_in(title: impl Into<String>, account: &Account, session: &Session) -> Self {
        Page {
            title: title.into(),
            user: Some(UserBar {
                email: account.email.clone(),
                role: account.role.label(),
                token: session.token.clone(),
                sees_grid: super::routes::sees_grid(account),
                sees_definitions: super::routes::sees_definitions(account),
                sees_journal: super::routes::sees_journal(account),
            }),
        }
    }

    /// A page for anybody.
    pub fn public(title: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            user: None,
        }
    }
}

/// Renders a template with a status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(format!(
                "<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur</title><p>Erreur interne en composant la page ({}).</p></html>",
                crate::report::html::escape(&e.to_string())
            )),
        )
            .into_response(),
    }
}

/// A message alone: an error, a refusal, a confirmation.
#[derive(Template)]
#[template(path = "portail/message.html", config = "src/templates/askama.toml")]
pub struct MessagePage {
    pub page: Page,
    /// `erreur`, `succes` or `info`.
    pub kind: &'static str,
    pub message: String,
    pub back: String,
    pub back_label: String,
}

#[derive(Template)]
#[template(path = "portail/connexion.html", config = "src/templates/askama.toml")]
pub struct LoginPage {
    pub page: Page,
    pub token: String,
    pub email: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "portail/invitation.html", config = "src/templates/askama.toml")]
pub struct InvitationPage {
    pub page: Page,
    pub token: String,
    pub email: String,
    pub role: &'static str,
    pub scope: String,
    pub min_chars: usize,
    pub message: String,
}

/// A manufacture in the home page's list.
pub struct HomeRow {
    pub id: String,
    pub name: String,
    pub commune: String,
    pub region: String,
    pub received: usize,
    pub expected: usize,
    pub late: usize,
    pub last_upload: String,
}

#[derive(Template)]
#[template(path = "portail/accueil.html", config = "src/templates/askama.toml")]
pub struct HomePage {
    pub page: Page,
    pub rows: Vec<HomeRow>,
    pub deadline_days: i64,
}

/// A month in the manufacture page's grid.
pub struct GridMonth {
    /// `2025-03`.
    pub month: String,
    /// `mars 2025`.
    pub label: String,
    pub state: &'static str,
    pub class: &'static str,
    pub version: Option<usize>,
    /// Whether a template may be downloaded (the manufacture is open that month).
    pub expected: bool,
}

/// A line of the manufacture page's history of uploads.
pub struct HistoryLine {
    /// `2025-03`, for the forms.
    pub month_code: String,
    pub month: String,
    /// The version the file made, when, from whom, with what outcome.
    pub version: Version,
    /// An earlier version of a workbook: the month can go back to it.
    pub restorable: bool,
    /// The current version: the month can be withdrawn.
    pub withdrawable: bool,
}

#[derive(Template)]
#[template(
    path = "portail/manufacture.html",
    config = "src/templates/askama.toml"
)]
pub struct ManufacturePage {
    pub page: Page,
    pub id: String,
    pub name: String,
    pub commune: String,
    pub region: String,
    pub filiere: String,
    pub opening: String,
    pub token: String,
    /// Whether the account sends files (not a consultant).
    pub can_send: bool,
    pub year: i32,
    pub has_previous_year: bool,
    pub has_next_year: bool,
    pub months: Vec<GridMonth>,
    pub history: Vec<HistoryLine>,
    /// `(href, period in words)` of this manufacture's report pages, newest first.
    pub reports: Vec<(String, String)>,
    pub deadline_days: i64,
    pub late_months: i32,
}

/// A month a file would change, in words.
pub struct ChangeView {
    /// « mp003, mars 2026 : version 2 → 3 ».
    pub headline: String,
    /// « Publics : 8 lignes au lieu de 7 ; nb_passages 412 au lieu de 398 ».
    pub details: Vec<String>,
}

/// A problem line of the preview.
pub struct ProblemView {
    pub place: String,
    pub message: String,
    pub blocking: bool,
}

/// A file of the preview.
pub struct FileView {
    pub name: String,
    pub accepted: bool,
    pub changes: Vec<ChangeView>,
    pub problems: Vec<ProblemView>,
    /// Whether an annotated copy can be downloaded.
    pub annotated: bool,
}

#[derive(Template)]
#[template(path = "portail/apercu.html", config = "src/templates/askama.toml")]
pub struct PreviewPage {
    pub page: Page,
    pub id: String,
    pub token: String,
    pub files: Vec<FileView>,
    pub accepted_count: usize,
    pub summary: String,
    /// Whether the files are stored (the page after confirming).
    pub stored: bool,
    pub back: String,
    pub back_label: String,
}

/// An account in the network's list of accounts.
pub struct AccountRow {
    pub email: String,
    pub role: &'static str,
    pub scope: String,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "portail/comptes.html", config = "src/templates/askama.toml")]
pub struct AccountsPage {
    pub page: Page,
    pub scope: String,
    pub token: String,
    pub rows: Vec<AccountRow>,
    pub message: String,
    /// `succes` or `erreur`.
    pub message_kind: &'static str,
    /// The invitation link just made, shown once.
    pub link: String,
    pub days: i64,
}

/// A report page in the list of reports.
pub struct ReportLink {
    pub href: String,
    pub label: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "portail/rapports.html", config = "src/templates/askama.toml")]
pub struct ReportsPage {
    pub page: Page,
    pub links: Vec<ReportLink>,
}

/// An indicator as the definitions page describes it.
pub struct IndicatorView {
    pub id: String,
    pub name: String,
    pub theme: String,
    pub description: String,
    pub kind: &'static str,
    pub formula: String,
    pub table: String,
    pub filter: String,
    pub unit: String,
    pub target: String,
}

#[derive(Template)]
#[template(
    path = "portail/definitions.html",
    config = "src/templates/askama.toml"
)]
pub struct DefinitionsPage {
    pub page: Page,
    pub summary: String,
    pub problems: Vec<ProblemView>,
    pub indicators: Vec<IndicatorView>,
}

/// A report page inside the portal: the body `mesure report` wrote, in the portal's frame.
#[derive(Template)]
#[template(path = "portail/rapport.html", config = "src/templates/askama.toml")]
pub struct ReportPage {
    pub page: Page,
    /// The report's body, as written on disk (already escaped where needed).
    pub body: String,
    /// The address of the standalone file.
    pub standalone: String,
}

/// A cell of the network's grid.
pub struct GridCell {
    pub letter: &'static str,
    pub class: &'static str,
    /// « mars 2025 : en retard ».
    pub title: String,
}

/// A manufacture's line of the network's grid.
pub struct GridRow {
    pub id: String,
    pub name: String,
    pub cells: Vec<GridCell>,
    pub received: usize,
    pub expected: usize,
}

/// A month late or missing, with whom to ask for it.
pub struct LateMonth {
    pub id: String,
    pub name: String,
    pub month: String,
    pub state: &'static str,
    /// The e-mail addresses of the manufacture's managers.
    pub contacts: Vec<String>,
}

#[derive(Template)]
#[template(
    path = "portail/declarations.html",
    config = "src/templates/askama.toml"
)]
pub struct DeclarationsPage {
    pub page: Page,
    pub scope: String,
    /// The months' short labels (« mars 25 »).
    pub months: Vec<String>,
    pub rows: Vec<GridRow>,
    pub late: Vec<LateMonth>,
    pub late_months: i32,
}

#[derive(Template)]
#[template(path = "portail/journal.html", config = "src/templates/askama.toml")]
pub struct JournalPage {
    pub page: Page,
    pub events: Vec<Event>,
}
