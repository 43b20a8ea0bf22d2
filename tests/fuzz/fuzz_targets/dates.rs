//! Dates and months: never a panic; a date read prints back to a date read the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesure::ingest::values::{excel_serial_date, parse_date, parse_month};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(date) = parse_date(&text) {
        assert_eq!(parse_date(&date.format("%d/%m/%Y").to_string()), Ok(date));
    }
    if let Some(month) = parse_month(&text) {
        assert_eq!(parse_month(&month.to_string()), Some(month));
    }
    if data.len() >= 8 {
        let serial = f64::from_le_bytes(data[..8].try_into().unwrap());
        let _ = excel_serial_date(serial);
    }
});
