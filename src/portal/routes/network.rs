//! The network head's and consultant's pages: the grid of declarations, the audit journal,
//! the definitions and `mesure check`'s result, the dictionary. The accounts page is in
//! `access.rs`.

use super::*;

pub(super) async fn declarations_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = || Page::signed_in("Déclarations", &account, &session);
    if !sees_grid(&account) {
        return not_found(page());
    }
    let manufactures = match visible(&portal, &account) {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    let contacts = match portal.accounts.list() {
        Ok(list) => list,
        Err(e) => return internal(page(), &e),
    };
    let store_root = portal.workspace.store.clone();
    let deadline_days = portal.deadline_days();
    let built = blocking(&portal, move || {
        declarations(&store_root, deadline_days, &manufactures, &contacts)
    })
    .await;
    match built {
        Ok((months, rows, late)) => render(
            StatusCode::OK,
            &DeclarationsPage {
                page: page(),
                scope: account.scope_label(),
                months,
                rows,
                late,
                late_months: OVERDUE_MONTHS,
            },
        ),
        Err(e) => internal(page(), &e),
    }
}

/// The network's grid over the last twelve months, and the months late or missing with the
/// managers to ask.
pub(super) fn declarations(
    store_root: &Path,
    deadline_days: i64,
    manufactures: &[Manufacture],
    accounts: &[Account],
) -> crate::error::Result<(Vec<String>, Vec<GridRow>, Vec<LateMonth>)> {
    let store = Store::read(store_root);
    let ledger = store.ledger()?;
    let coverage = Coverage::new(store.stored_months()?, &ledger, deadline_days);
    let today = chrono::Utc::now().date_naive();
    let last = Month::of_date(today).plus(-1);
    let months: Vec<Month> = last.plus(-11).through(last).collect();
    let labels = months
        .iter()
        .map(|m| french::short_month(*m, true))
        .collect();
    let mut rows = Vec::new();
    let mut late = Vec::new();
    for manufacture in manufactures {
        let mut cells = Vec::new();
        let (mut received, mut expected) = (0, 0);
        for month in &months {
            let state = MonthState::from(coverage.standing(manufacture, *month, Some(today)));
            expected += usize::from(state != MonthState::NotExpected);
            received += usize::from(state == MonthState::Received);
            if matches!(
                state,
                MonthState::Late | MonthState::Missing | MonthState::Refused
            ) {
                late.push(LateMonth {
                    id: manufacture.id.to_string(),
                    name: manufacture.name.clone(),
                    month: french::month(*month),
                    state: state.label(),
                    contacts: accounts
                        .iter()
                        .filter(|a| a.role == Role::Manager && a.sees(manufacture))
                        .map(|a| a.email.clone())
                        .collect(),
                });
            }
            cells.push(GridCell {
                letter: state.letter(),
                class: state.class(),
                title: format!("{} : {}", french::month(*month), state.label()),
            });
        }
        rows.push(GridRow {
            id: manufacture.id.to_string(),
            name: manufacture.name.clone(),
            cells,
            received,
            expected,
        });
    }
    Ok((labels, rows, late))
}

pub(super) async fn definitions_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = || Page::signed_in("Définitions", &account, &session);
    if !sees_definitions(&account) {
        return not_found(page());
    }
    let workspace = portal.workspace.clone();
    let gathered = blocking(&portal, move || {
        let check = crate::pipeline::check_workspace(&workspace)?;
        let indicators = workspace
            .definitions()
            .map(|d| d.indicators.iter().map(indicator_view).collect())
            .unwrap_or_default();
        Ok::<_, Error>((check, indicators))
    })
    .await;
    match gathered {
        Ok((check, indicators)) => render(
            StatusCode::OK,
            &DefinitionsPage {
                page: page(),
                summary: check.summary.join(", "),
                problems: check
                    .problems
                    .iter()
                    .map(|p| ProblemView {
                        place: p.location.to_string(),
                        message: p.message.clone(),
                        blocking: true,
                    })
                    .collect(),
                indicators,
            },
        ),
        Err(e) => internal(page(), &e),
    }
}

/// The definitions dictionary (tables, columns, indicators), for those who see the definitions.
pub(super) async fn dictionary_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = || Page::signed_in("Dictionnaire des définitions", &account, &session);
    if !sees_definitions(&account) {
        return not_found(page());
    }
    let workspace = portal.workspace.clone();
    let written = blocking(&portal, move || {
        let definitions = workspace.definitions()?;
        Ok::<_, Error>(crate::report::dictionary::html_page(&definitions))
    })
    .await;
    match written {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => internal(page(), &e),
    }
}

pub(super) fn indicator_view(indicator: &crate::definitions::Indicator) -> IndicatorView {
    // The report's description of an indicator (the « fiche méthode »), with its theme.
    let described = crate::report::method::method_indicator(indicator);
    IndicatorView {
        id: described.id,
        name: described.name,
        theme: indicator.theme.clone(),
        description: described.description,
        kind: described.kind,
        formula: described.formula,
        table: described.tables,
        filter: described.filter,
        unit: described.unit,
        target: if described.target.is_empty() {
            "aucune".to_string()
        } else {
            described.target
        },
    }
}

pub(super) async fn journal_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let page = Page::signed_in("Journal", &account, &session);
    if !sees_journal(&account) {
        return not_found(page);
    }
    match portal.journal.last(500) {
        Ok(events) => render(StatusCode::OK, &JournalPage { page, events }),
        Err(e) => internal(page, &e),
    }
}
