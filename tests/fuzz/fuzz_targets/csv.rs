//! A CSV file checked against the default definitions: never a panic, and a file accepted
//! holds as many rows as its months add up to.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mesure::definitions::Definitions;
use mesure::ingest::{Context, check_file};
use mesure::registry::Registry;

fn setup() -> &'static (Definitions, Registry) {
    static SETUP: OnceLock<(Definitions, Registry)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mesure-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        mesure::definitions::defaults::write_to(&dir).unwrap();
        let params = [("distance_proximite_km".to_string(), 150.0)].into();
        let definitions = Definitions::load(&dir, &params).unwrap();
        let registry_path = dir.join("manufactures.csv");
        std::fs::write(
            &registry_path,
            "id,nom,commune,code_insee,code_departement,code_region,filiere,vague,ouverture\nmp001,A,Nevers,58194,58,27,bois,1,2024-01\n",
        )
        .unwrap();
        (definitions, Registry::load(&registry_path).unwrap())
    })
}

fuzz_target!(|data: &[u8]| {
    let (definitions, registry) = setup();
    let context = Context {
        definitions,
        registry,
        today: mesure::Month::new(2026, 1).unwrap(),
    };
    for name in ["publics.csv", "flux.csv"] {
        let checked = check_file(Path::new(name), data, &context);
        if checked.is_accepted() {
            let rows: usize = checked.rows_per_table().values().sum();
            let heights: usize = checked
                .submissions
                .iter()
                .flat_map(|s| s.tables.values())
                .map(|f| f.height())
                .sum();
            assert_eq!(rows, heights);
        }
    }
});
