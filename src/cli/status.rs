//! `mesure status`: which manufacture reported which months, against the registry.

use std::process::ExitCode;

use clap::Args;
use mesure::engine::coverage::{Coverage, deadline_days};
use mesure::store::Store;
use mesure::{Error, Month};

use super::Global;

/// Montre, mois par mois, quelles manufactures ont déclaré.
#[derive(Args)]
pub struct StatusArgs {
    /// Dernier mois montré (par défaut : le dernier mois reçu).
    #[arg(long, value_name = "AAAA-MM")]
    jusqua: Option<Month>,
}

pub fn run(args: &StatusArgs, global: &Global) -> Result<ExitCode, Error> {
    let workspace = global.open()?;
    let registry = workspace.registry()?;
    let store = Store::read(&workspace.store);
    let coverage = Coverage::read(&store, deadline_days(&workspace.params))?;
    let stored = store.stored_months()?;
    let Some(first) = registry.manufactures().iter().map(|m| m.opened).min() else {
        println!("Registre vide.");
        return Ok(ExitCode::SUCCESS);
    };
    let last = args
        .jusqua
        .or_else(|| stored.iter().map(|(_, m)| *m).max())
        .unwrap_or_else(Month::current);
    let months: Vec<Month> = first.through(last).collect();
    println!("Déclarations reçues (■ reçu, · manquant, espace : pas attendu)");
    let width = registry
        .manufactures()
        .iter()
        .map(|m| m.id.len())
        .max()
        .unwrap_or(2)
        .max(8);
    let mut header = format!("{:width$}  ", "");
    for month in &months {
        header.push_str(if month.month() == 1 || *month == first {
            "|"
        } else {
            " "
        });
        header.push(initial(*month));
    }
    println!("{:width$}  {}", "", year_line(&months));
    println!("{header}");
    let (mut received, mut expected) = (0, 0);
    for manufacture in registry.manufactures() {
        let mut line = format!("{:width$}  ", manufacture.id);
        for month in &months {
            let standing = coverage.standing(manufacture, *month, None);
            line.push(' ');
            line.push(if standing.is_declared() {
                '■'
            } else if standing.is_expected() {
                '·'
            } else {
                ' '
            });
        }
        let (got, due) = coverage.declared_of_expected(manufacture, &months);
        println!("{line}   {got}/{due}");
        received += got;
        expected += due;
    }
    println!("Total : {received} mois reçus sur {expected} attendus.");
    Ok(ExitCode::SUCCESS)
}

fn initial(month: Month) -> char {
    ['J', 'F', 'M', 'A', 'M', 'J', 'J', 'A', 'S', 'O', 'N', 'D'][month.month() as usize - 1]
}

fn year_line(months: &[Month]) -> String {
    let mut line = String::new();
    for (i, month) in months.iter().enumerate() {
        if i == 0 || month.month() == 1 {
            let label = month.year().to_string();
            line.push_str(&format!("{label:<8}"));
        } else if line.chars().count() < (i + 1) * 2 {
            line.push_str("  ");
        }
    }
    line
}
