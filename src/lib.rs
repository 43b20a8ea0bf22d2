//! `mesure` measures the social and environmental impact of the French Manufactures de
//! proximité: impact consultants declare data sheets and indicators as text files, managers
//! fill one workbook a month, and the network gets correct figures rolled up by manufacture,
//! département, région, filière and nation.
//!
//! The library holds every stage; the `mesure` binary is a thin command line over it.
//! Data flows one way: [`workspace`] and [`definitions`] → [`registry`] → [`template`];
//! files → [`ingest`] → [`store`] (Parquet by table and month, one manifest) → [`engine`] →
//! [`report`] and [`export`]; [`sql`] writes the engine's figures as SQL for DuckDB and Spark.
//!
//! ```
//! use std::collections::HashMap;
//! use mesure::definitions::Definitions;
//!
//! let dir = tempfile::tempdir().unwrap();
//! mesure::definitions::defaults::write_to(dir.path()).unwrap();
//! let params = HashMap::from([("distance_proximite_km".to_string(), 150.0)]);
//! let definitions = Definitions::load(dir.path(), &params).unwrap();
//! assert_eq!(definitions.indicators.len(), 20);
//! assert_eq!(definitions.table("publics").unwrap().sheet, "Publics");
//! ```
#![deny(missing_docs)]

pub mod definitions;
pub mod engine;
pub mod error;
pub mod export;
pub mod files;
pub mod geo;
pub mod ingest;
pub mod month;
pub mod numbers;
pub mod pipeline;
pub mod portal;
pub mod registry;
pub mod report;
#[cfg(feature = "dev-tools")]
pub mod sample;
pub mod sql;
pub mod store;
pub mod template;
pub mod text;
pub mod workspace;

pub use error::{Error, Location, Problem, Result, Severity};
pub use month::Month;
pub use workspace::Workspace;
