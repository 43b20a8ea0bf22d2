//! The portal in a real browser: Debian's headless Chromium, driven over WebDriver
//! (chromedriver) by fantoccini, against the real `mesure serve` process. A manager goes from
//! the invitation link to a stored month; a second manager cannot reach the first's pages; a
//! network head sees both; no page breaks its Content-Security-Policy.
//!
//! Without Chromium and chromedriver (a newcomer's laptop) the test says so loudly and passes;
//! with `CI` set (`.ci/run`), their absence is a failure. With `MESURE_CAPTURES=DIR`, it saves
//! screenshots of every page it visits, on a desktop and on a phone-width window.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::support::{Running, Workdir, free_port, repo, start_server, wait_for_port};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const PASSWORD: &str = "un mot de passe bien long";

/// Whether the browser is there; if not, says so, and fails under CI.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "\n*** TESTS DU NAVIGATEUR NON LANCÉS : {} absent(s). Installez-les : apt-get install chromium chromium-driver ***\n",
        missing.join(", ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message}(CI est défini : le navigateur doit être là)");
    }
    eprintln!("{message}");
    false
}

/// `mesure ARGS` in the workdir; its standard output.
fn mesure(workdir: &Workdir, args: &[&str]) -> String {
    let outcome = workdir.run(args);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    outcome.stdout
}

/// The invitation link printed by `mesure acces inviter`.
fn invitation(workdir: &Workdir, base: &str, args: &[&str]) -> String {
    let mut all = vec!["acces", "inviter", "--url", base];
    all.extend_from_slice(args);
    let out = mesure(workdir, &all);
    out.lines()
        .find(|l| l.starts_with("http"))
        .unwrap_or_else(|| panic!("no link in {out}"))
        .to_string()
}

async fn new_browser(driver: &str, downloads: &Path) -> Client {
    // Two TLS back-ends are built into the test binary: name the one fantoccini uses.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--window-size=1280,900", "--lang=fr"],
            "prefs": {
                "download.default_directory": downloads.to_str().unwrap(),
                "download.prompt_for_download": false,
            }
        }),
    );
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    ClientBuilder::rustls()
        .expect("rustls")
        .capabilities(capabilities)
        .connect(driver)
        .await
        .expect("chromedriver opens a session")
}

/// Chromium's console log since the last call (where CSP violations are reported).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

async fn console_problems(client: &Client) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("the browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["message"].as_str().map(str::to_string))
        .filter(|message| {
            let lower = message.to_lowercase();
            lower.contains("content security policy") || lower.contains("refused to")
        })
        .collect()
}

/// Takes screenshots of the current page when `MESURE_CAPTURES` names a folder: at desktop
/// width and at a phone's.
async fn capture(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("MESURE_CAPTURES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (suffix, width, height) in [("", 1280, 900), ("_telephone", 390, 844)] {
        client.set_window_size(width, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}{suffix}.png")), png).unwrap();
    }
    client.set_window_size(1280, 900).await.unwrap();
}

