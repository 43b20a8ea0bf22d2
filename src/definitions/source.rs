//! Reading one TOML definition file: serde errors turned into French problems that name the
//! line, and byte spans turned into line numbers.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::error::{Location, Problem};
use crate::text::did_you_mean;

/// A definition file's text, kept to turn spans into line numbers.
pub(crate) struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub fn new(path: &Path, text: String) -> Self {
        Source {
            path: path.to_path_buf(),
            text,
        }
    }

    /// The location of a byte span: its file and the line it starts on.
    pub fn at(&self, span: Range<usize>) -> Location {
        let start = span.start.min(self.text.len());
        let line = self.text[..start].matches('\n').count() + 1;
        Location::line(&self.path, line)
    }

    /// Parses the whole file, or tells in French why it cannot be read.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Problem> {
        toml::from_str(&self.text).map_err(|err| {
            let location = match err.span() {
                Some(span) => self.at(span),
                None => Location::file(&self.path),
            };
            Problem::error(location, translate_toml_message(err.message()))
        })
    }
}

/// Turns serde's and toml's English messages into French ones.
pub(crate) fn translate_toml_message(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let hint = did_you_mean(field, candidates.iter().copied());
        let allowed = if candidates.is_empty() {
            String::new()
        } else {
            format!(" (champs possibles : {})", candidates.join(", "))
        };
        return format!("champ « {field} » inconnu{hint}{allowed}");
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        return format!("champ obligatoire « {field} » manquant");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        return format!(
            "valeur de type inattendu : {} trouvé, {} attendu",
            french_type(found),
            french_type(expected)
        );
    }
    if message.starts_with("duplicate key") {
        return format!("clé en double ({message})");
    }
    format!("syntaxe TOML invalide ({})", message.replace('\n', " "))
}

fn french_type(serde_type: &str) -> String {
    let word = serde_type.split_whitespace().next().unwrap_or("");
    let base = match word {
        "a" | "an" => serde_type.split_whitespace().nth(1).unwrap_or(""),
        other => other,
    };
    let french = match base.trim_matches('`') {
        "string" => "un texte",
        "integer" => "un entier",
        "float" | "f64" => "un nombre",
        "boolean" | "bool" => "un booléen (true ou false)",
        "sequence" => "une liste [ ... ]",
        "map" | "struct" => "une table { ... }",
        _ => return serde_type.to_string(),
    };
    french.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_french() {
        assert_eq!(
            translate_toml_message("unknown field `cibel`, expected one of `id`, `cible`, `nom`"),
            "champ « cibel » inconnu ; vouliez-vous dire « cible » ? (champs possibles : id, cible, nom)"
        );
        assert_eq!(
            translate_toml_message("missing field `nom`"),
            "champ obligatoire « nom » manquant"
        );
        assert_eq!(
            translate_toml_message("invalid type: integer `3`, expected a string"),
            "valeur de type inattendu : un entier trouvé, un texte attendu"
        );
    }

    #[test]
    fn spans_become_lines() {
        let source = Source::new(Path::new("a.toml"), "x = 1\ny = 2\nz = 3\n".into());
        assert_eq!(source.at(6..7).row, Some(2));
        assert_eq!(source.at(0..1).row, Some(1));
    }
}
