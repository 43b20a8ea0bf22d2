//! A manufacture's id, checked once where it enters (the registry, a workbook, a form, a
//! command line) and carried typed from there: through submissions, the ledger, coverage,
//! accounts and reports.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest id accepted: ids name files, folders and pages.
pub const MAX_ID_LENGTH: usize = 40;

/// A manufacture's id: letters without accents, digits, `-` and `_`, at most
/// [`MAX_ID_LENGTH`] characters. Ids are compared as written; the registry refuses two that
/// differ only by case, since they would share their files and pages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ManufactureId(String);

/// Why a text is not a manufacture's id, in French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

impl ManufactureId {
    /// The id written as `text`, if it is one.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(IdError(format!(
                "identifiant « {text} » invalide : lettres sans accent, chiffres, - et _ seulement"
            )));
        }
        if text.len() > MAX_ID_LENGTH {
            return Err(IdError(format!(
                "identifiant de {} caractères, trop long : {MAX_ID_LENGTH} au plus (il nomme des fichiers et des pages)",
                text.len()
            )));
        }
        Ok(ManufactureId(text.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ManufactureId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ManufactureId::parse(text)
    }
}

impl TryFrom<String> for ManufactureId {
    type Error = IdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        ManufactureId::parse(&text)
    }
}

impl From<ManufactureId> for String {
    fn from(id: ManufactureId) -> Self {
        id.0
    }
}

/// Written as text, honouring width and alignment (`{:<20}` in tables).
impl fmt::Display for ManufactureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl Deref for ManufactureId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ManufactureId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for ManufactureId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for ManufactureId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for ManufactureId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for ManufactureId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_checked_once_and_travels_as_text() {
        let id = ManufactureId::parse("mp-001_b").unwrap();
        assert_eq!(id, "mp-001_b");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"mp-001_b\"");
        let back: ManufactureId = serde_json::from_str("\"mp-001_b\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<ManufactureId>("\"mp 001\"").is_err());
        assert_eq!(
            ManufactureId::parse("mp/../x").unwrap_err().0,
            "identifiant « mp/../x » invalide : lettres sans accent, chiffres, - et _ seulement"
        );
        assert!(ManufactureId::parse(&"m".repeat(41)).is_err());
        assert!(ManufactureId::parse(&"m".repeat(40)).is_ok());
        assert!(ManufactureId::parse("").is_err());
        assert_eq!(format!("{id:<10}|"), "mp-001_b  |");
    }
}
