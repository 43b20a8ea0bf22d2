//! The roll-up laws, on random networks (proptest): a région's pooled ratio is Σnum / Σden
//! over its manufactures; the nation's flow is the sum over régions; a year's flow is the sum
//! of its quarters. Each law is checked against figures recomputed here from the raw rows.

use std::collections::HashMap;

use mesure::engine::{Inputs, Level, Per, Request, compute};
use mesure::geo;
use mesure::registry::{Manufacture, Registry};
use polars::prelude::*;
use proptest::prelude::*;

use crate::support::repo;

const DEPARTEMENTS: [&str; 4] = ["58", "71", "19", "87"]; // two in région 27, two in 75

#[derive(Debug, Clone)]
struct Row {
    manufacture: usize,
    month: u32,
    available: f64,
    used_share: f64,
    passages: i64,
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (0usize..6, 1u32..=12, 0.0f64..200.0, 0.0f64..=1.0, 0i64..500).prop_map(
            |(manufacture, month, available, used_share, passages)| Row {
                manufacture,
                month,
                available: available.round(),
                used_share,
                passages,
            },
        ),
        1..60,
    )
}

fn registry() -> Registry {
    Registry::new(
        (0..6)
            .map(|i| {
                let departement = geo::departement(DEPARTEMENTS[i % 4]).unwrap();
                Manufacture {
                    id: crate::support::id(&format!("m{i}")),
                    name: format!("M{i}"),
                    commune: "X".into(),
                    code_insee: format!("{}000", departement.code),
                    departement,
                    region: geo::region(departement.region).unwrap(),
                    filiere: "bois".into(),
                    wave: "1".into(),
                    opened: "2025-01".parse().unwrap(),
                    closed: None,
                }
            })
            .collect(),
    )
}

fn inputs(rows: &[Row]) -> Inputs {
    let id: Vec<String> = rows.iter().map(|r| format!("m{}", r.manufacture)).collect();
    let month: Vec<String> = rows
        .iter()
        .map(|r| format!("2025-{:02}", r.month))
        .collect();
    let used: Vec<f64> = rows
        .iter()
        .map(|r| (r.available * r.used_share).round())
        .collect();
    let equipements = df!(
        "id_manufacture" => id.clone(), "mois" => month.clone(),
        "id_equipement" => vec!["EQ"; rows.len()], "equipement" => vec!["Scie"; rows.len()],
        "heures_disponibles" => rows.iter().map(|r| r.available).collect::<Vec<_>>(),
        "heures_utilisees" => used.clone(), "heures_externes" => vec![0.0; rows.len()],
        "nb_structures" => vec![1i64; rows.len()],
    )
    .unwrap();
    let publics = df!(
        "id_manufacture" => id.clone(), "mois" => month.clone(),
        "categorie" => vec!["autre"; rows.len()], "nb_personnes" => vec![1i64; rows.len()],
        "nb_passages" => rows.iter().map(|r| r.passages).collect::<Vec<_>>(),
        "dont_femmes" => vec![None::<i64>; rows.len()],
    )
    .unwrap();
    let reported = df!("id_manufacture" => id, "mois" => month)
        .unwrap()
        .unique_stable(None, UniqueKeepStrategy::First, None)
        .unwrap();
    let mut inputs = Inputs::default();
    for (table, frame) in [("equipements", equipements), ("publics", publics)] {
        inputs.tables.insert(table.into(), frame);
        inputs.reported.insert(table.into(), reported.clone());
    }
    inputs
}

fn cells(out: &DataFrame) -> HashMap<(String, String, String, String), Option<f64>> {
    let text = |name: &str| out.column(name).unwrap().str().unwrap().clone();
    let (i, l, e, p) = (
        text("indicateur"),
        text("niveau"),
        text("entite"),
        text("periode"),
    );
    let v = out.column("valeur").unwrap().f64().unwrap().clone();
    (0..out.height())
        .map(|r| {
            let key = (
                i.get(r).unwrap().to_string(),
                l.get(r).unwrap().to_string(),
                e.get(r).unwrap().to_string(),
                p.get(r).unwrap().to_string(),
            );
            (key, v.get(r))
        })
        .collect()
}

fn key(
    indicator: &str,
    level: &str,
    entity: &str,
    period: &str,
) -> (String, String, String, String) {
    (indicator.into(), level.into(), entity.into(), period.into())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn roll_ups_obey_the_laws(rows in rows()) {
        let definitions = mesure::Workspace::open(&repo()).unwrap().definitions().unwrap();
        let request = Request {
            levels: vec![Level::Region, Level::National],
            periods: vec![Per::Quarter, Per::Year],
            indicators: vec!["taux_occupation".into(), "frequentation".into()],
            period: None,
        };
        let out = cells(&compute(&definitions, &registry(), &inputs(&rows), &request).unwrap());

        // A région's pooled occupation over the year is Σ used / Σ available of its rows.
        for region in ["27", "75"] {
            let mine: Vec<&Row> = rows.iter().filter(|r| geo::departement(DEPARTEMENTS[r.manufacture % 4]).unwrap().region == region).collect();
            let used: f64 = mine.iter().map(|r| (r.available * r.used_share).round()).sum();
            let available: f64 = mine.iter().map(|r| r.available).sum();
            let expected = (available > 0.0).then(|| used / available * 100.0);
            let got = out.get(&key("taux_occupation", "region", region, "2025")).copied().flatten();
            match (got, expected) {
                (Some(g), Some(e)) => prop_assert!((g - e).abs() < 1e-9, "{} vs {}", g, e),
                (g, e) => prop_assert_eq!(g, e),
            }
        }
        // The nation's flow is the sum over régions, and the year's flow the sum of its quarters.
        let national = out.get(&key("frequentation", "national", "national", "2025")).copied().flatten().unwrap();
        let by_region: f64 = ["27", "75"].iter().filter_map(|r| out.get(&key("frequentation", "region", r, "2025")).copied().flatten()).sum();
        prop_assert_eq!(national, by_region);
        let quarters: f64 = (1..=4).filter_map(|q| out.get(&key("frequentation", "national", "national", &format!("2025-T{q}"))).copied().flatten()).sum();
        prop_assert_eq!(national, quarters);
        prop_assert_eq!(national, rows.iter().map(|r| r.passages as f64).sum::<f64>());
    }
}
