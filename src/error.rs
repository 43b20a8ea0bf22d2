//! Errors of the library, and the locations that every user-facing problem carries.
//!
//! A [`Problem`] is one thing wrong in one input, told in French with where it is (file, sheet,
//! row, column or line). Loaders collect every problem they find and return them all at once, as
//! [`Error::Invalid`], so that a user fixes a file in one pass.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Where a problem sits in an input: a file, and as much of sheet, row and column as is known.
///
/// Rows and lines are 1-based, as a spreadsheet or an editor shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// The sheet of a workbook.
    pub sheet: Option<String>,
    /// The row of a sheet or CSV file, or the line of a text file.
    pub row: Option<usize>,
    /// The column: a spreadsheet letter, a column name, or both.
    pub column: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Location {
            file: file.into(),
            ..Location::default()
        }
    }

    /// A line of a text file (a definition, the registry).
    pub fn line(file: impl Into<PathBuf>, line: usize) -> Self {
        Location {
            row: Some(line),
            ..Location::file(file)
        }
    }

    /// The same location, narrowed to a column.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
}

impl Location {
    /// The location inside its file, for a list of problems under the file's name:
    /// `feuille Publics, ligne 3, colonne B (nb_personnes)`, or `fichier entier`.
    pub fn within_file(&self) -> String {
        let mut parts = Vec::new();
        if let Some(sheet) = &self.sheet {
            parts.push(format!("feuille {sheet}"));
        }
        if let Some(row) = self.row {
            parts.push(format!("ligne {row}"));
        }
        if let Some(column) = &self.column {
            parts.push(format!("colonne {column}"));
        }
        if parts.is_empty() {
            "fichier entier".to_string()
        } else {
            parts.join(", ")
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (&self.sheet, self.row) {
            (Some(sheet), Some(row)) => write!(f, ", feuille {sheet}, ligne {row}")?,
            (Some(sheet), None) => write!(f, ", feuille {sheet}")?,
            (None, Some(row)) => write!(f, ":{row}")?,
            (None, None) => {}
        }
        if let Some(column) = &self.column {
            write!(f, ", colonne {column}")?;
        }
        Ok(())
    }
}

/// How serious a problem is: an error rejects the input, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth a look, but the input is accepted.
    Warning,
    /// The input is refused.
    Error,
}

/// One thing wrong in one input, in French, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, and what was expected, in French.
    pub message: String,
    /// Whether the problem rejects the input.
    pub severity: Severity,
}

impl Problem {
    /// An error that rejects the input.
    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Problem {
            location,
            message: message.into(),
            severity: Severity::Error,
        }
    }

    /// A warning that does not block.
    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Problem {
            location,
            message: message.into(),
            severity: Severity::Warning,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "",
            Severity::Warning => "avertissement : ",
        };
        write!(f, "{} : {tag}{}", self.location, self.message)
    }
}

impl Problem {
    /// The problem without its file's name, for a list under that name.
    pub fn within_file(&self) -> String {
        let tag = match self.severity {
            Severity::Error => "",
            Severity::Warning => "avertissement : ",
        };
        format!("{} : {tag}{}", self.location.within_file(), self.message)
    }
}

