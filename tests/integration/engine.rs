//! The engine on a hand-made network: four manufactures, four months, every figure worked out
//! by hand in the comments. Traps covered: a missing month, a reported month with no row, a
//! zero denominator, a manufacture opening mid-quarter, one that never reports, two
//! manufactures each with a single category of public, stocks over a quarter and a year, a
//! share whose filter excludes everything, a ratio on rows where a value is missing.

use mesure::engine::{Inputs, Level, Per, Request, compute};
use mesure::geo;
use mesure::registry::{Manufacture, Registry};
use polars::prelude::*;

use crate::support::repo;

fn manufacture(
    id: &str,
    departement: &str,
    filiere: &str,
    vague: &str,
    ouverture: &str,
) -> Manufacture {
    let departement = geo::departement(departement).unwrap();
    Manufacture {
        id: crate::support::id(id),
        name: format!("Manufacture {id}"),
        commune: "X".into(),
        code_insee: format!("{}000", departement.code),
        departement,
        region: geo::region(departement.region).unwrap(),
        filiere: filiere.into(),
        wave: vague.into(),
        opened: ouverture.parse().unwrap(),
        closed: None,
    }
}

/// A, B in Bourgogne-Franche-Comté (27), bois, wave 1, open from January;
/// C in Nouvelle-Aquitaine (75), textile, wave 2, open from February (mid-quarter);
/// D in Nouvelle-Aquitaine, textile, wave 2, open from January, never reports.
fn registry() -> Registry {
    Registry::new(vec![
        manufacture("A", "58", "bois", "1", "2025-01"),
        manufacture("B", "71", "bois", "1", "2025-01"),
        manufacture("C", "19", "textile", "2", "2025-02"),
        manufacture("D", "87", "textile", "2", "2025-01"),
    ])
}

fn reported(pairs: &[(&str, &str)]) -> DataFrame {
    df!("id_manufacture" => pairs.iter().map(|p| p.0).collect::<Vec<_>>(), "mois" => pairs.iter().map(|p| p.1).collect::<Vec<_>>()).unwrap()
}

/// Months reported (workbooks received): A: Jan, Feb, Apr (March missing); B: Jan to Apr (April
/// with no row at all); C: Feb (March missing).
const MONTHS: [(&str, &str); 8] = [
    ("A", "2025-01"),
    ("A", "2025-02"),
    ("A", "2025-04"),
    ("B", "2025-01"),
    ("B", "2025-02"),
    ("B", "2025-03"),
    ("B", "2025-04"),
    ("C", "2025-02"),
];

