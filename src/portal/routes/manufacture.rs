//! A manufacture's pages: the home list, the twelve-month grid and its history, the
//! pre-filled workbook. A month set back or withdrawn is in `months.rs`.

use super::*;

pub(super) async fn home(State(portal): App, SignedIn { session, account }: SignedIn) -> Response {
    let page = || Page::signed_in("Vos manufactures", &account, &session);
    let manufactures = match visible(&portal, &account) {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    if account.role == Role::Manager && manufactures.len() == 1 {
        return Redirect::to(&format!("/manufactures/{}", manufactures[0].id)).into_response();
    }
    let store_root = portal.workspace.store.clone();
    let deadline_days = portal.deadline_days();
    let rows = blocking(&portal, move || {
        home_rows(&store_root, deadline_days, &manufactures)
    })
    .await;
    match rows {
        Ok(rows) => {
            let title = if account.role == Role::Manager {
                "Vos manufactures".to_string()
            } else {
                format!("Manufactures — {}", account.scope_label())
            };
            render(
                StatusCode::OK,
                &HomePage {
                    page: Page::signed_in(title, &account, &session),
                    rows,
                    deadline_days,
                },
            )
        }
        Err(e) => internal(page(), &e),
    }
}

pub(super) fn home_rows(
    store_root: &Path,
    deadline_days: i64,
    manufactures: &[Manufacture],
) -> crate::error::Result<Vec<HomeRow>> {
    let store = Store::read(store_root);
    let ledger = store.ledger()?;
    let coverage = Coverage::new(store.stored_months()?, &ledger, deadline_days);
    let today = chrono::Utc::now().date_naive();
    let last_month = Month::of_date(today).plus(-1);
    Ok(manufactures
        .iter()
        .map(|m| {
            let expected: Vec<Month> = if m.opened <= last_month {
                m.opened
                    .through(last_month)
                    .filter(|month| m.is_open(*month))
                    .collect()
            } else {
                Vec::new()
            };
            let received = expected
                .iter()
                .filter(|month| coverage.is_declared(&m.id, **month))
                .count();
            let late = expected
                .iter()
                .filter(|month| {
                    !coverage.is_declared(&m.id, **month) && today > coverage.due_date(**month)
                })
                .count();
            let last_upload = ledger
                .iter()
                .rev()
                .find(|e| e.months.iter().any(|lm| lm.manufacture == m.id))
                .map(|e| e.received_at.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "—".to_string());
            HomeRow {
                id: m.id.to_string(),
                name: m.name.clone(),
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
pub(super) struct YearQuery {
    annee: Option<i32>,
}

pub(super) async fn manufacture_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
    UrlPath(id): UrlPath<String>,
    Query(query): Query<YearQuery>,
) -> Response {
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
        .filter(|y| (manufacture.opened.year()..=this_year).contains(y))
        .unwrap_or(this_year);
    let store_root = portal.workspace.store.clone();
    let m = manufacture.clone();
    let deadline_days = portal.deadline_days();
    let grid = blocking(&portal, move || {
        let store = Store::read(&store_root);
        let ledger = store.ledger()?;
        let coverage = Coverage::new(store.stored_months()?, &ledger, deadline_days);
        Ok::<_, Error>(year_grid(&m, year, &coverage, &ledger, today))
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
            let stored = status.state == MonthState::Received;
            let current = status.current_version().filter(|_| stored);
            status.versions.iter().rev().map(move |v| HistoryLine {
                month_code: status.month.to_string(),
                month: french::month(status.month),
                version: v.clone(),
                restorable: v.number.is_some() && v.number != current && is_workbook(&v.file),
                withdrawable: v.number.is_some() && v.number == current,
            })
        })
        .collect();
    render(
        StatusCode::OK,
        &ManufacturePage {
            page: page(&manufacture.name),
            id: manufacture.id.to_string(),
            name: manufacture.name.clone(),
            commune: manufacture.commune.clone(),
            region: manufacture.region.name.to_string(),
            filiere: manufacture.filiere.clone(),
            opening: french::month(manufacture.opened),
            token: session.token.clone(),
            can_send: can_send(&account),
            year,
            has_previous_year: year > manufacture.opened.year(),
            has_next_year: year < this_year,
            months,
            history,
            reports: manufacture_reports(&portal.workspace.reports, &manufacture.id),
            deadline_days: portal.deadline_days(),
            late_months: OVERDUE_MONTHS,
        },
    )
}

/// The report pages written for a manufacture, newest period first.
pub(super) fn manufacture_reports(reports: &Path, id: &str) -> Vec<(String, String)> {
    let file = crate::report::pages::network_file(crate::engine::Level::Manufacture, id);
    crate::report::pages_on_disk(reports)
        .into_iter()
        .filter(|(_, files)| files.contains(&file))
        .map(|(period, _)| {
            let words = french::period(&period);
            (format!("/rapports/{period}/{file}"), words)
        })
        .collect()
}

pub(super) async fn template_download(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath((id, month)): UrlPath<(String, String)>,
) -> Response {
    let page = || Page::signed_in("Modèle", &account, &session);
    let (manufacture, month) = match visible_month(&portal, &account, page, &id, &month) {
        Ok(found) => found,
        Err(refused) => return *refused,
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

pub(super) fn template_bytes(
    workspace: &crate::workspace::Workspace,
    manufacture: &Manufacture,
    month: Month,
) -> crate::error::Result<Vec<u8>> {
    let definitions = workspace.definitions()?;
    let identification = crate::template::Identification {
        manufacture: manufacture.id.clone(),
        name: manufacture.name.clone(),
        month,
    };
    let folder = tempfile::tempdir().map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let path = folder.path().join("modele.xlsx");
    crate::template::write_template(&path, &definitions, &identification)?;
    std::fs::read(&path).map_err(|e| Error::io(&path, e))
}
