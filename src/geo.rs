//! The official codes and names of France's régions and départements (code officiel
//! géographique), and which région each département belongs to.

/// A région: its official code and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// The official code, two digits (`27`, `01`).
    pub code: &'static str,
    /// The official name.
    pub name: &'static str,
}

/// A département: its official code and name, and the code of its région.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Departement {
    /// The official code (`58`, `2A`, `971`).
    pub code: &'static str,
    /// The official name.
    pub name: &'static str,
    /// The official code of its région.
    pub region: &'static str,
}

/// The 18 régions.
pub const REGIONS: [Region; 18] = [
    Region {
        code: "01",
        name: "Guadeloupe",
    },
    Region {
        code: "02",
        name: "Martinique",
    },
    Region {
        code: "03",
        name: "Guyane",
    },
    Region {
        code: "04",
        name: "La Réunion",
    },
    Region {
        code: "06",
        name: "Mayotte",
    },
    Region {
        code: "11",
        name: "Île-de-France",
    },
    Region {
        code: "24",
        name: "Centre-Val de Loire",
    },
    Region {
        code: "27",
        name: "Bourgogne-Franche-Comté",
    },
    Region {
        code: "28",
        name: "Normandie",
    },
    Region {
        code: "32",
        name: "Hauts-de-France",
    },
    Region {
        code: "44",
        name: "Grand Est",
    },
    Region {
        code: "52",
        name: "Pays de la Loire",
    },
    Region {
        code: "53",
        name: "Bretagne",
    },
    Region {
        code: "75",
        name: "Nouvelle-Aquitaine",
    },
    Region {
        code: "76",
        name: "Occitanie",
    },
    Region {
        code: "84",
        name: "Auvergne-Rhône-Alpes",
    },
    Region {
        code: "93",
        name: "Provence-Alpes-Côte d'Azur",
    },
    Region {
        code: "94",
        name: "Corse",
    },
];

macro_rules! departements {
    ($(($code:literal, $name:literal, $region:literal)),* $(,)?) => {
        [$(Departement { code: $code, name: $name, region: $region }),*]
    };
}

/// The 101 départements.
pub const DEPARTEMENTS: [Departement; 101] = departements![
    ("01", "Ain", "84"),
    ("02", "Aisne", "32"),
    ("03", "Allier", "84"),
    ("04", "Alpes-de-Haute-Provence", "93"),
    ("05", "Hautes-Alpes", "93"),
    ("06", "Alpes-Maritimes", "93"),
    ("07", "Ardèche", "84"),
    ("08", "Ardennes", "44"),
    ("09", "Ariège", "76"),
    ("10", "Aube", "44"),
    ("11", "Aude", "76"),
    ("12", "Aveyron", "76"),
    ("13", "Bouches-du-Rhône", "93"),
    ("14", "Calvados", "28"),
    ("15", "Cantal", "84"),
    ("16", "Charente", "75"),
    ("17", "Charente-Maritime", "75"),
    ("18", "Cher", "24"),
    ("19", "Corrèze", "75"),
    ("2A", "Corse-du-Sud", "94"),
    ("2B", "Haute-Corse", "94"),
    ("21", "Côte-d'Or", "27"),
    ("22", "Côtes-d'Armor", "53"),
    ("23", "Creuse", "75"),
    ("24", "Dordogne", "75"),
    ("25", "Doubs", "27"),
    ("26", "Drôme", "84"),
    ("27", "Eure", "28"),
    ("28", "Eure-et-Loir", "24"),
    ("29", "Finistère", "53"),
    ("30", "Gard", "76"),
    ("31", "Haute-Garonne", "76"),
    ("32", "Gers", "76"),
    ("33", "Gironde", "75"),
    ("34", "Hérault", "76"),
    ("35", "Ille-et-Vilaine", "53"),
    ("36", "Indre", "24"),
    ("37", "Indre-et-Loire", "24"),
    ("38", "Isère", "84"),
    ("39", "Jura", "27"),
    ("40", "Landes", "75"),
    ("41", "Loir-et-Cher", "24"),
    ("42", "Loire", "84"),
    ("43", "Haute-Loire", "84"),
    ("44", "Loire-Atlantique", "52"),
    ("45", "Loiret", "24"),
    ("46", "Lot", "76"),
    ("47", "Lot-et-Garonne", "75"),
    ("48", "Lozère", "76"),
    ("49", "Maine-et-Loire", "52"),
    ("50", "Manche", "28"),
    ("51", "Marne", "44"),
    ("52", "Haute-Marne", "44"),
    ("53", "Mayenne", "52"),
    ("54", "Meurthe-et-Moselle", "44"),
    ("55", "Meuse", "44"),
    ("56", "Morbihan", "53"),
    ("57", "Moselle", "44"),
    ("58", "Nièvre", "27"),
    ("59", "Nord", "32"),
    ("60", "Oise", "32"),
    ("61", "Orne", "28"),
    ("62", "Pas-de-Calais", "32"),
    ("63", "Puy-de-Dôme", "84"),
    ("64", "Pyrénées-Atlantiques", "75"),
    ("65", "Hautes-Pyrénées", "76"),
    ("66", "Pyrénées-Orientales", "76"),
    ("67", "Bas-Rhin", "44"),
    ("68", "Haut-Rhin", "44"),
    ("69", "Rhône", "84"),
    ("70", "Haute-Saône", "27"),
    ("71", "Saône-et-Loire", "27"),
    ("72", "Sarthe", "52"),
    ("73", "Savoie", "84"),
    ("74", "Haute-Savoie", "84"),
    ("75", "Paris", "11"),
    ("76", "Seine-Maritime", "28"),
    ("77", "Seine-et-Marne", "11"),
    ("78", "Yvelines", "11"),
    ("79", "Deux-Sèvres", "75"),
    ("80", "Somme", "32"),
    ("81", "Tarn", "76"),
    ("82", "Tarn-et-Garonne", "76"),
    ("83", "Var", "93"),
    ("84", "Vaucluse", "93"),
    ("85", "Vendée", "52"),
    ("86", "Vienne", "75"),
    ("87", "Haute-Vienne", "75"),
    ("88", "Vosges", "44"),
    ("89", "Yonne", "27"),
    ("90", "Territoire de Belfort", "27"),
    ("91", "Essonne", "11"),
    ("92", "Hauts-de-Seine", "11"),
    ("93", "Seine-Saint-Denis", "11"),
    ("94", "Val-de-Marne", "11"),
    ("95", "Val-d'Oise", "11"),
    ("971", "Guadeloupe", "01"),
    ("972", "Martinique", "02"),
    ("973", "Guyane", "03"),
    ("974", "La Réunion", "04"),
    ("976", "Mayotte", "06"),
];