/// The page's text once it contains `needle` (a submitted form's answer may take a moment to
/// replace the page); fails with the last text seen after 15 seconds.
async fn page_with(client: &Client, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let text = match client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "« {needle} » never appeared; the page says:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks the element found.
async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// Types text into the element found.
async fn type_into(client: &Client, locator: Locator<'_>, text: &str) {
    client
        .find(locator)
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

async fn choose_password(client: &Client, link: &str) {
    client.goto(link).await.unwrap();
    type_into(client, Locator::Id("mot_de_passe"), PASSWORD).await;
    type_into(client, Locator::Id("confirmation"), PASSWORD).await;
    click(client, Locator::Css("form button[type=submit]")).await;
    // Signed in once the page has a sign-out button: wait for it, so that the next
    // navigation does not race the form's redirects.
    page_with(client, "Se déconnecter").await;
}

async fn send_file(client: &Client, path: &Path) {
    client
        .find(Locator::Id("fichiers"))
        .await
        .unwrap()
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap();
    click(client, Locator::Css("form.depot button")).await;
}

/// Waits until a workbook whose name contains `part` is downloaded into `dir` (Chromium may
/// show the file under its final name before its bytes are all written); returns its bytes.
fn downloaded(dir: &Path, part: &str) -> Vec<u8> {
    let start = Instant::now();
    loop {
        let found = std::fs::read_dir(dir).ok().and_then(|entries| {
            entries.filter_map(Result::ok).map(|e| e.path()).find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name.contains(part) && name.ends_with(".xlsx")
            })
        });
        if let Some(bytes) = found.and_then(|path| std::fs::read(path).ok())
            && calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).is_ok()
        {
            return bytes;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{part} was not downloaded into {}: {:?}",
            dir.display(),
            std::fs::read_dir(dir).map(|d| d
                .filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect::<Vec<_>>())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_sends_a_month_in_a_real_browser_and_nobody_else_sees_it() {
    if !browser_available() {
        return;
    }
    let workdir = Workdir::sample_workspace();
    let (_server, port) = start_server(&workdir);
    let base = format!("http://127.0.0.1:{port}");
    let driver_port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _driver = Running(driver);
    wait_for_port(driver_port);
    let driver_url = format!("http://127.0.0.1:{driver_port}");
    let downloads = workdir.path().join("telechargements");
    std::fs::create_dir_all(&downloads).unwrap();

    let first = invitation(
        &workdir,
        &base,
        &[
            "--email",
            "gestion@mp001.fr",
            "--role",
            "gestionnaire",
            "--manufacture",
            "mp001",
        ],
    );
    let client = new_browser(&driver_url, &downloads).await;
    client.goto(&first).await.unwrap();
    capture(&client, "1_invitation").await;
    choose_password(&client, &first).await;
    // Signed in, on the manufacture's page.
    page_with(&client, "Envoyer des classeurs").await;
    let url = client.current_url().await.unwrap();
    assert!(url.path().ends_with("/manufactures/mp001"), "{url}");
    client
        .goto(&format!("{base}/manufactures/mp001?annee=2025"))
        .await
        .unwrap();
    page_with(&client, "La Fabrique nivernaise").await;
    capture(&client, "2_manufacture_vide").await;

    // The pre-filled workbook of March.
    click(
        &client,
        Locator::Css("a[href='/manufactures/mp001/modele/2025-03']"),
    )
    .await;
    let template = downloaded(&downloads, "mp001_2025-03");
    assert!(template.len() > 1000);

    // A bad workbook: every problem shown, the annotated copy downloaded.
    let bad = repo().join("sample-data/erreurs/mp001_2025-03_texte_dans_un_nombre.xlsx");
    send_file(&client, &bad).await;
    let page = page_with(&client, "1 fichier refusé").await;
    assert!(
        page.contains("feuille Publics, ligne 2, colonne B (nb_personnes)"),
        "{page}"
    );
    assert!(
        page.contains("« douze » n'est pas un nombre entier"),
        "{page}"
    );
    capture(&client, "3_apercu_refuse").await;
    click(&client, Locator::Css("a[href*='/annote/']")).await;
    let annotated = downloaded(&downloads, "_annote");
    assert!(annotated.len() > 1000);
    click(&client, Locator::Css("button.secondaire")).await;
    page_with(&client, "Envoyer des classeurs").await;

    // The good one: previewed, confirmed, then in the grid.
    let good = repo().join("sample-data/classeurs/mp001/mp001_2025-03.xlsx");
    client
        .goto(&format!("{base}/manufactures/mp001"))
        .await
        .unwrap();
    send_file(&client, &good).await;
    let page = page_with(&client, "1 fichier prêt à être enregistré").await;
    assert!(
        page.contains("mp001, mars 2025 : première version"),
        "{page}"
    );
    capture(&client, "4_apercu_accepte").await;
    click(&client, Locator::Css("form[action$='/confirmer'] button")).await;
    page_with(&client, "1 fichier enregistré").await;
    capture(&client, "5_enregistre").await;
    client
        .goto(&format!("{base}/manufactures/mp001?annee=2025"))
        .await
        .unwrap();
    let march = client
        .find(Locator::XPath(
            "//li[contains(@class,'mois')][span[@class='nom' and text()='mars 2025']]",
        ))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        march.contains("reçu") && march.contains("version 1"),
        "{march}"
    );
    capture(&client, "6_manufacture_recu").await;

    // The report, rewritten in the background after the confirmation, in the portal's frame.
    let start = Instant::now();
    loop {
        client.goto(&format!("{base}/rapports")).await.unwrap();
        let list = page_with(&client, "Rapports").await;
        if list.contains("La Fabrique nivernaise") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no report: {list}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    client
        .find(Locator::Css(
            "a[href='/rapports/2025/manufacture-mp001.html']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let report = page_with(&client, "Médiane du réseau").await;
    assert!(
        report.contains("Mois déclarés : 1 sur 12 attendus"),
        "{report}"
    );
    capture(&client, "6b_rapport").await;

    // Signing out, then in again through the sign-in form.
    click(&client, Locator::Css("form[action='/deconnexion'] button")).await;
    page_with(&client, "Connexion").await;
    capture(&client, "0_connexion").await;
    type_into(&client, Locator::Id("email"), "gestion@mp001.fr").await;
    type_into(&client, Locator::Id("mot_de_passe"), PASSWORD).await;
    click(&client, Locator::Css("form button[type=submit]")).await;
    page_with(&client, "Envoyer des classeurs").await;
    let problems = console_problems(&client).await;
    assert!(problems.is_empty(), "CSP or console errors: {problems:?}");
    client.close().await.unwrap();

    // A second manager cannot reach the first's page.
    let second = invitation(
        &workdir,
        &base,
        &[
            "--email",
            "gestion@mp002.fr",
            "--role",
            "gestionnaire",
            "--manufacture",
            "mp002",
        ],
    );
    let other = new_browser(&driver_url, &downloads).await;
    choose_password(&other, &second).await;
    other
        .goto(&format!("{base}/manufactures/mp001"))
        .await
        .unwrap();
    let page = page_with(&other, "Cette page n'existe pas").await;
    assert!(!page.contains("nivernaise"), "{page}");
    other.close().await.unwrap();

    // The network head sees both, and the month received.
    let head = invitation(
        &workdir,
        &base,
        &["--email", "tete@reseau.fr", "--role", "reseau"],
    );
    let network = new_browser(&driver_url, &downloads).await;
    choose_password(&network, &head).await;
    let page = page_with(&network, "Tulle").await;
    assert!(
        page.contains("La Fabrique nivernaise") && page.contains("Tulle"),
        "{page}"
    );
    capture(&network, "7_reseau_accueil").await;
    network
        .goto(&format!("{base}/manufactures/mp001?annee=2025"))
        .await
        .unwrap();
    page_with(&network, "version 1").await;
    network.goto(&format!("{base}/declarations")).await.unwrap();
    page_with(&network, "Mois en retard ou manquants").await;
    capture(&network, "9_declarations").await;
    network.goto(&format!("{base}/definitions")).await.unwrap();
    page_with(&network, "Aucun problème").await;
    capture(&network, "10_definitions").await;
    network.goto(&format!("{base}/journal")).await.unwrap();
    page_with(&network, "confirmation").await;
    capture(&network, "8_journal").await;
    let problems = console_problems(&network).await;
    assert!(problems.is_empty(), "CSP or console errors: {problems:?}");
    network.close().await.unwrap();

    // A consultant reads the definitions and every manufacture, and sends nothing.
    let link = invitation(
        &workdir,
        &base,
        &["--email", "c@cabinet.fr", "--role", "consultant"],
    );
    let consultant = new_browser(&driver_url, &downloads).await;
    choose_password(&consultant, &link).await;
    consultant
        .goto(&format!("{base}/manufactures/mp002"))
        .await
        .unwrap();
    let page = page_with(&consultant, "L'Établi corrézien").await;
    assert!(!page.contains("Envoyer des classeurs"), "{page}");
    capture(&consultant, "11_consultant_manufacture").await;
    consultant
        .goto(&format!("{base}/definitions"))
        .await
        .unwrap();
    page_with(&consultant, "Définitions des indicateurs").await;
    let problems = console_problems(&consultant).await;
    assert!(problems.is_empty(), "CSP or console errors: {problems:?}");
    consultant.close().await.unwrap();
}
