//! The HTML blocks of the report pages, each an askama template in `src/templates/rapport/`
//! (escaped by default; the cells and tables passed in are HTML already built by templates).
//! The page's shell, its head and its style sheet are shared with the portal's pages.

use askama::Template;

use crate::definitions::Indicator;
use crate::registry::Manufacture;

/// Renders a block; a template that fails to render is a bug, not the user's fault.
pub fn render(block: &impl Template) -> String {
    block.render().expect("a report template renders")
}

/// The top of a manufacture's page: links, name and place, the synthesis table.
#[derive(Template)]
#[template(
    path = "rapport/manufacture_entete.html",
    config = "src/templates/askama.toml"
)]
pub struct ManufactureHead<'a> {
    pub nav: &'a str,
    pub m: &'a Manufacture,
    pub period: &'a str,
    pub received: usize,
    pub due: usize,
    pub table: &'a str,
}

/// The heading of an indicator's section (its anchor is its id), with, on a network page,
/// the entity's value and coverage.
#[derive(Template)]
#[template(path = "rapport/indicateur.html", config = "src/templates/askama.toml")]
pub struct IndicatorHead<'a> {
    pub i: &'a Indicator,
    /// `(entity, value, coverage)`, already in words.
    pub figure: Option<(&'a str, &'a str, &'a str)>,
}

/// A manufacture's data quality: months received, late, and the month-by-month table.
#[derive(Template)]
#[template(path = "rapport/qualite.html", config = "src/templates/askama.toml")]
pub struct Quality<'a> {
    pub received: usize,
    pub due: usize,
    pub late: usize,
    pub deadline_days: i64,
    pub table: &'a str,
}

/// The top of a network page (nation, région, filière): links, cards, the figures' table.
#[derive(Template)]
#[template(
    path = "rapport/reseau_entete.html",
    config = "src/templates/askama.toml"
)]
pub struct NetworkHead<'a> {
    pub nav: &'a str,
    pub name: &'a str,
    pub period: &'a str,
    pub expected: u32,
    pub declarants: u32,
    pub indicators: usize,
    pub table: &'a str,
}

/// The links to the manufactures' pages of a network page.
#[derive(Template)]
#[template(
    path = "rapport/liens_manufactures.html",
    config = "src/templates/askama.toml"
)]
pub struct ManufactureLinks {
    /// `(file, name, commune)`.
    pub members: Vec<(String, String, String)>,
}

/// One period of the index page.
pub struct IndexPeriod {
    pub label: String,
    /// `(href, label)` of the national page, if written.
    pub national: Option<(String, String)>,
    pub regions: Vec<(String, String)>,
    pub filieres: Vec<(String, String)>,
    /// The manufactures' table (HTML), empty if none.
    pub manufactures: String,
}

/// The index of every report written.
#[derive(Template)]
#[template(path = "rapport/index.html", config = "src/templates/askama.toml")]
pub struct Index {
    pub periods: Vec<IndexPeriod>,
}

/// One indicator on the « fiche méthode ».
pub struct MethodIndicator {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: &'static str,
    pub formula: String,
    pub unit: String,
    pub tables: String,
    pub filter: String,
    pub target: String,
    /// The columns read (`table.colonne`), in the dictionary only.
    pub columns: String,
}

/// The « fiche méthode »: how each indicator is computed, under which settings.
#[derive(Template)]
#[template(path = "rapport/methode.html", config = "src/templates/askama.toml")]
pub struct Method {
    pub fingerprint: String,
    pub settings: Vec<(String, String)>,
    pub indicators: Vec<MethodIndicator>,
}

/// One column in the definitions dictionary.
pub struct DictionaryColumn {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub unit: String,
    pub required: bool,
    pub bounds: String,
    pub values: String,
}

/// One table in the definitions dictionary.
pub struct DictionaryTable {
    pub id: String,
    pub sheet: String,
    pub description: String,
    pub columns: Vec<DictionaryColumn>,
    /// Each rule's condition and the message a row that breaks it gets.
    pub rules: Vec<(String, String)>,
}

/// The definitions dictionary: tables, then indicators.
#[derive(Template)]
#[template(
    path = "rapport/dictionnaire.html",
    config = "src/templates/askama.toml"
)]
pub struct Dictionary {
    pub fingerprint: String,
    pub tables: Vec<DictionaryTable>,
    pub indicators: Vec<MethodIndicator>,
}

/// A section's heading and its introduction (static text; escaped all the same).
#[derive(Template)]
#[template(path = "rapport/section.html", config = "src/templates/askama.toml")]
pub struct Section<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

/// A section's heading and introduction, rendered.
pub fn section(title: &str, text: &str) -> String {
    render(&Section { title, text })
}
