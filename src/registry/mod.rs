//! The registry of manufactures: who they are, where they are, and from which month each one
//! must report (`ouverture`) until when (`fermeture`).
//!
//! The registry is a CSV file (`,` or `;` separated, UTF-8 or Windows-1252) with the columns
//! `id, nom, commune, code_insee, code_departement, code_region, filiere, vague, ouverture` and
//! an optional `fermeture`. Every line is checked and every problem names its line.
//!
//! Size: about 365 lines of code; the rest is its unit tests, one per kind of bad line.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::error::{Error, Location, Problem, Result};
use crate::geo::{self, Departement, Region};
use crate::month::Month;
use crate::text::{decode, detect_separator, did_you_mean, fold};

mod id;

pub use id::{IdError, MAX_ID_LENGTH, ManufactureId};

/// The registry's columns, in the order they are written.
pub const COLUMNS: [&str; 10] = [
    "id",
    "nom",
    "commune",
    "code_insee",
    "code_departement",
    "code_region",
    "filiere",
    "vague",
    "ouverture",
    "fermeture",
];

/// One manufacture of the network.
#[derive(Debug, Clone, PartialEq)]
pub struct Manufacture {
    /// Its id, unique in the registry, compared without case.
    pub id: ManufactureId,
    /// Its name.
    pub name: String,
    /// Its commune.
    pub commune: String,
    /// The INSEE code of its commune.
    pub code_insee: String,
    /// Its département.
    pub departement: &'static Departement,
    /// Its région.
    pub region: &'static Region,
    /// Its filière (bois, textile, métal...).
    pub filiere: String,
    /// The wave of labelling it belongs to.
    pub wave: String,
    /// The first month it must report.
    pub opened: Month,
    /// The last month it must report, if it closed.
    pub closed: Option<Month>,
}

impl Manufacture {
    /// Whether it is expected to report for this month.
    pub fn is_open(&self, month: Month) -> bool {
        month >= self.opened && self.closed.is_none_or(|last| month <= last)
    }
}

/// Every manufacture of the network, checked.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    manufactures: Vec<Manufacture>,
    /// Each id's position in `manufactures`: a national CSV file looks up every
    /// manufacture-month it holds (a scan of 3,500 places per lookup was a fifth of its ingest).
    positions: HashMap<ManufactureId, usize>,
}

impl Registry {
    /// A registry of these manufactures (already checked).
    pub fn new(manufactures: Vec<Manufacture>) -> Self {
        // In reverse, so that the first of two equal ids is the one found.
        let positions = manufactures
            .iter()
            .enumerate()
            .rev()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        Registry {
            manufactures,
            positions,
        }
    }

    /// Reads and checks a registry file; every bad line is reported.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = decode(&bytes);
        parse(path, &text).map_err(Error::Invalid)
    }

    /// The manufacture with this id.
    pub fn get(&self, id: &str) -> Option<&Manufacture> {
        self.position(id).map(|i| &self.manufactures[i])
    }

    /// The position in [`Registry::manufactures`] of the manufacture with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.positions.get(id).copied()
    }

    /// Every manufacture, in file order.
    pub fn manufactures(&self) -> &[Manufacture] {
        &self.manufactures
    }

    /// The ids of every manufacture, for suggestions.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.manufactures.iter().map(|m| m.id.as_str())
    }

    /// How many manufactures there are.
    pub fn len(&self) -> usize {
        self.manufactures.len()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.manufactures.is_empty()
    }
}

fn parse(path: &Path, text: &str) -> Result<Registry, Vec<Problem>> {
    let separator = detect_separator(text.lines().next().unwrap_or(""));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers = reader
        .headers()
        .map_err(|e| {
            vec![Problem::error(
                Location::line(path, 1),
                format!("en-tête illisible ({e})"),
            )]
        })?
        .clone();
    let positions = header_positions(path, &headers)?;
    let mut manufactures: Vec<Manufacture> = Vec::new();
    let mut first_line: HashMap<String, (usize, ManufactureId)> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let at = |column: &str| Location::line(path, line).with_column(column);
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(Problem::error(
                    Location::line(path, line),
                    format!("ligne illisible ({e})"),
                ));
                continue;
            }
        };
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        let fields: Fields = COLUMNS
            .iter()
            .map(|&c| {
                let value = positions.get(c).and_then(|&i| record.get(i)).unwrap_or("");
                (c, value.trim().to_string())
            })
            .collect();
        match parse_line(&fields, &at) {
            Ok(manufacture) => {
                // Ids name files and pages: `MP1` and `mp1` would share them.
                let key = manufacture.id.to_ascii_lowercase();
                if let Some((first, written)) = first_line.get(&key) {
                    let same = if *written == manufacture.id {
                        String::new()
                    } else {
                        format!(" : « {written} », les majuscules ne comptent pas")
                    };
                    problems.push(Problem::error(
                        at("id"),
                        format!(
                            "identifiant « {} » en double (déjà ligne {first}{same})",
                            manufacture.id
                        ),
                    ));
                } else {
                    first_line.insert(key, (line, manufacture.id.clone()));
                    manufactures.push(manufacture);
                }
            }
            Err(mut line_problems) => problems.append(&mut line_problems),
        }
    }
    if problems.is_empty() {
        Ok(Registry::new(manufactures))
    } else {
        Err(problems)
    }
}

