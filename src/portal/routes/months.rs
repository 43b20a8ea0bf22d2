//! A manufacture's month changed from its page: set back to an earlier version or withdrawn
//! (under the portal's write lock, journaled), and the file that made a version downloaded.

use super::*;

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
    if !signed.session.sent_with(token) {
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

/// A form that changes a month from the manufacture's page: what its page is called, how the
/// journal names it, the change it makes and what the change's result means.
pub(super) trait MonthForm: serde::de::DeserializeOwned + Send + 'static {
    /// What the change returns.
    type Done: Send + 'static;
    /// The title of the page that tells the outcome.
    const TITLE: &'static str;
    /// The journal's action.
    const JOURNAL: &'static str;

    /// The session token the form carries.
    fn token(&self) -> &str;

    /// Makes the change (on the blocking pool, under the portal's write lock).
    fn change(&self, at: &MonthTarget) -> crate::error::Result<Self::Done>;

    /// What the result means, the month's name given in French.
    fn tell(&self, done: Self::Done, label: &str) -> Told;
}

/// The month a form changes, and who changes it.
pub(super) struct MonthTarget<'a> {
    workspace: &'a crate::workspace::Workspace,
    manufacture: &'a ManufactureId,
    month: Month,
    by: &'a str,
}

/// « Revenir à cette version »: an earlier version of a workbook becomes the month's again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RestoreForm {
    #[serde(rename = "jeton")]
    token: String,
    version: usize,
}

impl MonthForm for RestoreForm {
    type Done = crate::pipeline::FileReport;
    const TITLE: &'static str = "Version restaurée";
    const JOURNAL: &'static str = "restauration";

    fn token(&self) -> &str {
        &self.token
    }

    fn change(&self, at: &MonthTarget) -> crate::error::Result<Self::Done> {
        let (workspace, id, month) = (at.workspace, at.manufacture, at.month);
        crate::pipeline::restore(workspace, id, month, self.version, Some(at.by), &|_| {})
    }

    fn tell(&self, report: Self::Done, label: &str) -> Told {
        let version = self.version;
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
        // Journaled whatever the outcome: the attempt is part of the month's history.
        Told::recorded(kind, text, format!(" : version {version}"), report.hash)
    }
}

/// « Retirer ce mois »: the month no longer counts; the files received stay kept.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct WithdrawForm {
    #[serde(rename = "jeton")]
    token: String,
}

impl MonthForm for WithdrawForm {
    type Done = Option<crate::pipeline::Withdrawal>;
    const TITLE: &'static str = "Mois retiré";
    const JOURNAL: &'static str = "retrait";

    fn token(&self) -> &str {
        &self.token
    }

    fn change(&self, at: &MonthTarget) -> crate::error::Result<Self::Done> {
        crate::pipeline::withdraw(at.workspace, at.manufacture, at.month, Some(at.by), &|_| {})
    }

    fn tell(&self, withdrawn: Self::Done, label: &str) -> Told {
        match withdrawn {
            Some(_) => Told::recorded(
                "succes",
                format!(
                    "{label} est retiré : il ne compte plus dans les chiffres. Les fichiers reçus restent gardés ; renvoyez le bon classeur quand vous l'aurez."
                ),
                String::new(),
                String::new(),
            ),
            None => Told::not_recorded(
                "info",
                format!("{label} n'est pas enregistré : rien à retirer."),
            ),
        }
    }
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

/// Changes a month from its form (restore, withdraw), once the form is checked
/// ([`month_action`]): the change runs on the blocking pool under the portal's write lock;
/// what its result means is journaled when the form says so, and the month's page says what
/// was done.
pub(super) async fn change_month<F: MonthForm>(
    State(portal): App,
    Client(client_ip): Client,
    signed: SignedIn,
    UrlPath((id, month)): UrlPath<(String, String)>,
    Form(form): Form<F>,
) -> Response {
    let (manufacture, month) = match month_action(&portal, &signed, &id, &month, form.token()) {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let page = signed.page(F::TITLE);
    let _write = portal.writes.lock().await;
    let (p, m_id, by) = (
        Arc::clone(&portal),
        manufacture.id.clone(),
        signed.account.email.clone(),
    );
    let (form, changed) = blocking(&portal, move || {
        let at = MonthTarget {
            workspace: &p.workspace,
            manufacture: &m_id,
            month,
            by: &by,
        };
        let changed = form.change(&at);
        (form, changed)
    })
    .await;
    let told = match changed {
        Ok(result) => form.tell(result, &french::month(month)),
        Err(Error::Usage(text) | Error::Refused(text)) => Told::not_recorded("erreur", text),
        Err(e) => return internal(page, &e),
    };
    if let Some((detail, hash)) = &told.journal {
        portal.store_changed();
        let _ = portal.journal.record(
            &signed.account.email,
            &client_ip.to_string(),
            F::JOURNAL,
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
