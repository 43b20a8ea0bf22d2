//! The command line's own behaviour: French help and usage errors, exit codes.

use crate::support::{Workdir, repo};

#[test]
fn help_is_french() {
    let outcome = Workdir::new().run(&["--help"]);
    assert_eq!(outcome.code, 0);
    assert!(
        outcome
            .stdout
            .contains("Utilisation : mesure [OPTIONS] <COMMAND>")
    );
    assert!(
        outcome
            .stdout
            .contains("Vérifie les définitions (tables, indicateurs) et le registre")
    );
    assert!(!outcome.stdout.contains("Print help"));
}

#[test]
fn the_users_binary_holds_only_the_users_verbs() {
    // The sample generator and the calamine floor live in `mesure-dev` (feature dev-tools).
    for developer_verb in ["echantillon", "lecture-brute"] {
        let outcome = Workdir::new().run(&[developer_verb]);
        assert_eq!(outcome.code, 2, "{developer_verb}: {outcome:?}");
        assert!(outcome.stderr.contains("inconnue"), "{outcome:?}");
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_mesure"));
        command
            .args([
                "-w",
                repo().to_str().unwrap(),
                "ingest",
                "--dry-run",
                "--format",
                "json",
            ])
            .arg(repo().join("sample-data/classeurs"));
        command
    };
    // The whole output is over twice what a pipe holds (64 KiB on Linux): the command is still
    // writing when the reader goes, so the closed pipe is met, not merely possible.
    let whole = command().output().unwrap();
    assert!(
        whole.stdout.len() > 2 * 65_536,
        "{} bytes",
        whole.stdout.len()
    );
    let mut child = command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe is closed
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn usage_errors_are_french_and_exit_2() {
    let workdir = Workdir::new();
    let outcome = workdir.run(&["templat"]);
    assert_eq!(outcome.code, 2);
    assert_eq!(
        outcome.stderr,
        "erreur : commande « templat » inconnue ; vouliez-vous dire « template » ?\nPour l'aide : mesure --help\n"
    );
    let outcome = workdir.run(&["template", "--manufacture", "mp001", "--mois", "2025-13"]);
    assert_eq!(outcome.code, 2);
    assert_eq!(
        outcome.stderr,
        "erreur : valeur « 2025-13 » invalide pour --mois <AAAA-MM> : « 2025-13 » n'est pas un mois au format AAAA-MM (par exemple 2025-03)\nPour l'aide : mesure --help\n"
    );
}

/// A quarter or half-year numbered 0 is refused in French (it once underflowed: a panic).
#[test]
fn a_period_numbered_zero_is_refused_not_a_panic() {
    let workdir = Workdir::workspace();
    for period in ["2025-T0", "2025-Q0", "2025-S0"] {
        let outcome = workdir.run(&["compute", "--period", period]);
        // A command typed wrong: exit 2, as for an unknown option.
        assert_eq!(outcome.code, 2, "{period}: {outcome:?}");
        assert!(
            outcome.stderr.starts_with(&format!(
                "erreur : valeur « {period} » invalide pour --period <P> : « {period} » n'est pas une période"
            )),
            "{period}: {}",
            outcome.stderr
        );
    }
}

/// `compute --rangs` refuses, before ranking, a classement too large to hold in memory (all
/// the periods of a national network: more than a hundred million rows, killed for lack of
/// memory at 3,500 places) and says how to ask for fewer; the count it gives is the rows it
/// would write.
#[test]
fn too_many_ranks_are_refused_with_what_to_ask_instead() {
    let workdir = Workdir::sample_workspace();
    for manufacture in ["mp001", "mp002"] {
        let classeurs = repo().join("sample-data/classeurs").join(manufacture);
        let ingest = workdir.run(&["ingest", classeurs.to_str().unwrap()]);
        assert_eq!(ingest.code, 0, "{ingest:?}");
    }
    let all = workdir.run(&["compute", "--rangs"]);
    assert_eq!(all.code, 0, "{all:?}");
    let rows = all.stdout.lines().count() - 1;
    assert!(rows > 1_000, "{rows}");
    let run = |args: &[&str], limit: usize| {
        let limit = limit.to_string();
        workdir.run_with_env(args, &[("MESURE_RANGS_MAX", limit.as_str())])
    };
    let refused = run(&["compute", "--rangs"], rows - 1);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert_eq!(
        refused.stderr.lines().next().unwrap(),
        format!(
            "erreur : le classement demandé ferait {} lignes (au plus {}) : précisez une période (--period 2025), un type de période (--per year) ou moins de niveaux (--level region)",
            mesure::numbers::french_grouped(rows as f64, 0),
            mesure::numbers::french_grouped((rows - 1) as f64, 0),
        )
    );
    assert!(refused.stdout.is_empty());
    let allowed = run(&["compute", "--rangs"], rows);
    assert_eq!(allowed.code, 0, "{allowed:?}");
    assert_eq!(allowed.stdout, all.stdout);
    let yearly = run(&["compute", "--rangs", "--per", "year"], rows - 1);
    assert_eq!(yearly.code, 0, "{yearly:?}");
    assert!(yearly.stdout.lines().count() - 1 < rows);
    // The distribution alone ranks nothing, whatever the limit.
    let distribution = run(&["compute", "--distribution"], 0);
    assert_eq!(distribution.code, 0, "{distribution:?}");
}
