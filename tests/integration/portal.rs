//! The portal at the HTTP level: each test builds the real router on a workspace of its own
//! and sends it requests as a browser would (cookies kept, forms and files posted), checking
//! statuses, pages and what lands in the store. Scope is checked route by route.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use mesure::Workspace;
use mesure::portal::accounts::{Accounts, NewAccount, Role};
use mesure::portal::{Portal, router};
use mesure::store::Store;
use tower::ServiceExt;

use crate::support::{Workdir, fixture, multipart, repo};

/// What the server answered.
struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The value of `<input type="hidden" name="jeton" value="...">` in the page.
    fn form_token(&self) -> String {
        let text = self.text();
        let at = text
            .find("name=\"jeton\" value=\"")
            .unwrap_or_else(|| panic!("no form token in:\n{text}"));
        let rest = &text[at + "name=\"jeton\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A browser: the router, and the cookies it was given.
struct Browser {
    app: Router,
    cookies: HashMap<String, String>,
}

impl Browser {
    fn new(app: &Router) -> Self {
        Browser {
            app: app.clone(),
            cookies: HashMap::new(),
        }
    }

    async fn send(&mut self, request: http::request::Builder, body: Body) -> Answer {
        let cookies: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let request = request
            .header(header::COOKIE, cookies.join("; "))
            .body(body)
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        for set in response.headers().get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    /// Posts files as the upload form does (`fichiers`, with the form's token).
    async fn upload(&mut self, path: &str, token: &str, files: &[(&str, Vec<u8>)]) -> Answer {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let (kind, body) = multipart(token, &files);
        let request = Request::post(path).header(header::CONTENT_TYPE, kind);
        self.send(request, Body::from(body)).await
    }

    /// Opens an invitation link, chooses a password, and is signed in.
    async fn accept_invitation(&mut self, token: &str) {
        let page = self.get(&format!("/invitation/{token}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let done = self
            .post(
                &format!("/invitation/{token}"),
                &[("mot_de_passe", PASSWORD), ("confirmation", PASSWORD)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
        assert!(self.cookies.contains_key("__Host-mesure"));
    }

    /// Signs in through the sign-in form.
    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let form = self.get("/connexion").await;
        let token = form.form_token();
        self.post(
            "/connexion",
            &[
                ("jeton", &token),
                ("email", email),
                ("mot_de_passe", password),
            ],
        )
        .await
    }
}

const PASSWORD: &str = "un mot de passe bien long";

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A sample workspace served by the portal, with a small upload limit.
fn served(workdir: &Workdir, max_upload: usize) -> Router {
    let workspace = Workspace::open(workdir.path()).unwrap();
    let mut portal = Portal::open(workspace).unwrap();
    portal.max_upload = max_upload;
    router(Arc::new(portal)).layer(MockConnectInfo(SocketAddr::from(([192, 0, 2, 7], 50000))))
}

/// Creates an account and returns its invitation token.
fn invite(workdir: &Workdir, email: &str, role: Role, manufactures: &[&str]) -> String {
    let workspace = Workspace::open(workdir.path()).unwrap();
    let registry = workspace.registry().unwrap();
    Accounts::new(&workdir.path().join("portail"))
        .invite(
            NewAccount {
                email: email.into(),
                role,
                manufactures: manufactures.iter().map(|s| s.to_string()).collect(),
                regions: vec![],
            },
            "test",
            &registry,
        )
        .unwrap()
        .unwrap()
}

/// A manager of `manufacture`, signed in.
async fn manager(workdir: &Workdir, app: &Router, manufacture: &str) -> Browser {
    let token = invite(
        workdir,
        &format!("gestion@{manufacture}.fr"),
        Role::Manager,
        &[manufacture],
    );
    let mut browser = Browser::new(app);
    browser.accept_invitation(&token).await;
    browser
}

fn sample(file: &str) -> Vec<u8> {
    std::fs::read(repo().join("sample-data").join(file)).unwrap()
}

/// The page's form token, from the manufacture page.
async fn page_token(browser: &mut Browser, manufacture: &str) -> String {
    let page = browser.get(&format!("/manufactures/{manufacture}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    page.form_token()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_goes_round_the_loop_from_invitation_to_a_stored_month() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;

    // One manufacture: the home page goes straight to it.
    let home = browser.get("/accueil").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), "/manufactures/mp001");
    let page = browser.get("/manufactures/mp001?annee=2025").await;
    let text = page.text();
    assert!(text.contains("La Fabrique nivernaise"), "{text}");
    assert!(text.contains("mars 2025"), "{text}");
    assert!(text.contains("manquant"), "nothing stored yet: {text}");

    // The pre-filled workbook of a month.
    let template = browser.get("/manufactures/mp001/modele/2025-03").await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.body.starts_with(b"PK\x03\x04"));
    assert_eq!(
        template.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"mp001_2025-03.xlsx\""
    );

    // A bad workbook: refused, every problem in the page, nothing stored.
    let token = page_token(&mut browser, "mp001").await;
    let bad = sample("erreurs/mp001_2025-03_texte_dans_un_nombre.xlsx");
    let sent = browser
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[("mp001_2025-03.xlsx", bad)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let preview_url = sent.location().to_string();
    let preview = browser.get(&preview_url).await;
    let text = preview.text();
    assert!(text.contains("1 fichier refusé"), "{text}");
    assert!(
        text.contains("feuille Publics, ligne 2, colonne B (nb_personnes)"),
        "{text}"
    );
    assert!(
        text.contains("« douze » n&#39;est pas un nombre entier")
            || text.contains("« douze » n&#x27;est pas un nombre entier")
            || text.contains("« douze » n'est pas un nombre entier"),
        "{text}"
    );
    assert!(!text.contains("/confirmer"), "nothing to confirm: {text}");
    let annotated = browser.get(&format!("{preview_url}/annote/0")).await;
    assert_eq!(annotated.status, StatusCode::OK, "{}", annotated.text());
    assert!(annotated.body.starts_with(b"PK\x03\x04"));
    let cancelled = browser
        .post(&format!("{preview_url}/annuler"), &[("jeton", &token)])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get(&preview_url).await.status,
        StatusCode::NOT_FOUND
    );

    // The good one: previewed, then confirmed, then stored with its sender.
    let good = sample("classeurs/mp001/mp001_2025-03.xlsx");
    let sent = browser
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[("mp001_2025-03.xlsx", good)],
        )
        .await;
    let preview_url = sent.location().to_string();
    let preview = browser.get(&preview_url).await;
    let text = preview.text();
    assert!(text.contains("1 fichier prêt à être enregistré"), "{text}");
    assert!(
        text.contains("mp001, mars 2025 : première version"),
        "{text}"
    );
    let store = workdir.store();
    assert!(
        store.stored_months().unwrap().is_empty(),
        "not before confirming"
    );
    let confirmed = browser
        .post(&format!("{preview_url}/confirmer"), &[("jeton", &token)])
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    assert!(
        confirmed.text().contains("1 fichier enregistré"),
        "{}",
        confirmed.text()
    );
    assert_eq!(
        store.stored_months().unwrap(),
        [(crate::support::id("mp001"), "2025-03".parse().unwrap())]
    );
    let ledger = store.ledger().unwrap();
    assert_eq!(
        ledger.last().unwrap().by.as_deref(),
        Some("gestion@mp001.fr")
    );

    // The grid shows it, and sending it again says what it replaces.
    let page = browser.get("/manufactures/mp001?annee=2025").await.text();
    assert!(page.contains("version 1"), "{page}");
    let journal = std::fs::read_to_string(workdir.path().join("portail/journal.jsonl")).unwrap();
    for action in [
        "invitation_acceptee",
        "telechargement_modele",
        "depot",
        "confirmation",
    ] {
        assert!(
            journal.contains(&format!("\"action\":\"{action}\"")),
            "{action} missing from:\n{journal}"
        );
    }
    assert!(journal.contains("192.0.2.7"), "where from: {journal}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_version_says_what_it_replaces() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let token = page_token(&mut browser, "mp001").await;
    let send = |bytes: Vec<u8>| ("mp001_2025-03.xlsx", bytes);
    let first = sample("classeurs/mp001/mp001_2025-03.xlsx");
    let sent = browser
        .upload("/manufactures/mp001/depot", &token, &[send(first)])
        .await;
    let url = sent.location().to_string();
    browser
        .post(&format!("{url}/confirmer"), &[("jeton", &token)])
        .await;
    // The same month again, from another month's figures relabelled: a real new version.
    let workspace = Workspace::open(workdir.path()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let second = workdir.path().join("second.xlsx");
    let rows = mesure::template::Rows::from([(
        "publics".to_string(),
        vec![vec![
            mesure::template::Cell::Text("retraité".into()),
            mesure::template::Cell::Number(4.0),
            mesure::template::Cell::Number(9.0),
        ]],
    )]);
    mesure::template::write_workbook(
        &second,
        &definitions,
        &mesure::template::Identification {
            manufacture: crate::support::id("mp001"),
            name: "La Fabrique nivernaise".into(),
            month: "2025-03".parse().unwrap(),
        },
        &rows,
    )
    .unwrap();
    let sent = browser
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[send(std::fs::read(&second).unwrap())],
        )
        .await;
    let preview = browser.get(sent.location()).await.text();
    assert!(
        preview.contains("mp001, mars 2025 : version 1 → 2"),
        "{preview}"
    );
    let store = workdir.store();
    let before = store
        .read_table("publics", "mp001", "2025-03".parse().unwrap())
        .unwrap()
        .unwrap();
    let passages: f64 = before
        .column("nb_passages")
        .unwrap()
        .cast(&polars::prelude::DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .flatten()
        .sum();
    let expected = format!(
        "Publics : 1 ligne au lieu de {} ; nb_personnes 4 au lieu de",
        before.height()
    );
    assert!(preview.contains(&expected), "{expected}\n{preview}");
    assert!(
        preview.contains(&format!(
            "nb_passages 9 au lieu de {}",
            mesure::report::french::number(passages, 0)
        )),
        "{preview}"
    );
}

/// Sends a workbook from a manager's page and returns the preview's address.
async fn pending_upload(browser: &mut Browser, manufacture: &str, file: &str) -> String {
    let token = page_token(browser, manufacture).await;
    let bytes = sample(file);
    let name = file.rsplit('/').next().unwrap();
    let sent = browser
        .upload(
            &format!("/manufactures/{manufacture}/depot"),
            &token,
            &[(name, bytes)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    sent.location().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reaches_nothing_of_another_manufacture_route_by_route() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut first = manager(&workdir, &app, "mp001").await;
    let mut second = manager(&workdir, &app, "mp002").await;
    let pending = pending_upload(&mut first, "mp001", "classeurs/mp001/mp001_2025-03.xlsx").await;
    let bad = pending_upload(
        &mut first,
        "mp001",
        "erreurs/mp001_2025-03_texte_dans_un_nombre.xlsx",
    )
    .await;
    let token = page_token(&mut second, "mp002").await;

    for path in [
        "/manufactures/mp001".to_string(),
        "/manufactures/mp001?annee=2025".to_string(),
        "/manufactures/mp001/modele/2025-03".to_string(),
        "/manufactures/MP001".to_string(),
        "/manufactures/mp999".to_string(),
        pending.clone(),
        format!("{bad}/annote/0"),
        "/journal".to_string(),
    ] {
        let answer = second.get(&path).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.text()
        );
        assert!(
            !answer.text().contains("Fabrique nivernaise"),
            "{path} names the other manufacture"
        );
    }
    for path in [format!("{pending}/confirmer"), format!("{pending}/annuler")] {
        let answer = second.post(&path, &[("jeton", &token)]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    let upload = second
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[("a.xlsx", sample("classeurs/mp001/mp001_2025-03.xlsx"))],
        )
        .await;
    assert_eq!(upload.status, StatusCode::NOT_FOUND);

    // mp001's workbook sent from mp002's own page is refused, and stores nothing.
    let sent = second
        .upload(
            "/manufactures/mp002/depot",
            &token,
            &[("a.xlsx", sample("classeurs/mp001/mp001_2025-03.xlsx"))],
        )
        .await;
    let preview = second.get(sent.location()).await.text();
    assert!(
        preview.contains("ce fichier concerne mp001, que votre compte ne gère pas"),
        "{preview}"
    );
    let forced = second
        .post(
            &format!("{}/confirmer", sent.location()),
            &[("jeton", &token)],
        )
        .await;
    assert!(
        forced.text().contains("0 fichier enregistré"),
        "{}",
        forced.text()
    );
    let store = workdir.store();
    assert!(store.stored_months().unwrap().is_empty());

    // The first manager's pending upload is still there, and a réseau account sees both.
    assert_eq!(first.get(&pending).await.status, StatusCode::OK);
    let network = invite(&workdir, "tete@reseau.fr", Role::Network, &[]);
    let mut head = Browser::new(&app);
    head.accept_invitation(&network).await;
    let home = head.get("/accueil").await.text();
    assert!(
        home.contains("La Fabrique nivernaise") && home.contains("Tulle"),
        "{home}"
    );
    assert_eq!(head.get("/manufactures/mp001").await.status, StatusCode::OK);
    assert_eq!(head.get("/manufactures/mp002").await.status, StatusCode::OK);
    assert_eq!(head.get("/journal").await.status, StatusCode::OK);
    assert_eq!(
        head.get(&pending).await.status,
        StatusCode::NOT_FOUND,
        "an upload is its sender's until confirmed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_their_token_are_refused() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let pending = pending_upload(&mut browser, "mp001", "classeurs/mp001/mp001_2025-03.xlsx").await;
    for fields in [vec![], vec![("jeton", "0000")]] {
        let answer = browser.post(&format!("{pending}/confirmer"), &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.text());
        assert!(answer.text().contains("Ce formulaire a expiré"));
        let answer = browser.post("/deconnexion", &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
    let upload = browser
        .upload(
            "/manufactures/mp001/depot",
            "0000",
            &[("a.xlsx", sample("classeurs/mp001/mp001_2025-03.xlsx"))],
        )
        .await;
    assert_eq!(upload.status, StatusCode::FORBIDDEN);
    let store = workdir.store();
    assert!(store.stored_months().unwrap().is_empty());

    // The sign-in form needs the token of its own cookie.
    let mut stranger = Browser::new(&app);
    let answer = stranger
        .post(
            "/connexion",
            &[
                ("jeton", "abc"),
                ("email", "gestion@mp001.fr"),
                ("mot_de_passe", PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(!stranger.cookies.contains_key("__Host-mesure"));
    // Signing out with the token ends the session.
    let token = page_token(&mut browser, "mp001").await;
    let out = browser.post("/deconnexion", &[("jeton", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/manufactures/mp001").await.location(),
        "/connexion"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_password_is_slowed_down_and_journaled() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let browser = manager(&workdir, &app, "mp001").await;
    drop(browser);
    let mut guesser = Browser::new(&app);
    for _ in 0..5 {
        let answer = guesser.sign_in("gestion@mp001.fr", "devinette").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert!(answer.text().contains("Adresse ou mot de passe incorrect."));
    }
    let answer = guesser.sign_in("gestion@mp001.fr", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        answer
            .text()
            .contains("Trop de tentatives : réessayez dans 15 minutes."),
        "{}",
        answer.text()
    );
    assert!(!guesser.cookies.contains_key("__Host-mesure"));
    let journal = std::fs::read_to_string(workdir.path().join("portail/journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"connexion_refusee\"").count(), 5);
    assert_eq!(journal.matches("\"connexion_freinee\"").count(), 1);
    // Another account signs in from elsewhere all the same.
    let mut other = Browser::new(&app);
    let token = invite(&workdir, "autre@mp002.fr", Role::Manager, &["mp002"]);
    other.accept_invitation(&token).await;
    let token = page_token(&mut other, "mp002").await;
    let out = other.post("/deconnexion", &[("jeton", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let again = other.sign_in("AUTRE@mp002.fr", PASSWORD).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_uploads_get_a_french_page_never_a_bare_error() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let token = page_token(&mut browser, "mp001").await;

    let oversize = browser
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[("gros.csv", vec![b'a'; 1200 * 1024])],
        )
        .await;
    assert_eq!(oversize.status, StatusCode::PAYLOAD_TOO_LARGE);
    let text = oversize.text();
    assert!(
        text.contains("Envoi trop volumineux : 1 Mo au plus par envoi"),
        "{text}"
    );
    assert!(text.contains("<html lang=\"fr\">"), "a page: {text}");

    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let bomb = std::fs::read(fixture("casses/bombe.xlsx")).unwrap();
    let sent = browser
        .upload(
            "/manufactures/mp001/depot",
            &token,
            &[
                ("photo.xlsx", png),
                ("bombe.xlsx", bomb),
                ("vide.xlsx", Vec::new()),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let preview = browser.get(sent.location()).await;
    assert_eq!(preview.status, StatusCode::OK);
    let text = preview.text();
    assert!(text.contains("3 fichiers refusés"), "{text}");
    assert!(
        text.contains("ce n&#39;est ni un classeur")
            || text.contains("ce n&#x27;est ni un classeur")
            || text.contains("ce n'est ni un classeur"),
        "{text}"
    );
    assert!(
        text.contains("classeur suspect : il se décompresse en plus de 300 Mo"),
        "{text}"
    );
    assert!(text.contains("fichier vide"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manufacture_named_like_a_script_is_shown_as_text() {
    let workdir = Workdir::sample_workspace();
    let registry = std::fs::read_to_string(workdir.path().join("manufactures.csv")).unwrap();
    let hostile = registry.replace(
        "La Fabrique nivernaise",
        "<script>alert('x')</script> & Cie",
    );
    workdir.write("manufactures.csv", hostile);
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let page = browser.get("/manufactures/mp001").await;
    let text = page.text();
    assert!(!text.contains("<script>"), "{text}");
    assert!(
        text.contains("&#60;script&#62;") || text.contains("&lt;script&gt;"),
        "{text}"
    );
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            mesure::portal::CONTENT_SECURITY_POLICY,
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        assert_eq!(page.headers[&name], value, "{name}");
    }
    let cookie = browser.cookies.get("__Host-mesure").unwrap();
    assert_eq!(cookie.len(), 64);
    // The session cookie was set HttpOnly, Secure and SameSite=Strict.
    let mut fresh = Browser::new(&app);
    let token = invite(&workdir, "b@mp002.fr", Role::Manager, &["mp002"]);
    let done = fresh
        .post(
            &format!("/invitation/{token}"),
            &[("mot_de_passe", PASSWORD), ("confirmation", PASSWORD)],
        )
        .await;
    let set = done.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
}

/// Sends a file from the manager's page and confirms it.
async fn send_and_confirm(browser: &mut Browser, token: &str, name: &str, bytes: Vec<u8>) {
    let sent = browser
        .upload("/manufactures/mp001/depot", token, &[(name, bytes)])
        .await;
    let url = sent.location().to_string();
    let done = browser
        .post(&format!("{url}/confirmer"), &[("jeton", token)])
        .await;
    assert!(
        done.text().contains("1 fichier enregistré"),
        "{}",
        done.text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_goes_back_to_an_earlier_version_then_is_withdrawn() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let token = page_token(&mut browser, "mp001").await;
    let first = sample("classeurs/mp001/mp001_2025-03.xlsx");
    send_and_confirm(&mut browser, &token, "mp001_2025-03.xlsx", first).await;
    let workspace = Workspace::open(workdir.path()).unwrap();
    let second = workdir.path().join("second.xlsx");
    mesure::template::write_workbook(
        &second,
        &workspace.definitions().unwrap(),
        &mesure::template::Identification {
            manufacture: crate::support::id("mp001"),
            name: "La Fabrique nivernaise".into(),
            month: "2025-03".parse().unwrap(),
        },
        &mesure::template::Rows::from([(
            "publics".to_string(),
            vec![vec![
                mesure::template::Cell::Text("retraité".into()),
                mesure::template::Cell::Number(4.0),
                mesure::template::Cell::Number(9.0),
            ]],
        )]),
    )
    .unwrap();
    let bytes = std::fs::read(&second).unwrap();
    send_and_confirm(&mut browser, &token, "mp001_2025-03.xlsx", bytes).await;
    let store = workdir.store();
    let march = "2025-03".parse().unwrap();
    let rows = |store: &Store| {
        store
            .read_table("publics", "mp001", march)
            .unwrap()
            .map(|t| t.height())
    };
    assert_eq!(rows(&store), Some(1));
    let page = browser.get("/manufactures/mp001?annee=2025").await.text();
    assert_eq!(page.matches("Revenir à cette version").count(), 1, "{page}");
    assert_eq!(page.matches("Retirer ce mois").count(), 1, "{page}");

    // Another manager, a consultant, or a form without its token change nothing.
    let mut other = manager(&workdir, &app, "mp002").await;
    let other_token = page_token(&mut other, "mp002").await;
    let restore = "/manufactures/mp001/mois/2025-03/restaurer";
    let answer = other
        .post(restore, &[("jeton", &other_token), ("version", "1")])
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let consultant = invite(&workdir, "c@cabinet.fr", Role::Consultant, &[]);
    let mut reader = Browser::new(&app);
    reader.accept_invitation(&consultant).await;
    let page = reader.get("/manufactures/mp001?annee=2025").await.text();
    assert!(
        !page.contains("Revenir à cette version") && !page.contains("fichiers"),
        "{page}"
    );
    let reader_token = Answer {
        status: StatusCode::OK,
        headers: Default::default(),
        body: page.into_bytes(),
    }
    .form_token();
    let answer = reader
        .post(restore, &[("jeton", &reader_token), ("version", "1")])
        .await;
    assert_eq!(
        answer.status,
        StatusCode::NOT_FOUND,
        "a consultant only reads"
    );
    let answer = browser.post(restore, &[("version", "1")]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(rows(&store), Some(1));

    // Each version's file, as received, for its manufacture's accounts only.
    let file = browser
        .get("/manufactures/mp001/mois/2025-03/version/1")
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.body,
        sample("classeurs/mp001/mp001_2025-03.xlsx"),
        "the very bytes received"
    );
    assert_eq!(
        file.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"mp001_2025-03.xlsx\""
    );
    for path in [
        "/manufactures/mp001/mois/2025-03/version/9",
        "/manufactures/mp001/mois/2025-03/version/0",
    ] {
        assert_eq!(
            browser.get(path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        other
            .get("/manufactures/mp001/mois/2025-03/version/1")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Back to version 1: its 8 rows, recorded as version 3 by its manager.
    let answer = browser
        .post(restore, &[("jeton", &token), ("version", "1")])
        .await;
    assert!(
        answer
            .text()
            .contains("mars 2025 : la version 1 est de nouveau celle du mois"),
        "{}",
        answer.text()
    );
    assert_eq!(rows(&store), Some(8));
    let ledger = store.ledger().unwrap();
    let last = ledger.last().unwrap();
    assert_eq!(last.by.as_deref(), Some("gestion@mp001.fr"));
    assert_eq!(last.outcome, mesure::store::Outcome::Accepted);
    let page = browser.get("/manufactures/mp001?annee=2025").await.text();
    assert!(page.contains("version 3"), "{page}");

    // Withdrawn: no longer stored, recorded with who did it.
    let answer = browser
        .post(
            "/manufactures/mp001/mois/2025-03/retirer",
            &[("jeton", &token)],
        )
        .await;
    assert!(
        answer.text().contains("mars 2025 est retiré"),
        "{}",
        answer.text()
    );
    assert_eq!(rows(&store), None);
    let ledger = store.ledger().unwrap();
    let last = ledger.last().unwrap();
    assert_eq!(last.outcome, mesure::store::Outcome::Withdrawn);
    assert_eq!(last.by.as_deref(), Some("gestion@mp001.fr"));
    let journal = std::fs::read_to_string(workdir.path().join("portail/journal.jsonl")).unwrap();
    assert!(journal.contains("\"restauration\"") && journal.contains("\"retrait\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_sees_every_declaration_and_whom_to_ask_for_the_late_ones() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let token = page_token(&mut browser, "mp001").await;
    let december = sample("classeurs/mp001/mp001_2025-12.xlsx");
    send_and_confirm(&mut browser, &token, "mp001_2025-12.xlsx", december).await;
    assert_eq!(
        browser.get("/declarations").await.status,
        StatusCode::NOT_FOUND
    );

    let head = invite(&workdir, "tete@reseau.fr", Role::Network, &[]);
    let mut network = Browser::new(&app);
    network.accept_invitation(&head).await;
    let page = network.get("/declarations").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    // Today's last twelve months: the grid's columns, and mp001's December received if it
    // is among them.
    let today = chrono::Utc::now().date_naive();
    let last = mesure::Month::of_date(today).plus(-1);
    let first = last.plus(-11);
    assert!(
        text.contains(&mesure::report::french::short_month(first, true)),
        "{text}"
    );
    let december: mesure::Month = "2025-12".parse().unwrap();
    let row_start = text.find("/manufactures/mp001\"").unwrap();
    let row = &text[row_start..row_start + text[row_start..].find("</tr>").unwrap()];
    let received = row.matches("title=\"décembre 2025 : reçu\"").count();
    assert_eq!(
        received,
        usize::from(december >= first && december <= last),
        "{row}"
    );
    // A late month names its manager; a manufacture without one says so.
    let late_mp001 = text.contains("mailto:gestion@mp001.fr");
    assert!(late_mp001, "mp001's other months are late: {text}");
    assert!(text.contains("aucun compte gestionnaire"), "{text}");
}

/// The invitation token in a page showing a link.
fn token_in(page: &str) -> String {
    let at = page.find("/invitation/").expect("an invitation link") + "/invitation/".len();
    page[at..at + 64].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_head_manages_the_accounts_of_its_scope_only() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut manager_browser = manager(&workdir, &app, "mp001").await;
    assert_eq!(
        manager_browser.get("/comptes").await.status,
        StatusCode::NOT_FOUND
    );
    let token = page_token(&mut manager_browser, "mp001").await;
    let answer = manager_browser
        .post(
            "/comptes/inviter",
            &[
                ("jeton", &token),
                ("email", "x@y.fr"),
                ("role", "gestionnaire"),
                ("manufactures", "mp001"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);

    // A regional head (Bourgogne-Franche-Comté, 27: mp001's région).
    let workspace = Workspace::open(workdir.path()).unwrap();
    let registry = workspace.registry().unwrap();
    let region = registry.get("mp001").unwrap().region.code;
    let outside = registry
        .manufactures()
        .iter()
        .find(|m| m.region.code != region)
        .unwrap()
        .id
        .clone();
    let head = Accounts::new(&workdir.path().join("portail"))
        .invite(
            NewAccount {
                email: "region@reseau.fr".into(),
                role: Role::Network,
                manufactures: vec![],
                regions: vec![region.to_string()],
            },
            "test",
            &registry,
        )
        .unwrap()
        .unwrap();
    let mut regional = Browser::new(&app);
    regional.accept_invitation(&head).await;
    let page = regional.get("/comptes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("gestion@mp001.fr"), "{}", page.text());
    let jeton = page.form_token();

    let refused = regional
        .post(
            "/comptes/inviter",
            &[
                ("jeton", &jeton),
                ("email", "dehors@y.fr"),
                ("role", "gestionnaire"),
                ("manufactures", &outside),
            ],
        )
        .await
        .text();
    assert!(
        refused.contains("Ce compte sortirait de votre périmètre"),
        "{refused}"
    );
    let national = regional
        .post(
            "/comptes/inviter",
            &[
                ("jeton", &jeton),
                ("email", "n@y.fr"),
                ("role", "reseau"),
                ("regions", "84"),
            ],
        )
        .await
        .text();
    assert!(
        national.contains("sortirait de votre périmètre"),
        "{national}"
    );

    let created = regional
        .post(
            "/comptes/inviter",
            &[
                ("jeton", &jeton),
                ("email", "Nouveau@mp001.fr"),
                ("role", "gestionnaire"),
                ("manufactures", "mp001"),
            ],
        )
        .await
        .text();
    assert!(
        created.contains("Compte créé pour nouveau@mp001.fr"),
        "{created}"
    );
    let mut newcomer = Browser::new(&app);
    newcomer.accept_invitation(&token_in(&created)).await;
    assert_eq!(
        newcomer.get("/manufactures/mp001").await.status,
        StatusCode::OK
    );

    // A new link for the first manager: their session ends and their password stops working.
    let reset = regional
        .post(
            "/comptes/reinitialiser",
            &[("jeton", &jeton), ("email", "gestion@mp001.fr")],
        )
        .await
        .text();
    assert!(reset.contains("ses sessions sont fermées"), "{reset}");
    assert_eq!(
        manager_browser.get("/manufactures/mp001").await.location(),
        "/connexion"
    );
    let mut again = Browser::new(&app);
    let answer = again.sign_in("gestion@mp001.fr", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // Removing: only within the scope; the removed account is signed out at once.
    let outside_account = invite(&workdir, "autre@mp.fr", Role::Manager, &[&outside]);
    let _ = outside_account;
    let answer = regional
        .post(
            "/comptes/retirer",
            &[("jeton", &jeton), ("email", "autre@mp.fr")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let removed = regional
        .post(
            "/comptes/retirer",
            &[("jeton", &jeton), ("email", "nouveau@mp001.fr")],
        )
        .await
        .text();
    assert!(
        removed.contains("Compte nouveau@mp001.fr supprimé"),
        "{removed}"
    );
    assert_eq!(
        newcomer.get("/manufactures/mp001").await.location(),
        "/connexion"
    );
    let journal = std::fs::read_to_string(workdir.path().join("portail/journal.jsonl")).unwrap();
    for action in ["compte_cree", "compte_reinitialise", "compte_retire"] {
        assert!(journal.contains(action), "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_served_within_each_account_s_scope() {
    let workdir = Workdir::sample_workspace();
    for id in ["mp001", "mp002"] {
        let folder = repo().join("sample-data/classeurs").join(id);
        let outcome = workdir.run(&["ingest", folder.to_str().unwrap()]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
    }
    let written = workdir.run(&["report", "--period", "2025"]);
    assert_eq!(written.code, 0, "{written:?}");
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    let page = browser.get("/manufactures/mp001").await.text();
    assert!(
        page.contains("<a href=\"/rapports/2025/manufacture-mp001.html\">2025</a>"),
        "the manufacture's page links to its reports: {page}"
    );
    let list = browser.get("/rapports").await.text();
    assert!(
        list.contains("/rapports/2025/manufacture-mp001.html"),
        "{list}"
    );
    assert!(
        !list.contains("national.html") && !list.contains("mp002"),
        "{list}"
    );
    // In the portal's frame: the body `mesure report` wrote, under the portal's strict policy.
    let own = browser.get("/rapports/2025/manufacture-mp001.html").await;
    assert_eq!(own.status, StatusCode::OK);
    let text = own.text();
    assert!(text.contains("<h1>La Fabrique nivernaise</h1>"), "{text}");
    assert!(
        text.contains("<title>La Fabrique nivernaise — 2025 — mesure</title>"),
        "{text}"
    );
    assert!(
        text.contains("Se déconnecter") && !text.contains("<style>"),
        "{text}"
    );
    let written =
        std::fs::read_to_string(workdir.path().join("reports/2025/manufacture-mp001.html"))
            .unwrap();
    let body = written.split_once("<main>\n").unwrap().1;
    let body = body.rsplit_once("\n</main>").unwrap().0;
    let links = &body[body.find("<nav>").unwrap()..body.find("</nav>\n").unwrap() + 7];
    let without_links = body.replacen(links, "", 1);
    assert!(
        text.contains(&without_links),
        "the portal shows the very body the report holds, less its links to network pages"
    );
    assert!(!text.contains("national.html"), "{text}");
    assert_eq!(
        own.headers[header::CONTENT_SECURITY_POLICY],
        mesure::portal::CONTENT_SECURITY_POLICY
    );
    // The standalone file, with its inline style sheet and a policy that allows it.
    let standalone = browser
        .get("/rapports/2025/manufacture-mp001.html?autonome=1")
        .await;
    assert_eq!(standalone.text(), written);
    let policy = standalone.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("style-src 'unsafe-inline'") && policy.contains("default-src 'none'"));
    for path in [
        "/rapports/2025/manufacture-mp002.html",
        "/rapports/2025/national.html",
        "/rapports/2025/index.html",
        "/rapports/2025/..%2F..%2Fmanufactures.csv",
        "/rapports/../manufactures.csv",
        "/rapports/.empreintes/x.html",
    ] {
        let answer = browser.get(path).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    // The figures: the manager's manufacture and the nation, nothing else.
    let figures = browser.get("/chiffres.csv").await;
    assert_eq!(figures.status, StatusCode::OK);
    let text = figures.text();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[1] == "manufacture" && r[2] == "mp001")
    );
    assert!(rows.iter().any(|r| r[1] == "national"));
    assert!(
        rows.iter()
            .all(|r| (r[1] == "manufacture" && r[2] == "mp001") || r[1] == "national"),
        "{text}"
    );
    let excel = browser.get("/chiffres.csv?format=excel").await;
    assert!(excel.body.starts_with(b"\xEF\xBB\xBF") && excel.text().contains(';'));
    let parquet = browser.get("/chiffres.csv?format=parquet").await;
    assert!(parquet.body.starts_with(b"PAR1"));
    use polars::prelude::SerReader;
    let read = polars::prelude::ParquetReader::new(std::io::Cursor::new(parquet.body))
        .finish()
        .unwrap();
    assert_eq!(read.height(), rows.len());

    let head = invite(&workdir, "tete@reseau.fr", Role::Network, &[]);
    let mut network = Browser::new(&app);
    network.accept_invitation(&head).await;
    let all = network.get("/chiffres.csv").await.text();
    assert!(
        all.contains(",manufacture,mp002,") && all.contains(",region,"),
        "the network sees all"
    );
    let list = network.get("/rapports").await.text();
    assert!(list.contains("Rapport national"), "{list}");
    assert_eq!(
        network.get("/rapports/2025/national.html").await.status,
        StatusCode::OK
    );
    assert_eq!(
        network
            .get("/rapports/2025/manufacture-mp002.html")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consultant_reads_the_definitions_and_the_check_and_changes_nothing() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut browser = manager(&workdir, &app, "mp001").await;
    assert_eq!(
        browser.get("/definitions").await.status,
        StatusCode::NOT_FOUND
    );
    let consultant = invite(&workdir, "c@cabinet.fr", Role::Consultant, &[]);
    let mut reader = Browser::new(&app);
    reader.accept_invitation(&consultant).await;
    let page = reader.get("/definitions").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(
        text.contains("Aucun problème : 7 tables et 20 indicateurs, 30 manufactures."),
        "{text}"
    );
    assert!(text.contains("Part des achats en circuit court"), "{text}");
    assert!(
        text.contains("ratio regroupé") || text.contains("part regroupée"),
        "{text}"
    );
    assert!(text.contains("Σ "), "{text}");
    assert!(text.contains("/definitions/dictionnaire"), "{text}");
    let dictionary = reader.get("/definitions/dictionnaire").await;
    assert_eq!(dictionary.status, StatusCode::OK);
    let dictionary = dictionary.text();
    assert!(dictionary.contains("<h1>Dictionnaire des définitions</h1>"));
    assert!(dictionary.contains("<code>heures_disponibles</code>"));
    assert_eq!(
        browser.get("/definitions/dictionnaire").await.status,
        StatusCode::NOT_FOUND
    );
    // A consultant sees every manufacture but sends nothing.
    let page = reader.get("/manufactures/mp002").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text().contains("Envoyer des classeurs"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_managers_confirming_at_the_same_moment_both_land() {
    let workdir = Workdir::sample_workspace();
    let app = served(&workdir, 10 * 1024 * 1024);
    let mut first = manager(&workdir, &app, "mp001").await;
    let mut second = manager(&workdir, &app, "mp002").await;
    let one = pending_upload(&mut first, "mp001", "classeurs/mp001/mp001_2025-03.xlsx").await;
    let two = pending_upload(&mut second, "mp002", "classeurs/mp002/mp002_2025-03.xlsx").await;
    let (t1, t2) = (
        page_token(&mut first, "mp001").await,
        page_token(&mut second, "mp002").await,
    );
    let (u1, u2) = (format!("{one}/confirmer"), format!("{two}/confirmer"));
    let (f1, f2) = ([("jeton", t1.as_str())], [("jeton", t2.as_str())]);
    let (a, b) = tokio::join!(first.post(&u1, &f1), second.post(&u2, &f2));
    assert!(a.text().contains("1 fichier enregistré"), "{}", a.text());
    assert!(b.text().contains("1 fichier enregistré"), "{}", b.text());
    let stored = workdir.store().stored_months().unwrap();
    let march: mesure::Month = "2025-03".parse().unwrap();
    assert_eq!(
        stored,
        [
            (crate::support::id("mp001"), march),
            (crate::support::id("mp002"), march)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_reverse_proxy_the_journal_names_the_visitor_not_the_proxy() {
    let workdir = Workdir::sample_workspace();
    let workspace = Workspace::open(workdir.path()).unwrap();
    let mut portal = Portal::open(workspace).unwrap();
    portal.behind_proxy = true;
    let app =
        router(Arc::new(portal)).layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let mut browser = Browser::new(&app);
    let form = browser.get("/connexion").await;
    let token = form.form_token();
    let body = format!("jeton={token}&email=x%40y.fr&mot_de_passe=faux");
    let request = Request::post("/connexion")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "203.0.113.9");
    let answer = browser.send(request, Body::from(body)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let journal = std::fs::read_to_string(workdir.path().join("portail/journal.jsonl")).unwrap();
    assert!(journal.contains("\"depuis\":\"203.0.113.9\""), "{journal}");
}