fn inputs() -> Inputs {
    let mut inputs = Inputs::default();
    // Publics: A only salariés, B only demandeurs d'emploi, C only étudiants.
    let publics = df!(
        "id_manufacture" => ["A", "A", "A", "B", "B", "B", "C"],
        "mois" => ["2025-01", "2025-02", "2025-04", "2025-01", "2025-02", "2025-03", "2025-02"],
        "categorie" => ["salarié", "salarié", "salarié", "demandeur d'emploi", "demandeur d'emploi", "demandeur d'emploi", "étudiant"],
        "nb_personnes" => [10i64, 6, 5, 10, 4, 6, 3],
        "nb_passages" => [20i64, 12, 10, 15, 8, 6, 3],
        "dont_femmes" => [Some(4i64), None, Some(2), Some(5), Some(2), Some(3), Some(1)],
    )
    .unwrap();
    // Emplois: ETP and head count per month.
    let emplois = df!(
        "id_manufacture" => ["A", "A", "A", "B", "B", "B", "C"],
        "mois" => ["2025-01", "2025-02", "2025-04", "2025-01", "2025-02", "2025-03", "2025-02"],
        "type_contrat" => ["CDI", "CDI", "CDI", "CDDI", "CDDI", "CDDI", "CDI"],
        "effectif_fin_mois" => [2i64, 3, 1, 1, 1, 2, 1],
        "etp" => [2.0, 3.0, 1.0, 1.0, 1.0, 2.0, 0.5],
        "entrees" => [2i64, 1, 0, 1, 0, 1, 1],
        "sorties" => [0i64, 0, 2, 0, 0, 0, 0],
    )
    .unwrap();
    // Flux: A sold once in January and bought nothing.
    let flux = df!(
        "id_manufacture" => ["A"], "mois" => ["2025-01"], "sens" => ["vente"], "categorie" => ["vente directe"],
        "montant_ht" => [100.0], "distance_km" => [10.0], "nb_intermediaires" => [0i64], "partenaire" => [None::<&str>],
    )
    .unwrap();
    // Equipements: A's only machine was not available in January (0 h out of 0 h).
    let equipements = df!(
        "id_manufacture" => ["A"], "mois" => ["2025-01"], "id_equipement" => ["EQ01"], "equipement" => ["Scie"],
        "heures_disponibles" => [0.0], "heures_utilisees" => [0.0], "heures_externes" => [0.0], "nb_structures" => [0i64],
    )
    .unwrap();
    for (table, frame) in [("publics", publics), ("emplois", emplois)] {
        inputs.tables.insert(table.into(), frame);
        inputs.reported.insert(table.into(), reported(&MONTHS));
    }
    // Formations: A in January (10 h × 3) and February (5 h × 2), not April; B in January
    // (4 h × 5), February (2 h × 3) and March (declared, no row). C sent none.
    let formations = df!(
        "id_manufacture" => ["A", "A", "B", "B"], "mois" => ["2025-01", "2025-02", "2025-01", "2025-02"],
        "intitule" => ["Soudure", "Découpe", "Tournage", "Affûtage"], "duree_h" => [10.0, 5.0, 4.0, 2.0],
        "nb_participants" => [3i64, 2, 5, 3], "dont_demandeurs_emploi" => [1i64, 0, 2, 1], "certifiante" => [true, false, false, true],
    )
    .unwrap();
    inputs.tables.insert("formations".into(), formations);
    inputs.reported.insert(
        "formations".into(),
        reported(&[
            ("A", "2025-01"),
            ("A", "2025-02"),
            ("B", "2025-01"),
            ("B", "2025-02"),
            ("B", "2025-03"),
        ]),
    );
    inputs.tables.insert("flux".into(), flux);
    inputs
        .reported
        .insert("flux".into(), reported(&[("A", "2025-01")]));
    inputs.tables.insert("equipements".into(), equipements);
    inputs
        .reported
        .insert("equipements".into(), reported(&[("A", "2025-01")]));
    inputs
}

struct Figures(DataFrame);

impl Figures {
    /// (valeur, declarants, attendus) of one cell, or None if the cell is absent.
    fn get(
        &self,
        indicator: &str,
        level: &str,
        entity: &str,
        period: &str,
    ) -> Option<(Option<f64>, u32, u32)> {
        let f = &self.0;
        let (ind, lev, ent, per) = (
            f.column("indicateur").unwrap().str().unwrap(),
            f.column("niveau").unwrap().str().unwrap(),
            f.column("entite").unwrap().str().unwrap(),
            f.column("periode").unwrap().str().unwrap(),
        );
        let row = (0..f.height()).find(|&r| {
            ind.get(r) == Some(indicator)
                && lev.get(r) == Some(level)
                && ent.get(r) == Some(entity)
                && per.get(r) == Some(period)
        })?;
        Some((
            f.column("valeur").unwrap().f64().unwrap().get(row),
            f.column("declarants")
                .unwrap()
                .u32()
                .unwrap()
                .get(row)
                .unwrap(),
            f.column("attendus")
                .unwrap()
                .u32()
                .unwrap()
                .get(row)
                .unwrap(),
        ))
    }

    fn value(&self, indicator: &str, level: &str, entity: &str, period: &str) -> Option<f64> {
        self.get(indicator, level, entity, period)
            .unwrap_or_else(|| panic!("no cell {indicator} {level} {entity} {period}"))
            .0
    }
}

fn assert_close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

fn figures() -> Figures {
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    Figures(compute(&definitions, &registry(), &inputs(), &Request::default()).unwrap())
}

