//! Computing every indicator at every level and period for a network at national scale: 3,500
//! places over 120 months (the whole French tiers-lieux network, as issue 4 asks), with
//! synthetic tables built directly in memory (about 7 million rows), then `engine::compute`.
//!
//! Run: `cargo bench --bench national` (release profile). Prints the size, the time to compute
//! and the peak memory of the process.

use std::time::Instant;

use mesure::engine::{Inputs, Request, compute};
use mesure::geo::DEPARTEMENTS;
use mesure::registry::{Manufacture, Registry};
use mesure::{Month, geo};
use polars::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PLACES: usize = 3_500;
const MONTHS: i32 = 120;
const FILIERES: [&str; 8] = [
    "bois",
    "textile",
    "métal",
    "réemploi",
    "numérique",
    "alimentaire",
    "céramique",
    "éco-construction",
];

fn registry(first: Month, rng: &mut ChaCha8Rng) -> Registry {
    Registry::new(
        (0..PLACES)
            .map(|i| {
                let departement = &DEPARTEMENTS[i % DEPARTEMENTS.len()];
                Manufacture {
                    id: format!("tl{i:05}"),
                    nom: format!("Tiers-lieu {i}"),
                    commune: "X".into(),
                    code_insee: format!("{}000", departement.code),
                    departement,
                    region: geo::region(departement.region).expect("known région"),
                    filiere: FILIERES[i % FILIERES.len()].into(),
                    vague: (1 + i % 2).to_string(),
                    ouverture: first.plus(rng.random_range(0..24)),
                    fermeture: None,
                }
            })
            .collect(),
    )
}

/// Columns of one table, filled row by row.
#[derive(Default)]
struct Builder {
    ids: Vec<String>,
    months: Vec<String>,
    texts: Vec<Vec<String>>,
    numbers: Vec<Vec<f64>>,
}

impl Builder {
    fn row(&mut self, id: &str, month: &str, texts: &[&str], numbers: &[f64]) {
        self.ids.push(id.to_string());
        self.months.push(month.to_string());
        self.texts.resize_with(texts.len(), Vec::new);
        self.numbers.resize_with(numbers.len(), Vec::new);
        for (column, value) in self.texts.iter_mut().zip(texts) {
            column.push(value.to_string());
        }
        for (column, value) in self.numbers.iter_mut().zip(numbers) {
            column.push(*value);
        }
    }

    /// The frame, with text columns then number columns named as given; integer columns cast.
    fn frame(self, text_names: &[&str], number_names: &[(&str, bool)]) -> DataFrame {
        let mut columns = vec![
            Column::new("id_manufacture".into(), self.ids),
            Column::new("mois".into(), self.months),
        ];
        for (name, values) in text_names.iter().zip(self.texts) {
            columns.push(Column::new((*name).into(), values));
        }
        for ((name, integer), values) in number_names.iter().zip(self.numbers) {
            let column = Column::new((*name).into(), values);
            columns.push(if *integer {
                column.cast(&DataType::Int64).expect("cast")
            } else {
                column
            });
        }
        DataFrame::new_infer_height(columns).expect("frame")
    }
}

