//! The `mesure` command line: parses arguments, calls the library, turns the outcome into an
//! exit code (0 success, 1 data refused or something the user must settle, 2 a command typed
//! wrong, 3 an internal failure; see `Error::exit_code`).

mod cli;

use std::process::ExitCode;

/// mimalloc rather than the system allocator: storing a network's export makes millions of
/// small allocations, and glibc's malloc was 40 % of an ingest's time (profiled).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    cli::run()
}

/// `mesure ingest ... | head` closes the pipe early: that is not an error, so the process
/// ends quietly with code 0 instead of the panic `println!` raises.
fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
