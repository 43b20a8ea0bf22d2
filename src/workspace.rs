//! A workspace: a folder with an optional `mesure.toml` naming its registry, definitions,
//! store and reports folder, and the settings that definitions may use.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::definitions::source::Source;
use crate::definitions::{self, Definitions};
use crate::error::{Error, Result};
use crate::registry::{self, Registry};

/// The name of a workspace's configuration file.
pub const CONFIG_FILE: &str = "mesure.toml";

/// The settings every workspace has unless `mesure.toml` changes them.
pub const DEFAULT_PARAMS: [(&str, f64); 1] = [("distance_proximite_km", 150.0)];

/// The `--workspace` option every command of both binaries takes.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkspaceOption {
    /// Dossier de l'espace de travail (par défaut : le dossier courant).
    #[arg(
        long,
        short = 'w',
        global = true,
        value_name = "DOSSIER",
        default_value = ".",
        hide_default_value = true
    )]
    pub workspace: PathBuf,
}

impl WorkspaceOption {
    /// Opens the workspace it names.
    pub fn open(&self) -> Result<Workspace> {
        Workspace::open(&self.workspace)
    }
}

/// A workspace, with every path resolved against its folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace folder.
    pub root: PathBuf,
    /// The registry of manufactures (CSV).
    pub registry: PathBuf,
    /// The definitions folder (tables and indicators).
    pub definitions: PathBuf,
    /// The store folder.
    pub store: PathBuf,
    /// Where reports are written.
    pub reports: PathBuf,
    /// Settings usable in expressions as `{name}`.
    pub params: HashMap<String, f64>,
    /// Real région boundaries for the reports' maps, if `mesure.toml` names a file.
    pub map: Option<MapSource>,
}

/// A GeoJSON file of région boundaries (`[carte]` in `mesure.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct MapSource {
    /// The file.
    pub regions: PathBuf,
    /// The feature property that holds each région's official code.
    pub code_property: String,
}

/// The property holding a région's code in the ANCT's and IGN's files.
pub const DEFAULT_CODE_PROPERTY: &str = "insee_reg";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    regions: PathBuf,
    propriete_code: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    registre: Option<PathBuf>,
    definitions: Option<PathBuf>,
    stockage: Option<PathBuf>,
    rapports: Option<PathBuf>,
    #[serde(default)]
    parametres: BTreeMap<String, f64>,
    carte: Option<RawMap>,
}

impl Workspace {
    /// Opens the workspace in `root`, reading its `mesure.toml` if there is one.
    pub fn open(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            return Err(Error::io(root, std::io::ErrorKind::NotFound.into()));
        }
        let config_path = root.join(CONFIG_FILE);
        let raw: RawConfig = if config_path.exists() {
            let text = fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
            Source::new(&config_path, text)
                .parse()
                .map_err(|problem| Error::Invalid(vec![problem]))?
        } else {
            RawConfig::default()
        };
        let mut params: HashMap<String, f64> = DEFAULT_PARAMS
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        params.extend(raw.parametres);
        let resolve = |given: Option<PathBuf>, default: &str| {
            root.join(given.unwrap_or_else(|| default.into()))
        };
        Ok(Workspace {
            registry: resolve(raw.registre, "manufactures.csv"),
            definitions: resolve(raw.definitions, "indicators"),
            store: resolve(raw.stockage, "store"),
            reports: resolve(raw.rapports, "reports"),
            params,
            map: raw.carte.map(|map| MapSource {
                regions: root.join(map.regions),
                code_property: map
                    .propriete_code
                    .unwrap_or_else(|| DEFAULT_CODE_PROPERTY.to_string()),
            }),
            root: root.to_path_buf(),
        })
    }

    /// Creates a new workspace in `dir`: a commented `mesure.toml`, the default definitions, an
    /// empty registry and the store and reports folders. Refuses to overwrite a workspace.
    pub fn init(dir: &Path) -> Result<Self> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let config = dir.join(CONFIG_FILE);
        if config.exists() {
            return Err(Error::io(&config, std::io::ErrorKind::AlreadyExists.into()));
        }
        let workspace = Workspace::open(dir)?;
        definitions::defaults::write_to(&workspace.definitions)?;
        if !workspace.registry.exists() {
            registry::write(&workspace.registry, &[])?;
        }
        for folder in [&workspace.store, &workspace.reports] {
            fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
        }
        fs::write(&config, DEFAULT_CONFIG).map_err(|e| Error::io(&config, e))?;
        Ok(workspace)
    }

    /// Reads and checks the workspace's definitions.
    pub fn definitions(&self) -> Result<Definitions> {
        Definitions::load(&self.definitions, &self.params)
    }

    /// Reads and checks the workspace's registry.
    pub fn registry(&self) -> Result<Registry> {
        Registry::load(&self.registry)
    }
}

/// The `mesure.toml` written by `mesure init`: every setting at its default, commented.
const DEFAULT_CONFIG: &str = r#"# Espace de travail mesure. Chaque réglage a une valeur par défaut ;
# les chemins sont relatifs à ce dossier.

# registre = "manufactures.csv"   # le registre des manufactures (CSV)
# definitions = "indicators"      # tables et indicateurs
# stockage = "store"              # fichiers reçus et tables stockées
# rapports = "reports"            # rapports et graphiques produits

[parametres]
# Distance en dessous de laquelle un achat est « de proximité » (km).
distance_proximite_km = 150

# Contours réels des régions pour les cartes des rapports : un GeoJSON en WGS84, une entité
# par région. Sans ce fichier, les cartes sont dessinées en tuiles.
# [carte]
# regions = "regions.geojson"
# propriete_code = "insee_reg"    # la propriété qui porte le code officiel de la région
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_file_is_resolved_against_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(CONFIG_FILE),
            "[carte]\nregions = \"cartes/fr.geojson\"\n",
        )
        .unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        let map = ws.map.unwrap();
        assert_eq!(map.regions, dir.path().join("cartes/fr.geojson"));
        assert_eq!(map.code_property, "insee_reg");
        fs::write(
            dir.path().join(CONFIG_FILE),
            "[carte]\nregions = \"fr.geojson\"\npropriete_code = \"code\"\n",
        )
        .unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.map.unwrap().code_property, "code");
        fs::write(dir.path().join(CONFIG_FILE), "").unwrap();
        assert_eq!(Workspace::open(dir.path()).unwrap().map, None);
    }

    #[test]
    fn defaults_apply_without_a_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.registry, dir.path().join("manufactures.csv"));
        assert_eq!(ws.definitions, dir.path().join("indicators"));
        assert_eq!(ws.params["distance_proximite_km"], 150.0);
    }

    #[test]
    fn config_overrides_paths_and_settings() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(CONFIG_FILE),
            "registre = \"donnees/reseau.csv\"\n[parametres]\ndistance_proximite_km = 80\n",
        )
        .unwrap();
        let ws = Workspace::open(dir.path()).unwrap();
        assert_eq!(ws.registry, dir.path().join("donnees/reseau.csv"));
        assert_eq!(ws.params["distance_proximite_km"], 80.0);
    }

    #[test]
    fn a_misspelt_setting_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(CONFIG_FILE), "\nregistr = \"x.csv\"\n").unwrap();
        let err = Workspace::open(dir.path()).unwrap_err();
        let problem = &err.problems()[0];
        assert_eq!(problem.location.row, Some(2));
        assert!(
            problem
                .message
                .starts_with("champ « registr » inconnu ; vouliez-vous dire « registre » ?"),
            "{}",
            problem.message
        );
    }
}
