//! The sample network: a seeded generator of fictional manufactures placed in real communes,
//! and of their monthly workbooks, written through the template code.
//!
//! The same seed always gives the same files, byte for byte. Activity follows each place's
//! size (a rural workshop receives a few dozen people a month, an urban one hundreds), the
//! seasons (August is quiet), and each manufacture's profile (insertion, training, reuse...).
//! Some months are missing, as in real life, and one manufacture stops reporting. A few
//! workbooks with plausible mistakes are written apart, for ingestion tests.

use std::fs;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::definitions::Definitions;
use crate::error::{Error, Result};
use crate::geo;
use crate::month::Month;
use crate::registry::{self, Manufacture};
use crate::template::{Cell, Identification, Rows, write_workbook};

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// The seed of the random generator.
    pub seed: u64,
    /// The first month of data.
    pub first: Month,
    /// The last month of data.
    pub last: Month,
    /// How many manufactures (at most the number of places known to the generator, 30,
    /// unless `repeat_places` is set).
    pub manufactures: usize,
    /// Whether places may be reused, for networks larger than 30 manufactures.
    pub repeat_places: bool,
    /// Whether to write the folder of workbooks with mistakes.
    pub with_errors: bool,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            seed: 2025,
            first: Month::new(2025, 1).expect("valid month"),
            last: Month::new(2025, 12).expect("valid month"),
            manufactures: PLACES.len(),
            repeat_places: false,
            with_errors: true,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct SampleSummary {
    /// Manufactures in the registry.
    pub manufactures: usize,
    /// Monthly workbooks written.
    pub workbooks: usize,
    /// Workbooks with mistakes written apart.
    pub broken_workbooks: usize,
}

/// The folder of monthly workbooks inside a sample folder.
pub const WORKBOOKS_DIR: &str = "classeurs";
/// The folder of workbooks with mistakes inside a sample folder.
pub const ERRORS_DIR: &str = "erreurs";

/// A real commune: name, INSEE code, population (rounded), and the fictional manufacture there.
struct Place {
    commune: &'static str,
    code_insee: &'static str,
    population: u32,
    name: &'static str,
    filiere: &'static str,
}

macro_rules! places {
    ($(($commune:literal, $insee:literal, $pop:literal, $name:literal, $filiere:literal)),* $(,)?) => {
        [$(Place { commune: $commune, code_insee: $insee, population: $pop, name: $name, filiere: $filiere }),*]
    };
}

