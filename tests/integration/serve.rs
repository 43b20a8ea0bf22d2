//! The real `mesure serve` process under stress: confirmations in a burst, the server killed
//! with `kill -9` in the middle, restarted. Every confirmation the page called stored must
//! be stored, and the store must read whole.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use mesure::Workspace;
use mesure::portal::accounts::{Accounts, NewAccount, Role};

use crate::support::{
    HttpAnswer, Workdir, form_token, http, multipart, post_form, repo, start_server,
};

const PASSWORD: &str = "un mot de passe bien long";

/// A file's name and what its confirmation got (or why it got nothing).
type Confirmation = (String, Result<HttpAnswer, String>);

/// Signs in through the real forms; returns the session's cookie header.
fn sign_in(port: u16, email: &str) -> String {
    crate::support::sign_in(port, email, PASSWORD)
}

/// Confirms a pending upload through its form.
fn confirm(port: u16, cookie: &str, url: &str, token: &str) -> HttpAnswer {
    post_form(
        port,
        &format!("{url}/confirmer"),
        cookie,
        &format!("jeton={token}"),
    )
}

fn account(workdir: &Workdir, email: &str, manufacture: &str) {
    let workspace = Workspace::open(workdir.path()).unwrap();
    let accounts = Accounts::new(&workdir.path().join("portail"));
    let token = accounts
        .invite(
            NewAccount {
                email: email.into(),
                role: Role::Manager,
                manufactures: vec![manufacture.into()],
                regions: vec![],
            },
            "test",
            &workspace.registry().unwrap(),
        )
        .unwrap()
        .unwrap();
    accounts.accept(&token, PASSWORD).unwrap().unwrap();
}

/// Uploads mp001's March 2025 workbook from its page; returns the page's form token and the
/// pending upload's address.
fn upload_march(port: u16, cookie: &str) -> (String, String) {
    let page = http(port, "GET", "/manufactures/mp001", cookie, None, b"").unwrap();
    let token = form_token(&page.text()).unwrap();
    let path = repo().join("sample-data/classeurs/mp001/mp001_2025-03.xlsx");
    let url = upload(
        port,
        cookie,
        &token,
        "mp001",
        "mp001_2025-03.xlsx",
        &std::fs::read(path).unwrap(),
    );
    (token, url)
}

/// Uploads one file from the manufacture's page; returns the pending upload's address.
fn upload(
    port: u16,
    cookie: &str,
    token: &str,
    manufacture: &str,
    name: &str,
    bytes: &[u8],
) -> String {
    let (kind, body) = multipart(token, &[(name, bytes)]);
    let answer = http(
        port,
        "POST",
        &format!("/manufactures/{manufacture}/depot"),
        cookie,
        Some(&kind),
        &body,
    )
    .unwrap();
    assert_eq!(answer.status, 303, "{}", answer.text());
    answer.header("location").unwrap().to_string()
}

