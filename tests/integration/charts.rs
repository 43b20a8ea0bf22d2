//! Every chart kind drawn on edge cases, in SVG and PNG: one manufacture, no data, values of
//! 0 and 100 %, a long name, 111 manufactures. Each drawing must succeed, have the size it
//! announces, write its French text as given (accents, `°`, `é`), escape markup, and never
//! show `NaN` or `inf`.

use mesure::report::charts::{
    Bar, BoxGroup, Boxes, Chart, Completeness, Heading, MonthState, Outlines, PNG_SCALE, Profile,
    ProfileRow, Ranking, Stacked, Tile, TileMap, Trend, WIDTH,
};

use std::sync::Arc;

use crate::support::fixture;

const LONG_NAME: &str = "Manufacture de proximité coopérative intercommunale des savoir-faire \
                         textiles et céramiques du Haut-Bugey et de la vallée de l'Oignin";

fn heading(title: &str) -> Heading {
    Heading {
        title: title.to_string(),
        subtitle: "Bourgogne-Franche-Comté · 2025 · 4 / 5 manufactures".to_string(),
    }
}

fn months(n: usize) -> Vec<String> {
    [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ]
    .iter()
    .take(n)
    .map(|m| m.to_string())
    .collect()
}

/// The texts an SVG shows, one per line, with plotters' entities decoded and French
/// non-breaking spaces made plain, so tests compare what a reader sees.
fn visible_text(svg: &str) -> String {
    let mut texts = Vec::new();
    for piece in svg.split("<text").skip(1) {
        let Some(start) = piece.find('>') else {
            continue;
        };
        let Some(end) = piece.find("</text>") else {
            continue;
        };
        texts.push(
            piece[start + 1..end]
                .trim()
                .replace(['\u{a0}', '\u{202f}'], " ")
                .replace("&apos;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
    }
    texts.join("\n")
}

/// The rectangles of an SVG as (x, y, height, fill).
fn rects(svg: &str) -> Vec<(i32, i32, i32, String)> {
    let attribute = |tag: &str, name: &str| {
        let start = tag
            .find(&format!(" {name}=\""))
            .map(|i| i + name.len() + 3)?;
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].to_string())
    };
    svg.split("<rect")
        .skip(1)
        .filter_map(|tag| {
            let number = |name| attribute(tag, name)?.parse::<i32>().ok();
            Some((
                number("x")?,
                number("y")?,
                number("height")?,
                attribute(tag, "fill")?,
            ))
        })
        .collect()
}