const PLACES: [Place; 30] = places![
    ("Nevers", "58194", 33000, "La Fabrique nivernaise", "bois"),
    ("Tulle", "19272", 13000, "L'Établi corrézien", "métal"),
    (
        "Saint-Étienne",
        "42218",
        173000,
        "Manufacture du Crêt",
        "fabrication numérique"
    ),
    ("Roubaix", "59512", 98000, "Les Ateliers du Fil", "textile"),
    (
        "Lorient",
        "56121",
        58000,
        "Le Hangar des Gréements",
        "réemploi"
    ),
    ("Figeac", "46102", 10000, "L'Atelier du Célé", "bois"),
    ("Aurillac", "15014", 26000, "La Forge cantalienne", "métal"),
    (
        "Chalon-sur-Saône",
        "71076",
        45000,
        "Le Quai des Savoir-Faire",
        "fabrication numérique"
    ),
    (
        "Besançon",
        "25056",
        118000,
        "La Manufacture horlogère partagée",
        "métal"
    ),
    (
        "Saint-Dié-des-Vosges",
        "88413",
        19000,
        "L'Atelier de la Meurthe",
        "bois"
    ),
    (
        "Thiers",
        "63430",
        12000,
        "Coutellerie partagée de Thiers",
        "métal"
    ),
    ("Annonay", "07010", 17000, "La Tannerie solidaire", "cuir"),
    (
        "Oyonnax",
        "01283",
        22000,
        "Plasturgie en commun",
        "réemploi"
    ),
    ("Cholet", "49099", 54000, "Le Tissage choletais", "textile"),
    (
        "Guingamp",
        "22070",
        7000,
        "Ti ar Vicherourien",
        "éco-construction"
    ),
    (
        "Douarnenez",
        "29046",
        14000,
        "La Conserverie des Possibles",
        "alimentaire"
    ),
    (
        "Mont-de-Marsan",
        "40192",
        32000,
        "Le Pin des Landes",
        "bois"
    ),
    (
        "Millau",
        "12145",
        22000,
        "Ganterie partagée du Tarn",
        "cuir"
    ),
    (
        "Carcassonne",
        "11069",
        46000,
        "La Fabrique de la Cité",
        "céramique"
    ),
    (
        "Ajaccio",
        "2A004",
        76000,
        "Fabbrica Aiaccina",
        "fabrication numérique"
    ),
    ("Saint-Denis", "97411", 156000, "Lakour Fabrik", "réemploi"),
    (
        "Fort-de-France",
        "97209",
        76000,
        "Atelier Bwa Kanpèch",
        "bois"
    ),
    (
        "Abbeville",
        "80001",
        22000,
        "Les Ateliers de la Baie",
        "textile"
    ),
    (
        "Charleville-Mézières",
        "08105",
        46000,
        "La Fonderie ardennaise",
        "métal"
    ),
    (
        "Vierzon",
        "18279",
        25000,
        "La Porcelainerie du Cher",
        "céramique"
    ),
    (
        "Limoges",
        "87085",
        130000,
        "L'Atelier des Émaux",
        "céramique"
    ),
    ("Guéret", "23096", 13000, "La Laine creusoise", "textile"),
    (
        "Arles",
        "13004",
        52000,
        "La Fabrique camarguaise",
        "éco-construction"
    ),
    (
        "Grenoble",
        "38185",
        156000,
        "Le FabLab des Alpes",
        "fabrication numérique"
    ),
    ("Rouen", "76540", 118000, "Le Dock normand", "réemploi"),
];

/// Writes the registry (`manufactures.csv`) and the monthly workbooks into `out`.
pub fn generate(
    definitions: &Definitions,
    out: &Path,
    options: &SampleOptions,
) -> Result<SampleSummary> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let profiles: Vec<Profile> = (0..options.manufactures)
        .map(|i| Profile::draw(i, options, &mut rng))
        .collect::<Result<_>>()?;
    let manufactures: Vec<Manufacture> = profiles.iter().map(|p| p.manufacture.clone()).collect();
    create_dir(out)?;
    registry::write(&out.join("manufactures.csv"), &manufactures)?;
    let mut summary = SampleSummary {
        manufactures: manufactures.len(),
        ..SampleSummary::default()
    };
    for profile in &profiles {
        let mut state = profile.initial_state(&mut rng);
        let folder = out.join(WORKBOOKS_DIR).join(&profile.manufacture.id);
        create_dir(&folder)?;
        for month in profile.reported_months(options, &mut rng) {
            let rows = profile.month_rows(month, &mut state, &mut rng);
            let path = folder.join(format!("{}_{month}.xlsx", profile.manufacture.id));
            write_workbook(&path, definitions, &profile.identification(month), &rows)?;
            summary.workbooks += 1;
        }
    }
    if options.with_errors {
        summary.broken_workbooks = write_broken(definitions, out, &profiles, options, &mut rng)?;
    }
    Ok(summary)
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// What drives one manufacture's activity.
struct Profile {
    manufacture: Manufacture,
    /// 0.4 for a small rural workshop up to about 3 for a large urban one.
    size: f64,
    /// Weight of each public category.
    publics: [f64; 8],
    women: f64,
    insertion: bool,
    occupancy: f64,
    sharing: f64,
    machines: usize,
    local_buying: f64,
    own_resources: f64,
    reuse: f64,
    /// The last month it reports, when it stops early.
    stops_after: Option<Month>,
}

/// What carries over from one month to the next: the staff by contract.
struct State {
    staff: Vec<(usize, u32)>,
}

const CONTRACTS: [&str; 9] = [
    "CDI",
    "CDD",
    "CDDI",
    "PEC",
    "apprentissage",
    "contrat de professionnalisation",
    "stage",
    "service civique",
    "indépendant résident",
];

