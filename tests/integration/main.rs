//! End-to-end tests: each runs the real `mesure` binary in a folder of its own and checks
//! its output and exit code.

mod browser;
mod charts;
mod check;
mod cli;
mod compare;
mod engine;
mod hardening;
mod ingest;
mod init;
mod laws;
mod portal;
mod publication;
mod report;
// The sample generator is a developer tool: `cargo test --all-features` runs its test.
#[cfg(feature = "dev-tools")]
mod sample;
mod serve;
mod sql;
mod store;
mod support;
mod template;
