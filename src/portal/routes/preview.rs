//! The preview of an upload: for each file, its problems cell by cell, and for each month
//! it brings, what would change against the stored month (rows and totals per table).

use super::*;

pub(super) fn file_views(
    previews: &[FilePreview],
    pending: &Pending,
    stored: bool,
) -> Vec<FileView> {
    let mut views: Vec<FileView> = previews
        .iter()
        .map(|p| FileView {
            name: p.name.clone(),
            accepted: p.accepted,
            changes: p.changes.iter().map(change_view).collect(),
            problems: p
                .problems
                .iter()
                .map(|l| ProblemView {
                    place: l.place.clone(),
                    message: l.message.clone(),
                    blocking: l.blocking,
                })
                .collect(),
            annotated: !p.accepted && !stored,
        })
        .collect();
    for why in &pending.refused {
        let (name, text) = why.split_once(" : ").unwrap_or(("fichier", why.as_str()));
        views.push(FileView {
            name: name.to_string(),
            accepted: false,
            changes: Vec::new(),
            problems: vec![ProblemView {
                place: "fichier entier".into(),
                message: text.to_string(),
                blocking: true,
            }],
            annotated: false,
        });
    }
    views
}

pub(super) fn change_view(change: &crate::portal::upload::MonthChange) -> ChangeView {
    let version = match change.from {
        Some(from) => format!("version {from} → {}", change.to),
        None => "première version".to_string(),
    };
    let headline = format!(
        "{}, {} : {version}",
        change.manufacture,
        french::month(change.month)
    );
    let details = change
        .tables
        .iter()
        .map(|t| {
            let mut text = if t.rows_before == t.rows_after || change.from.is_none() {
                format!("{} : {}", t.sheet, lines(t.rows_after))
            } else {
                format!(
                    "{} : {} au lieu de {}",
                    t.sheet,
                    lines(t.rows_after),
                    t.rows_before
                )
            };
            if change.from.is_some() {
                for (column, before, after) in &t.totals {
                    text.push_str(&format!(
                        " ; {column} {} au lieu de {}",
                        french::number(*after, decimals(*after)),
                        french::number(*before, decimals(*before))
                    ));
                }
            }
            text
        })
        .collect();
    ChangeView { headline, details }
}

pub(super) fn lines(n: usize) -> String {
    format!("{n} ligne{}", plural(n))
}

pub(super) fn decimals(value: f64) -> usize {
    if value.fract().abs() < 1e-9 { 0 } else { 2 }
}

pub(super) fn preview_page(
    portal: &Portal,
    page: Page,
    session: &Session,
    pending: &Pending,
    previews: &[FilePreview],
    stored: bool,
) -> Response {
    let back_label = portal
        .workspace
        .registry()
        .ok()
        .and_then(|r| r.get(&pending.manufacture).map(|m| m.name.clone()))
        .unwrap_or_else(|| pending.manufacture.clone());
    let files = file_views(previews, pending, stored);
    let accepted_count = files.iter().filter(|f| f.accepted).count();
    let refused = files.len() - accepted_count;
    let summary = match (stored, accepted_count, refused) {
        (true, n, _) => format!("{n} fichier{} enregistré{} : merci.", plural(n), plural(n)),
        (false, n, 0) => format!(
            "{n} fichier{} prêt{} à être enregistré{} : vérifiez ce qu'il{} remplace{}, puis confirmez.",
            plural(n),
            plural(n),
            plural(n),
            plural(n),
            if n > 1 { "nt" } else { "" }
        ),
        (false, 0, r) => format!(
            "{r} fichier{} refusé{} : corrigez chaque problème ci-dessous, puis renvoyez.",
            plural(r),
            plural(r)
        ),
        (false, n, r) => format!(
            "{n} fichier{} accepté{}, {r} refusé{}.",
            plural(n),
            plural(n),
            plural(r)
        ),
    };
    render(
        StatusCode::OK,
        &PreviewPage {
            page,
            id: pending.id.clone(),
            token: session.token.clone(),
            files,
            accepted_count,
            summary,
            stored,
            back: format!("/manufactures/{}", pending.manufacture),
            back_label,
        },
    )
}