const PUBLICS: [&str; 8] = [
    "salarié",
    "indépendant ou artisan",
    "demandeur d'emploi",
    "étudiant",
    "jeune de moins de 26 ans",
    "retraité",
    "bénévole",
    "autre",
];

const MACHINES: [&str; 10] = [
    "Découpeuse laser",
    "Imprimante 3D",
    "Scie à format",
    "Fraiseuse numérique",
    "Presse à chaud",
    "Machine à coudre industrielle",
    "Poste à souder",
    "Tour à bois",
    "Four céramique",
    "Brodeuse numérique",
];

impl Profile {
    fn draw(index: usize, options: &SampleOptions, rng: &mut ChaCha8Rng) -> Result<Profile> {
        let place = &PLACES[index % PLACES.len()];
        if index >= PLACES.len() && !options.repeat_places {
            return Err(Error::Usage(format!(
                "le générateur connaît {} lieux",
                PLACES.len()
            )));
        }
        let departement = geo::departement_of_commune(place.code_insee).expect("known commune");
        let region = geo::region(departement.region).expect("known région");
        let size = (place.population as f64 / 40_000.0).sqrt().clamp(0.4, 3.0)
            * rng.random_range(0.75..1.25);
        let opening_shift = [0, 0, 0, 0, 2, 5][rng.random_range(0..6)];
        let ouverture = options.first.plus(opening_shift);
        let fermeture = (index % 13 == 7).then(|| options.last.plus(-2));
        let suffix = index / PLACES.len();
        let id = if suffix == 0 {
            format!("mp{:03}", index + 1)
        } else {
            format!("mp{:04}", index + 1)
        };
        let name = if suffix == 0 {
            place.name.to_string()
        } else {
            format!("{} {}", place.name, suffix + 1)
        };
        let mut publics = [0.0; 8];
        for weight in publics.iter_mut() {
            *weight = if rng.random_bool(0.8) {
                rng.random_range(0.2..1.0)
            } else {
                0.0
            };
        }
        let insertion = rng.random_bool(0.35);
        if insertion {
            publics[2] += 1.0;
        }
        Ok(Profile {
            manufacture: Manufacture {
                id,
                nom: name,
                commune: place.commune.to_string(),
                code_insee: place.code_insee.to_string(),
                departement,
                region,
                filiere: place.filiere.to_string(),
                vague: if index % 3 == 2 {
                    "2".into()
                } else {
                    "1".into()
                },
                ouverture,
                fermeture,
            },
            size,
            publics,
            women: rng.random_range(0.2..0.6),
            insertion,
            occupancy: rng.random_range(0.15..0.75),
            sharing: rng.random_range(0.05..0.55),
            machines: rng.random_range(3..9),
            local_buying: rng.random_range(0.2..0.85),
            own_resources: rng.random_range(0.2..0.75),
            reuse: rng.random_range(0.03..0.6),
            stops_after: (index % 11 == 4).then(|| options.last.plus(-2)),
        })
    }

    fn identification(&self, month: Month) -> Identification {
        Identification {
            manufacture: self.manufacture.id.clone(),
            name: self.manufacture.nom.clone(),
            month,
        }
    }

    /// The months it sends a workbook for: open months, less a few forgotten ones.
    fn reported_months(&self, options: &SampleOptions, rng: &mut ChaCha8Rng) -> Vec<Month> {
        let m = &self.manufacture;
        let last = [Some(options.last), m.fermeture, self.stops_after]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(options.last);
        m.ouverture
            .through(last)
            .filter(|_| !rng.random_bool(0.06))
            .collect()
    }

    fn initial_state(&self, rng: &mut ChaCha8Rng) -> State {
        let mut staff = vec![(0, (self.size * 2.0).round().max(1.0) as u32)];
        if rng.random_bool(0.5) {
            staff.push((1, 1));
        }
        if self.insertion {
            staff.push((2, rng.random_range(2..7)));
            staff.push((3, rng.random_range(0..3)));
        }
        for contract in [4, 6, 7, 8] {
            if rng.random_bool(0.3) {
                staff.push((contract, rng.random_range(1..3)));
            }
        }
        State { staff }
    }

