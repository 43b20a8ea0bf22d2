//! `mesure explain`: how one figure was made, down to the files it came from.

use std::process::ExitCode;

use clap::Args;
use mesure::Error;
use mesure::definitions::Kind;
use mesure::engine::{Inputs, Level, Period, Question, explain};
use mesure::numbers::french_plain as format_number;
use mesure::store::Store;

use super::Global;

/// Montre comment un chiffre a été calculé.
#[derive(Args)]
pub struct ExplainArgs {
    /// Indicateur (par exemple taux_occupation).
    #[arg(value_name = "INDICATEUR")]
    indicator: String,
    /// Entité : identifiant de manufacture, code de département ou de région, filière, vague, national.
    #[arg(long, value_name = "ID")]
    entity: String,
    /// Niveau de l'entité (deviné s'il n'y a pas d'ambiguïté).
    #[arg(long, value_name = "NIVEAU")]
    level: Option<Level>,
    /// Période : 2025-03, 2025-T1, 2025-S1, 2025, 2025-03-12M.
    #[arg(long, value_name = "P")]
    period: Period,
}

pub fn run(args: &ExplainArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let definitions = workspace.definitions()?;
    let registry = workspace.registry()?;
    let period = args.period.to_string();
    let level = match args.level {
        Some(level) => level,
        None => guess_level(&registry, &args.entity)?,
    };
    let store = Store::open_existing(&workspace.store);
    let inputs = match &store {
        Some(store) => Inputs::from_store(store, &definitions)?,
        None => Inputs::default(),
    };
    let question = Question {
        indicator: &args.indicator,
        level,
        entity: &args.entity,
        period: &period,
    };
    let e = explain(&definitions, &registry, store.as_ref(), &inputs, question)?;
    let unit = &e.indicator.unit;
    println!("{} — {} ({unit})", e.indicator.id, e.indicator.name);
    println!("{} {}, période {period}", level, args.entity);
    match e.value {
        Some(value) => println!(
            "Valeur : {} {unit} (exactement {})",
            format_number(rounded(value)),
            format_number(value)
        ),
        None => println!("Valeur : non calculable (aucune donnée, ou dénominateur nul)"),
    }
    println!(
        "Couverture : {} manufacture(s) déclarante(s) sur {} attendue(s)",
        e.declarants, e.expected
    );
    if let Kind::Quotient { scale, .. } = &e.indicator.kind {
        let times = if *scale == 1.0 {
            String::new()
        } else {
            format!(" × {}", format_number(*scale))
        };
        println!(
            "Type : quotient = c0 / c1{times}, chaque côté cumulé selon sa règle (somme des mois, ou moyenne ou dernier mois d'un stock) sur les mois déclarés des deux côtés, puis additionné entre manufactures :"
        );
        for (i, name) in e.component_names.iter().enumerate() {
            println!("  c{i} = {name}");
        }
    } else {
        println!(
            "Type : {} ; composantes additionnées sur chaque ligne, mois et manufacture :",
            e.indicator.kind.word()
        );
        for (i, name) in e.component_names.iter().enumerate() {
            let total: f64 = e.contributions.iter().map(|c| c.components[i]).sum();
            println!("  c{i} = {name} = {}", format_number(rounded(total)));
        }
    }
    println!("Mois entrés dans le calcul :");
    for c in &e.contributions {
        let values: Vec<String> = c
            .components
            .iter()
            .map(|v| format_number(rounded(*v)))
            .collect();
        let source: String = c
            .sources
            .iter()
            .map(|s| {
                format!(
                    " ; fichier {} (empreinte {})",
                    s.file,
                    &s.hash[..12.min(s.hash.len())]
                )
            })
            .collect();
        println!(
            "  {} {} : {}{source}",
            c.manufacture,
            c.month,
            values.join(" ; ")
        );
    }
    if !e.one_sided.is_empty() {
        println!("Mois déclarés d'un seul côté, laissés hors des deux côtés :");
        for m in &e.one_sided {
            println!(
                "  {} {} : reçu pour {}, pas pour {}",
                m.manufacture, m.month, m.reported, m.lacking
            );
        }
    }
    if !e.missing.is_empty() {
        let missing: Vec<String> = e
            .missing
            .iter()
            .map(|(id, m)| format!("{id} {m}"))
            .collect();
        println!(
            "Mois attendus mais non reçus (absents, pas zéro) : {}",
            missing.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A value rounded for reading (4 decimals), the sums' floating-point noise gone.
fn rounded(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// The level of an entity named without one: refused when it is ambiguous (`27` is both the
/// Eure and Bourgogne-Franche-Comté).
fn guess_level(registry: &mesure::registry::Registry, entity: &str) -> Result<Level, Error> {
    let matching: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|level| {
            registry
                .manufactures()
                .iter()
                .any(|m| level.entity_of(m) == entity)
        })
        .collect();
    match matching.as_slice() {
        [level] => Ok(*level),
        [] => Err(Error::Usage(format!(
            "aucune entité « {entity} » dans le registre"
        ))),
        several => {
            let names: Vec<&str> = several.iter().map(|l| l.word()).collect();
            Err(Error::Usage(format!(
                "« {entity} » est ambigu ({}) : précisez --level",
                names.join(", ")
            )))
        }
    }
}