/// Where each known column is; an unknown or missing column is an error on line 1.
fn header_positions(
    path: &Path,
    headers: &csv::StringRecord,
) -> Result<HashMap<&'static str, usize>, Vec<Problem>> {
    let mut positions = HashMap::new();
    let mut problems = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        match COLUMNS.iter().find(|c| fold(c) == fold(header)) {
            Some(column) => {
                positions.insert(*column, i);
            }
            None => problems.push(Problem::error(
                Location::line(path, 1),
                format!(
                    "colonne « {header} » inconnue{} (colonnes du registre : {})",
                    did_you_mean(header, COLUMNS),
                    COLUMNS.join(", ")
                ),
            )),
        }
    }
    for column in &COLUMNS[..9] {
        if !positions.contains_key(column) {
            problems.push(Problem::error(
                Location::line(path, 1),
                format!("colonne obligatoire « {column} » absente"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(positions)
    } else {
        Err(problems)
    }
}

/// One line's fields, by column name (empty when absent).
type Fields = HashMap<&'static str, String>;

fn parse_line(fields: &Fields, at: &dyn Fn(&str) -> Location) -> Result<Manufacture, Vec<Problem>> {
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let mut problems = Vec::new();
    let mut refuse =
        |column: &str, message: String| problems.push(Problem::error(at(column), message));

    let id = ManufactureId::parse(field("id"));
    if let Err(e) = &id {
        refuse("id", e.to_string());
    }
    for column in ["nom", "commune", "filiere", "vague"] {
        if field(column).is_empty() {
            refuse(column, format!("« {column} » est vide"));
        }
    }
    let code_region = field("code_region");
    let region = geo::region(code_region);
    if region.is_none() {
        refuse(
            "code_region",
            format!("code région « {code_region} » inconnu (codes officiels : 11, 27, 84...)"),
        );
    }
    let code_departement = field("code_departement");
    let departement = geo::departement(code_departement);
    match departement {
        None => refuse(
            "code_departement",
            format!(
                "code département « {code_departement} » inconnu (codes officiels : 01, 2A, 971...)"
            ),
        ),
        Some(d) if region.is_some_and(|r| r.code != d.region) => {
            let home = geo::region(d.region).map(|r| r.name).unwrap_or("?");
            refuse(
                "code_departement",
                format!(
                    "le département {} ({}) n'est pas dans la région {code_region} mais dans la région {} ({home})",
                    d.code, d.name, d.region
                ),
            );
        }
        Some(_) => {}
    }
    let code_insee = field("code_insee");
    match geo::departement_of_commune(code_insee) {
        None => refuse(
            "code_insee",
            format!(
                "code INSEE « {code_insee} » invalide : 5 caractères commençant par un code de département (58194, 2A004, 97411)"
            ),
        ),
        Some(d) if departement.is_some_and(|dep| dep.code != d.code) => refuse(
            "code_insee",
            format!(
                "la commune {code_insee} est dans le département {} ({}), pas dans le {code_departement}",
                d.code, d.name
            ),
        ),
        Some(_) => {}
    }
    let ouverture = field("ouverture").parse::<Month>();
    if let Err(e) = &ouverture {
        refuse("ouverture", e.to_string());
    }
    let fermeture = match field("fermeture") {
        "" => Ok(None),
        text => text.parse::<Month>().map(Some),
    };
    match (&ouverture, &fermeture) {
        (_, Err(e)) => refuse("fermeture", e.to_string()),
        (Ok(open), Ok(Some(close))) if close < open => refuse(
            "fermeture",
            format!("la fermeture ({close}) précède l'ouverture ({open})"),
        ),
        _ => {}
    }
    match (id, region, departement, ouverture, fermeture) {
        (Ok(id), Some(region), Some(departement), Ok(ouverture), Ok(fermeture))
            if problems.is_empty() =>
        {
            Ok(Manufacture {
                id,
                name: field("nom").to_string(),
                commune: field("commune").to_string(),
                code_insee: code_insee.to_string(),
                departement,
                region,
                filiere: field("filiere").to_string(),
                wave: field("vague").to_string(),
                opened: ouverture,
                closed: fermeture,
            })
        }
        _ => Err(problems),
    }
}

/// Writes a registry file (UTF-8, `,` separated) with these manufactures.
pub fn write(path: &Path, manufactures: &[Manufacture]) -> Result<()> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::io(path, std::io::Error::other(e.to_string()));
    writer.write_record(COLUMNS).map_err(io)?;
    for m in manufactures {
        let ouverture = m.opened.to_string();
        let fermeture = m.closed.map(|f| f.to_string()).unwrap_or_default();
        writer
            .write_record([
                m.id.as_str(),
                &m.name,
                &m.commune,
                &m.code_insee,
                m.departement.code,
                m.region.code,
                &m.filiere,
                &m.wave,
                &ouverture,
                &fermeture,
            ])
            .map_err(io)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?;
    fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture,fermeture\n";

    fn problems(body: &str) -> Vec<String> {
        parse(Path::new("manufactures.csv"), &format!("{HEADER}{body}"))
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reads_a_good_line() {
        let text = format!("{HEADER}m01,La Fabrique,Nevers,58194,58,27,bois,1,2024-03,\n");
        let registry = parse(Path::new("r.csv"), &text).unwrap();
        let m = registry.get("m01").unwrap();
        assert_eq!(m.departement.name, "Nièvre");
        assert_eq!(m.region.name, "Bourgogne-Franche-Comté");
        assert!(!m.is_open("2024-02".parse().unwrap()));
        assert!(m.is_open("2024-03".parse().unwrap()));
    }

    #[test]
    fn reads_semicolons_and_a_closing_month() {
        let text =
            HEADER.replace(',', ";") + "m01;Atelier;Tulle;19272;19;75;textile;2;2024-01;2024-06\n";
        let registry = parse(Path::new("r.csv"), &text).unwrap();
        let m = registry.get("m01").unwrap();
        assert!(m.is_open("2024-06".parse().unwrap()));
        assert!(!m.is_open("2024-07".parse().unwrap()));
    }

    #[test]
    fn names_the_line_of_each_mistake() {
        let found = problems(
            "m01,A,Nevers,58194,58,27,bois,1,2024-03,\n\
             m01,B,Nevers,58194,58,27,bois,1,2024-03,\n\
             m03,C,Nevers,58194,58,84,bois,1,2024-03,\n\
             m04,D,Saint-Louis,97414,971,01,bois,2,2024-13,\n",
        );
        assert_eq!(
            found,
            [
                "manufactures.csv:3, colonne id : identifiant « m01 » en double (déjà ligne 2)",
                "manufactures.csv:4, colonne code_departement : le département 58 (Nièvre) n'est pas dans la région 84 mais dans la région 27 (Bourgogne-Franche-Comté)",
                "manufactures.csv:5, colonne code_insee : la commune 97414 est dans le département 974 (La Réunion), pas dans le 971",
                "manufactures.csv:5, colonne ouverture : « 2024-13 » n'est pas un mois au format AAAA-MM (par exemple 2025-03)",
            ]
        );
    }

    #[test]
    fn unknown_codes_and_columns_are_named() {
        assert_eq!(
            problems("m01,A,X,20004,20,94,bois,1,2024-03,\n")[0],
            "manufactures.csv:2, colonne code_departement : code département « 20 » inconnu (codes officiels : 01, 2A, 971...)"
        );
        let err = parse(Path::new("r.csv"), "id,nom,comune\n").unwrap_err();
        assert_eq!(
            err[0].message,
            "colonne « comune » inconnue ; vouliez-vous dire « commune » ? (colonnes du registre : id, nom, commune, code_insee, code_departement, code_region, filiere, vague, ouverture, fermeture)"
        );
    }

    #[test]
    fn write_then_load_gives_the_same_registry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let text = format!(
            "{HEADER}m01,\"La Fabrique, Nevers\",Nevers,58194,58,27,bois,1,2024-03,2025-01\n"
        );
        let original = parse(&path, &text).unwrap();
        write(&path, original.manufactures()).unwrap();
        assert_eq!(
            Registry::load(&path).unwrap().manufactures(),
            original.manufactures()
        );
    }
}
