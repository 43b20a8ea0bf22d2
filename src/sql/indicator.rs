//! One indicator's relations: its components per declared manufacture-month (a month declared
//! without rows counts zero; a quotient's months are those both sides reported), each
//! manufacture's period (sums, or a stock's mean or latest month), the cells of every level,
//! and the long-form rows with coverage.

use super::{Dialect, literal, table_cte};
use crate::definitions::{Indicator, Kind};
use crate::engine::{MonthRule, month_rules};

/// A number from an expression of the definitions (a condition counts 1 or 0).
fn number(text: &str) -> String {
    format!("CAST(({text}) AS DOUBLE)")
}

/// The components of an indicator summed over a manufacture's month, in the engine's order.
fn components(indicator: &Indicator, dialect: Dialect) -> Vec<String> {
    let both = |a: &str, b: &str| format!("({a}) IS NOT NULL AND ({b}) IS NOT NULL");
    match &indicator.kind {
        Kind::Sum { value } | Kind::Stock { value, .. } => {
            vec![format!("SUM({})", number(&value.text))]
        }
        Kind::Ratio {
            numerator,
            denominator,
            ..
        } => {
            let keep = both(&numerator.text, &denominator.text);
            vec![
                format!("SUM(CASE WHEN {keep} THEN {} END)", number(&numerator.text)),
                format!(
                    "SUM(CASE WHEN {keep} THEN {} END)",
                    number(&denominator.text)
                ),
            ]
        }
        Kind::Share { value, part, .. } => vec![
            format!(
                "SUM(CASE WHEN COALESCE(({}), FALSE) THEN {} ELSE 0 END)",
                part.text,
                number(&value.text)
            ),
            format!("SUM({})", number(&value.text)),
        ],
        Kind::WeightedMean { value, weight } => {
            let keep = both(&value.text, &weight.text);
            vec![
                format!(
                    "SUM(CASE WHEN {keep} THEN {} * {} END)",
                    number(&value.text),
                    number(&weight.text)
                ),
                format!("SUM(CASE WHEN {keep} THEN {} END)", number(&weight.text)),
            ]
        }
        Kind::Evenness {
            column,
            categories,
            weight,
        } => categories
            .iter()
            .map(|category| {
                format!(
                    "SUM(CASE WHEN {column} = {} THEN {} ELSE 0 END)",
                    literal(category, dialect),
                    number(&weight.text)
                )
            })
            .collect(),
        Kind::Quotient { .. } => Vec::new(), // its months come from its sides
    }
}

/// The indicator's value from a cell's rolled-up components `c.c0`, `c.c1`...
fn formula(indicator: &Indicator) -> String {
    let divide = |scale: f64| format!("CASE WHEN c.c1 <> 0 THEN c.c0 / c.c1 * {scale:?} END");
    match &indicator.kind {
        Kind::Sum { .. } | Kind::Stock { .. } => "c.c0".to_string(),
        Kind::Ratio { scale, .. } | Kind::Share { scale, .. } | Kind::Quotient { scale, .. } => {
            divide(*scale)
        }
        Kind::WeightedMean { .. } => divide(1.0),
        Kind::Evenness { categories, .. } => {
            let k = categories.len();
            if k < 2 {
                return "CAST(NULL AS DOUBLE)".to_string();
            }
            let total = (0..k)
                .map(|i| format!("c.c{i}"))
                .collect::<Vec<_>>()
                .join(" + ");
            let terms: Vec<String> = (0..k)
                .map(|i| {
                    format!(
                        "CASE WHEN c.c{i} > 0 THEN c.c{i} / ({total}) * LN(c.c{i} / ({total})) ELSE 0 END"
                    )
                })
                .collect();
            format!(
                "CASE WHEN ({total}) > 0 THEN -({}) / LN({k}.0) + 0.0 END",
                terms.join(" + ")
            )
        }
    }
}

