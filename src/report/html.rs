//! The HTML around the charts: escaping, the page shell with its inline style sheet (screen
//! and print), tables. Pages are self-contained: no script, no font, no image fetched.

use std::fmt::Write;

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

/// A whole page: its title, the body's HTML and the footer's line.
pub fn document(title: &str, body: &str, footer: &str) -> String {
    let mut page = String::with_capacity(body.len() + STYLE.len() + 512);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n\
         <footer>{}</footer>\n</body>\n</html>\n",
        escape(title),
        footer
    );
    page
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
/// the row, so long commands never squeeze the figures' columns.
pub fn table(headers: &[&str], rows: &[Vec<String>], numeric: &[usize]) -> String {
    let class_of = |i: usize| {
        if numeric.contains(&i) {
            " class=\"n\""
        } else {
            ""
        }
    };
    let noted = rows.iter().any(|r| r.len() > headers.len());
    let mut out = String::from(if noted {
        "<div class=\"table\"><table class=\"noted\">\n<thead><tr>"
    } else {
        "<div class=\"table\"><table>\n<thead><tr>"
    });
    for (i, header) in headers.iter().enumerate() {
        let _ = write!(out, "<th{}>{header}</th>", class_of(i));
    }
    out.push_str("</tr></thead>\n");
    if !noted {
        out.push_str("<tbody>\n");
    }
    for row in rows {
        let (cells, note) = row.split_at(row.len().min(headers.len()));
        if noted {
            out.push_str("<tbody>");
        }
        out.push_str("<tr>");
        for (i, cell) in cells.iter().enumerate() {
            let _ = write!(out, "<td{}>{cell}</td>", class_of(i));
        }
        out.push_str("</tr>");
        if let Some(note) = note.first() {
            let _ = write!(
                out,
                "<tr class=\"note\"><td colspan=\"{}\">{note}</td></tr>",
                headers.len()
            );
        }
        out.push_str(if noted { "</tbody>\n" } else { "\n" });
    }
    if !noted {
        out.push_str("</tbody>");
    }
    out.push_str("</table></div>\n");
    out
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

/// The page style: readable on screen, printable on A4 with each indicator kept whole.
pub const STYLE: &str = r#"
:root { --ink: #1e1e1e; --muted: #5a5a5a; --line: #dcdcdc; --accent: #0072b2; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 "DejaVu Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 940px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.8rem; margin: .2em 0 .1em; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 1.8em 0 .6em; padding-bottom: .2em; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.1rem; margin: 1.4em 0 .3em; }
p { margin: .4em 0; }
a { color: var(--accent); }
nav { font-size: .9rem; margin-bottom: 1em; color: var(--muted); }
nav a { margin-right: .8em; }
.meta { color: var(--muted); margin: 0 0 1em; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 1em 0; }
.card { flex: 1 1 180px; background: var(--soft); border-radius: 6px; padding: 10px 14px; }
.card b { display: block; font-size: 1.5rem; }
.card span { color: var(--muted); font-size: .9rem; }
figure { margin: .8em 0 1.2em; }
figure svg { width: 100%; height: auto; display: block; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: .6em 0 1em; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
table.noted tbody tr:nth-child(even) { background: none; }
table.noted tbody:nth-of-type(even) { background: #fafafa; }
table.noted tr:not(.note) td { border-bottom: none; padding-bottom: 1px; }
tr.note td { padding-top: 0; }
table.noted td:first-child { min-width: 12em; }
code.explain { font-size: .72rem; color: var(--muted); }
.target { white-space: nowrap; }
.ok { color: #00795a; font-weight: 600; white-space: nowrap; display: block; }
.ko { color: #b84a00; font-weight: 600; white-space: nowrap; display: block; }
.none { color: var(--muted); }
.indicator { margin-top: 1.6em; }
.indicator .unit { color: var(--muted); font-weight: normal; font-size: .9rem; }
.description { color: var(--muted); font-size: .92rem; }
details { margin: .4em 0 1em; }
summary { cursor: pointer; color: var(--accent); }
ul.links { columns: 2; padding-left: 1.2em; }
footer { max-width: 940px; margin: 0 auto; padding: 12px 20px 30px; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--line); }
@media (max-width: 640px) { ul.links { columns: 1; } h1 { font-size: 1.4rem; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav, details summary { display: none; }
  details > *:not(summary) { display: block; }
  h2 { break-before: page; break-after: avoid; }
  h2.first { break-before: auto; }
  .indicator, .indicator + p, h3 { break-after: avoid; }
  table { font-size: 9pt; }
  td.n, th.n, .ok, .ko { white-space: normal; }
  table.noted td:first-child { min-width: 9em; }
  code.explain { white-space: normal; overflow-wrap: anywhere; }
  .indicator, figure, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  tbody { break-inside: avoid; }
}
"#;

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