    fn month_rows(&self, month: Month, state: &mut State, rng: &mut ChaCha8Rng) -> Rows {
        let season = match month.month() {
            8 => 0.35,
            7 => 0.7,
            12 => 0.75,
            _ => 1.0,
        };
        let activity = self.size * season * rng.random_range(0.85..1.15);
        let mut rows = Rows::new();
        rows.insert("publics".into(), self.publics_rows(activity, rng));
        rows.insert("emplois".into(), self.emplois_rows(state, rng));
        rows.insert("flux".into(), self.flux_rows(activity, rng));
        rows.insert("equipements".into(), self.equipement_rows(season, rng));
        rows.insert("formations".into(), self.formation_rows(season, rng));
        rows.insert("finances".into(), self.finance_rows(activity, month, rng));
        rows.insert("matieres".into(), self.matiere_rows(activity, rng));
        rows
    }

    fn publics_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        let mut rows = Vec::new();
        for (category, weight) in PUBLICS.iter().zip(self.publics) {
            let people = (weight * activity * 25.0 * rng.random_range(0.6..1.4)).round();
            if people < 1.0 {
                continue;
            }
            let visits = (people * rng.random_range(1.3..3.5)).round();
            let women = if rng.random_bool(0.85) {
                Cell::Number(
                    (people * self.women * rng.random_range(0.7..1.3))
                        .round()
                        .min(people),
                )
            } else {
                Cell::Empty
            };
            rows.push(vec![
                text(category),
                Cell::Number(people),
                Cell::Number(visits),
                women,
            ]);
        }
        rows
    }

    fn emplois_rows(&self, state: &mut State, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        state
            .staff
            .iter_mut()
            .map(|(contract, headcount)| {
                let entries = u32::from(rng.random_bool(0.08));
                let exits = u32::from(*headcount > 0 && rng.random_bool(0.07));
                *headcount = *headcount + entries - exits;
                let fte_per_head = match *contract {
                    0 | 1 => 0.9,
                    2 | 3 => 0.7,
                    8 => 0.5,
                    _ => 0.8,
                };
                let fte = (*headcount as f64 * fte_per_head * 100.0).round() / 100.0;
                vec![
                    text(CONTRACTS[*contract]),
                    Cell::Number(*headcount as f64),
                    Cell::Number(fte),
                    Cell::Number(entries as f64),
                    Cell::Number(exits as f64),
                ]
            })
            .collect()
    }

    fn flux_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        const PURCHASES: [&str; 6] = [
            "bois",
            "métal",
            "consommables",
            "outillage",
            "prestation",
            "tissus",
        ];
        const SALES: [&str; 4] = [
            "vente directe",
            "boutique partagée",
            "commande publique",
            "entreprise locale",
        ];
        let mut rows = Vec::new();
        for _ in 0..rng.random_range(3..8) {
            let local = rng.random_bool(self.local_buying);
            let (distance, intermediaries) = if local {
                (rng.random_range(2.0..120.0), rng.random_range(0..2))
            } else {
                (rng.random_range(120.0..900.0), rng.random_range(1..4))
            };
            rows.push(flux_row(
                "achat",
                PURCHASES[rng.random_range(0..6)],
                amount(activity, 900.0, rng),
                distance,
                intermediaries,
            ));
        }
        for _ in 0..rng.random_range(1..5) {
            let distance = rng.random_range(0.0..250.0);
            let intermediaries = if distance < 60.0 {
                0
            } else {
                rng.random_range(0..3)
            };
            rows.push(flux_row(
                "vente",
                SALES[rng.random_range(0..4)],
                amount(activity, 1400.0, rng),
                distance,
                intermediaries,
            ));
        }
        rows
    }

    fn equipement_rows(&self, season: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        (0..self.machines)
            .map(|i| {
                let available = (120.0 + 20.0 * (i % 4) as f64) * season.max(0.5);
                let used =
                    (available * (self.occupancy * rng.random_range(0.7..1.3)).min(1.0)).round();
                let external =
                    (used * (self.sharing * rng.random_range(0.6..1.4)).min(1.0)).round();
                vec![
                    text(&format!("EQ{:02}", i + 1)),
                    text(MACHINES[(i * 3 + self.machines) % MACHINES.len()]),
                    Cell::Number(available.round()),
                    Cell::Number(used),
                    Cell::Number(external),
                    Cell::Number(if external > 0.0 {
                        rng.random_range(1..12) as f64
                    } else {
                        1.0
                    }),
                ]
            })
            .collect()
    }

    fn formation_rows(&self, season: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        const COURSES: [&str; 6] = [
            "Initiation à la découpe laser",
            "Sécurité à l'atelier bois",
            "Couture sur machine industrielle",
            "Soudure à l'arc",
            "Modélisation 3D",
            "Réparation de vélos",
        ];
        let sessions = if season < 0.5 {
            0
        } else {
            rng.random_range(0..4)
        };
        (0..sessions)
            .map(|_| {
                let participants = rng.random_range(3..13);
                let jobseekers = rng
                    .random_range(0..=participants / 2 + u32::from(self.insertion) * 2)
                    .min(participants);
                vec![
                    text(COURSES[rng.random_range(0..6)]),
                    Cell::Number([3.0, 7.0, 14.0, 21.0, 35.0][rng.random_range(0..5)]),
                    Cell::Number(participants as f64),
                    Cell::Number(jobseekers as f64),
                    Cell::Bool(rng.random_bool(0.15)),
                ]
            })
            .collect()
    }

    fn finance_rows(&self, activity: f64, month: Month, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        let total = 6000.0 * activity * rng.random_range(0.8..1.2);
        let own = total * self.own_resources;
        let public = (total - own) * 0.75;
        let mut rows = vec![
            finance_row(
                "Ventes et prestations",
                "propre",
                "fonctionnement",
                own * 0.8,
            ),
            finance_row(
                "Adhésions et abonnements",
                "propre",
                "fonctionnement",
                own * 0.2,
            ),
            finance_row(
                "Subvention de fonctionnement",
                "publique",
                "fonctionnement",
                public,
            ),
            finance_row("Mécénat", "privée", "fonctionnement", total - own - public),
        ];
        if month.month() % 6 == 3 && rng.random_bool(0.5) {
            rows.push(finance_row(
                "Aide à l'équipement",
                "publique",
                "investissement",
                15000.0 * self.size,
            ));
        }
        rows
    }

    fn matiere_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
        const MATERIALS: [&str; 5] = ["bois", "textile", "métal", "plastique", "carton"];
        (0..rng.random_range(1..4))
            .map(|i| {
                let incoming = (activity * rng.random_range(40.0..400.0)).round();
                let reused =
                    (incoming * (self.reuse * rng.random_range(0.6..1.4)).min(0.95)).round();
                let recycled = ((incoming - reused) * rng.random_range(0.1..0.6)).round();
                let recycled = if rng.random_bool(0.9) {
                    Cell::Number(recycled)
                } else {
                    Cell::Empty
                };
                let waste = (incoming * rng.random_range(0.02..0.2)).round();
                vec![
                    text(MATERIALS[(i + self.machines) % MATERIALS.len()]),
                    Cell::Number(incoming),
                    Cell::Number(reused),
                    recycled,
                    Cell::Number(waste),
                ]
            })
            .collect()
    }
}

