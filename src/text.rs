//! Forgiving text matching: the folding that lets `Nb personnes` match `nb_personnes` and
//! `Demandeur d'emploi` match `demandeur d'emploi`, and the « vouliez-vous dire » suggestions.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds a label for comparison: accents removed, lower case, every run of spaces, underscores,
/// apostrophes and other punctuation turned into one `_`, trimmed at both ends.
///
/// ```
/// assert_eq!(mesure::text::fold("  Nb   Personnes "), "nb_personnes");
/// assert_eq!(mesure::text::fold("Demandeur d’emploi"), "demandeur_d_emploi");
/// assert_eq!(mesure::text::fold("Équipements"), "equipements");
/// ```
pub fn fold(label: &str) -> String {
    if label.is_ascii() {
        return fold_chars(label.chars());
    }
    // Labels from the definitions are folded again and again while reading workbooks: a small
    // per-thread memo spares the Unicode decomposition (profiled: most of ingestion's time).
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, String>> = Default::default();
    }
    MEMO.with(|memo| {
        if let Some(folded) = memo.borrow().get(label) {
            return folded.clone();
        }
        let folded = fold_chars(label.nfd().filter(|c| !is_combining_mark(*c)));
        let mut memo = memo.borrow_mut();
        if memo.len() < 4096 {
            memo.insert(label.to_string(), folded.clone());
        }
        folded
    })
}

/// Whether [`fold`]`(text)` may start with one of `letters` (lower-case ASCII), told without
/// folding when the text's first letter or digit is ASCII (an accented one needs folding). A
/// text with no letter or digit folds to nothing and starts with none of them. Lets a word
/// search reject most texts before folding them.
pub fn may_fold_to_start_with(text: &str, letters: &[char]) -> bool {
    text.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| !c.is_ascii() || letters.contains(&c.to_ascii_lowercase()))
}

fn fold_chars(chars: impl Iterator<Item = char>) -> String {
    let mut folded = String::new();
    let mut pending_separator = false;
    for c in chars {
        if c.is_alphanumeric() {
            if pending_separator && !folded.is_empty() {
                folded.push('_');
            }
            pending_separator = false;
            folded.extend(c.to_lowercase());
        } else {
            pending_separator = true;
        }
    }
    folded
}

/// The candidate closest to `wrong`, if one is close enough to be a likely typo.
pub fn closest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wrong = fold(wrong);
    let limit = (wrong.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(&wrong, &fold(c)), c))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// ` ; vouliez-vous dire « x » ?` when a close candidate exists, an empty string otherwise.
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(wrong, candidates)
        .map(|c| format!(" ; vouliez-vous dire « {c} » ?"))
        .unwrap_or_default()
}

/// Items as a French list: `« a », « b » et « c »`.
pub fn quoted_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.into_iter().map(|i| format!("« {i} »")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// Decodes a text file: UTF-8 (a byte-order mark is dropped), or Windows-1252 when the bytes
/// are not UTF-8, as French Excel writes CSV.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// The field separator of a CSV header line: `;`, tab or `,`, whichever appears most.
pub fn detect_separator(header_line: &str) -> u8 {
    [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|sep| header_line.bytes().filter(|b| b == sep).count())
        .filter(|sep| header_line.as_bytes().contains(sep))
        .unwrap_or(b',')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_plain_letter_tells_what_folding_may_start_with() {
        assert!(may_fold_to_start_with("  Total :", &['t']));
        assert!(may_fold_to_start_with("#N/A", &['n', 'd']));
        assert!(!may_fold_to_start_with("salarié", &['n', 'd']));
        assert!(!may_fold_to_start_with("12 ans", &['n']));
        // An accented first letter is left to folding; no letter at all folds to nothing.
        assert!(may_fold_to_start_with("Élu", &['t']));
        assert!(!may_fold_to_start_with(" - ? ", &['t']));
        for text in ["Total", "NC", "n.d.", "valeur", "#REF!"] {
            let first = fold(text).chars().next().unwrap();
            assert!(may_fold_to_start_with(text, &[first]), "{text}");
        }
    }

    #[test]
    fn folding_forgives_case_accents_and_separators() {
        assert_eq!(fold("heures_utilisées"), "heures_utilisees");
        assert_eq!(fold("Heures utilisées"), "heures_utilisees");
        assert_eq!(fold("HEURES-UTILISEES"), "heures_utilisees");
        assert_eq!(fold("Salarié(e)s"), "salarie_e_s");
        assert_eq!(fold("Œuvre"), "œuvre");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn suggests_only_near_misses() {
        let columns = ["heures_disponibles", "heures_utilisees", "heures_externes"];
        assert_eq!(
            closest("heures_utilises", columns),
            Some("heures_utilisees")
        );
        assert_eq!(closest("montant", columns), None);
        assert_eq!(
            did_you_mean("heures_utilises", columns),
            " ; vouliez-vous dire « heures_utilisees » ?"
        );
        assert_eq!(did_you_mean("zzz", columns), "");
    }

    #[test]
    fn decodes_utf8_bom_and_windows_1252() {
        assert_eq!(decode("\u{FEFF}id;nom".as_bytes()), "id;nom");
        assert_eq!(decode(b"Ni\xe8vre;\x80"), "Nièvre;€");
        assert_eq!(decode("Nièvre".as_bytes()), "Nièvre");
    }

    #[test]
    fn detects_separators() {
        assert_eq!(detect_separator("id;nom;commune"), b';');
        assert_eq!(detect_separator("id,nom,commune"), b',');
        assert_eq!(detect_separator("id\tnom"), b'\t');
        assert_eq!(detect_separator("id"), b',');
    }

    #[test]
    fn lists_read_as_french() {
        assert_eq!(quoted_list(["a"]), "« a »");
        assert_eq!(quoted_list(["a", "b", "c"]), "« a », « b » et « c »");
    }
}
