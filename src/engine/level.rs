//! Levels of aggregation: a manufacture alone, or all those of a département, a région, a
//! filière, a wave of labelling, or the whole network.

use std::fmt;
use std::str::FromStr;

use crate::registry::{Manufacture, Registry};

/// A level of aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// One manufacture.
    Manufacture,
    /// The manufactures of a département.
    Departement,
    /// The manufactures of a région.
    Region,
    /// The manufactures of a filière.
    Filiere,
    /// The manufactures of a wave.
    Wave,
    /// The whole network.
    National,
}

impl Level {
    /// Every level, finest first.
    pub const ALL: [Level; 6] = [
        Level::Manufacture,
        Level::Departement,
        Level::Region,
        Level::Filiere,
        Level::Wave,
        Level::National,
    ];

    /// The entity a manufacture belongs to at this level: its id, its département's code...
    pub fn entity_of(self, manufacture: &Manufacture) -> String {
        match self {
            Level::Manufacture => manufacture.id.to_string(),
            Level::Departement => manufacture.departement.code.to_string(),
            Level::Region => manufacture.region.code.to_string(),
            Level::Filiere => manufacture.filiere.clone(),
            Level::Wave => manufacture.wave.clone(),
            Level::National => "national".to_string(),
        }
    }

    /// The manufactures of the registry that belong to `entity` at this level.
    pub fn members<'a>(
        self,
        registry: &'a Registry,
        entity: &str,
    ) -> impl Iterator<Item = &'a Manufacture> {
        let entity = entity.to_string();
        registry
            .manufactures()
            .iter()
            .filter(move |m| self.entity_of(m) == entity)
    }

    /// The word of the output's `niveau` column.
    pub fn word(self) -> &'static str {
        match self {
            Level::Manufacture => "manufacture",
            Level::Departement => "departement",
            Level::Region => "region",
            Level::Filiere => "filiere",
            Level::Wave => "vague",
            Level::National => "national",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        // The words as written in the output are read back millions of times: no folding.
        if let Some(level) = Level::ALL.into_iter().find(|l| l.word() == text) {
            return Ok(level);
        }
        let folded = crate::text::fold(text);
        Level::ALL
            .into_iter()
            .find(|l| l.word() == folded || (folded == "nation" && *l == Level::National))
            .ok_or_else(|| format!("« {text} » : manufacture, departement, region, filiere, vague ou national attendu"))
    }
}