/// The région with this official code.
pub fn region(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// The département with this official code.
pub fn departement(code: &str) -> Option<&'static Departement> {
    DEPARTEMENTS.iter().find(|d| d.code == code)
}

/// The département a commune belongs to, read from its INSEE code (`58194` → `58`,
/// `2A004` → `2A`, `97411` → `974`).
pub fn departement_of_commune(code_insee: &str) -> Option<&'static Departement> {
    let prefix_len = if code_insee.starts_with("97") { 3 } else { 2 };
    if code_insee.len() != 5 || !code_insee.is_ascii() {
        return None;
    }
    departement(&code_insee[..prefix_len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_unique_and_every_departement_has_a_region() {
        let regions: HashSet<_> = REGIONS.iter().map(|r| r.code).collect();
        assert_eq!(regions.len(), 18);
        let departements: HashSet<_> = DEPARTEMENTS.iter().map(|d| d.code).collect();
        assert_eq!(departements.len(), 101);
        for d in DEPARTEMENTS {
            assert!(regions.contains(d.region), "{} has no région", d.code);
        }
        for r in REGIONS {
            assert!(
                DEPARTEMENTS.iter().any(|d| d.region == r.code),
                "{} is empty",
                r.code
            );
        }
    }

    #[test]
    fn known_places() {
        assert_eq!(departement("58").unwrap().name, "Nièvre");
        assert_eq!(
            region(departement("58").unwrap().region).unwrap().name,
            "Bourgogne-Franche-Comté"
        );
        assert_eq!(departement("2A").unwrap().region, "94");
        assert_eq!(departement_of_commune("97411").unwrap().name, "La Réunion");
        assert_eq!(departement_of_commune("2B033").unwrap().code, "2B");
        assert_eq!(departement_of_commune("19272").unwrap().name, "Corrèze");
        assert!(departement_of_commune("975").is_none());
        assert!(departement("20").is_none());
        assert_eq!(
            DEPARTEMENTS.iter().filter(|d| d.region == "84").count(),
            12,
            "Auvergne-Rhône-Alpes has 12 départements"
        );
    }
}
