//! Load benchmark of the portal: 111 managers send their month at the same instant to a real
//! `mesure serve` (release build), each through the real forms: upload, preview, confirm.
//! Meanwhile, readers load manufacture pages. Prints the median and 99th percentile of
//! upload-to-preview and confirm-to-stored times, page views' times, and the server's peak
//! memory; checks that every month is stored.
//!
//! `cargo bench --features dev-tools --bench portal [-- MANAGERS]` (111 by default); figures in BENCHMARKS.md.

#[allow(dead_code)]
#[path = "../tests/integration/support.rs"]
mod support;

use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use mesure::Workspace;
use mesure::portal::accounts::{Accounts, NewAccount, Role};
use mesure::sample::{SampleOptions, generate};
use mesure::store::Store;
use support::{Workdir, form_token, http, multipart, repo, start_server};

const PASSWORD: &str = "un mot de passe bien long";
const READERS: usize = 4;

fn main() {
    let managers: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(111);
    let workdir = Workdir::new();
    workdir.copy(&repo().join("indicators"), "indicators");
    let options = SampleOptions {
        manufactures: managers,
        repeat_places: managers > 30,
        first: "2026-01".parse().unwrap(),
        last: "2026-10".parse().unwrap(),
        with_errors: false,
        ..SampleOptions::default()
    };
    let definitions = Workspace::open(workdir.path())
        .unwrap()
        .definitions()
        .unwrap();
    generate(&definitions, &workdir.path().join("reseau"), &options).unwrap();
    workdir.copy(
        &workdir.path().join("reseau/manufactures.csv"),
        "manufactures.csv",
    );
    let workspace = Workspace::open(workdir.path()).unwrap();
    let registry = workspace.registry().unwrap();
    let accounts = Accounts::new(&workdir.path().join("portail"));
    // Each manager sends the last month generated for their manufacture.
    let mut work: Vec<(String, String, Vec<u8>)> = Vec::new();
    for manufacture in registry.manufactures() {
        let folder = workdir
            .path()
            .join("reseau/classeurs")
            .join(manufacture.id.as_str());
        let Some(last) = std::fs::read_dir(&folder)
            .ok()
            .and_then(|entries| entries.filter_map(Result::ok).map(|e| e.path()).max())
        else {
            continue;
        };
        let email = format!("gestion@{}.fr", manufacture.id);
        let token = accounts
            .invite(
                NewAccount {
                    email: email.clone(),
                    role: Role::Manager,
                    manufactures: vec![manufacture.id.to_string()],
                    regions: vec![],
                },
                "banc",
                &registry,
            )
            .unwrap()
            .unwrap();
        accounts.accept(&token, PASSWORD).unwrap().unwrap();
        let name = last.file_name().unwrap().to_str().unwrap().to_string();
        work.push((
            manufacture.id.to_string(),
            name,
            std::fs::read(&last).unwrap(),
        ));
    }
    let (server, port) = start_server(&workdir);
    let pid = server.0.id();
    let sessions: Vec<(String, String)> = work
        .iter()
        .map(|(id, _, _)| sign_in(port, &format!("gestion@{id}.fr"), id))
        .collect();
    println!(
        "{} gestionnaires connectés ; {} lecteurs de pages pendant la rafale ; {} cœurs",
        sessions.len(),
        READERS,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let barrier = Arc::new(Barrier::new(work.len() + 1));
    let previews = Arc::new(Mutex::new(Vec::new()));
    let confirms = Arc::new(Mutex::new(Vec::new()));
    let burst_over = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let views = Arc::new(Mutex::new(Vec::new()));
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (cookie, _) = sessions[r % sessions.len()].clone();
            let id = work[r % work.len()].0.clone();
            let (views, over) = (Arc::clone(&views), Arc::clone(&burst_over));
            std::thread::spawn(move || {
                while !over.load(std::sync::atomic::Ordering::Relaxed) {
                    let start = Instant::now();
                    let page = http(
                        port,
                        "GET",
                        &format!("/manufactures/{id}"),
                        &cookie,
                        None,
                        b"",
                    )
                    .unwrap();
                    assert_eq!(page.status, 200);
                    views.lock().unwrap().push(start.elapsed());
                }
            })
        })
        .collect();
    let senders: Vec<_> = work
        .iter()
        .cloned()
        .zip(sessions.iter().cloned())
        .map(|((id, name, bytes), (cookie, token))| {
            let barrier = Arc::clone(&barrier);
            let (previews, confirms) = (Arc::clone(&previews), Arc::clone(&confirms));
            std::thread::spawn(move || {
                barrier.wait();
                let start = Instant::now();
                let (kind, body) = multipart(&token, &[(&name, &bytes)]);
                let sent = http(
                    port,
                    "POST",
                    &format!("/manufactures/{id}/depot"),
                    &cookie,
                    Some(&kind),
                    &body,
                )
                .unwrap();
                assert_eq!(sent.status, 303, "{}", sent.text());
                let url = sent.header("location").unwrap().to_string();
                let preview = http(port, "GET", &url, &cookie, None, b"").unwrap();
                assert!(
                    preview.text().contains("prêt à être enregistré"),
                    "{}",
                    preview.text()
                );
                previews.lock().unwrap().push(start.elapsed());
                let start = Instant::now();
                let body = format!("jeton={token}");
                let done = http(
                    port,
                    "POST",
                    &format!("{url}/confirmer"),
                    &cookie,
                    Some("application/x-www-form-urlencoded"),
                    body.as_bytes(),
                )
                .unwrap();
                assert!(
                    done.text().contains("1 fichier enregistré"),
                    "{}",
                    done.text()
                );
                confirms.lock().unwrap().push(start.elapsed());
            })
        })
        .collect();
    let burst = Instant::now();
    barrier.wait();
    for sender in senders {
        sender.join().unwrap();
    }
    let burst_time = burst.elapsed();
    burst_over.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.join().unwrap();
    }
    let peak = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0);
    drop(server);
    let stored = Store::read(&workdir.path().join("store"))
        .stored_months()
        .unwrap()
        .len();
    assert_eq!(stored, work.len(), "every month sent is stored");
    println!(
        "rafale : {} envois en {:.1} s, tous enregistrés ({stored} mois)",
        work.len(),
        burst_time.as_secs_f64()
    );
    report("envoi → aperçu", &previews.lock().unwrap());
    report("confirmation → enregistré", &confirms.lock().unwrap());
    report(
        "page d'une manufacture pendant la rafale",
        &views.lock().unwrap(),
    );
    println!("mémoire max du serveur : {} Mio", peak / 1024);
}

fn sign_in(port: u16, email: &str, manufacture: &str) -> (String, String) {
    let session = support::sign_in(port, email, PASSWORD);
    let page = http(
        port,
        "GET",
        &format!("/manufactures/{manufacture}"),
        &session,
        None,
        b"",
    )
    .unwrap();
    (session, form_token(&page.text()).unwrap())
}

fn report(label: &str, times: &[Duration]) {
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label} : {} mesures, médiane {:.0} ms, 99e centile {:.0} ms, max {:.0} ms",
        ms.len(),
        at(0.5),
        at(0.99),
        ms[ms.len() - 1]
    );
}
