//! The sample network: a seeded generator of fictional manufactures placed in real communes,
//! and of their monthly workbooks, written through the template code.
//!
//! The same seed always gives the same files, byte for byte. Activity follows each place's
//! size (a rural workshop receives a few dozen people a month, an urban one hundreds), the
//! seasons (August is quiet), and each manufacture's profile (insertion, training, reuse...).
//! Some months are missing, as in real life, and one manufacture stops reporting. A few
//! workbooks with plausible mistakes are written apart, for ingestion tests.
//!
//! A developer tool, built with the `dev-tools` feature: `places` holds the real communes,
//! `activity` the model of a month's activity, `mistakes` the broken workbooks.

use std::fs;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod activity;
mod mistakes;
mod places;
mod rows;

use crate::definitions::Definitions;
use crate::error::{Error, Result};
use crate::month::Month;
use crate::registry::{self, Manufacture};
use crate::template::write_workbook;
use activity::Profile;
use mistakes::write_broken;
use places::PLACES;

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
        let folder = out
            .join(WORKBOOKS_DIR)
            .join(profile.manufacture.id.as_str());
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

pub(super) fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}