/// Draws the chart in both formats; checks size, heading, and that no broken number shows;
/// returns the SVG's visible text.
fn drawn(chart: &Chart) -> String {
    let svg = chart.to_svg().expect("the SVG is drawn");
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{}",
        &svg[..80]
    );
    assert!(svg.contains(&format!("width=\"{WIDTH}\"")));
    assert!(svg.contains(&format!("height=\"{}\"", chart.height())));
    let text = visible_text(&svg);
    assert!(text.contains(&chart.heading().title), "title missing");
    assert!(text.contains(&chart.heading().subtitle), "subtitle missing");
    for broken in ["NaN", ">inf<", ">-inf<", "∞"] {
        assert!(
            !text.contains(broken),
            "{broken} in {}",
            chart.heading().title
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graphique.png");
    std::fs::write(&path, chart.to_png().expect("the PNG is drawn")).unwrap();
    let png = std::fs::read(&path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(
        (width, height),
        (WIDTH * PNG_SCALE, chart.height() * PNG_SCALE)
    );
    keep_for_review(&path, &svg);
    text
}

/// Compares the chart's SVG with its recorded snapshot (`tests/integration/snapshots/`): any
/// change of drawing, colour, text or layout shows as a diff to accept (`cargo insta review`)
/// or to fix, where the markers above would miss it.
fn matches_its_snapshot(name: &str, chart: &Chart) {
    insta::assert_snapshot!(name, chart.to_svg().expect("the SVG is drawn"));
}

/// With `MESURE_GRAPHIQUES=folder` set, copies each drawing there to be looked at.
fn keep_for_review(png: &std::path::Path, svg: &str) {
    let Some(folder) = std::env::var_os("MESURE_GRAPHIQUES") else {
        return;
    };
    let folder = std::path::PathBuf::from(folder);
    std::fs::create_dir_all(&folder).unwrap();
    let name = format!("{:016x}", fxhash(svg));
    std::fs::copy(png, folder.join(format!("{name}.png"))).unwrap();
}

/// A stable name for a drawing.
fn fxhash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn trend(values: Vec<Option<f64>>, band: Vec<Option<[f64; 3]>>, label: &str) -> Chart {
    Chart::Trend(Trend {
        heading: heading("Taux d'occupation des équipements"),
        unit: "%".into(),
        months: months(values.len()),
        values,
        band,
        target: Some(60.0),
        label: label.into(),
    })
}

#[test]
fn a_trend_draws_gaps_bounds_and_no_data() {
    let some = trend(
        vec![Some(0.0), None, Some(100.0), Some(42.5)],
        vec![
            Some([10.0, 50.0, 90.0]),
            None,
            Some([0.0, 0.0, 100.0]),
            None,
        ],
        "La Fabrique nivernaise",
    );
    let text = drawn(&some);
    matches_its_snapshot("tendance", &some);
    assert!(text.contains("100 %"), "the % axis ends at 100 %: {text}");
    assert!(text.contains("févr."));
    assert!(text.contains("La Fabrique nivernaise"));
    assert!(text.contains("médiane du réseau"), "{text}");

    let one_month = trend(vec![Some(12.0)], vec![None], "Seule");
    drawn(&one_month);

    let long = trend(vec![Some(30.0), Some(31.0)], vec![None, None], LONG_NAME);
    let text = drawn(&long);
    assert!(
        text.contains("cible : 60,0 %"),
        "the legend keeps the target: {text}"
    );
    assert!(
        !text.contains("vallée de l'Oignin"),
        "the long name is shortened"
    );

    let empty = trend(vec![None; 12], vec![None; 12], "Vide");
    assert!(drawn(&empty).contains("Aucune donnée pour cette période"));
}

#[test]
fn a_stacked_composition_draws_zeros_and_missing_months() {
    let chart = Chart::Stacked(Stacked {
        heading: heading("Publics accueillis par catégorie"),
        unit: "personnes".into(),
        months: months(3),
        categories: vec![
            "salarié".into(),
            "demandeur d'emploi".into(),
            "étudiant".into(),
        ],
        counts: vec![Some(vec![0.0, 0.0, 0.0]), None, Some(vec![4.0, 0.0, 11.0])],
    });
    let text = drawn(&chart);
    matches_its_snapshot("composition", &chart);
    assert!(text.contains("demandeur d'emploi") && text.contains("étudiant"));

    let empty = Chart::Stacked(Stacked {
        heading: heading("Publics accueillis par catégorie"),
        unit: "personnes".into(),
        months: months(12),
        categories: vec!["salarié".into()],
        counts: vec![None; 12],
    });
    assert!(drawn(&empty).contains("Aucune donnée pour cette période"));
}

#[test]
fn a_profile_draws_the_extremes_and_a_missing_value() {
    let chart = Chart::Profile(Profile {
        heading: heading("Profil de L'Établi corrézien face au réseau"),
        rows: vec![
            ProfileRow {
                name: "Mixité des publics".into(),
                percentile: Some(0.0),
                detail: "0 % · 28e / 28".into(),
            },
            ProfileRow {
                name: LONG_NAME.into(),
                percentile: Some(100.0),
                detail: "100 % · 1re / 28".into(),
            },
            ProfileRow {
                name: "Circuits courts".into(),
                percentile: None,
                detail: "pas de valeur".into(),
            },
        ],
    });
    let text = drawn(&chart);
    matches_its_snapshot("profil", &chart);
    assert!(text.contains("Mixité des publics"));
    assert!(text.contains("1re / 28") && text.contains("pas de valeur"));
    assert!(text.contains('…'), "the long name is shortened");
    assert!(
        !text.contains("vallée de l'Oignin"),
        "the long name is shortened"
    );
}

fn bar(label: &str, value: f64) -> Bar {
    Bar {
        label: label.into(),
        value,
        highlighted: false,
    }
}

fn ranking(bars: Vec<Bar>, median: Option<f64>) -> Chart {
    Chart::Ranking(Ranking {
        heading: heading("Part des achats de proximité"),
        unit: "%".into(),
        bars,
        median,
        target: Some(50.0),
    })
}

#[test]
fn a_ranking_draws_one_bar_bounds_a_long_name_and_nothing() {
    let one = ranking(vec![bar("Seule", 37.5)], Some(37.5));
    assert!(drawn(&one).contains("Seule"));

    let bounds = ranking(
        vec![
            bar("Pleine", 100.0),
            bar(LONG_NAME, 50.0),
            bar("Nulle", 0.0),
        ],
        Some(50.0),
    );
    let text = drawn(&bounds);
    matches_its_snapshot("classement", &bounds);
    assert!(text.contains("Pleine") && text.contains("Nulle"));
    assert!(text.contains("100 %") && text.contains("0 %"), "{text}");
    assert!(text.contains('…') && !text.contains("vallée de l'Oignin"));

    let nothing = ranking(Vec::new(), None);
    assert!(drawn(&nothing).contains("Aucune manufacture n'a de valeur pour cette période"));
}

#[test]
fn a_ranking_of_111_manufactures_grows_and_keeps_every_name() {
    let bars: Vec<Bar> = (0..111)
        .map(|i| bar(&format!("Manufacture n° {i}"), f64::from(110 - i)))
        .collect();
    let small = ranking(bars[..10].to_vec(), Some(105.0));
    let chart = ranking(bars, Some(55.0));
    assert!(chart.height() > small.height() * 5);
    let text = drawn(&chart);
    for i in [0, 55, 110] {
        assert!(
            text.lines().any(|t| t == format!("Manufacture n° {i}")),
            "bar {i}"
        );
    }
}

#[test]
fn box_plots_draw_a_single_value_and_the_bounds() {
    let chart = Chart::Boxes(Boxes {
        heading: heading("Taux d'occupation des équipements par région"),
        unit: "%".into(),
        groups: vec![
            BoxGroup {
                label: "Île-de-France".into(),
                count: 1,
                five: [42.0; 5],
            },
            BoxGroup {
                label: "Provence-Alpes-Côte d'Azur".into(),
                count: 7,
                five: [0.0, 10.0, 50.0, 90.0, 100.0],
            },
        ],
        median: Some(45.0),
    });
    let text = drawn(&chart);
    matches_its_snapshot("boites", &chart);
    assert!(text.contains("Île-de-France") && text.contains("Côte d'Azur"));

    let empty = Chart::Boxes(Boxes {
        heading: heading("Taux d'occupation des équipements par région"),
        unit: "%".into(),
        groups: Vec::new(),
        median: None,
    });
    assert!(drawn(&empty).contains("Aucune valeur pour cette période"));
}

fn tile_map(tiles: Vec<Tile>) -> Chart {
    Chart::TileMap(TileMap {
        heading: heading("Emplois créés par région"),
        unit: "ETP".into(),
        tiles,
        outlines: None,
    })
}

#[test]
fn a_tile_map_draws_all_18_regions_whatever_the_data() {
    let tile = |code: &str, value| Tile {
        code: code.into(),
        value,
    };
    let full = tile_map(vec![
        tile("11", Some(0.0)),
        tile("84", Some(100.0)),
        tile("94", None),
    ]);
    let text = drawn(&full);
    matches_its_snapshot("carte-tuiles", &full);
    for name in ["Auvergne-Rh.-Alpes", "Corse", "Guadeloupe", "La Réunion"] {
        assert!(text.contains(name), "{name} missing");
    }

    let same = tile_map(vec![tile("27", Some(5.0)), tile("75", Some(5.0))]);
    drawn(&same);
    let none = tile_map(Vec::new());
    assert!(drawn(&none).contains("Bretagne"));
}

#[test]
fn a_map_from_geojson_fills_each_region_drawn_with_its_colour() {
    let geojson = std::fs::read_to_string(fixture("carte/regions.geojson")).unwrap();
    let outlines = Arc::new(Outlines::parse(&geojson, "insee_reg").unwrap());
    let tile = |code: &str, value| Tile {
        code: code.into(),
        value,
    };
    let chart = Chart::TileMap(TileMap {
        outlines: Some(outlines.clone()),
        ..match tile_map(vec![
            tile("27", Some(0.0)),
            tile("84", Some(100.0)),
            tile("04", Some(50.0)),
            tile("94", Some(12.5)),
        ]) {
            Chart::TileMap(map) => map,
            _ => unreachable!(),
        }
    });
    let text = drawn(&chart);
    // Overseas régions are named in their inset; metropolitan ones carry their value only.
    assert!(text.contains("La Réunion"), "{text}");
    assert!(
        !text.contains("Bretagne") && !text.contains("Outre-mer"),
        "{text}"
    );
    for value in ["0 ETP", "100 ETP", "50 ETP", "12,5 ETP", "—"] {
        assert!(text.contains(value), "{value} missing: {text}");
    }
    let svg = chart.to_svg().unwrap();
    // One polygon per région (the six of the fixture), none for the colour scale.
    assert_eq!(svg.matches("<polygon").count(), 6);
    // The lowest value is viridis' darkest, the highest its lightest, no data is grey.
    for fill in ["#440154", "#FEE825", "#ECECEC"] {
        assert!(
            svg.contains(&format!("fill=\"{fill}\" points=")),
            "{fill} missing"
        );
    }
    // A région too small for its value (Corse) has it written on its left, in dark ink.
    let corse = outlines.get("94").unwrap();
    assert!(corse.main.width < 45, "{:?}", corse.main);
    let beside = format!(
        "<text x=\"{}\" y=\"{}\" dy=\"0.5ex\" text-anchor=\"end\"",
        corse.main.x - 4,
        corse.label.1 + HEADING_BODY_TOP
    );
    let at = svg
        .find(&beside)
        .unwrap_or_else(|| panic!("{beside} missing"));
    assert!(svg[at..].split("</text>").next().unwrap().contains("12,5"));
}

/// Where a chart's body starts below its heading, in SVG pixels.
const HEADING_BODY_TOP: i32 = 64;

#[test]
fn a_completeness_heatmap_draws_one_row_or_none() {
    use MonthState::{Late, Missing, NotExpected, OnTime};
    let chart = Chart::Completeness(Completeness {
        heading: heading("Déclarations reçues"),
        months: months(4),
        rows: vec![(
            LONG_NAME.to_string(),
            vec![NotExpected, OnTime, Late, Missing],
        )],
    });
    let text = drawn(&chart);
    matches_its_snapshot("completude", &chart);
    for legend in ["reçu", "reçu en retard", "manquant", "non attendu"] {
        assert!(text.contains(legend), "legend « {legend} » missing: {text}");
    }
    // Each month's cell in its state's colour, in order (the legend's keys come after, lower).
    let svg = chart.to_svg().unwrap();
    let cells: Vec<(i32, String)> = rects(&svg)
        .into_iter()
        .filter(|(_, y, height, _)| *y == HEADING_BODY_TOP + 44 && *height == 14)
        .map(|(x, _, _, fill)| (x, fill))
        .collect();
    assert_eq!(
        cells,
        [
            (250, "#F0F0F0".to_string()), // not expected: light grey
            (294, "#0072B2".to_string()), // on time: blue
            (338, "#F0E442".to_string()), // late: yellow
            (382, "#D55E00".to_string()), // missing: vermillion
        ],
        "{svg}"
    );
    assert!(text.contains("2/3"), "received over expected: {text}");

    let nobody = Chart::Completeness(Completeness {
        heading: heading("Déclarations reçues"),
        months: months(12),
        rows: Vec::new(),
    });
    assert!(drawn(&nobody).contains("Aucune manufacture attendue"));
}
