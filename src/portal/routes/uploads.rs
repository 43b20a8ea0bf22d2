//! Files sent from a manufacture's page: kept aside, previewed (every problem, what each
//! file replaces, the annotated copy of a refused one), then confirmed into the store or
//! cancelled.

use super::*;

pub(super) async fn upload(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath(id): UrlPath<String>,
    mut multipart: Multipart,
) -> Response {
    let page = || Page::signed_in("Envoi", &account, &session);
    let manufacture = match visible_one(&portal, &account, &id) {
        Ok(Some(m)) if can_send(&account) => m,
        Ok(Some(_)) => return not_found(page()),
        Ok(None) => return not_found(page()),
        Err(e) => return internal(page(), &e),
    };
    let mut token = String::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return upload_failed(page(), &manufacture, e.status(), portal.max_upload),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return upload_failed(page(), &manufacture, e.status(), portal.max_upload),
        };
        match (name.as_str(), file_name) {
            ("jeton", _) => token = String::from_utf8_lossy(&bytes).to_string(),
            ("fichiers", Some(sent)) if !(sent.is_empty() && bytes.is_empty()) => {
                match accept_file(&sent, &bytes) {
                    Ok(kept) => files.push((kept, bytes.to_vec())),
                    Err(why) => refused.push(why.to_string()),
                }
            }
            _ => {}
        }
    }
    if !session.sent_with(&token) {
        return forbidden(page());
    }
    if files.is_empty() && refused.is_empty() {
        return message(
            StatusCode::BAD_REQUEST,
            page(),
            "erreur",
            &crate::portal::upload::UploadError::Nothing.to_string(),
        );
    }
    let from = client_ip.to_string();
    for (name, bytes) in &files {
        let _ = portal.journal.record(
            &account.email,
            &from,
            "depot",
            &format!("{} : {name}", manufacture.id),
            &crate::store::sha256_hex(bytes),
        );
    }
    for why in &refused {
        let _ = portal
            .journal
            .record(&account.email, &from, "depot_refuse", why, "");
    }
    let folder = portal.folder.clone();
    let (email, m_id) = (account.email.clone(), manufacture.id.clone());
    let kept = blocking(&portal, move || {
        Pending::keep(&folder, &email, &m_id, &files, refused)
    })
    .await;
    match kept {
        Ok(pending) => Redirect::to(&format!("/depots/{}", pending.id)).into_response(),
        Err(e) => internal(page(), &e),
    }
}

/// The page for an upload the server could not read whole (too large, cut off).
pub(super) fn upload_failed(
    page: Page,
    manufacture: &Manufacture,
    status: StatusCode,
    limit: usize,
) -> Response {
    let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "Envoi trop volumineux : {} au plus par envoi, et 50 Mo par fichier. Envoyez les fichiers en plusieurs fois.",
            megabytes(limit)
        )
    } else {
        "L'envoi a été interrompu avant la fin : renvoyez les fichiers.".to_string()
    };
    render(
        status,
        &MessagePage {
            page: Page {
                title: "Envoi non reçu".into(),
                ..page
            },
            kind: "erreur",
            message: text,
            back: format!("/manufactures/{}", manufacture.id),
            back_label: format!("Retour à {}", manufacture.name),
        },
    )
}

pub(super) fn megabytes(bytes: usize) -> String {
    if bytes < 1024 * 1024 {
        return format!("{} Ko", bytes / 1024);
    }
    let mb = bytes as f64 / (1024.0 * 1024.0);
    let decimals = if mb < 10.0 && mb.fract() != 0.0 { 1 } else { 0 };
    format!("{} Mo", french::number(mb, decimals))
}

/// An upload of the signed-in account, by its id.
pub(super) fn own_pending(portal: &Portal, account: &Account, id: &str) -> Option<Pending> {
    Pending::find(&portal.folder, id).filter(|p| p.email == account.email)
}