/// The relations of one indicator, the last one (`name`) its long-form rows.
pub(super) fn indicator_ctes(
    indicator: &Indicator,
    name: &str,
    dialect: Dialect,
) -> Vec<(String, String)> {
    let mut ctes = match &indicator.kind {
        Kind::Quotient {
            numerator,
            denominator,
            ..
        } => quotient_base(numerator, denominator, name, dialect),
        _ => base_ctes(indicator, name, dialect),
    };
    let rules = month_rules(indicator);
    let names: Vec<String> = (0..rules.len()).map(|i| format!("c{i}")).collect();
    // Each manufacture's period first (sums of its months, or a stock's mean or latest), as
    // the engine does; every level then sums these, one row per declaring manufacture.
    let per_manufacture: Vec<String> = rules
        .iter()
        .zip(&names)
        .map(|(rule, c)| match rule {
            MonthRule::Sum => format!("SUM(b.{c}) AS {c}"),
            MonthRule::Mean => format!("AVG(b.{c}) AS {c}"),
            MonthRule::Last => format!("MAX_BY(b.{c}, b.mois) AS {c}"),
        })
        .collect();
    ctes.push((
        format!("{name}_par_manufacture"),
        format!(
            "SELECT b.id_manufacture, p.periode, {}
FROM {name}_base b
JOIN periodes p ON p.mois = b.mois
GROUP BY b.id_manufacture, p.periode",
            per_manufacture.join(", ")
        ),
    ));
    let sums: Vec<String> = names.iter().map(|c| format!("SUM(m.{c}) AS {c}")).collect();
    let cells = format!(
        "SELECT n.niveau, n.entite, m.periode, {}, COUNT(*) AS declarants
FROM {name}_par_manufacture m
JOIN niveaux n ON n.id_manufacture = m.id_manufacture
GROUP BY n.niveau, n.entite, m.periode",
        sums.join(", ")
    );
    ctes.push((format!("{name}_cellules"), cells));
    let text = |value: &str| literal(value, dialect);
    ctes.push((
        name.to_string(),
        format!(
            "SELECT {} AS indicateur,
  COALESCE(c.niveau, a.niveau) AS niveau,
  COALESCE(c.entite, a.entite) AS entite,
  COALESCE(c.periode, a.periode) AS periode,
  CASE WHEN c.declarants > 0 THEN {} END AS valeur,
  {} AS unite,
  COALESCE(c.declarants, 0) AS declarants,
  COALESCE(a.attendus, 0) AS attendus
FROM attendus a
FULL OUTER JOIN {name}_cellules c
  ON a.niveau = c.niveau AND a.entite = c.entite AND a.periode = c.periode",
            text(&indicator.id),
            formula(indicator),
            text(&indicator.unit)
        ),
    ));
    ctes
}

/// A quotient's months (`{name}_base`): those both sides reported, the numerator's component
/// as `c0`, the denominator's as `c1`.
fn quotient_base(
    numerator: &Indicator,
    denominator: &Indicator,
    name: &str,
    dialect: Dialect,
) -> Vec<(String, String)> {
    let mut ctes = base_ctes(numerator, &format!("{name}_n"), dialect);
    ctes.extend(base_ctes(denominator, &format!("{name}_d"), dialect));
    ctes.push((
        format!("{name}_base"),
        format!(
            "SELECT n.id_manufacture, n.mois, n.c0 AS c0, d.c0 AS c1
FROM {name}_n_base n
JOIN {name}_d_base d ON d.id_manufacture = n.id_manufacture AND d.mois = n.mois"
        ),
    ));
    ctes
}

/// The rows of an indicator that reads a table (`{name}_lignes`), and its components per
/// declared manufacture-month (`{name}_base`: a month declared without rows counts zero).
fn base_ctes(indicator: &Indicator, name: &str, dialect: Dialect) -> Vec<(String, String)> {
    let components = components(indicator, dialect);
    let names: Vec<String> = (0..components.len()).map(|i| format!("c{i}")).collect();
    let summed: Vec<String> = components
        .iter()
        .zip(&names)
        .map(|(sum, c)| format!("{sum} AS {c}"))
        .collect();
    let filter = indicator
        .filter
        .as_ref()
        .map(|f| format!("\nWHERE COALESCE(({}), FALSE)", f.text))
        .unwrap_or_default();
    let rows = format!(
        "SELECT id_manufacture, mois, {}\nFROM {}{filter}\nGROUP BY id_manufacture, mois",
        summed.join(",\n  "),
        table_cte(&indicator.table)
    );
    let zeros: Vec<String> = names
        .iter()
        .map(|c| format!("COALESCE(l.{c}, 0) AS {c}"))
        .collect();
    let base = format!(
        "SELECT d.id_manufacture, d.mois, {}
FROM declarations d
LEFT JOIN {name}_lignes l ON l.id_manufacture = d.id_manufacture AND l.mois = d.mois
WHERE d.id_table = {}",
        zeros.join(", "),
        literal(&indicator.table, dialect)
    );
    vec![
        (format!("{name}_lignes"), rows),
        (format!("{name}_base"), base),
    ]
}
