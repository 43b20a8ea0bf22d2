//! Real région boundaries for the maps, read from a GeoJSON file that `mesure.toml` names.
//!
//! The file is read once per run and projected straight into the map's pixel layout:
//! metropolitan France (with Corse) on the right, in an equirectangular projection corrected
//! for its mean latitude (close enough at this scale), and each région lying elsewhere
//! (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte) in an inset of its own on the left,
//! at its own scale. Points closer than a pixel to the previous one are dropped, so a 1 MB
//! file becomes a few thousand points per map. Only the outer ring of each polygon is kept:
//! régions have no holes that matter at this size.
//!
//! Size: about 425 lines of code: reading, projecting and simplifying are one pass over the
//! points and read best together; the rest is its unit tests.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::store::sha256_hex;
use geojson::{FeatureCollection, GeometryValue, JsonValue, Position};

/// Where the map is drawn, inside the chart's body (below its heading), in pixels.
pub(super) const METROPOLE: Frame = Frame {
    x: 200,
    y: 6,
    width: 540,
    height: 462,
};
/// The column of insets for régions outside metropolitan France.
pub(super) const INSETS: Frame = Frame {
    x: 16,
    y: 6,
    width: 150,
    height: 462,
};
/// Room above each inset's shape for its name and value.
pub(super) const INSET_LABEL: i32 = 34;
/// Points closer than this to the previous one are dropped.
const MIN_STEP_PX: f64 = 0.8;
/// Points closer than this to the outline without them are dropped.
const TOLERANCE_PX: f64 = 0.6;

/// A rectangle in the map's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: i32,
    /// Height.
    pub height: i32,
}

/// One région as drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// The région's official code, as the file's code property gives it.
    pub code: String,
    /// Its polygons' outer rings, in pixels.
    pub rings: Vec<Vec<(i32, i32)>>,
    /// Where its value is written: the centre of its largest polygon (metropolitan
    /// régions) or the top of its inset.
    pub label: (i32, i32),
    /// The bounding box of its largest polygon: a value wider than it is written beside it.
    pub main: Frame,
    /// The inset it is drawn in, for régions outside metropolitan France.
    pub inset: Option<Frame>,
}

/// Every région's outline, projected into the map's layout.
#[derive(Clone)]
pub struct Outlines {
    /// The file they were read from and a digest of its content: what reports' fingerprints
    /// see, so that a changed file redraws the maps.
    identity: String,
    /// The régions, metropolitan ones first.
    pub regions: Vec<Outline>,
}

impl fmt::Debug for Outlines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Outlines({})", self.identity)
    }
}

impl PartialEq for Outlines {
    fn eq(&self, other: &Self) -> bool {
        self.identity == other.identity
    }
}

/// A région's polygons in longitude and latitude, before projection.
struct Shape {
    code: String,
    polygons: Vec<Vec<(f64, f64)>>,
}

impl Shape {
    fn bounds(&self) -> Bounds {
        Bounds::of(self.polygons.iter().flatten().copied())
    }

    /// Whether it lies in metropolitan France (Corse included).
    fn is_metropolitan(&self) -> bool {
        let (lon, lat) = self.bounds().centre();
        (-6.0..=10.0).contains(&lon) && (41.0..=52.0).contains(&lat)
    }
}

