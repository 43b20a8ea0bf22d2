//! A manufacture's pages: the home list, the twelve-month grid and its history, the
//! pre-filled workbook, and a month set back to an earlier version or withdrawn.

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
    signed: &SignedIn,
    id: &str,
    month: &str,
    token: &str,
) -> Result<(Manufacture, Month), Box<Response>> {
    let page = || signed.page("Mois");
    if !signed.sent(token) {
        return Err(Box::new(forbidden(page())));
    }
    if !can_send(&signed.account) {
        return Err(Box::new(not_found(page())));
    }
    visible_month(portal, &signed.account, page, id, month)
}

/// The manufacture and month of a URL, if the account sees that manufacture; or the page that
/// says why not (« introuvable », as for a manufacture that does not exist).
fn visible_month(
    portal: &Portal,
    account: &Account,
    page: impl Fn() -> Page,
    id: &str,
    month: &str,
) -> Result<(Manufacture, Month), Box<Response>> {
    let manufacture = match visible_one(portal, account, id) {
        Ok(Some(m)) => m,
        Ok(None) => return Err(Box::new(not_found(page()))),
        Err(e) => return Err(Box::new(internal(page(), &e))),
    };
    let Ok(month) = month.parse::<Month>() else {
        return Err(Box::new(not_found(page())));
    };
    Ok((manufacture, month))
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
    signed: SignedIn,
    UrlPath(target): UrlPath<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> Response {
    let version = form.version;
    let action = MonthAction {
        title: "Version restaurée",
        journal: "restauration",
        token: &form.token,
    };
    change_month(
        &portal,
        client_ip,
        signed,
        target,
        action,
        move |workspace, id, month, by| {
            crate::pipeline::restore(workspace, id, month, version, Some(by), &|_| {})
        },
        |report, label| match report.outcome {
            Outcome::Accepted => Told::recorded(
                "succes",
                format!(
                    "{label} : la version {version} est de nouveau celle du mois (enregistrée comme une nouvelle version)."
                ),
                format!(" : version {version}"),
                report.hash,
            ),
            Outcome::AlreadyReceived => Told::recorded(
                "info",
                format!("{label} : la version {version} est déjà celle du mois."),
                format!(" : version {version}"),
                report.hash,
            ),
            _ => {
                let why: Vec<String> = report
                    .problems
                    .iter()
                    .filter(|p| p.severity == crate::error::Severity::Error)
                    .map(|p| p.within_file())
                    .collect();
                // Journaled too: the attempt is part of the month's history.
                Told::recorded(
                    "erreur",
                    format!(
                        "{label} : la version {version} n'est plus acceptée aujourd'hui ({}). Rien n'a changé.",
                        why.join(" ; ")
                    ),
                    format!(" : version {version}"),
                    report.hash,
                )
            }
        },
    )
    .await
}

pub(super) async fn withdraw_month(
    State(portal): App,
    Client(client_ip): Client,
    signed: SignedIn,
    UrlPath(target): UrlPath<(String, String)>,
    Form(form): Form<TokenForm>,
) -> Response {
    let action = MonthAction {
        title: "Mois retiré",
        journal: "retrait",
        token: &form.token,
    };
    change_month(
        &portal,
        client_ip,
        signed,
        target,
        action,
        |workspace, id, month, by| crate::pipeline::withdraw(workspace, id, month, Some(by), &|_| {}),
        |withdrawn, label| match withdrawn {
            Some(_) => Told::recorded(
                "succes",
                format!(
                    "{label} est retiré : il ne compte plus dans les chiffres. Les fichiers reçus restent gardés ; renvoyez le bon classeur quand vous l'aurez."
                ),
                String::new(),
                String::new(),
            ),
            None => Told::not_recorded("info", format!("{label} n'est pas enregistré : rien à retirer.")),
        },
    )
    .await
}

/// What a month's form asks: the page's title, the journal's action, the form's token.
pub(super) struct MonthAction<'a> {
    title: &'static str,
    journal: &'static str,
    token: &'a str,
}

/// What a change of a month tells: the message on the month's page and, when the action is
/// journaled, what the journal adds after the manufacture and month, and the file's hash.
pub(super) struct Told {
    kind: &'static str,
    text: String,
    journal: Option<(String, String)>,
}

impl Told {
    fn recorded(kind: &'static str, text: String, detail: String, hash: String) -> Self {
        Told {
            kind,
            text,
            journal: Some((detail, hash)),
        }
    }

    fn not_recorded(kind: &'static str, text: String) -> Self {
        Told {
            kind,
            text,
            journal: None,
        }
    }
}

/// Changes a month once its form is checked ([`month_action`]): `change` runs on the blocking
/// pool under the portal's write lock, given the workspace, the manufacture, the month and
/// who acts; `tell` says what its result means (the month's name given in French) and whether
/// it is journaled; the month's page then says what was done.
async fn change_month<T: Send + 'static>(
    portal: &Arc<Portal>,
    client_ip: IpAddr,
    signed: SignedIn,
    (id, month): (String, String),
    action: MonthAction<'_>,
    change: impl FnOnce(
        &crate::workspace::Workspace,
        &ManufactureId,
        Month,
        &str,
    ) -> crate::error::Result<T>
    + Send
    + 'static,
    tell: impl FnOnce(T, &str) -> Told,
) -> Response {
    let (manufacture, month) = match month_action(portal, &signed, &id, &month, action.token) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let page = signed.page(action.title);
    let _write = portal.writes.lock().await;
    let (p, m_id, by) = (
        Arc::clone(portal),
        manufacture.id.clone(),
        signed.account.email.clone(),
    );
    let changed = blocking(portal, move || change(&p.workspace, &m_id, month, &by)).await;
    let told = match changed {
        Ok(result) => tell(result, &french::month(month)),
        Err(Error::Usage(text) | Error::Refused(text)) => Told::not_recorded("erreur", text),
        Err(e) => return internal(page, &e),
    };
    if let Some((detail, hash)) = &told.journal {
        portal.store_changed();
        let _ = portal.journal.record(
            &signed.account.email,
            &client_ip.to_string(),
            action.journal,
            &format!("{} {month}{detail}", manufacture.id),
            hash,
        );
    }
    month_done(page, &manufacture, month, told.kind, &told.text)
}

/// The file that made a version of a month, as it was received (raw copy, by its hash).
pub(super) async fn version_file(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath((id, month, version)): UrlPath<(String, String, usize)>,
) -> Response {
    let page = || Page::signed_in("Fichier", &account, &session);
    let (manufacture, month) = match visible_month(&portal, &account, page, &id, &month) {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    let store_root = portal.workspace.store.clone();
    let m_id = manufacture.id.clone();
    let found = blocking(&portal, move || {
        let store = Store::read(&store_root);
        let ledger = store.ledger()?;
        let Some(entry) = crate::pipeline::version_entry(&ledger, &m_id, month, version) else {
            return Ok(None);
        };
        let raw = store.raw_copy(entry);
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
