//! A small builder for end-to-end tests: a temporary folder, files put into it, and the
//! `mesure` binary run inside it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root, which is itself a workspace on the sample network.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file or folder under `tests/fixtures`.
pub fn fixture(relative: &str) -> PathBuf {
    repo().join("tests/fixtures").join(relative)
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A temporary folder where the binary runs.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    /// An empty folder.
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// A folder made a workspace by `mesure init .`.
    pub fn workspace() -> Self {
        let workdir = Workdir::new();
        let outcome = workdir.run(&["init", "."]);
        assert_eq!(outcome.code, 0, "{outcome:?}");
        workdir
    }

    /// A workspace with the repository's definitions and the sample registry, and an empty store.
    pub fn sample_workspace() -> Self {
        let workdir = Workdir::new();
        workdir.copy(&repo().join("indicators"), "indicators");
        workdir.copy(
            &repo().join("sample-data/manufactures.csv"),
            "manufactures.csv",
        );
        workdir
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Copies a file, or a folder's contents, to a path inside the folder.
    pub fn copy(&self, from: &Path, to: &str) {
        copy_recursively(from, &self.path().join(to));
    }

    /// Writes a file inside the folder.
    pub fn write(&self, to: &str, contents: impl AsRef<[u8]>) {
        let path = self.path().join(to);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// Runs `mesure ARGS` inside the folder.
    pub fn run(&self, args: &[&str]) -> Outcome {
        self.run_with_env(args, &[])
    }

    /// Runs `mesure ARGS` inside the folder with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let output = Command::new(env!("CARGO_BIN_EXE_mesure"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.path())
            .output()
            .expect("the binary runs");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 output"),
        }
    }
}

fn copy_recursively(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_recursively(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(from, to).unwrap();
    }
}
