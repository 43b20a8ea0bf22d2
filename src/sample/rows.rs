//! The rows of each table for one manufacture's month, drawn from its profile: publics by
//! category, staff by contract (carried over from the month before), flows in and out with
//! their distances, equipment hours, training, finances and materials.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::activity::{Profile, State};
use crate::month::Month;
use crate::template::Cell;

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

impl Profile {
    pub(super) fn publics_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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

    pub(super) fn emplois_rows(&self, state: &mut State, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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

    pub(super) fn flux_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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

    pub(super) fn equipement_rows(&self, season: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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

    pub(super) fn formation_rows(&self, season: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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

    pub(super) fn finance_rows(
        &self,
        activity: f64,
        month: Month,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Vec<Cell>> {
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

    pub(super) fn matiere_rows(&self, activity: f64, rng: &mut ChaCha8Rng) -> Vec<Vec<Cell>> {
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
