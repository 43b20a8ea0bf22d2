//! The HTML around the charts: escaping, the page shell with its inline style sheet (screen
//! and print), tables. Pages are self-contained: no script, no font, no image fetched.

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page: its title, the body's HTML and the footer's line, through the report's
/// askama template (`src/templates/rapport/page.html`), whose head it shares with the
/// portal's pages.
pub fn document(title: &str, body: &str, footer: &str) -> String {
    let page = ReportDocument {
        title,
        style: STYLE,
        body,
        footer,
    };
    askama::Template::render(&page).expect("the report's page template renders")
}

/// The report page's template: a title, the inline style, the body and the footer's HTML.
#[derive(askama::Template)]
#[template(path = "rapport/page.html", config = "src/templates/askama.toml")]
struct ReportDocument<'a> {
    title: &'a str,
    style: &'a str,
    body: &'a str,
    footer: &'a str,
}

/// An inline SVG chart in a figure, labelled for screen readers by its title.
pub fn figure(svg: &str, title: &str) -> String {
    let label = format!("<svg role=\"img\" aria-label=\"{}\" ", escape(title));
    let svg = svg
        .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .trim();
    format!("<figure>{}</figure>\n", svg.replacen("<svg ", &label, 1))
}

/// A table: header cells (HTML) and rows of cells (HTML); the cells at the indices in
/// `numeric` are right-aligned numbers. A row with one cell more than the headers carries a
/// note (the `mesure explain` command), written across the table on a line of its own below
/// the row, so long commands never squeeze the figures' columns. Rendered by the askama
/// template `src/templates/rapport/tableau.html`.
pub fn table(headers: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let flagged = |i: usize| numeric.contains(&i);
    let table = Table {
        noted: rows.iter().any(|r| r.len() > headers.len()),
        headers: headers
            .iter()
            .enumerate()
            .map(|(i, h)| (*h, flagged(i)))
            .collect(),
        rows: rows
            .iter()
            .map(|row| {
                let (cells, note) = row.split_at(row.len().min(headers.len()));
                TableRow {
                    cells: cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.as_str(), flagged(i)))
                        .collect(),
                    note: note.first().map(String::as_str),
                }
            })
            .collect(),
    };
    let mut out = askama::Template::render(&table).expect("the table template renders");
    out.push('\n');
    out
}

/// A report table: header cells and rows of cells, each already HTML, with whether it holds
/// a number.
#[derive(askama::Template)]
#[template(path = "rapport/tableau.html", config = "src/templates/askama.toml")]
struct Table<'a> {
    noted: bool,
    headers: Vec<(&'a str, bool)>,
    rows: Vec<TableRow<'a>>,
}

struct TableRow<'a> {
    cells: Vec<(&'a str, bool)>,
    note: Option<&'a str>,
}

/// A line of links at the top of a page (`src/templates/rapport/nav.html`).
pub fn nav(links: &[(String, String)]) -> String {
    let nav = Nav { links };
    let mut out = askama::Template::render(&nav).expect("the nav template renders");
    out.push('\n');
    out
}

#[derive(askama::Template)]
#[template(path = "rapport/nav.html", config = "src/templates/askama.toml")]
struct Nav<'a> {
    links: &'a [(String, String)],
}

/// The command that explains a figure, shown beside it, quoted so that it pastes into a shell
/// as it is (« fabrication numérique », « métiers d'art »).
pub fn explain_command(indicator: &str, level: &str, entity: &str, period: &str) -> String {
    format!(
        "<code class=\"explain\" title=\"Commande qui détaille ce chiffre\">mesure explain {} --level {} --entity {} --period {}</code>",
        escape(&shell_quote(indicator)),
        escape(&shell_quote(level)),
        escape(&shell_quote(entity)),
        escape(&shell_quote(period))
    )
}

/// A word for a POSIX shell: as it is when it is plain, in single quotes otherwise (a quote
/// inside becomes `'\''`).
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The page style: readable on screen, printable on A4 with each indicator kept whole. One
/// style sheet for the reports (inline) and the portal (served as `/style.css`).
pub const STYLE: &str = include_str!("../templates/commun.css");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_commands_paste_into_a_shell() {
        assert_eq!(shell_quote("mp001"), "mp001");
        assert_eq!(
            shell_quote("fabrication numérique"),
            "'fabrication numérique'"
        );
        assert_eq!(shell_quote("métiers d'art"), "'métiers d'\\''art'");
        let command = explain_command("frequentation", "filiere", "métiers d'art", "2025");
        assert!(
            command.contains("--entity &#39;métiers d&#39;\\&#39;&#39;art&#39; --period 2025"),
            "{command}"
        );
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}
