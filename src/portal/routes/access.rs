//! The accounts page of a réseau account: the accounts of its scope, an invitation for a new
//! one (a link given once), a password reset, an account removed; each checked against the
//! acting account's scope, its sessions closed when reset or removed, and journaled.

use super::*;

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
    if !session.sent_with(&form.token) {
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

/// The managed account a form names, once the form's token and the acting account's scope
/// are checked; or the page that says why not.
pub(super) fn account_action(
    portal: &Portal,
    signed: &SignedIn,
    form: &AccountForm,
) -> Result<Account, Box<Response>> {
    if !signed.session.sent_with(&form.token) {
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
