//! The network head's and consultant's pages: the grid of declarations, the accounts of
//! its scope, the audit journal, the definitions and `mesure check`'s result.

use super::*;

pub(super) async fn declarations_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
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
    let deadline_days = portal.deadline_days();
    let built = blocking(&portal, move || {
        declarations(&store_root, deadline_days, &manufactures, &contacts)
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
                late_months: OVERDUE_MONTHS,
            },
        ),
        Err(e) => internal(page(), &e),
    }
}

/// The network's grid over the last twelve months, and the months late or missing with the
/// managers to ask.
pub(super) fn declarations(
    store_root: &Path,
    deadline_days: i64,
    manufactures: &[Manufacture],
    accounts: &[Account],
) -> crate::error::Result<(Vec<String>, Vec<GridRow>, Vec<LateMonth>)> {
    let store = Store::read(store_root);
    let ledger = store.ledger()?;
    let coverage = Coverage::new(store.stored_months()?, &ledger, deadline_days);
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
            let state = MonthState::from(coverage.standing(manufacture, *month, Some(today)));
            expected += usize::from(state != MonthState::NotExpected);
            received += usize::from(state == MonthState::Received);
            if matches!(
                state,
                MonthState::Late | MonthState::Missing | MonthState::Refused
            ) {
                late.push(LateMonth {
                    id: manufacture.id.to_string(),
                    name: manufacture.name.clone(),
                    month: french::month(*month),
                    state: state.label(),
                    contacts: accounts
                        .iter()
                        .filter(|a| a.role == Role::Manager && a.sees(manufacture))
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
            id: manufacture.id.to_string(),
            name: manufacture.name.clone(),
            cells,
            received,
            expected,
        });
    }
    Ok((labels, rows, late))
}

