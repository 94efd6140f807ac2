//! Text normalisation shared by needles and haystacks: Unicode compatibility decomposition,
//! combining marks removed, full lower-casing, and the letters NFKD does not decompose
//! (`ø`, `ł`, `đ`, `ß`, `æ`, ...) spelt out. `Ünalçiçek`, `ÜNALÇIÇEK` and `unalcicek` fold alike.

use icu_normalizer::DecomposingNormalizerBorrowed;

fn is_combining(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

fn spell(c: char, out: &mut String) {
    match c {
        'ø' => out.push('o'),
        'ł' => out.push('l'),
        'đ' | 'ð' => out.push('d'),
        'ı' => out.push('i'),
        'ħ' => out.push('h'),
        'ŧ' => out.push('t'),
        'ß' => out.push_str("ss"),
        'æ' => out.push_str("ae"),
        'œ' => out.push_str("oe"),
        'þ' => out.push_str("th"),
        _ => out.push(c),
    }
}

/// Folds `s` for comparison (case, diacritics, compatibility forms).
#[must_use]
pub fn fold(s: &str) -> String {
    let nfkd = DecomposingNormalizerBorrowed::new_nfkd().normalize(s);
    let mut out = String::with_capacity(s.len());
    for c in nfkd.chars().filter(|c| !is_combining(*c)) {
        for l in c.to_lowercase() {
            spell(l, &mut out);
        }
    }
    out
}

/// The digits of `s`, in order (`"999-10-6621"` → `"999106621"`).
#[must_use]
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The digit runs of `s` read as numbers are written: digits joined across the separators
/// people put in numbers (`-`, `.`, space, `(`, `)`, `/`, `+`), split at anything else, so a
/// hex pseudonym's scattered digits do not form one long run.
#[must_use]
pub fn digit_runs(s: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
        } else if !matches!(c, '-' | '.' | ' ' | '(' | ')' | '/' | '+') && !cur.is_empty() {
            runs.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_diacritics_fold_alike() {
        assert_eq!(fold("Ünalçiçek"), "unalcicek");
        assert_eq!(fold("ÜNALÇIÇEK"), "unalcicek");
        assert_eq!(fold("Bjørn Łukasz Straße"), "bjorn lukasz strasse");
        assert_eq!(fold("ＡＢＣ"), "abc");
    }

    #[test]
    fn numbers_in_their_written_forms() {
        assert_eq!(digits("(617) 555-0199"), "6175550199");
        assert_eq!(digit_runs("tel 617.555.0199 x"), vec!["6175550199"]);
        assert_eq!(digit_runs("a1b22c333"), vec!["1", "22", "333"]);
    }
}
