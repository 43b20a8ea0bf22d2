//! A manufacture's month changed from its page: set back to an earlier version or withdrawn
//! (under the portal's write lock, journaled), and the file that made a version downloaded.

use super::*;

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
pub(super) fn visible_month(
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