/// `publics`: the categories declared for `publics.categorie`, read from the definitions.
fn inputs(registry: &Registry, publics: &[String], first: Month, rng: &mut ChaCha8Rng) -> Inputs {
    let names = [
        "publics",
        "emplois",
        "flux",
        "equipements",
        "formations",
        "finances",
        "matieres",
    ];
    let mut builders: Vec<Builder> = names.iter().map(|_| Builder::default()).collect();
    let (mut reported_ids, mut reported_months) = (Vec::new(), Vec::new());
    for m in registry.manufactures() {
        for month in m.ouverture.through(first.plus(MONTHS - 1)) {
            if rng.random_bool(0.05) {
                continue; // a month not reported
            }
            let (id, when) = (m.id.as_str(), month.to_string());
            reported_ids.push(id.to_string());
            reported_months.push(when.clone());
            let size = rng.random_range(5.0..50.0f64);
            for k in 0..4 {
                let people = (size * rng.random_range(0.2..1.0f64)).round();
                builders[0].row(
                    id,
                    &when,
                    &[publics[(k * 2 + month.month() as usize) % publics.len()].as_str()],
                    &[people, people * 2.0, (people * 0.4).round()],
                );
            }
            builders[1].row(id, &when, &["CDI"], &[3.0, 2.5, 0.0, 0.0]);
            builders[1].row(id, &when, &["CDDI"], &[2.0, 1.4, 1.0, 1.0]);
            for (sens, k) in [("achat", 0), ("achat", 1), ("vente", 2), ("vente", 3)] {
                builders[2].row(
                    id,
                    &when,
                    &[sens, "bois", ""],
                    &[size * 100.0, rng.random_range(1.0..600.0), (k % 3) as f64],
                );
            }
            for e in 0..3 {
                let available = 100.0 + e as f64 * 20.0;
                let used = (available * rng.random_range(0.1..0.9f64)).round();
                builders[3].row(
                    id,
                    &when,
                    &["EQ", "Machine"],
                    &[available, used, (used * 0.3).round(), 2.0],
                );
            }
            builders[4].row(id, &when, &["Formation"], &[7.0, 8.0, 3.0]);
            for (classe, share) in [("propre", 0.5), ("publique", 0.4), ("privée", 0.1)] {
                builders[5].row(
                    id,
                    &when,
                    &["poste", classe, "fonctionnement"],
                    &[size * 200.0 * share],
                );
            }
            builders[6].row(
                id,
                &when,
                &["bois"],
                &[size * 10.0, size * 3.0, size, size * 0.5],
            );
        }
    }
    let mut builders = builders.into_iter();
    let mut next = || builders.next().expect("seven tables");
    let frames = [
        (
            "publics",
            next().frame(
                &["categorie"],
                &[
                    ("nb_personnes", true),
                    ("nb_passages", true),
                    ("dont_femmes", true),
                ],
            ),
        ),
        (
            "emplois",
            next().frame(
                &["type_contrat"],
                &[
                    ("effectif_fin_mois", true),
                    ("etp", false),
                    ("entrees", true),
                    ("sorties", true),
                ],
            ),
        ),
        (
            "flux",
            next().frame(
                &["sens", "categorie", "partenaire"],
                &[
                    ("montant_ht", false),
                    ("distance_km", false),
                    ("nb_intermediaires", true),
                ],
            ),
        ),
        (
            "equipements",
            next().frame(
                &["id_equipement", "equipement"],
                &[
                    ("heures_disponibles", false),
                    ("heures_utilisees", false),
                    ("heures_externes", false),
                    ("nb_structures", true),
                ],
            ),
        ),
        (
            "formations",
            next().frame(
                &["intitule"],
                &[
                    ("duree_h", false),
                    ("nb_participants", true),
                    ("dont_demandeurs_emploi", true),
                ],
            ),
        ),
        (
            "finances",
            next().frame(&["poste", "classe", "nature"], &[("montant", false)]),
        ),
        (
            "matieres",
            next().frame(
                &["matiere"],
                &[
                    ("kg_entrants", false),
                    ("kg_reemployes", false),
                    ("kg_recycles", false),
                    ("kg_dechets", false),
                ],
            ),
        ),
    ];
    let reported = df!("id_manufacture" => reported_ids, "mois" => reported_months).expect("frame");
    let mut inputs = Inputs::default();
    for (name, frame) in frames {
        inputs.tables.insert(name.into(), frame);
        inputs.reported.insert(name.into(), reported.clone());
    }
    inputs
}

fn peak_memory_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    let first = Month::new(2016, 1).expect("valid month");
    let mut rng = ChaCha8Rng::seed_from_u64(3500);
    let definitions = mesure::Workspace::open(std::path::Path::new(env!("CARGO_MANIFEST_DIR")))
        .and_then(|w| w.definitions())
        .expect("the repository's definitions");
    let start = Instant::now();
    let registry = registry(first, &mut rng);
    let publics: Vec<String> = definitions
        .table("publics")
        .and_then(|t| t.column("categorie"))
        .map(|c| c.values.iter().map(|v| v.value.clone()).collect())
        .expect("publics.categorie is declared");
    let inputs = inputs(&registry, &publics, first, &mut rng);
    let rows: usize = inputs.tables.values().map(DataFrame::height).sum();
    let reported = inputs.reported["publics"].height();
    println!(
        "réseau : {PLACES} lieux, {MONTHS} mois, {reported} mois déclarés, {rows} lignes ; préparé en {:.1} s, mémoire max {} Mio",
        start.elapsed().as_secs_f64(),
        peak_memory_mb()
    );
    let start = Instant::now();
    let figures = compute(&definitions, &registry, &inputs, &Request::default()).expect("compute");
    println!(
        "compute : {} chiffres (17 indicateurs, 6 niveaux, 5 sortes de période) en {:.1} s ; mémoire max du processus {} Mio",
        figures.height(),
        start.elapsed().as_secs_f64(),
        peak_memory_mb()
    );
}