/// The errors of the library. Every message is French and meant for the user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{} : {}", path.display(), french_io(source))]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Inputs were read but are wrong; every problem found is listed.
    #[error("{}", list_problems(.0))]
    Invalid(Vec<Problem>),
    /// A workbook could not be written.
    #[error("impossible d'écrire le classeur {} : {message}", path.display())]
    WorkbookWrite {
        /// The workbook being written.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A command typed wrong: an unknown indicator, manufacture, entity, period or version.
    /// The command line exits with 2, as for an unknown option.
    #[error("{0}")]
    Usage(String),
    /// Something the user must settle before the command can run, told in French: a store in
    /// the old layout, an empty registry or store, a file on disk that cannot be read, a
    /// missing tool. Exit code 1, like refused data.
    #[error("{0}")]
    Refused(String),
    /// A failure of the program itself, not of the user's input or files: a library (polars,
    /// plotters, csv) failed where it should not. The message says so and keeps the cause;
    /// exit code 3.
    #[error(
        "erreur interne ({context}) : {cause} ; ce n'est pas un problème de vos données : signalez-le avec ce message"
    )]
    Internal {
        /// What the program was doing.
        context: String,
        /// The underlying error's text.
        cause: String,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// An internal failure while doing `context` (in French: « calcul », « rapports »...).
    pub fn internal(context: impl Into<String>, cause: impl fmt::Display) -> Self {
        Error::Internal {
            context: context.into(),
            cause: cause.to_string(),
        }
    }

    /// The command line's exit code for this error: 2 for a command typed wrong, 3 for an
    /// internal failure, 1 for everything the user must fix in their data or setup.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Internal { .. } => 3,
            Error::Io { .. }
            | Error::Invalid(_)
            | Error::WorkbookWrite { .. }
            | Error::Refused(_) => 1,
        }
    }

    /// Whether this is a file or folder that vanished while it was read: a writer replaced a
    /// month after a reader listed it, and the reader should list again.
    pub fn is_gone(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// Whether the disk (or the user's quota) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Error::Io { source, .. } if is_disk_full(source))
    }

    /// The problems carried by an [`Error::Invalid`], none otherwise.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Invalid(problems) => problems,
            _ => &[],
        }
    }
}

fn list_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// An I/O error told in French; the operating system's own text is kept as a detail.
pub fn french_io(error: &io::Error) -> String {
    if is_disk_full(error) {
        return "disque plein : libérez de la place, puis recommencez".to_string();
    }
    match error.kind() {
        io::ErrorKind::NotFound => "fichier ou dossier introuvable".to_string(),
        io::ErrorKind::PermissionDenied => "accès refusé".to_string(),
        io::ErrorKind::AlreadyExists => "existe déjà".to_string(),
        io::ErrorKind::InvalidData => format!("contenu illisible ({error})"),
        _ => format!("erreur d'entrée-sortie ({error})"),
    }
}

/// Whether an I/O error says the disk or the quota is full (polars passes some of them on as
/// text only).
fn is_disk_full(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge
    ) || error.raw_os_error() == Some(28)
        || error.to_string().contains("No space left on device")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_tell_a_mistyped_command_from_refused_data_and_from_a_bug() {
        assert_eq!(
            Error::Usage("indicateur « x » inconnu".into()).exit_code(),
            2
        );
        assert_eq!(Error::Invalid(Vec::new()).exit_code(), 1);
        assert_eq!(Error::Refused("le registre est vide".into()).exit_code(), 1);
        let io = Error::io("a.csv", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(io.exit_code(), 1);
        let internal = Error::internal("calcul", "colonne absente");
        assert_eq!(internal.exit_code(), 3);
        assert_eq!(
            internal.to_string(),
            "erreur interne (calcul) : colonne absente ; ce n'est pas un problème de vos données : signalez-le avec ce message"
        );
    }

    #[test]
    fn location_reads_like_a_pointer_into_the_file() {
        let csv = Location::line("publics.csv", 14).with_column("nb_personnes");
        assert_eq!(csv.to_string(), "publics.csv:14, colonne nb_personnes");
        let sheet = Location {
            sheet: Some("Publics".into()),
            row: Some(3),
            ..Location::file("m01_2025-03.xlsx")
        }
        .with_column("B (nb_personnes)");
        assert_eq!(
            sheet.to_string(),
            "m01_2025-03.xlsx, feuille Publics, ligne 3, colonne B (nb_personnes)"
        );
    }

    #[test]
    fn io_errors_are_french() {
        let err = Error::io("absent.csv", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(
            err.to_string(),
            "absent.csv : fichier ou dossier introuvable"
        );
    }
}
