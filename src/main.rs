//! The `mesure` command line: parses arguments, calls the library, turns the outcome into an
//! exit code (0 success, 1 something rejected or failed, 2 bad usage).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