fn text(value: &str) -> Cell {
    Cell::Text(value.to_string())
}

fn amount(activity: f64, typical: f64, rng: &mut ChaCha8Rng) -> f64 {
    (activity * typical * rng.random_range(0.2..2.0) * 100.0).round() / 100.0
}

fn flux_row(
    sens: &str,
    category: &str,
    amount: f64,
    distance: f64,
    intermediaries: u32,
) -> Vec<Cell> {
    vec![
        text(sens),
        text(category),
        Cell::Number(amount),
        Cell::Number(distance.round()),
        Cell::Number(intermediaries as f64),
        Cell::Empty,
    ]
}

fn finance_row(poste: &str, classe: &str, nature: &str, amount: f64) -> Vec<Cell> {
    vec![
        text(poste),
        text(classe),
        text(nature),
        Cell::Number((amount * 100.0).round() / 100.0),
    ]
}

/// One planted mistake: the file's name, what is wrong, and how to plant it.
struct Mistake {
    file: &'static str,
    what: &'static str,
    plant: fn(&mut Rows, &mut Identification),
}

const MISTAKES: [Mistake; 6] = [
    Mistake {
        file: "texte_dans_un_nombre",
        what: "Publics, ligne 2, nb_personnes : « douze » au lieu d'un nombre",
        plant: |rows, _| set(rows, "publics", 0, 1, text("douze")),
    },
    Mistake {
        file: "categorie_inconnue",
        what: "Publics, ligne 2, categorie : « intérimaire » n'est pas une catégorie déclarée",
        plant: |rows, _| set(rows, "publics", 0, 0, text("intérimaire")),
    },
    Mistake {
        file: "heures_utilisees_superieures",
        what: "Equipements, ligne 2 : heures_utilisees (300) dépasse heures_disponibles",
        plant: |rows, _| set(rows, "equipements", 0, 3, Cell::Number(300.0)),
    },
    Mistake {
        file: "montant_negatif",
        what: "Flux, ligne 2, montant_ht : -350 alors que le montant doit être positif",
        plant: |rows, _| set(rows, "flux", 0, 2, Cell::Number(-350.0)),
    },
    Mistake {
        file: "manufacture_inconnue",
        what: "Identification : la manufacture « mp999 » n'est pas dans le registre",
        plant: |_, identification| identification.manufacture = "mp999".into(),
    },
    Mistake {
        file: "mois_avant_ouverture",
        what: "Identification : le mois précède l'ouverture de la manufacture",
        plant: |_, identification| identification.month = identification.month.plus(-24),
    },
];

