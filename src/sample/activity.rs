//! A manufacture's activity month by month: its profile (size, publics, insertion,
//! equipment, buying), the staff carried over from one month to the next, and the rows of
//! each table it declares.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::SampleOptions;
use super::places::PLACES;
use crate::error::{Error, Result};
use crate::geo;
use crate::month::Month;
use crate::registry::{Manufacture, ManufactureId};
use crate::template::{Cell, Identification, Rows};

/// What drives one manufacture's activity.
pub(super) struct Profile {
    pub(super) manufacture: Manufacture,
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
pub(super) struct State {
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
    pub(super) fn draw(
        index: usize,
        options: &SampleOptions,
        rng: &mut ChaCha8Rng,
    ) -> Result<Profile> {
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
        let id = ManufactureId::parse(&id).expect("mp and digits make an id");
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
                name,
                commune: place.commune.to_string(),
                code_insee: place.code_insee.to_string(),
                departement,
                region,
                filiere: place.filiere.to_string(),
                wave: if index % 3 == 2 {
                    "2".into()
                } else {
                    "1".into()
                },
                opened: ouverture,
                closed: fermeture,
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

    pub(super) fn identification(&self, month: Month) -> Identification {
        Identification {
            manufacture: self.manufacture.id.clone(),
            name: self.manufacture.name.clone(),
            month,
        }
    }

    /// The months it sends a workbook for: open months, less a few forgotten ones.
    pub(super) fn reported_months(
        &self,
        options: &SampleOptions,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Month> {
        let m = &self.manufacture;
        let last = [Some(options.last), m.closed, self.stops_after]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(options.last);
        m.opened
            .through(last)
            .filter(|_| !rng.random_bool(0.06))
            .collect()
    }

    pub(super) fn initial_state(&self, rng: &mut ChaCha8Rng) -> State {
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

    pub(super) fn month_rows(&self, month: Month, state: &mut State, rng: &mut ChaCha8Rng) -> Rows {
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

pub(super) fn text(value: &str) -> Cell {
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