#[test]
fn confirmations_that_said_stored_survive_a_kill_9_of_the_server() {
    let workdir = Workdir::sample_workspace();
    account(&workdir, "gestion@mp001.fr", "mp001");
    let (mut server, port) = start_server(&workdir);
    let cookie = sign_in(port, "gestion@mp001.fr");
    let page = http(port, "GET", "/manufactures/mp001", &cookie, None, b"").unwrap();
    let token = form_token(&page.text()).unwrap();
    let folder = repo().join("sample-data/classeurs/mp001");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let pending: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let bytes = std::fs::read(path).unwrap();
            (
                name.clone(),
                upload(port, &cookie, &token, "mp001", &name, &bytes),
            )
        })
        .collect();
    assert!(pending.len() >= 8, "{pending:?}");

    // Every confirmation at once; the server is killed as soon as the first one answers.
    let answered: Arc<Mutex<Vec<Confirmation>>> = Arc::default();
    let first_answer = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
    let threads: Vec<_> = pending
        .iter()
        .cloned()
        .map(|(name, url)| {
            let (cookie, token) = (cookie.clone(), token.clone());
            let answered = Arc::clone(&answered);
            let first_answer = Arc::clone(&first_answer);
            std::thread::spawn(move || {
                // The server may be killed in the middle: a failed request is an outcome too.
                let body = format!("jeton={token}");
                let answer = http(
                    port,
                    "POST",
                    &format!("{url}/confirmer"),
                    &cookie,
                    Some("application/x-www-form-urlencoded"),
                    body.as_bytes(),
                )
                .map_err(|e| e.to_string());
                answered.lock().unwrap().push((name, answer));
                let (done, signal) = &*first_answer;
                *done.lock().unwrap() = true;
                signal.notify_all();
            })
        })
        .collect();
    {
        let (done, signal) = &*first_answer;
        let mut done = done.lock().unwrap();
        while !*done {
            done = signal.wait(done).unwrap();
        }
    }
    server.kill();
    for thread in threads {
        thread.join().unwrap();
    }
    let answered = answered.lock().unwrap();
    let confirmed: BTreeSet<String> = answered
        .iter()
        .filter_map(|(name, answer)| {
            let answer = answer.as_ref().ok()?;
            (answer.status == 200 && answer.text().contains("1 fichier enregistré"))
                .then(|| name[6..13].to_string())
        })
        .collect();
    assert!(
        !confirmed.is_empty(),
        "no confirmation answered: {answered:?}"
    );

    // After the kill: every month the page said stored is stored, and the store reads whole.
    let store = workdir.store();
    let stored: BTreeSet<String> = store
        .stored_months()
        .unwrap()
        .into_iter()
        .map(|(_, month)| month.to_string())
        .collect();
    assert!(
        confirmed.is_subset(&stored),
        "confirmed {confirmed:?}, stored {stored:?}"
    );
    for month in &stored {
        for table in ["publics", "emplois", "flux"] {
            store
                .read_table(table, "mp001", month.parse().unwrap())
                .unwrap();
        }
    }
    // Restarted, the server serves the store as it is, and a confirmation the kill cut
    // short can be sent again.
    let (_server, port) = start_server(&workdir);
    let cookie = sign_in(port, "gestion@mp001.fr");
    let page = http(
        port,
        "GET",
        "/manufactures/mp001?annee=2025",
        &cookie,
        None,
        b"",
    )
    .unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(
        page.text().matches("version 1").count(),
        stored.len(),
        "{}",
        page.text()
    );
    let rebuilt = workdir.run(&["rebuild"]);
    assert_eq!(rebuilt.code, 0, "{rebuilt:?}");
    let after: BTreeSet<String> = workdir
        .store()
        .stored_months()
        .unwrap()
        .into_iter()
        .map(|(_, month)| month.to_string())
        .collect();
    assert_eq!(
        after, stored,
        "the ledger and the raw files agree with the tables"
    );
}

#[test]
fn the_reports_are_rewritten_once_after_a_confirmed_upload() {
    let workdir = Workdir::sample_workspace();
    account(&workdir, "gestion@mp001.fr", "mp001");
    let (_server, port) = start_server(&workdir);
    let cookie = sign_in(port, "gestion@mp001.fr");
    let before = http(port, "GET", "/rapports", &cookie, None, b"").unwrap();
    assert!(before.text().contains("Aucun rapport"), "{}", before.text());
    let (token, url) = upload_march(port, &cookie);
    let done = confirm(port, &cookie, &url, &token);
    assert!(done.text().contains("1 fichier enregistré"));
    // The worker waits for the burst to end, then writes the reports: the manager's page
    // appears without anybody running `mesure report`.
    let start = std::time::Instant::now();
    loop {
        let list = http(port, "GET", "/rapports", &cookie, None, b"")
            .unwrap()
            .text();
        if list.contains("/rapports/2025/manufacture-mp001.html") {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(90),
            "no report after a minute and a half: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    let report = http(
        port,
        "GET",
        "/rapports/2025/manufacture-mp001.html",
        &cookie,
        None,
        b"",
    )
    .unwrap();
    assert_eq!(report.status, 200);
    assert!(report.text().contains("La Fabrique nivernaise"));
}

#[test]
fn a_confirmation_waits_for_a_command_line_ingest_holding_the_store() {
    let workdir = Workdir::sample_workspace();
    account(&workdir, "gestion@mp001.fr", "mp001");
    let (_server, port) = start_server(&workdir);
    let cookie = sign_in(port, "gestion@mp001.fr");
    let (token, url) = upload_march(port, &cookie);
    // Another process holds the store, as `mesure ingest` does while it writes.
    let lock = mesure::store::WriteLock::acquire(
        &workdir.path().join("store"),
        "mesure ingest (test)",
        &|_| {},
    )
    .unwrap();
    let waiting = std::thread::spawn(move || confirm(port, &cookie, &url, &token));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        !waiting.is_finished(),
        "the confirmation waits for the lock"
    );
    // Meanwhile a real command-line ingest of another manufacture queues too.
    let other = repo().join("sample-data/classeurs/mp002/mp002_2025-03.xlsx");
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_mesure"))
        .args(["ingest", other.to_str().unwrap()])
        .current_dir(workdir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    drop(lock);
    let answer = waiting.join().unwrap();
    assert!(
        answer.text().contains("1 fichier enregistré"),
        "{}",
        answer.text()
    );
    let cli = cli.wait_with_output().unwrap();
    assert!(cli.status.success(), "{cli:?}");
    let stored = workdir.store().stored_months().unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");
}