#[test]
fn flows_skip_missing_months_and_coverage_counts_who_was_expected() {
    let f = figures();
    // A in Q1: 20 + 12; March is missing, not zero.
    assert_eq!(
        f.get("frequentation", "manufacture", "A", "2025-T1"),
        Some((Some(32.0), 1, 1))
    );
    // Nation in Q1: A 32 + B (15 + 8 + 6) + C 3 = 64; A, B, C reported; D expected too; C
    // counts as expected from February.
    assert_eq!(
        f.get("frequentation", "national", "national", "2025-T1"),
        Some((Some(64.0), 3, 4))
    );
    assert_eq!(
        f.get("frequentation", "region", "27", "2025-T1"),
        Some((Some(61.0), 2, 2))
    );
    assert_eq!(
        f.get("frequentation", "region", "75", "2025-T1"),
        Some((Some(3.0), 1, 2))
    );
    assert_eq!(
        f.get("frequentation", "filiere", "textile", "2025-T1"),
        Some((Some(3.0), 1, 2))
    );
    assert_eq!(
        f.get("frequentation", "vague", "1", "2025-T1"),
        Some((Some(61.0), 2, 2))
    );
    assert_eq!(
        f.get("frequentation", "departement", "58", "2025-T1"),
        Some((Some(32.0), 1, 1))
    );
    // March: only B reported (6 passages).
    assert_eq!(
        f.get("frequentation", "national", "national", "2025-03"),
        Some((Some(6.0), 1, 4))
    );
    // April: A 10, B reported no row: 0, so 10, from 2 declarants.
    assert_eq!(
        f.get("frequentation", "national", "national", "2025-04"),
        Some((Some(10.0), 2, 4))
    );
    // D never reported: no value, 0 of 1.
    assert_eq!(
        f.get("frequentation", "manufacture", "D", "2025-T1"),
        Some((None, 0, 1))
    );
    // C was not open in January: no cell at all.
    assert_eq!(f.get("frequentation", "manufacture", "C", "2025-01"), None);
    // The year is the sum of its quarters: 64 + 10; the semester likewise.
    assert_eq!(
        f.value("frequentation", "national", "national", "2025"),
        Some(74.0)
    );
    assert_eq!(
        f.value("frequentation", "national", "national", "2025-S1"),
        Some(74.0)
    );
    // Rolling 12 months ending in January: A 20 + B 15.
    assert_eq!(
        f.get("frequentation", "national", "national", "2025-01-12M"),
        Some((Some(35.0), 2, 3))
    );
    assert_eq!(
        f.value("frequentation", "national", "national", "2025-04-12M"),
        Some(74.0)
    );
    // Net job creations, a flow of (entrees - sorties): A 2 + 1 + 0 - 2 = 1 over the year.
    assert_eq!(
        f.value("creations_nettes", "manufacture", "A", "2025"),
        Some(1.0)
    );
}

#[test]
fn ratios_and_shares_are_pooled_never_averaged() {
    let f = figures();
    // part_femmes counts only rows where dont_femmes is known. A in Q1: January 4 / 10
    // (February's 6 people have no count of women and are left out): 40 %.
    assert_close(f.value("part_femmes", "manufacture", "A", "2025-T1"), 40.0);
    // Nation in Q1: (4 + 5 + 2 + 3 + 1) / (10 + 10 + 4 + 6 + 3) = 15 / 33 = 45.4545...%
    // (the mean of the three manufactures' ratios would be (40 + 50 + 33.3) / 3 = 41.1 %).
    assert_close(
        f.value("part_femmes", "national", "national", "2025-T1"),
        1500.0 / 33.0,
    );
    // B in April reported no row: 0 / 0 has no value, yet B counts as a declarant.
    assert_eq!(
        f.get("part_femmes", "manufacture", "B", "2025-04"),
        Some((None, 1, 1))
    );
    // Publics far from work (demandeurs d'emploi, jeunes): B's 10 + 4 + 6 = 20 out of
    // A 16 + B 20 + C 3 = 39 people in Q1.
    assert_close(
        f.value(
            "part_publics_eloignes_emploi",
            "national",
            "national",
            "2025-T1",
        ),
        2000.0 / 39.0,
    );
    // A share whose filter excludes everything: A bought nothing in January, so the share of
    // purchases in short circuits has no value; its sales in short circuits are 100 %.
    assert_eq!(
        f.get("part_achats_circuit_court", "manufacture", "A", "2025-01"),
        Some((None, 1, 1))
    );
    assert_close(
        f.value("part_ventes_circuit_court", "manufacture", "A", "2025-01"),
        100.0,
    );
    // A zero denominator: 0 hours used out of 0 available.
    assert_eq!(
        f.value("taux_occupation", "manufacture", "A", "2025-01"),
        None
    );
}