impl Outlines {
    /// Reads a GeoJSON file of régions, each feature's `code_property` holding its official
    /// code (`insee_reg` in the ANCT's and IGN's files).
    pub fn load(path: &Path, code_property: &str) -> Result<Outlines> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut outlines = Outlines::parse(&text, code_property)
            .map_err(|why| Error::Refused(format!("carte {} : {why}", path.display())))?;
        outlines.identity = format!("{} {}", path.display(), outlines.identity);
        Ok(outlines)
    }

    /// Reads régions from GeoJSON text (for tests and for [`Outlines::load`]).
    pub fn parse(text: &str, code_property: &str) -> std::result::Result<Outlines, String> {
        let shapes = read_shapes(text, code_property)?;
        Ok(Outlines::project(sha256_hex(text.as_bytes()), shapes))
    }

    /// The outline of a région, if the file has it.
    pub fn get(&self, code: &str) -> Option<&Outline> {
        self.regions.iter().find(|r| r.code == code)
    }

    fn project(identity: String, shapes: Vec<Shape>) -> Outlines {
        let (metropole, mut elsewhere): (Vec<Shape>, Vec<Shape>) =
            shapes.into_iter().partition(Shape::is_metropolitan);
        elsewhere.sort_by(|a, b| a.code.cmp(&b.code));
        let mut regions = Vec::new();
        if !metropole.is_empty() {
            let bounds = Bounds::of(
                metropole
                    .iter()
                    .flat_map(|s| s.polygons.iter().flatten().copied()),
            );
            let projection = Projection::fitting(bounds, METROPOLE);
            regions.extend(
                metropole
                    .iter()
                    .map(|shape| projection.outline(shape, None)),
            );
        }
        let count = elsewhere.len().max(1) as i32;
        let slot = INSETS.height / count;
        for (i, shape) in elsewhere.iter().enumerate() {
            let frame = Frame {
                x: INSETS.x,
                y: INSETS.y + i as i32 * slot,
                width: INSETS.width,
                height: slot - 6,
            };
            let room = Frame {
                y: frame.y + INSET_LABEL,
                height: (frame.height - INSET_LABEL).max(8),
                ..frame
            };
            let projection = Projection::fitting(shape.bounds(), room);
            let mut outline = projection.outline(shape, Some(frame));
            outline.label = (frame.x + 4, frame.y + 2);
            regions.push(outline);
        }
        Outlines { identity, regions }
    }
}

/// The régions of a GeoJSON text: a French reason when it is not a feature collection of
/// polygons with codes.
fn read_shapes(text: &str, code_property: &str) -> std::result::Result<Vec<Shape>, String> {
    let collection = FeatureCollection::from_str(text)
        .map_err(|e| format!("ce n'est pas une collection d'entités GeoJSON ({e})"))?;
    let mut shapes = Vec::new();
    for (i, feature) in collection.features.iter().enumerate() {
        let code = feature
            .property(code_property)
            .and_then(|v| match v {
                JsonValue::String(s) => Some(s.clone()),
                JsonValue::Number(n) => Some(format!("{:0>2}", n.to_string())),
                _ => None,
            })
            .ok_or_else(|| {
                format!(
                    "l'entité n° {} n'a pas de propriété « {code_property} » (le code de la région)",
                    i + 1
                )
            })?;
        let polygons = match feature.geometry.as_ref().map(|g| &g.value) {
            Some(GeometryValue::Polygon { coordinates }) => vec![outer_ring(coordinates)],
            Some(GeometryValue::MultiPolygon { coordinates }) => {
                coordinates.iter().map(|p| outer_ring(p)).collect()
            }
            _ => return Err(format!("la région « {code} » n'a pas de polygone")),
        };
        let projected = polygons
            .iter()
            .flatten()
            .any(|(lon, lat)| lon.abs() > 180.0 || lat.abs() > 90.0);
        if projected {
            return Err(format!(
                "la région « {code} » a des coordonnées qui ne sont pas des longitudes et latitudes \
                 (le fichier est peut-être en Lambert-93) : il faut un GeoJSON en WGS84 (EPSG:4326)"
            ));
        }
        shapes.push(Shape { code, polygons });
    }
    if shapes.is_empty() {
        return Err("aucune région dans le fichier".to_string());
    }
    let known = |code: &str| crate::geo::REGIONS.iter().any(|r| r.code == code);
    if !shapes.iter().any(|s| known(&s.code)) {
        return Err(format!(
            "aucune entité n'a dans « {code_property} » un code officiel de région (« 27 », « 84 »…) ; \
             on y lit « {} » : indiquez une autre propriete_code",
            shapes[0].code
        ));
    }
    Ok(shapes)
}

