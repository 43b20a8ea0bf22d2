//! `mesure demo` and `mesure report` end to end: every page of the sample network, pages that
//! need nothing from the network, names that are markup, figures that agree with the
//! engine's, incremental runs, chart files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{Workdir, repo};

/// Every file under a folder whose name ends with the extension.
fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_with_extension(&path, extension));
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
    found.sort();
    found
}

/// Fails if a page would load anything: scripts, styles, images, fonts or frames from
/// elsewhere. The only addresses allowed are the SVG namespaces.
fn assert_self_contained(page: &Path) {
    let html = fs::read_to_string(page).unwrap();
    let name = page.display();
    for forbidden in [
        "<script", "<link", "<iframe", "<img", "<object", "<embed", " src=", "url(", "@import",
    ] {
        assert!(!html.contains(forbidden), "{name} holds {forbidden}");
    }
    let namespaces = [
        "xmlns=\"http://www.w3.org/",
        "xmlns:xlink=\"http://www.w3.org/",
    ];
    let mut rest = html.as_str();
    while let Some(at) = rest.find("http") {
        let before = &html[..html.len() - rest.len() + at];
        assert!(
            namespaces
                .iter()
                .any(|ns| before.ends_with(ns.trim_end_matches("http://www.w3.org/"))),
            "{name} links outside: …{}…",
            &rest[at..(at + 60).min(rest.len())]
        );
        rest = &rest[at + 4..];
    }
    for link in html.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        if let Some(anchor) = target.strip_prefix('#') {
            assert!(
                html.contains(&format!("id=\"{anchor}\"")),
                "{name}: no #{anchor}"
            );
            continue;
        }
        let file = page.parent().unwrap().join(target);
        assert!(file.is_file(), "{name} links to {target}, which is missing");
    }
}

/// A copy of the repository's sample workspace: definitions, registry, workbooks, settings.
fn sample_copy() -> Workdir {
    let workdir = Workdir::new();
    for part in ["indicators", "sample-data", "mesure.toml"] {
        workdir.copy(&repo().join(part), part);
    }
    workdir
}

/// The French way a report writes a percentage with one decimal.
fn percent(value: f64) -> String {
    format!("{value:.1}\u{a0}%").replace('.', ",")
}

/// The type-7 median, as the engine computes it.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = (values.len() - 1) as f64 / 2.0;
    let (low, high) = (
        values[middle.floor() as usize],
        values[middle.ceil() as usize],
    );
    low + (high - low) * (middle - middle.floor())
}

/// The yearly values of an indicator from the demo's CSV export: (level, entity) → value.
fn exported(csv: &str, indicator: &str, period: &str) -> Vec<(String, String, f64)> {
    csv.lines()
        .skip(1)
        .map(|line| line.split(';').collect::<Vec<_>>())
        .filter(|f| f[0] == indicator && f[3] == period && !f[4].is_empty())
        .map(|f| {
            (
                f[1].to_string(),
                f[2].to_string(),
                f[4].replace(',', ".").parse().unwrap(),
            )
        })
        .collect()
}

/// The table row of an indicator on a page.
fn row<'a>(html: &'a str, indicator_name: &str) -> &'a str {
    let name = html
        .find(&format!("\">{indicator_name}</a>"))
        .unwrap_or_else(|| panic!("no row for {indicator_name}"));
    let start = html[..name].rfind("<tr>").unwrap();
    let end = html[start..].find("</tr>").unwrap();
    &html[start..start + end]
}