/// Checks an upload's files as `ingest` would, then refuses what is outside the account's
/// scope (a workbook of another manufacture sent from this page).
pub(super) fn check_pending(
    portal: &Portal,
    account: &Account,
    pending: &Pending,
) -> crate::error::Result<Vec<(CheckedFile, FilePreview)>> {
    let definitions = portal.workspace.definitions()?;
    let registry = portal.workspace.registry()?;
    let context = Context::now(&definitions, &registry);
    let store = Store::open_existing(&portal.workspace.store);
    let ledger = match &store {
        Some(store) => store.ledger()?,
        None => Vec::new(),
    };
    let versions = |manufacture: &str, month: Month| {
        crate::portal::months::versions_of(manufacture, month, &ledger)
            .iter()
            .filter_map(|v| v.number)
            .max()
    };
    let mut checked_files = Vec::new();
    for path in pending.paths(&portal.folder) {
        let mut checked = check_only(&path, &context, store.as_ref())?;
        let outside: Vec<ManufactureId> = checked
            .submissions
            .iter()
            .filter(|s| {
                registry
                    .get(&s.manufacture)
                    .is_none_or(|m| !account.sees(m))
            })
            .map(|s| s.manufacture.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !outside.is_empty() {
            checked.problems.insert(
                0,
                crate::error::Problem::error(
                    crate::error::Location::file(&path),
                    format!(
                        "ce fichier concerne {}, que votre compte ne gère pas : vérifiez la feuille Identification (ou la colonne id_manufacture)",
                        outside.join(", ")
                    ),
                ),
            );
            checked.submissions.clear();
        }
        let preview = preview(&checked, store.as_ref(), &definitions, &versions)?;
        checked_files.push((checked, preview));
    }
    Ok(checked_files)
}

pub(super) async fn pending_page(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
    UrlPath(id): UrlPath<String>,
) -> Response {
    let page = || Page::signed_in("Vérification", &account, &session);
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let checked = blocking(&portal, move || check_pending(&p, &a, &pd)).await;
    match checked {
        Ok(checked) => {
            let previews: Vec<FilePreview> = checked.into_iter().map(|(_, p)| p).collect();
            preview_page(&portal, page(), &session, &pending, &previews, false)
        }
        Err(e) => internal(page(), &e),
    }
}

pub(super) fn gone(page: Page) -> Response {
    message(
        StatusCode::NOT_FOUND,
        Page {
            title: "Envoi introuvable".into(),
            ..page
        },
        "erreur",
        "Cet envoi n'existe plus : il a déjà été confirmé ou annulé (voyez la page de la manufacture), ou il n'est pas le vôtre.",
    )
}

pub(super) async fn annotated_download(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath((id, n)): UrlPath<(String, usize)>,
) -> Response {
    let page = || Page::signed_in("Copie annotée", &account, &session);
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let Some(name) = pending.files.get(n).cloned() else {
        return not_found(page());
    };
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let written = blocking(&portal, move || {
        let checked = check_pending(&p, &a, &pd)?;
        let (file, _) = &checked[n];
        let path = pd.paths(&p.folder)[n].clone();
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let out = pd.folder(&p.folder).join(format!(".annote-{n}.xlsx"));
        crate::ingest::write_annotated(&path, &bytes, &file.problems, &out)?;
        std::fs::read(&out).map_err(|e| Error::io(&out, e))
    })
    .await;
    match written {
        Ok(bytes) => {
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            let _ = portal.journal.record(
                &account.email,
                &client_ip.to_string(),
                "telechargement_annote",
                &name,
                "",
            );
            download(&format!("{stem}_annote.xlsx"), XLSX_TYPE, bytes)
        }
        Err(Error::Refused(text)) => message(
            StatusCode::OK,
            page(),
            "info",
            &format!("Ce fichier ne peut pas être annoté : {text}"),
        ),
        Err(e) => internal(page(), &e),
    }
}

pub(super) async fn confirm(
    State(portal): App,
    Client(client_ip): Client,
    SignedIn { session, account }: SignedIn,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let page = || Page::signed_in("Envoi enregistré", &account, &session);
    if !session.sent_with(&form.token) {
        return forbidden(page());
    }
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    let _write = portal.writes.lock().await;
    let p = Arc::clone(&portal);
    let (a, pd) = (account.clone(), pending.clone());
    let outcome = blocking(&portal, move || {
        let checked = check_pending(&p, &a, &pd)?;
        let (accepted, previews): (Vec<_>, Vec<_>) = checked
            .into_iter()
            .filter(|(c, _)| c.is_accepted())
            .map(|(c, preview)| (c.path, preview))
            .unzip();
        let options = IngestOptions {
            by: Some(a.email.clone()),
            ..IngestOptions::default()
        };
        let reports = ingest(&p.workspace, &accepted, options, &|| {}, &|_| {})?;
        Ok::<_, Error>((reports, previews))
    })
    .await;
    let (reports, previews) = match outcome {
        Ok(done) => done,
        Err(e) => return internal(page(), &e),
    };
    let from = client_ip.to_string();
    for report in &reports {
        let name = report
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let action = match report.outcome {
            Outcome::Accepted | Outcome::AlreadyReceived => "confirmation",
            _ => "confirmation_refusee",
        };
        let _ = portal
            .journal
            .record(&account.email, &from, action, name, &report.hash);
    }
    let stored: Vec<FilePreview> = previews
        .into_iter()
        .zip(&reports)
        .filter(|(_, r)| matches!(r.outcome, Outcome::Accepted | Outcome::AlreadyReceived))
        .map(|(p, _)| p)
        .collect();
    let _ = pending.discard(&portal.folder);
    portal.store_changed();
    let done = Pending {
        refused: Vec::new(),
        ..pending
    };
    preview_page(&portal, page(), &session, &done, &stored, true)
}

pub(super) async fn cancel(
    State(portal): App,
    SignedIn { session, account }: SignedIn,
    UrlPath(id): UrlPath<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    let page = || Page::signed_in("Envoi annulé", &account, &session);
    if !session.sent_with(&form.token) {
        return forbidden(page());
    }
    let Some(pending) = own_pending(&portal, &account, &id) else {
        return gone(page());
    };
    match pending.discard(&portal.folder) {
        Ok(()) => Redirect::to(&format!("/manufactures/{}", pending.manufacture)).into_response(),
        Err(e) => internal(page(), &e),
    }
}
