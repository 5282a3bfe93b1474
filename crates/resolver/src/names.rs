//! Near misses of a package name: the "did you mean" of a name the wheelhouse lacks, and a
//! glob `avail_wheels` accepts for it.

use crate::Index;

/// Names in the index close to `name` (a typo, a missing prefix), closest first.
pub(crate) fn near_names_in(name: &str, index: &Index) -> Vec<String> {
    let names = index
        .usable
        .keys()
        .chain(index.rejected.keys())
        .chain(index.sdists.keys())
        .map(String::as_str);
    near_names(name, names)
}

/// The " Did you mean …?" sentence for the names near `name` in the index, or nothing.
pub(crate) fn did_you_mean(name: &str, index: &Index) -> String {
    did_you_mean_sentence(&near_names_in(name, index))
}

/// " Did you mean …?" for these near misses, or nothing.
pub(crate) fn did_you_mean_sentence(near: &[String]) -> String {
    match near {
        [] => String::new(),
        [one] => format!(" Did you mean {one}?"),
        many => format!(" Did you mean one of {}?", many.join(", ")),
    }
}

/// Up to three names among `names` that look like a misspelling of `name`, or that hold it as
/// a whole word (`dateutil` → `python-dateutil`), closest first. Names compare normalised
/// (PEP 503), so `Python_DateUtil` is no near miss of `python-dateutil` but the same name.
pub fn near_names<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted = normalize(name);
    // A typo of one letter in a short name, two or three in a longer one.
    let allowed = match wanted.len() {
        0..=3 => 1,
        4..=9 => 2,
        _ => 3,
    };
    let mut scored: Vec<(usize, String)> = names
        .filter_map(|candidate| {
            let key = normalize(candidate);
            if key == wanted {
                return None;
            }
            let distance = strsim::damerau_levenshtein(&wanted, &key);
            let word = wanted.len() >= 3 && key.split('-').any(|w| w == wanted);
            (distance <= allowed || word).then_some((distance, key))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}

fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The longest word of a name, as a glob avail_wheels accepts: like the original, it takes
/// a `*` only around a name's first word or a name without separators, so `*a-b*` is an error
/// there while `*b*` is not.
pub(crate) fn glob_word(name: &str) -> &str {
    name.split(['-', '_', '.'])
        .max_by_key(|w| w.len())
        .unwrap_or(name)
}