fn outer_ring(polygon: &[Vec<Position>]) -> Vec<(f64, f64)> {
    polygon.first().map_or_else(Vec::new, |ring| {
        ring.iter()
            .filter_map(|p| match p.as_slice() {
                [lon, lat, ..] if lon.is_finite() && lat.is_finite() => Some((*lon, *lat)),
                _ => None,
            })
            .collect()
    })
}

/// A bounding box in longitude and latitude.
#[derive(Clone, Copy)]
struct Bounds {
    west: f64,
    east: f64,
    south: f64,
    north: f64,
}

impl Bounds {
    fn of(points: impl Iterator<Item = (f64, f64)>) -> Bounds {
        let mut b = Bounds {
            west: f64::INFINITY,
            east: f64::NEG_INFINITY,
            south: f64::INFINITY,
            north: f64::NEG_INFINITY,
        };
        for (lon, lat) in points {
            b.west = b.west.min(lon);
            b.east = b.east.max(lon);
            b.south = b.south.min(lat);
            b.north = b.north.max(lat);
        }
        b
    }

    fn centre(&self) -> (f64, f64) {
        (
            (self.west + self.east) / 2.0,
            (self.south + self.north) / 2.0,
        )
    }
}

/// Longitude and latitude to pixels: equirectangular, corrected for the mean latitude,
/// scaled to fit a frame and centred in it.
struct Projection {
    bounds: Bounds,
    cos_lat: f64,
    scale: f64,
    offset: (f64, f64),
}

impl Projection {
    fn fitting(bounds: Bounds, frame: Frame) -> Projection {
        let cos_lat = bounds.centre().1.to_radians().cos();
        let width = ((bounds.east - bounds.west) * cos_lat).max(1e-9);
        let height = (bounds.north - bounds.south).max(1e-9);
        let scale = (frame.width as f64 / width).min(frame.height as f64 / height);
        let offset = (
            frame.x as f64 + (frame.width as f64 - width * scale) / 2.0,
            frame.y as f64 + (frame.height as f64 - height * scale) / 2.0,
        );
        Projection {
            bounds,
            cos_lat,
            scale,
            offset,
        }
    }

    fn point(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        (
            self.offset.0 + (lon - self.bounds.west) * self.cos_lat * self.scale,
            self.offset.1 + (self.bounds.north - lat) * self.scale,
        )
    }

    fn outline(&self, shape: &Shape, inset: Option<Frame>) -> Outline {
        let projected: Vec<Vec<(f64, f64)>> = shape
            .polygons
            .iter()
            .map(|ring| ring.iter().map(|p| self.point(*p)).collect())
            .collect();
        let largest = projected
            .iter()
            .max_by(|a, b| area(a).total_cmp(&area(b)))
            .map_or(&[][..], Vec::as_slice);
        let label = centroid(largest);
        // In pixels, the box's "south" is its top edge: y grows downwards.
        let extent = Bounds::of(largest.iter().copied());
        let main = Frame {
            x: extent.west.round() as i32,
            y: extent.south.round() as i32,
            width: (extent.east - extent.west).round() as i32,
            height: (extent.north - extent.south).round() as i32,
        };
        Outline {
            code: shape.code.clone(),
            rings: projected.iter().filter_map(|r| simplified(r)).collect(),
            label: (label.0.round() as i32, label.1.round() as i32),
            main,
            inset,
        }
    }
}