pub(super) async fn accounts_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
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
pub(super) fn accounts_view(
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
            token: session.token.clone(),
            rows,
            message: message_text,
            message_kind,
            link,
            days: crate::portal::accounts::INVITATION_DAYS,
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct InviteForm {
    #[serde(rename = "jeton")]
    token: String,
    email: String,
    role: String,
    manufactures: String,
    regions: String,
}

/// `mp003, mp007` as a list.
pub(super) fn list_of(text: &str) -> Vec<String> {
    text.split([',', ';', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The portal's address as the browser reached it, for invitation links.
pub(super) fn base_url(headers: &HeaderMap) -> String {
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

pub(super) async fn invite_account(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    headers: HeaderMap,
    Form(form): Form<InviteForm>,
) -> Response {
    if !sees_grid(&account) {
        return not_found(Page::signed_in("Comptes", &account, &session));
    }
    if !same_secret(&session.token, &form.token) {
        return forbidden(Page::signed_in("Comptes", &account, &session));
    }
    let role = if form.role == "reseau" {
        Role::Network
    } else {
        Role::Manager
    };
    let mut regions = list_of(&form.regions);
    if role == Role::Network && regions.is_empty() {
        regions = account.regions.clone();
    }
    let new = NewAccount {
        email: form.email.clone(),
        role,
        manufactures: if role == Role::Manager {
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
        manufactures: new.known_manufactures(&registry),
        regions: new.regions.clone(),
        password_hash: None,
        invitation: None,
        invited_by: account.email.clone(),
        created_at: chrono::Utc::now(),
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
        Ok(Err(why)) => refused(&portal, &session, &account, why),
        Err(e) => internal(Page::signed_in("Comptes", &account, &session), &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AccountForm {
    #[serde(rename = "jeton")]
    token: String,
    email: String,
}

/// The account a réseau account's form names, if it manages it.
pub(super) fn managed(portal: &Portal, account: &Account, email: &str) -> Option<Account> {
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
pub(super) fn account_action(
    portal: &Portal,
    signed: &SignedIn,
    form: &AccountForm,
) -> Result<Account, Box<Response>> {
    if !signed.sent(&form.token) {
        return Err(Box::new(forbidden(signed.page("Comptes"))));
    }
    managed(portal, &signed.account, &form.email)
        .ok_or_else(|| Box::new(not_found(signed.page("Comptes"))))
}

pub(super) async fn reset_account(
    State(portal): App,
    Client(client_ip): Client,
    signed: SignedIn,
    headers: HeaderMap,
    Form(form): Form<AccountForm>,
) -> Response {
    let base = base_url(&headers);
    change_account(
        &portal,
        client_ip,
        signed,
        &form,
        "compte_reinitialise",
        |email| {
            let reset = portal.accounts.reset(email)?;
            Ok(reset.map(|token| {
                let text =
                    format!("Le mot de passe de {email} est effacé ; ses sessions sont fermées.");
                (text, format!("{base}/invitation/{token}"))
            }))
        },
    )
}

pub(super) async fn remove_account(
    State(portal): App,
    Client(client_ip): Client,
    signed: SignedIn,
    Form(form): Form<AccountForm>,
) -> Response {
    change_account(
        &portal,
        client_ip,
        signed,
        &form,
        "compte_retire",
        |email| {
            let removed = portal.accounts.remove(email)?;
            Ok(removed
                .map(|removed| (format!("Compte {} supprimé.", removed.email), String::new())))
        },
    )
}

/// Resets or removes the account a form names, once the form is checked: `change` gives the
/// message and the link to show; the account's sessions are then closed and the action
/// journaled, and the accounts page says what was done (or why it was refused).
fn change_account(
    portal: &Portal,
    client_ip: IpAddr,
    signed: SignedIn,
    form: &AccountForm,
    action: &str,
    change: impl FnOnce(&str) -> crate::error::Result<Result<(String, String), AccountError>>,
) -> Response {
    let target = match account_action(portal, &signed, form) {
        Ok(target) => target,
        Err(page) => return *page,
    };
    let SignedIn { session, account } = signed;
    match change(&target.email) {
        Ok(Ok((text, link))) => {
            close_and_record(portal, &account, client_ip, action, &target.email);
            accounts_view(portal, &session, &account, text, "succes", link)
        }
        Ok(Err(why)) => refused(portal, &session, &account, why),
        Err(e) => internal(Page::signed_in("Comptes", &account, &session), &e),
    }
}

/// After an account is reset or removed: its sessions closed (a stolen session dies with the
/// password) and the action journaled under the acting account.
fn close_and_record(
    portal: &Portal,
    account: &Account,
    client_ip: IpAddr,
    action: &str,
    email: &str,
) {
    let _ = portal.sessions.close_all_of(email);
    let _ = portal
        .journal
        .record(&account.email, &client_ip.to_string(), action, email, "");
}

/// The accounts page again, saying why the action was refused.
fn refused(
    portal: &Portal,
    session: &Session,
    account: &Account,
    why: impl std::fmt::Display,
) -> Response {
    accounts_view(
        portal,
        session,
        account,
        why.to_string(),
        "erreur",
        String::new(),
    )
}

pub(super) async fn definitions_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
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

/// The definitions dictionary (tables, columns, indicators), for those who see the definitions.
pub(super) async fn dictionary_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = || Page::signed_in("Dictionnaire des définitions", &account, &session);
    if !sees_definitions(&account) {
        return not_found(page());
    }
    let workspace = portal.workspace.clone();
    let written = blocking(&portal, move || {
        let definitions = workspace.definitions()?;
        Ok::<_, Error>(crate::report::dictionary::html_page(&definitions))
    })
    .await;
    match written {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => internal(page(), &e),
    }
}

pub(super) fn indicator_view(indicator: &crate::definitions::Indicator) -> IndicatorView {
    // The report's description of an indicator (the « fiche méthode »), with its theme.
    let described = crate::report::method::method_indicator(indicator);
    IndicatorView {
        id: described.id,
        name: described.name,
        theme: indicator.theme.clone(),
        description: described.description,
        kind: described.kind,
        formula: described.formula,
        table: described.tables,
        filter: described.filter,
        unit: described.unit,
        target: if described.target.is_empty() {
            "aucune".to_string()
        } else {
            described.target
        },
    }
}

pub(super) async fn journal_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = Page::signed_in("Journal", &account, &session);
    if !sees_journal(&account) {
        return not_found(page);
    }
    match portal.journal.last(500) {
        Ok(events) => render(StatusCode::OK, &JournalPage { page, events }),
        Err(e) => internal(page, &e),
    }
}
