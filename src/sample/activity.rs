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
use crate::template::{Identification, Rows};

/// What drives one manufacture's activity.
pub(super) struct Profile {
    pub(super) manufacture: Manufacture,
    /// 0.4 for a small rural workshop up to about 3 for a large urban one.
    pub(super) size: f64,
    /// Weight of each public category.
    pub(super) publics: [f64; 8],
    pub(super) women: f64,
    pub(super) insertion: bool,
    pub(super) occupancy: f64,
    pub(super) sharing: f64,
    pub(super) machines: usize,
    pub(super) local_buying: f64,
    pub(super) own_resources: f64,
    pub(super) reuse: f64,
    /// The last month it reports, when it stops early.
    pub(super) stops_after: Option<Month>,
}

/// What carries over from one month to the next: the staff by contract.
pub(super) struct State {
    pub(super) staff: Vec<(usize, u32)>,
}

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
}
