//! The workspace checked as a whole (`mesure check`): definitions, registry, and every
//! stored month still expected by the registry.

use std::collections::BTreeMap;

use crate::error::{Error, Location, Problem, Result};
use crate::month::Month;
use crate::registry::ManufactureId;
use crate::store::Store;
use crate::workspace::Workspace;

/// What `mesure check` finds: a summary of what is right, and every problem.
#[derive(Debug, Default)]
pub struct WorkspaceCheck {
    /// « 7 tables et 17 indicateurs », « 30 manufactures ».
    pub summary: Vec<String>,
    /// Every problem of the definitions, the registry, and the stored months the registry
    /// no longer expects.
    pub problems: Vec<Problem>,
}

/// Checks a workspace's definitions and registry, and that every stored month is still
/// expected: every problem at once.
pub fn check_workspace(workspace: &Workspace) -> Result<WorkspaceCheck> {
    let mut check = WorkspaceCheck::default();
    match workspace.definitions() {
        Ok(definitions) => check.summary.push(format!(
            "{} tables et {} indicateurs",
            definitions.tables.len(),
            definitions.indicators.len()
        )),
        Err(err) => check.problems.extend(into_problems(err)?),
    }
    match workspace.registry() {
        Ok(registry) => {
            check
                .summary
                .push(format!("{} manufactures", registry.len()));
            check
                .problems
                .extend(months_outside_registry(workspace, &registry)?);
        }
        Err(err) => check.problems.extend(into_problems(err)?),
    }
    Ok(check)
}

/// Problems are listed; any other error (a missing folder...) becomes one problem too.
pub(super) fn into_problems(err: Error) -> Result<Vec<Problem>> {
    match err {
        Error::Invalid(problems) => Ok(problems),
        Error::Io { path, source } => Ok(vec![Problem::error(
            Location::file(path),
            crate::error::french_io(&source),
        )]),
        other => Err(other),
    }
}

/// The stored months that the registry no longer expects: a manufacture whose id is gone
/// (renamed or removed), or a month outside its `ouverture`–`fermeture`. Their figures would
/// be wrong or lost, and a rebuild would refuse their files: each is told with what to do.
pub fn months_outside_registry(
    workspace: &Workspace,
    registry: &crate::registry::Registry,
) -> Result<Vec<Problem>> {
    let Some(store) = Store::open_existing(&workspace.store) else {
        return Ok(Vec::new());
    };
    let mut by_manufacture: BTreeMap<ManufactureId, Vec<Month>> = BTreeMap::new();
    for (manufacture, month) in store.stored_months()? {
        by_manufacture.entry(manufacture).or_default().push(month);
    }
    let at = Location::file(&workspace.registry);
    let mut problems = Vec::new();
    for (id, months) in by_manufacture {
        let span = |months: &[Month]| match months {
            [one] => one.to_string(),
            [first, .., last] => format!("{} mois, de {first} à {last}", months.len()),
            [] => String::new(),
        };
        let Some(manufacture) = registry.get(&id) else {
            let same_but_case = registry
                .ids()
                .find(|known| known.eq_ignore_ascii_case(&id))
                .map(|known| format!(" ; vouliez-vous dire « {known} » ?"));
            let hint =
                same_but_case.unwrap_or_else(|| crate::text::did_you_mean(&id, registry.ids()));
            problems.push(Problem::error(
                at.clone(),
                format!(
                    "des mois de « {id} » sont enregistrés ({}) mais le registre ne connaît pas cet identifiant{hint} : remettez-le dans le registre, ou retirez ces mois (mesure retirer --manufacture {id} --mois AAAA-MM)",
                    span(&months)
                ),
            ));
            continue;
        };
        let outside: Vec<Month> = months
            .into_iter()
            .filter(|m| !manufacture.is_open(*m))
            .collect();
        if !outside.is_empty() {
            let window = match manufacture.closed {
                Some(last) => format!("de {} à {last}", manufacture.opened),
                None => format!("à partir de {}", manufacture.opened),
            };
            problems.push(Problem::error(
                at.clone(),
                format!(
                    "« {id} » a des mois enregistrés hors de ses dates d'ouverture ({}) : le registre ne l'attend que {window} ; corrigez ouverture ou fermeture, ou retirez ces mois (mesure retirer)",
                    span(&outside)
                ),
            ));
        }
    }
    Ok(problems)
}