#[test]
fn evenness_pools_counts_across_manufactures() {
    let f = figures();
    // A and B each receive one category only: each scores 0.
    assert_close(
        f.value("mixite_publics", "manufacture", "A", "2025-01"),
        0.0,
    );
    assert_close(
        f.value("mixite_publics", "manufacture", "B", "2025-01"),
        0.0,
    );
    // Pooled in January: 10 salariés and 10 demandeurs d'emploi, two equal categories out of
    // K = 8 declared: ln 2 / ln 8 = 1/3 (with K = 5 it would be ln 2 / ln 5 ≈ 0.43).
    assert_close(
        f.value("mixite_publics", "national", "national", "2025-01"),
        2f64.ln() / 8f64.ln(),
    );
    assert_close(
        f.value("mixite_publics", "region", "27", "2025-01"),
        1.0 / 3.0,
    );
}

#[test]
fn stocks_are_averaged_over_months_then_summed_over_manufactures() {
    let f = figures();
    // ETP in Q1: A mean(2, 3) = 2.5 (March missing); B mean(1, 1, 2) = 4/3; C 0.5 (February).
    assert_close(f.value("etp", "manufacture", "A", "2025-T1"), 2.5);
    assert_close(
        f.value("etp", "national", "national", "2025-T1"),
        2.5 + 4.0 / 3.0 + 0.5,
    );
    assert_close(f.value("etp", "region", "27", "2025-T1"), 2.5 + 4.0 / 3.0);
    // Over the year: A mean(2, 3, 1) = 2; B mean(1, 1, 2, 0) = 1 (April reported, no one);
    // C 0.5. Never the sum over months (which would be 10.5).
    assert_close(f.value("etp", "national", "national", "2025"), 3.5);
    // Head count is the last month reported: A February 3, B March 2, C February 1.
    assert_close(f.value("effectif", "national", "national", "2025-T1"), 6.0);
    // Insertion share of ETP (CDDI, PEC) in Q1: B's 1 + 1 + 2 = 4 out of 5 + 4 + 0.5 = 9.5.
    assert_close(
        f.value("part_etp_insertion", "national", "national", "2025-T1"),
        400.0 / 9.5,
    );
}

#[test]
fn rolling_windows_hold_the_twelve_months_ending_in_their_month() {
    let f = figures();
    // ETP over the 12 months to April: A mean(2, 3, 1) = 2; B mean(1, 1, 2, 0) = 1; C 0.5.
    assert_close(f.value("etp", "national", "national", "2025-04-12M"), 3.5);
    // To March: A mean(2, 3) = 2.5, B mean(1, 1, 2) = 4/3, C 0.5.
    assert_close(
        f.value("etp", "national", "national", "2025-03-12M"),
        2.5 + 4.0 / 3.0 + 0.5,
    );
    // Head count, the last month declared in the window: to April, A's April 1, B's April 0
    // (declared, no row), C's February 1; to February, 3 + 1 + 1.
    assert_close(
        f.value("effectif", "national", "national", "2025-04-12M"),
        2.0,
    );
    assert_close(
        f.value("effectif", "national", "national", "2025-02-12M"),
        5.0,
    );
    // A flow is summed: entrées − sorties, A (2 + 1 − 2) + B (1 + 1) + C 1.
    assert_close(
        f.value("creations_nettes", "national", "national", "2025-04-12M"),
        4.0,
    );
    // Coverage: three declared to April, of the four open; C alone in region 75.
    let to_april = f.get("creations_nettes", "national", "national", "2025-04-12M");
    assert_eq!(to_april.map(|c| (c.1, c.2)), Some((3, 4)));
    assert_close(
        f.value("creations_nettes", "region", "75", "2025-04-12M"),
        1.0,
    );
    // No window ends after the data (April): a window to May would be partial.
    assert_eq!(f.get("etp", "national", "national", "2025-05-12M"), None);
}