/// A ring with the points closer than [`MIN_STEP_PX`] to the last one kept dropped, then
/// those within [`TOLERANCE_PX`] of the line through their neighbours (Ramer–Douglas–Peucker);
/// `None` when less than a triangle is left (an islet smaller than a pixel).
fn simplified(ring: &[(f64, f64)]) -> Option<Vec<(i32, i32)>> {
    let mut spaced: Vec<(f64, f64)> = Vec::new();
    for &p in ring {
        match spaced.last() {
            Some(&(x, y)) if (p.0 - x).hypot(p.1 - y) < MIN_STEP_PX => {}
            _ => spaced.push(p),
        }
    }
    let mut keep = vec![false; spaced.len()];
    if let Some(last) = spaced.len().checked_sub(1) {
        keep[0] = true;
        keep[last] = true;
        mark_salient(&spaced, 0, last, &mut keep);
    }
    let kept: Vec<(f64, f64)> = spaced
        .iter()
        .zip(&keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect();
    (kept.len() >= 3 && area(&kept) >= 1.0).then(|| {
        kept.iter()
            .map(|(x, y)| (x.round() as i32, y.round() as i32))
            .collect()
    })
}

/// Marks the points between `first` and `last` that stray more than [`TOLERANCE_PX`] from the
/// line joining them, recursively (Ramer–Douglas–Peucker). A ring's ends coincide, so its
/// farthest point from the first splits it before any line is drawn.
fn mark_salient(points: &[(f64, f64)], first: usize, last: usize, keep: &mut [bool]) {
    if last <= first + 1 {
        return;
    }
    let (a, b) = (points[first], points[last]);
    let distance = |p: (f64, f64)| {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length = dx.hypot(dy);
        if length < 1e-9 {
            (p.0 - a.0).hypot(p.1 - a.1)
        } else {
            ((p.0 - a.0) * dy - (p.1 - a.1) * dx).abs() / length
        }
    };
    let (farthest, gap) = (first + 1..last)
        .map(|i| (i, distance(points[i])))
        .fold((first, 0.0), |best, d| if d.1 > best.1 { d } else { best });
    if gap > TOLERANCE_PX {
        keep[farthest] = true;
        mark_salient(points, first, farthest, keep);
        mark_salient(points, farthest, last, keep);
    }
}

/// The area of a ring (shoelace formula), in square pixels.
fn area(ring: &[(f64, f64)]) -> f64 {
    signed_area(ring).abs()
}

fn signed_area(ring: &[(f64, f64)]) -> f64 {
    ring.iter()
        .zip(ring.iter().cycle().skip(1))
        .map(|(a, b)| a.0 * b.1 - b.0 * a.1)
        .sum::<f64>()
        / 2.0
}

/// The centre of gravity of a ring; its mean point when it has no area.
fn centroid(ring: &[(f64, f64)]) -> (f64, f64) {
    let a = signed_area(ring);
    if ring.is_empty() {
        return (0.0, 0.0);
    }
    if a.abs() < 1e-9 {
        let (x, y) = ring
            .iter()
            .fold((0.0, 0.0), |acc, p| (acc.0 + p.0, acc.1 + p.1));
        let n = ring.len() as f64;
        return (x / n, y / n);
    }
    let (cx, cy) = ring
        .iter()
        .zip(ring.iter().cycle().skip(1))
        .fold((0.0, 0.0), |acc, (p, q)| {
            let cross = p.0 * q.1 - q.0 * p.1;
            (acc.0 + (p.0 + q.0) * cross, acc.1 + (p.1 + q.1) * cross)
        });
    (cx / (6.0 * a), cy / (6.0 * a))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two metropolitan régions side by side (squares of 2°) and one overseas.
    const SMALL: &str = r#"{"type": "FeatureCollection", "features": [
      {"type": "Feature", "properties": {"insee_reg": "27"}, "geometry": {"type": "Polygon",
        "coordinates": [[[3, 46], [5, 46], [5, 48], [3, 48], [3, 46]]]}},
      {"type": "Feature", "properties": {"insee_reg": "24"}, "geometry": {"type": "MultiPolygon",
        "coordinates": [[[[1, 46], [3, 46], [3, 48], [1, 48], [1, 46]]],
                        [[[1, 45.99999], [1.000001, 45.99999], [1, 45.999991], [1, 45.99999]]]]}},
      {"type": "Feature", "properties": {"insee_reg": "04"}, "geometry": {"type": "Polygon",
        "coordinates": [[[55.2, -21.4], [55.8, -21.4], [55.8, -20.9], [55.2, -20.9], [55.2, -21.4]]]}}
    ]}"#;

    #[test]
    fn metropolitan_regions_fill_their_frame_and_overseas_ones_sit_in_insets() {
        let outlines = Outlines::parse(SMALL, "insee_reg").unwrap();
        let codes: Vec<&str> = outlines.regions.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["27", "24", "04"]);
        let centre = outlines.get("24").unwrap();
        let bourgogne = outlines.get("27").unwrap();
        // 4° of longitude at 47° N are 2.73° of latitude against 2° of height: the 540 px
        // width is the limit, the height (2° at 197.5 px a degree) is centred.
        let xs: Vec<i32> = bourgogne.rings[0].iter().map(|p| p.0).collect();
        let ys: Vec<i32> = bourgogne.rings[0].iter().map(|p| p.1).collect();
        assert_eq!(xs.iter().max(), Some(&(METROPOLE.x + METROPOLE.width)));
        assert_eq!(xs.iter().min(), Some(&(METROPOLE.x + METROPOLE.width / 2)));
        let height = (2.0 * 540.0 / (4.0 * 47f64.to_radians().cos())).round() as i32;
        let top = METROPOLE.y + (METROPOLE.height - height) / 2;
        assert!((ys.iter().min().unwrap() - top).abs() <= 1, "{ys:?}");
        assert!(
            (ys.iter().max().unwrap() - top - height).abs() <= 1,
            "{ys:?}"
        );
        // The Centre's islet, smaller than a pixel, is dropped; its label is its square's middle.
        assert_eq!(centre.rings.len(), 1);
        assert!(centre.label.0 < bourgogne.label.0);
        assert_eq!(centre.label.1, METROPOLE.y + METROPOLE.height / 2);
        let reunion = outlines.get("04").unwrap();
        let inset = reunion.inset.unwrap();
        assert_eq!((inset.x, inset.y), (INSETS.x, INSETS.y));
        assert!(reunion.rings[0].iter().all(|&(x, y)| x >= inset.x
            && x <= inset.x + inset.width
            && y >= inset.y + INSET_LABEL
            && y <= inset.y + inset.height));
    }

    #[test]
    fn a_file_without_codes_or_polygons_is_refused_in_french() {
        let err = Outlines::parse(SMALL, "code_region").unwrap_err();
        assert!(
            err.contains("l'entité n° 1 n'a pas de propriété « code_region »"),
            "{err}"
        );
        let err = Outlines::parse("{\"type\": \"Point\"", "insee_reg").unwrap_err();
        assert!(
            err.starts_with("ce n'est pas une collection d'entités GeoJSON"),
            "{err}"
        );
        let point = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "properties": {"insee_reg": "11"}, "geometry": {"type": "Point", "coordinates": [2, 48]}}]}"#;
        let err = Outlines::parse(point, "insee_reg").unwrap_err();
        assert_eq!(err, "la région « 11 » n'a pas de polygone");
        let iso = SMALL.replace("\"insee_reg\": \"", "\"insee_reg\": \"FR-");
        let err = Outlines::parse(&iso, "insee_reg").unwrap_err();
        assert!(err.contains("on y lit « FR-27 »"), "{err}");
        let lambert = SMALL.replace("[[3, 46], [5, 46]", "[[652000, 6862000], [5, 46]");
        let err = Outlines::parse(&lambert, "insee_reg").unwrap_err();
        assert!(
            err.starts_with("la région « 27 » a des coordonnées qui ne sont pas"),
            "{err}"
        );
        assert!(err.contains("WGS84 (EPSG:4326)"), "{err}");
    }

    #[test]
    fn a_changed_file_is_a_different_map() {
        let a = Outlines::parse(SMALL, "insee_reg").unwrap();
        let b = Outlines::parse(&SMALL.replace("[5, 48]", "[5, 48.5]"), "insee_reg").unwrap();
        assert_ne!(a, b);
        assert!(format!("{a:?}").len() < 80, "{a:?}");
    }
}
