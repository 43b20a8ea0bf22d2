//! Signing in and out, and the invitation link where a person chooses their password.

use super::*;

pub(super) async fn login_page(State(portal): App, jar: CookieJar) -> Response {
    if signed_in(&portal, &jar).is_some() {
        return Redirect::to("/accueil").into_response();
    }
    login_form(jar, String::new(), String::new(), StatusCode::OK)
}

pub(super) fn login_form(
    jar: CookieJar,
    email: String,
    text: String,
    status: StatusCode,
) -> Response {
    let token = random_token();
    let jar = jar.add(cookie(LOGIN_COOKIE, token.clone()));
    let page = LoginPage {
        page: Page::public("Connexion"),
        token,
        email,
        message: text,
    };
    (jar, render(status, &page)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LoginForm {
    #[serde(rename = "jeton")]
    token: String,
    email: String,
    mot_de_passe: String,
}

pub(super) async fn login(
    State(portal): App,
    Client(from): Client,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|t| same_secret(&t, &form.token)) {
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

pub(super) async fn logout(
    State(portal): App,
    Client(client_ip): Client,
    jar: CookieJar,
    Form(form): Form<TokenForm>,
) -> Response {
    if let Some((session, account)) = signed_in(&portal, &jar) {
        if !session.sent_with(&form.token) {
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

pub(super) async fn invitation_page(
    State(portal): App,
    UrlPath(token): UrlPath<String>,
) -> Response {
    match portal.accounts.invited(&token) {
        Ok(Some(account)) => invitation_form(&token, &account, String::new(), StatusCode::OK),
        Ok(None) => message(
            StatusCode::NOT_FOUND,
            Page::public("Invitation"),
            "erreur",
            &AccountError::BadInvitation.to_string(),
        ),
        Err(e) => internal(Page::public("Invitation"), &e),
    }
}

pub(super) fn invitation_form(
    token: &str,
    account: &Account,
    text: String,
    status: StatusCode,
) -> Response {
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
pub(super) struct PasswordForm {
    mot_de_passe: String,
    confirmation: String,
}

pub(super) async fn accept_invitation(
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
