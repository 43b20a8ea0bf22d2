//! The command line's own behaviour: French help and usage errors, exit codes.

use crate::support::Workdir;

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
