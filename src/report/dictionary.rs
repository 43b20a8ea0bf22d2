//! The definitions dictionary, for consultants and funders: every table with its columns
//! (type, unit, bounds, list values) and rules, and every indicator (formula in words, kind,
//! unit, target, columns read), as Markdown or as an HTML page (`mesure definitions`, and
//! `definitions.html` beside the reports).

use std::fmt::Write as _;

use super::blocks::{self as block, Dictionary, DictionaryColumn, DictionaryTable};
use super::{french, html, method};
use crate::definitions::{Column, Definitions, method as formulas};

/// The page's file, at the top of the reports folder.
pub const DICTIONARY_FILE: &str = "definitions.html";

/// The dictionary as a whole HTML page.
pub fn html_page(definitions: &Definitions) -> String {
    let body = block::render(&dictionary(definitions));
    html::document(
        "Dictionnaire des définitions — mesure",
        &body,
        &format!(
            "Définitions <code>{}</code>, produit par mesure {}.",
            definitions.fingerprint(),
            env!("CARGO_PKG_VERSION")
        ),
    )
}

/// The dictionary in Markdown.
pub fn markdown(definitions: &Definitions) -> String {
    let d = dictionary(definitions);
    let mut out = format!(
        "# Dictionnaire des définitions\n\nEmpreinte des définitions et réglages : `{}`.\n\n## Tables\n",
        d.fingerprint
    );
    for t in &d.tables {
        let _ = write!(out, "\n### `{}` (feuille « {} »)\n\n", t.id, t.sheet);
        if !t.description.is_empty() {
            let _ = writeln!(out, "{}\n", t.description);
        }
        out.push_str("| colonne | libellé | type | unité | obligatoire | bornes | valeurs |\n|---|---|---|---|---|---|---|\n");
        for c in &t.columns {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                c.name,
                c.label,
                c.kind,
                c.unit,
                if c.required { "oui" } else { "non" },
                c.bounds,
                c.values
            );
        }
        for (condition, message) in &t.rules {
            let _ = writeln!(out, "\nRègle : `{condition}` ; sinon : « {message} »");
        }
    }
    out.push_str("\n## Indicateurs\n");
    for i in &d.indicators {
        let _ = write!(
            out,
            "\n### {} (`{}`)\n\n{}\n\n",
            i.name, i.id, i.description
        );
        let _ = writeln!(out, "- Type : {}", i.kind);
        let _ = writeln!(out, "- Formule : `{}`", i.formula);
        let _ = writeln!(
            out,
            "- Unité : {}",
            if i.unit.is_empty() { "aucune" } else { &i.unit }
        );
        let _ = writeln!(out, "- Table : {}", i.tables);
        if !i.filter.is_empty() {
            let _ = writeln!(out, "- Lignes retenues : `{}`", i.filter);
        }
        let _ = writeln!(out, "- Colonnes lues : {}", i.columns);
        if !i.target.is_empty() {
            let _ = writeln!(out, "- Cible : {}", i.target);
        }
    }
    out
}

fn dictionary(definitions: &Definitions) -> Dictionary {
    Dictionary {
        fingerprint: definitions.fingerprint(),
        tables: definitions
            .tables
            .iter()
            .map(|t| DictionaryTable {
                id: t.id.clone(),
                sheet: t.sheet.clone(),
                description: t.description.clone().unwrap_or_default(),
                columns: t.columns.iter().map(dictionary_column).collect(),
                rules: t
                    .rules
                    .iter()
                    .map(|r| (r.condition.text.clone(), r.message.clone()))
                    .collect(),
            })
            .collect(),
        indicators: definitions
            .indicators
            .iter()
            .map(|i| {
                let mut shown = method::method_indicator(i);
                shown.columns = formulas::columns_read(i).join(", ");
                shown
            })
            .collect(),
    }
}

fn dictionary_column(c: &Column) -> DictionaryColumn {
    let bound = |v: Option<f64>| v.map(|v| french::number(v, if v.fract() == 0.0 { 0 } else { 2 }));
    let bounds = match (bound(c.min), bound(c.max)) {
        (Some(min), Some(max)) => format!("{min} à {max}"),
        (Some(min), None) => format!("au moins {min}"),
        (None, Some(max)) => format!("au plus {max}"),
        (None, None) => String::new(),
    };
    DictionaryColumn {
        name: c.name.clone(),
        label: c.label.clone(),
        kind: c.kind.to_string(),
        unit: c.unit.clone().unwrap_or_default(),
        required: c.required,
        bounds,
        values: c
            .values
            .iter()
            .map(|v| v.value.clone())
            .collect::<Vec<_>>()
            .join(", "),
    }
}
