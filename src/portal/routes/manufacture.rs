//! A manufacture's pages: the home list, the twelve-month grid and its history, the
//! pre-filled workbook, and a month set back to an earlier version or withdrawn.

use super::*;

pub(super) async fn home(State(portal): App, jar: CookieJar) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RestoreForm {
    #[serde(rename = "jeton")]
    token: String,
    version: usize,
}

/// The manufacture and month of a month's form, once the session, its token and the
/// account's scope are checked; or the page that says why not.
pub(super) fn month_action(
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
    if !same_secret(&session.token, token) {
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

pub(super) fn month_done(
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
            back_label: format!("Retour à {}", manufacture.name),
        },
    )
}

pub(super) async fn restore_month(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month)): UrlPath<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> Response {
    let (session, account, manufacture, month) =
        match month_action(&portal, &jar, &id, &month, &form.token) {
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
                Outcome::Accepted => (
                    "succes",
                    format!(
                        "{label} : la version {version} est de nouveau celle du mois (enregistrée comme une nouvelle version)."
                    ),
                ),
                Outcome::AlreadyReceived => (
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
        Err(Error::Usage(text) | Error::Refused(text)) => {
            month_done(page(), &manufacture, month, "erreur", &text)
        }
        Err(e) => internal(page(), &e),
    }
}

pub(super) async fn withdraw_month(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month)): UrlPath<(String, String)>,
    Form(form): Form<TokenForm>,
) -> Response {
    let (session, account, manufacture, month) =
        match month_action(&portal, &jar, &id, &month, &form.token) {
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

/// The file that made a version of a month, as it was received (raw copy, by its hash).
pub(super) async fn version_file(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    UrlPath((id, month, version)): UrlPath<(String, String, usize)>,
) -> Response {
    let Some((session, account)) = signed_in(&portal, &jar) else {
        return to_login();
    };
    let page = || Page::signed_in("Fichier", &account, &session);
    let manufacture = match visible_one(&portal, &account, &id) {
        Ok(Some(m)) => m,
        Ok(None) => return not_found(page()),
        Err(e) => return internal(page(), &e),
    };
    let Ok(month) = month.parse::<Month>() else {
        return not_found(page());
    };
    let store_root = portal.workspace.store.clone();
    let m_id = manufacture.id.clone();
    let found = blocking(&portal, move || {
        let store = Store::read(&store_root);
        let ledger = store.ledger()?;
        let Some(entry) = crate::pipeline::version_entry(&ledger, &m_id, month, version) else {
            return Ok(None);
        };
        let extension = Path::new(&entry.file)
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("bin")
            .to_ascii_lowercase();
        let raw = store.raw_path(&entry.hash, &extension);
        let bytes = std::fs::read(&raw).map_err(|e| Error::io(&raw, e))?;
        Ok::<_, Error>(Some((entry.file.clone(), entry.hash.clone(), bytes)))
    })
    .await;
    match found {
        Ok(Some((name, hash, bytes))) => {
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "telechargement_fichier",
                &format!("{} {month} version {version} : {name}", manufacture.id),
                &hash,
            );
            download(&name, "application/octet-stream", bytes)
        }
        Ok(None) => not_found(page()),
        Err(e) => internal(page(), &e),
    }
}