fn set(rows: &mut Rows, table: &str, row: usize, column: usize, value: Cell) {
    if let Some(cell) = rows
        .get_mut(table)
        .and_then(|r| r.get_mut(row))
        .and_then(|r| r.get_mut(column))
    {
        *cell = value;
    }
}

fn write_broken(
    definitions: &Definitions,
    out: &Path,
    profiles: &[Profile],
    options: &SampleOptions,
    rng: &mut ChaCha8Rng,
) -> Result<usize> {
    let folder: PathBuf = out.join(ERRORS_DIR);
    create_dir(&folder)?;
    let mut readme = String::from(
        "# Classeurs avec erreurs\n\nChaque classeur contient une erreur plausible ; l'ingestion doit le refuser \
         avec un message précis et accepter les autres.\n\n| fichier | erreur |\n|---|---|\n",
    );
    for (i, mistake) in MISTAKES.iter().enumerate() {
        let profile = &profiles[i % profiles.len()];
        let month = profile.manufacture.ouverture.plus(2).min(options.last);
        let mut state = profile.initial_state(rng);
        let mut rows = profile.month_rows(month, &mut state, rng);
        let mut identification = profile.identification(month);
        (mistake.plant)(&mut rows, &mut identification);
        let name = format!("{}_{}_{}.xlsx", profile.manufacture.id, month, mistake.file);
        write_workbook(&folder.join(&name), definitions, &identification, &rows)?;
        readme.push_str(&format!("| {name} | {} |\n", mistake.what));
    }
    let readme_path = folder.join("README.md");
    fs::write(&readme_path, readme).map_err(|e| Error::io(&readme_path, e))?;
    Ok(MISTAKES.len())
}
/// When a sample workbook counts as received, for the demo's replay of the sample year: the
/// 10th of the month after its own, or, for about one file in eight (picked by a hash of its
/// name, so every run agrees), 45 days after its month ends, past the 30-day deadline. `None`
/// for a name that is not `<id>_<AAAA-MM>.<ext>`.
pub fn simulated_reception(path: &Path) -> Option<chrono::DateTime<chrono::Utc>> {
    let stem = path.file_stem()?.to_str()?;
    let month: Month = stem.rsplit_once('_')?.1.parse().ok()?;
    let late = crate::store::sha256_hex(stem.as_bytes()).starts_with(['0', '1']);
    let day = month.next().first_day() + chrono::Duration::days(if late { 44 } else { 9 });
    Some(day.and_hms_opt(9, 0, 0)?.and_utc())
}