#[test]
fn a_quotient_rolls_each_side_by_its_rule_over_the_months_both_sides_reported() {
    let f = figures();
    // Heures-stagiaires per ETP, région 27 (A, B) over Q1. Months with both tables: A January
    // and February (its April has no training sheet); B January to March.
    // A: 30 + 10 = 40 h over mean ETP (2 + 3) / 2 = 2.5; B: 20 + 6 + 0 = 26 h over
    // (1 + 1 + 2) / 3 = 4/3 ETP. Pooled: 66 / (2.5 + 4/3) = 66 / (23/6) = 396/23.
    assert_close(
        f.value("heures_stagiaires_par_etp", "region", "27", "2025-T1"),
        396.0 / 23.0,
    );
    // The nation in Q1 is the same two: C sent its jobs in February but no training sheet,
    // so it enters neither side, and it is not a declarant; four were expected.
    let nation = f.get(
        "heures_stagiaires_par_etp",
        "national",
        "national",
        "2025-T1",
    );
    assert_eq!(nation.map(|c| (c.1, c.2)), Some((2, 4)));
    assert_close(nation.and_then(|c| c.0), 396.0 / 23.0);
    // A over the year: April (jobs, no training) is left out of the ETP side too:
    // 40 / 2.5 = 16, not 40 h / mean(2, 3, 1) = 20 (heures_stagiaires / etp of the year).
    assert_close(
        f.value("heures_stagiaires_par_etp", "manufacture", "A", "2025"),
        16.0,
    );
    assert_close(
        f.value("heures_stagiaires", "manufacture", "A", "2025"),
        40.0,
    );
    assert_close(f.value("etp", "manufacture", "A", "2025"), 2.0);
    // A in Q2 reported jobs only: no month with both sides, no value, not a declarant.
    assert_eq!(
        f.get("heures_stagiaires_par_etp", "manufacture", "A", "2025-T2"),
        Some((None, 0, 1))
    );
    // Rolling 12 months to March: the same months as Q1 for A and B.
    assert_close(
        f.value("heures_stagiaires_par_etp", "region", "27", "2025-03-12M"),
        396.0 / 23.0,
    );
}

