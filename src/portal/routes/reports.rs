//! The reports `mesure report` writes, shown within each account's scope, and the figures
//! to download (CSV, Excel CSV, Parquet).

use super::*;

/// The report pages an account may read: a manager, their manufactures' pages; a regional
/// network head, its manufactures' and régions' pages; the national network and consultants,
/// every page.
pub(super) fn may_read_report(
    account: &Account,
    registry: &crate::registry::Registry,
    file: &str,
) -> bool {
    if account.sees_everything() {
        return true;
    }
    let own_manufacture = registry.manufactures().iter().any(|m| {
        account.sees(m)
            && file == crate::report::pages::network_file(crate::engine::Level::Manufacture, &m.id)
    });
    let own_region = account.role == Role::Network
        && account.regions.iter().any(|code| {
            file == crate::report::pages::network_file(crate::engine::Level::Region, code)
        });
    own_manufacture || own_region
}

/// The security policy of a report page: self-contained, so its style sheet is inline.
pub(super) const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ReportQuery {
    /// Set: the standalone file, as `mesure report` wrote it.
    autonome: Option<String>,
}

/// The body and title of a report page written by `mesure report` (its `<main>` and its
/// `<title>`), to show it in the portal's frame.
pub(super) fn report_parts(html: &str) -> Option<(String, String)> {
    let body = html.split_once("<main>\n")?.1.rsplit_once("\n</main>")?.0;
    let title = html.split_once("<title>")?.1.split_once("</title>")?.0;
    Some((body.to_string(), title.to_string()))
}

/// A report's body without its first `<nav>` (its links to the network's pages).
pub(super) fn without_first_nav(body: &str) -> String {
    match (body.find("<nav>"), body.find("</nav>\n")) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{}", &body[..start], &body[end + "</nav>\n".len()..])
        }
        _ => body.to_string(),
    }
}

pub(super) async fn report_file(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath((period, file)): UrlPath<(String, String)>,
    Query(query): Query<ReportQuery>,
) -> Response {
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

pub(super) async fn reports_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = || Page::signed_in("Rapports", &account, &session);
    let registry = match portal.workspace.registry() {
        Ok(registry) => registry,
        Err(e) => return internal(page(), &e),
    };
    let mut links = Vec::new();
    for (period, files) in crate::report::pages_on_disk(&portal.workspace.reports) {
        let period = &period;
        let mut files: Vec<String> = files
            .into_iter()
            .filter(|name| may_read_report(&account, &registry, name))
            .collect();
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
pub(super) fn report_label(registry: &crate::registry::Registry, file: &str) -> String {
    let stem = file.trim_end_matches(".html");
    if stem == "national" {
        return "Rapport national".to_string();
    }
    if let Some(m) = registry.manufactures().iter().find(|m| {
        file == crate::report::pages::network_file(crate::engine::Level::Manufacture, &m.id)
    }) {
        return m.name.clone();
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

pub(super) fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct FiguresQuery {
    /// `excel` for Excel's French CSV (`;`, decimal comma, BOM), `parquet` for Parquet.
    format: String,
}

/// Whether a figure's row (its level and entity) is within an account's scope: a manager, their
/// manufactures and the nation; a regional network head, its manufactures, its régions and
/// the nation; the national network and consultants, everything.
pub(super) fn figure_visible(
    account: &Account,
    visible_ids: &BTreeSet<ManufactureId>,
    level: &str,
    entity: &str,
) -> bool {
    if account.sees_everything() {
        return true;
    }
    match level {
        "manufacture" => visible_ids.contains(entity),
        "national" => true,
        "region" => account.role == Role::Network && account.regions.iter().any(|r| r == entity),
        _ => false,
    }
}

pub(super) async fn figures_download(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    Query(query): Query<FiguresQuery>,
) -> Response {
    let page = || Page::signed_in("Chiffres", &account, &session);
    let visible_ids: BTreeSet<ManufactureId> = match visible(&portal, &account) {
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
        let fingerprint = p.workspace.definitions()?.fingerprint();
        let mine = crate::export::with_definitions(mine, &fingerprint)?;
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

pub(super) fn polars_error(e: polars::prelude::PolarsError) -> Error {
    Error::internal("lecture des chiffres", e)
}
