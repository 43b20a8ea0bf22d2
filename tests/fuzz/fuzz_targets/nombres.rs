//! French numbers: never a panic; a number read is finite; a whole number is whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesure::ingest::values::{is_missing, parse_number, whole};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = is_missing(&text);
    if let Ok(value) = parse_number(&text) {
        assert!(value.is_finite(), "{text:?} gave {value}");
        if let Ok(n) = whole(value, &text) {
            assert_eq!(n as f64, value.round());
        }
    }
});
