//! The reports' index: every page written, by period and level.

// HTML lines are written with their `\n` inside the markup they end.
#![allow(clippy::write_with_newline)]

use super::network_file;
use crate::engine::Level;
use crate::geo::REGIONS;
use crate::registry::Registry;
use crate::report::blocks as block;
use crate::report::french;
use crate::report::html::{escape, table};

/// The index: every report of every period rendered.
pub fn index_page(registry: &Registry, periods: &[(String, Vec<String>)]) -> String {
    let mut filieres: Vec<&str> = registry
        .manufactures()
        .iter()
        .map(|m| m.filiere.as_str())
        .collect();
    filieres.sort_unstable();
    filieres.dedup();
    let index = block::Index {
        periods: periods
            .iter()
            .map(|(period, files)| {
                let has = |file: &str| files.iter().any(|f| f == file);
                let link =
                    |file: &str, label: &str| (format!("{period}/{file}"), label.to_string());
                let regions = REGIONS
                    .iter()
                    .map(|r| (network_file(Level::Region, r.code), r.name))
                    .filter(|(file, _)| has(file))
                    .map(|(file, name)| link(&file, name))
                    .collect();
                let by_filiere = filieres
                    .iter()
                    .map(|f| (network_file(Level::Filiere, f), format!("Filière {f}")))
                    .filter(|(file, _)| has(file))
                    .map(|(file, label)| link(&file, &label))
                    .collect();
                let rows: Vec<Vec<String>> = registry
                    .manufactures()
                    .iter()
                    .filter(|m| has(&network_file(Level::Manufacture, &m.id)))
                    .map(|m| {
                        vec![
                            format!(
                                "<a href=\"{}/{}\">{}</a>",
                                escape(period),
                                escape(&network_file(Level::Manufacture, &m.id)),
                                escape(&m.name)
                            ),
                            escape(&m.commune),
                            escape(m.region.name),
                            escape(&m.filiere),
                        ]
                    })
                    .collect();
                block::IndexPeriod {
                    label: french::period(period),
                    national: has("national.html")
                        .then(|| link("national.html", "Rapport national")),
                    regions,
                    filieres: by_filiere,
                    manufactures: if rows.is_empty() {
                        String::new()
                    } else {
                        table(&["Manufacture", "Commune", "Région", "Filière"], &rows, &[])
                    },
                }
            })
            .collect(),
    };
    block::render(&index)
}
