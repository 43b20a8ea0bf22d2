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
    without_transparent_huge_pages();
    exit_quietly_on_broken_pipe();
    cli::run()
}

/// `mi_option_purge_delay` in the bundled mimalloc's `mimalloc.h` (v2 and v3 alike: checked
/// by compiling against both headers), which the Rust bindings do not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps the memory a command frees for its next allocations until it ends, instead of giving
/// it back to the system 10 ms after (mimalloc's default) and having the kernel zero it again
/// when it is needed: that zeroing was a fifth of a national ingest's time (`perf record`;
/// 39 → 34 s at 3,500 places, BENCHMARKS.md). For the commands that store files (`ingest`,
/// `rebuild`) only: `compute` and `report` were no faster with it and peaked 1.2 GB and
/// 0.7 GB higher at 3,500 places, and the portal runs for days and should give back what a
/// large upload took.
#[allow(unsafe_code)]
pub(crate) fn keep_freed_memory_until_the_end() {
    // SAFETY: sets one of mimalloc's options (a plain integer mimalloc reads when it purges);
    // valid at any time, from any thread.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
    }
}

/// Turns transparent huge pages off for this process: with them, the kernel zeroes a whole
/// 2 MB page the first time mimalloc touches any of it, and again each time mimalloc takes
/// back memory it had given to the system. `perf record` at 3,500 places: a quarter of
/// `mesure report --level national`'s samples in `clear_page_erms`; without huge pages the
/// system time of `report` went from 10–14 s to 5–7.5 s (23–28 s instead of 28–32 s), and
/// that of `ingest` from 9.5 s to 4.3 s (31.5 s instead of 36.5 s), user time unchanged
/// (BENCHMARKS.md).
#[allow(unsafe_code)]
fn without_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `PR_SET_THP_DISABLE` sets a flag on this process's memory map, read by the
    // kernel at each page fault; no pointer is passed. A failure (an old kernel) changes
    // nothing, so its result is not looked at.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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