#[test]
fn the_demo_writes_every_report_of_the_sample_network() {
    let workdir = sample_copy();
    let outcome = workdir.run(&["demo"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stdout.contains("reports/index.html"),
        "{}",
        outcome.stdout
    );
    // Two portal accounts, each with an invitation link that opens it.
    let accounts = mesure::portal::accounts::Accounts::new(&workdir.path().join("portail"));
    let links: Vec<&str> = outcome
        .stdout
        .lines()
        .filter_map(|l| l.split("http://127.0.0.1:8080/invitation/").nth(1))
        .collect();
    assert_eq!(links.len(), 2, "{}", outcome.stdout);
    let invited: Vec<String> = links
        .iter()
        .map(|token| accounts.invited(token).unwrap().unwrap().email)
        .collect();
    assert_eq!(invited, ["gestion.mp001@exemple.fr", "reseau@exemple.fr"]);
    let reports = workdir.path().join("reports");
    let pages = files_with_extension(&reports, "html");
    // The index, the « fiche méthode », the dictionary, the nation, 14 régions, 9 filières
    // and 30 manufactures, for 2025.
    assert_eq!(pages.len(), 1 + 1 + 1 + 1 + 14 + 9 + 30, "{pages:?}");
    for page in &pages {
        assert_self_contained(page);
    }

    // The « fiche méthode » and every page's footer name the definitions that made the
    // figures, the same fingerprint as the figures exported for Excel.
    let for_excel = fs::read_to_string(reports.join("indicateurs.csv")).unwrap();
    let fingerprint = for_excel
        .lines()
        .nth(1)
        .and_then(|l| l.rsplit(';').next())
        .unwrap()
        .to_string();
    assert_eq!(fingerprint.len(), 12, "{fingerprint}");
    let method = fs::read_to_string(reports.join("methode.html")).unwrap();
    for marker in [
        format!("<code>{fingerprint}</code>"),
        "<code>produits_par_etp</code>".to_string(),
        "Produits d&#39;exploitation (produits_exploitation) / Emplois en équivalents temps plein (etp)".to_string(),
        "<code>distance_proximite_km</code> = 150".to_string(),
    ] {
        assert!(method.contains(&marker), "methode.html lacks « {marker} »");
    }
    let year = reports.join("2025");
    let national = fs::read_to_string(year.join("national.html")).unwrap();
    assert!(
        national.contains(&format!(
            "définitions <code>{fingerprint}</code> (<a href=\"../methode.html\">"
        )),
        "the national page's footer lacks the fingerprint"
    );
    for marker in [
        "médiane : ",
        "boîte : 1er–3e quartile",
        "Outre-mer",
        "reçu en retard",
    ] {
        assert!(
            national.contains(marker),
            "national page lacks « {marker} »"
        );
    }
    let manufacture = fs::read_to_string(year.join("manufacture-mp001.html")).unwrap();
    for marker in [
        "<h1>La Fabrique nivernaise</h1>",
        "médiane du réseau",
        "rang centile",
        "demandeur d&apos;emploi",
        "mesure explain part_achats_circuit_court --level manufacture --entity mp001 --period 2025",
    ] {
        assert!(
            manufacture.contains(marker),
            "mp001's page lacks « {marker} »"
        );
    }

    // The figures shown are the engine's: the national value, and the median of the 30
    // manufactures' yearly values worked out here from the export.
    let csv = fs::read_to_string(reports.join("indicateurs.csv")).unwrap();
    let values = exported(&csv, "part_achats_circuit_court", "2025");
    let of_manufactures: Vec<f64> = values
        .iter()
        .filter(|v| v.0 == "manufacture")
        .map(|v| v.2)
        .collect();
    assert_eq!(of_manufactures.len(), 30);
    let nation = values.iter().find(|v| v.0 == "national").unwrap().2;
    let national_row = row(&national, "Part des achats en circuit court");
    assert!(national_row.contains(&percent(nation)), "{national_row}");
    assert!(
        national_row.contains(&percent(median(of_manufactures.clone()))),
        "{national_row}"
    );
    assert!(
        national_row.contains("30 / 30 manufactures"),
        "{national_row}"
    );
    // mp001's rank: one plus how many manufactures do better.
    let own = values.iter().find(|v| v.1 == "mp001").unwrap().2;
    let better = of_manufactures.iter().filter(|v| **v > own).count();
    let own_row = row(&manufacture, "Part des achats en circuit court");
    assert!(
        own_row.contains(&match better + 1 {
            1 => "1<sup>re</sup> / 30".to_string(),
            rank => format!("{rank}<sup>e</sup> / 30"),
        }),
        "{own_row}"
    );

    // Nothing changed: nothing is drawn again.
    let again = workdir.run(&["report"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains("0 fichier écrit, 54 inchangés"),
        "{}",
        again.stdout
    );
}

/// A page as a reader scans it, for its snapshot: each drawing reduced to its title (the
/// charts have their own snapshots in `charts.rs`) and the shared style sheet left out.
fn page_without_drawings(html: &str) -> String {
    let mut page = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        page.push_str(&rest[..start]);
        let end = rest[start..]
            .find("</svg>")
            .map_or(rest.len(), |e| start + e + "</svg>".len());
        let drawing = &rest[start..end];
        let title = drawing
            .split("<text")
            .nth(1)
            .and_then(|t| t.split_once('>'))
            .and_then(|(_, t)| t.split_once("</text>"))
            .map_or("", |(t, _)| t.trim());
        page.push_str(&format!("<svg>[graphique : {title}]</svg>"));
        rest = &rest[end..];
    }
    page.push_str(rest);
    match (page.find("<style>"), page.find("</style>")) {
        (Some(start), Some(end)) => {
            page.replace_range(start + "<style>".len()..end, "[feuille de style]");
            page
        }
        _ => page,
    }
}

/// A workspace of three sample manufactures, the first renamed `<script>…`, the second with a
/// very long name, and their workbooks ingested except mp003's December.
fn three_manufactures() -> Workdir {
    let workdir = Workdir::new();
    workdir.copy(&repo().join("indicators"), "indicators");
    let registry = fs::read_to_string(repo().join("sample-data/manufactures.csv")).unwrap();
    let mut lines: Vec<String> = registry.lines().take(4).map(String::from).collect();
    lines[1] = lines[1].replace(
        "La Fabrique nivernaise",
        "\"<script>alert(\"\"mp001\"\")</script>\"",
    );
    lines[2] = lines[2].replace(
        "L'Établi corrézien",
        "Manufacture de proximité coopérative intercommunale des savoir-faire textiles et \
         céramiques du Haut-Bugey et de la vallée de l'Oignin",
    );
    workdir.write("manufactures.csv", lines.join("\n") + "\n");
    for id in ["mp001", "mp002", "mp003"] {
        workdir.copy(
            &repo().join("sample-data/classeurs").join(id),
            &format!("classeurs/{id}"),
        );
    }
    fs::rename(
        workdir.path().join("classeurs/mp003/mp003_2025-12.xlsx"),
        workdir.path().join("decembre.xlsx"),
    )
    .unwrap();
    let outcome = workdir.run(&["ingest", "classeurs"]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    workdir
}

#[test]
fn names_are_escaped_and_pages_are_drawn_again_only_when_data_change() {
    let workdir = three_manufactures();
    let first = workdir.run(&["report"]);
    assert_eq!(first.code, 0, "{first:?}");
    // The nation, 3 régions, 3 filières, 3 manufactures.
    assert!(
        first
            .stdout
            .contains("10 pages ; 10 fichiers écrits, 0 inchangé."),
        "{}",
        first.stdout
    );
    let reports = workdir.path().join("reports");
    for page in files_with_extension(&reports, "html") {
        assert_self_contained(&page);
        let html = fs::read_to_string(&page).unwrap();
        assert!(!html.contains("alert(\"mp001\")"), "{}", page.display());
    }
    let page = fs::read_to_string(reports.join("2025/manufacture-mp001.html")).unwrap();
    // Escaped by the page's askama template (numeric entities).
    assert!(page.contains("<h1>&#60;script&#62;alert(&#34;mp001&#34;)&#60;/script&#62;</h1>"));
    let national = fs::read_to_string(reports.join("2025/national.html")).unwrap();
    assert!(national.contains("&lt;script&gt;alert(&quot;mp001&quot;)&lt;/script&gt;"));
    let long = fs::read_to_string(reports.join("2025/manufacture-mp002.html")).unwrap();
    assert!(long.contains("<h1>Manufacture de proximité coopérative intercommunale"));
    // Whole pages, as recorded: a changed word, figure, link or order shows as a diff.
    insta::assert_snapshot!("page-manufacture", page_without_drawings(&long));
    insta::assert_snapshot!("page-nationale", page_without_drawings(&national));

    let second = workdir.run(&["report"]);
    assert!(
        second.stdout.contains("0 fichier écrit, 10 inchangés"),
        "{}",
        second.stdout
    );
    // A run for one manufacture's page keeps every other page in the index.
    let index_before = fs::read_to_string(reports.join("index.html")).unwrap();
    assert!(index_before.contains("href=\"2025/region-84.html\""));
    let one = workdir.run(&["report", "--level", "manufacture", "--manufacture", "mp002"]);
    assert_eq!(one.code, 0, "{one:?}");
    assert_eq!(
        fs::read_to_string(reports.join("index.html")).unwrap(),
        index_before
    );
    // mp003's December arrives: exactly the pages whose content changes are written again,
    // mp003's own and the nation's among them.
    let before: Vec<(PathBuf, String)> = files_with_extension(&reports.join("2025"), "html")
        .into_iter()
        .map(|p| (p.clone(), fs::read_to_string(p).unwrap()))
        .collect();
    let late = workdir.run(&["ingest", "decembre.xlsx"]);
    assert_eq!(late.code, 0, "{late:?}");
    let third = workdir.run(&["report"]);
    let changed: Vec<String> = before
        .iter()
        .filter(|(path, html)| fs::read_to_string(path).unwrap() != *html)
        .map(|(path, _)| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        changed.contains(&"manufacture-mp003.html".to_string()),
        "{changed:?}"
    );
    assert!(
        changed.contains(&"national.html".to_string()),
        "{changed:?}"
    );
    let written = format!(
        "{} fichiers écrits, {} inchangés",
        changed.len(),
        10 - changed.len()
    );
    assert!(
        third.stdout.contains(&written),
        "{written} ≠ {}",
        third.stdout
    );
}

#[test]
fn charts_are_written_as_png_and_svg_for_one_month() {
    let workdir = three_manufactures();
    let outcome = workdir.run(&[
        "report",
        "--per",
        "month",
        "--period",
        "2025-03",
        "--manufacture",
        "mp003",
        "--level",
        "manufacture",
        "--format",
        "png",
        "--format",
        "svg",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let folder = workdir
        .path()
        .join("reports/2025-03/graphiques/manufacture-mp003");
    let pngs = files_with_extension(&folder, "png");
    let svgs = files_with_extension(&folder, "svg");
    // The profile, the publics and one trend per indicator (20).
    assert_eq!(pngs.len(), 22, "{pngs:?}");
    assert_eq!(svgs.len(), 22);
    assert!(folder.join("profil.png").is_file());
    for png in &pngs {
        assert_eq!(&fs::read(png).unwrap()[..4], b"\x89PNG");
    }
    let svg = fs::read_to_string(folder.join("tendance-taux_occupation.svg")).unwrap();
    assert!(
        svg.contains("Taux d&apos;occupation des équipements")
            || svg.contains("Taux d'occupation des équipements")
    );
    assert!(svg.contains("mars 2025"), "the subtitle names the month");
    assert!(
        !workdir
            .path()
            .join("reports/2025-03/manufacture-mp003.html")
            .exists(),
        "no HTML was asked for"
    );

    let unknown = workdir.run(&["report", "--manufacture", "mp999"]);
    assert_eq!(
        unknown.code, 2,
        "an unknown manufacture is a usage error: {unknown:?}"
    );
    assert!(
        unknown
            .stderr
            .contains("manufacture « mp999 » absente du registre")
    );
    let empty = workdir.run(&["report", "--period", "2024"]);
    // A period without data is a period typed wrong (with a suggestion): a usage error.
    assert_eq!(empty.code, 2, "{empty:?}");
    assert!(
        empty
            .stderr
            .contains("aucune donnée pour la période « 2024 »")
    );
}

/// The value strings written in an SVG chart's text elements.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

#[test]
fn a_geojson_named_in_mesure_toml_draws_the_regions_real_shapes() {
    let workdir = three_manufactures();
    let tiles = workdir.run(&["report", "--level", "national", "--format", "svg"]);
    assert_eq!(tiles.code, 0, "{tiles:?}");
    let chart = workdir
        .path()
        .join("reports/2025/graphiques/national/carte-part_femmes.svg");
    let tile_texts = svg_texts(&fs::read_to_string(&chart).unwrap());

    workdir.copy(&crate::support::fixture("carte"), "carte");
    workdir.write(
        "mesure.toml",
        "[carte]\nregions = \"carte/regions.geojson\"\n",
    );
    let shapes = workdir.run(&[
        "report", "--level", "national", "--format", "svg", "--format", "html",
    ]);
    assert_eq!(shapes.code, 0, "{shapes:?}");
    // The map changed, so it was drawn again.
    let svg = fs::read_to_string(&chart).unwrap();
    assert_eq!(
        svg.matches("<polygon").count(),
        6,
        "one per région of the file"
    );
    let map_texts = svg_texts(&svg);
    assert!(
        map_texts.contains(&"La Réunion".to_string()),
        "{map_texts:?}"
    );
    // Each région's value is the one the tile map wrote for it: the three régions with a
    // manufacture (and the scale's two ends), and a dash for the three without.
    let values: Vec<&String> = map_texts.iter().filter(|t| t.ends_with('%')).collect();
    assert_eq!(values.len(), 3 + 2, "{map_texts:?}");
    for value in values {
        assert!(tile_texts.contains(value), "{value} not in {tile_texts:?}");
    }
    assert_eq!(map_texts.iter().filter(|t| *t == "—").count(), 3);
    let page = fs::read_to_string(workdir.path().join("reports/2025/national.html")).unwrap();
    assert!(page.contains("<polygon"));

    // A file whose features lack the named code property is refused before anything is drawn.
    workdir.write(
        "mesure.toml",
        "[carte]\nregions = \"carte/regions.geojson\"\npropriete_code = \"code_region\"\n",
    );
    let refused = workdir.run(&["report"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("regions.geojson")
            && refused
                .stderr
                .contains("l'entité n° 1 n'a pas de propriété « code_region »"),
        "{}",
        refused.stderr
    );
    workdir.write("mesure.toml", "[carte]\nregions = \"absent.geojson\"\n");
    let missing = workdir.run(&["report"]);
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(
        missing.stderr.contains("absent.geojson"),
        "{}",
        missing.stderr
    );
}

/// The quality section says the workspace's reporting deadline, not the default 30 days.
#[test]
fn the_quality_section_says_the_workspaces_deadline() {
    let workdir = Workdir::sample_workspace();
    workdir.write(
        "mesure.toml",
        "[parametres]\ndelai_declaration_jours = 45\n",
    );
    let classeurs = repo().join("sample-data/classeurs/mp001");
    let ingest = workdir.run(&["ingest", classeurs.to_str().unwrap()]);
    assert_eq!(ingest.code, 0, "{}", ingest.stderr);
    let outcome = workdir.run(&[
        "report",
        "--period",
        "2025-T1",
        "--manufacture",
        "mp001",
        "--level",
        "manufacture",
    ]);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    let page = fs::read_to_string(
        workdir
            .path()
            .join("reports/2025-T1/manufacture-mp001.html"),
    )
    .unwrap();
    assert!(
        page.contains("reçus plus de 45 jours après la fin du mois"),
        "{page}"
    );
    assert!(!page.contains("reçus plus de 30 jours"));
}