#[test]
fn distribution_and_ranks_across_manufactures() {
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let request = Request {
        levels: vec![Level::Manufacture],
        periods: vec![Per::Quarter],
        indicators: vec!["frequentation".into()],
        period: None,
    };
    let figures = compute(&definitions, &registry(), &inputs(), &request).unwrap();
    let (summary, ranks) = mesure::engine::distribution(
        &figures,
        &registry(),
        &[Level::National, Level::Region],
        &|_| true,
    )
    .unwrap();
    // Q1 per manufacture: A 32, B 29, C 3, D no value (left out): sorted 3, 29, 32.
    let row = (0..summary.height())
        .find(|&r| {
            summary.column("entite").unwrap().str().unwrap().get(r) == Some("national")
                && summary.column("periode").unwrap().str().unwrap().get(r) == Some("2025-T1")
        })
        .unwrap();
    let stat = |name: &str| {
        summary
            .column(name)
            .unwrap()
            .f64()
            .unwrap()
            .get(row)
            .unwrap()
    };
    assert_eq!(
        summary
            .column("manufactures")
            .unwrap()
            .u32()
            .unwrap()
            .get(row),
        Some(3)
    );
    assert_eq!(
        (
            stat("min"),
            stat("q1"),
            stat("mediane"),
            stat("q3"),
            stat("max")
        ),
        (3.0, 16.0, 29.0, 30.5, 32.0)
    );
    let ranked: Vec<(String, u32)> = (0..ranks.height())
        .filter(|&r| {
            ranks.column("entite").unwrap().str().unwrap().get(r) == Some("national")
                && ranks.column("periode").unwrap().str().unwrap().get(r) == Some("2025-T1")
        })
        .map(|r| {
            (
                ranks
                    .column("manufacture")
                    .unwrap()
                    .str()
                    .unwrap()
                    .get(r)
                    .unwrap()
                    .to_string(),
                ranks.column("rang").unwrap().u32().unwrap().get(r).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("A".to_string(), 1),
            ("B".to_string(), 2),
            ("C".to_string(), 3)
        ]
    );
}

#[test]
fn explain_lists_what_entered_a_figure_and_what_is_missing() {
    use mesure::engine::{Question, explain};
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let question = Question {
        indicator: "frequentation",
        level: Level::Region,
        entity: "75",
        period: "2025-T1",
    };
    let e = explain(&definitions, &registry(), None, &inputs(), question).unwrap();
    // Région 75 in Q1: only C's February (3 passages); C's March and D's three months missing.
    assert_eq!((e.value, e.declarants, e.expected), (Some(3.0), 1, 2));
    assert_eq!(e.component_names, ["Σ nb_passages"]);
    let entered: Vec<(String, String, Vec<f64>)> = e
        .contributions
        .iter()
        .map(|c| {
            (
                c.manufacture.clone(),
                c.month.to_string(),
                c.components.clone(),
            )
        })
        .collect();
    assert_eq!(
        entered,
        [("C".to_string(), "2025-02".to_string(), vec![3.0])]
    );
    let missing: Vec<String> = e
        .missing
        .iter()
        .map(|(id, m)| format!("{id} {m}"))
        .collect();
    assert_eq!(
        missing,
        ["C 2025-03", "D 2025-01", "D 2025-02", "D 2025-03"]
    );
}

#[test]
fn explain_shows_both_sides_of_a_quotient_and_the_months_of_one_side_only() {
    use mesure::engine::{Question, explain};
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let question = Question {
        indicator: "heures_stagiaires_par_etp",
        level: Level::Manufacture,
        entity: "A",
        period: "2025",
    };
    let e = explain(&definitions, &registry(), None, &inputs(), question).unwrap();
    assert_eq!((e.value, e.declarants, e.expected), (Some(16.0), 1, 1));
    assert_eq!(
        e.component_names,
        [
            "Heures-stagiaires de formation (heures_stagiaires, table formations)",
            "Emplois en équivalents temps plein (etp, table emplois)"
        ]
    );
    let entered: Vec<(String, Vec<f64>)> = e
        .contributions
        .iter()
        .map(|c| (c.month.to_string(), c.components.clone()))
        .collect();
    assert_eq!(
        entered,
        [
            ("2025-01".to_string(), vec![30.0, 2.0]),
            ("2025-02".to_string(), vec![10.0, 3.0])
        ]
    );
    // April: jobs without a training sheet, told apart; March was sent by neither.
    let one_sided: Vec<String> = e
        .one_sided
        .iter()
        .map(|o| format!("{} {} {} {}", o.manufacture, o.month, o.reported, o.lacking))
        .collect();
    assert_eq!(one_sided, ["A 2025-04 etp heures_stagiaires"]);
    let missing: Vec<String> = e
        .missing
        .iter()
        .map(|(id, m)| format!("{id} {m}"))
        .collect();
    assert!(missing.contains(&"A 2025-03".to_string()), "{missing:?}");
    assert!(!missing.contains(&"A 2025-04".to_string()), "{missing:?}");
}

#[test]
fn requests_narrow_levels_periods_and_indicators() {
    let workspace = mesure::Workspace::open(&repo()).unwrap();
    let definitions = workspace.definitions().unwrap();
    let request = Request {
        levels: vec![Level::Region],
        periods: vec![Per::Quarter],
        indicators: vec!["frequentation".into()],
        period: Some("2025-T1".parse().unwrap()),
    };
    let out = compute(&definitions, &registry(), &inputs(), &request).unwrap();
    assert_eq!(out.height(), 2, "régions 27 and 75");
    let err = compute(
        &definitions,
        &registry(),
        &inputs(),
        &Request {
            indicators: vec!["frequentaton".into()],
            ..Request::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "indicateur « frequentaton » inconnu ; vouliez-vous dire « frequentation » ?"
    );
}
