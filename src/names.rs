//! Holder names as the directory compares them: accent- and case-insensitive words.
//!
//! One function, [`fold`], turns a name into the form that listings sort by and that
//! the search index is keyed by; the search script of the default theme
//! (`search.js`) does exactly the same in the browser, so that "sean" finds "Seán" and
//! "simic" finds "Hoffmann-Šimić". Both sides:
//! 1. decompose (Unicode NFD) and drop the combining marks (General Category M);
//! 2. lowercase (full Unicode case mapping), then write final sigma as sigma;
//! 3. spell out the letters that have no decomposition: ß → ss, æ → ae, œ → oe,
//!    ø → o, đ → d, ð → d, ł → l, ı → i, þ → th;
//! 4. split into words at anything that is not a letter or a digit.
//!
//! Scripts without case or marks (CJK) pass through unchanged: a word is a prefix of
//! itself, so searching "王" finds "王芳".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The words of `text`, folded: lowercase, without accents, split at every
/// character that is neither a letter nor a digit.
pub fn words(text: &str) -> Vec<String> {
    split(&fold(text)).map(str::to_string).collect()
}

/// The folded words of `text` joined by single spaces: `words(text).join(" ")`, without
/// a string for each word.
pub fn joined(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_words(&mut out, text);
    out
}

/// The words of text [`fold`] gave: [`words`] of the text it folded, borrowed.
pub fn words_of_folded(folded: &str) -> impl Iterator<Item = &str> {
    split(folded)
}

/// How many words [`words`] finds in `text`.
pub fn word_count(text: &str) -> usize {
    split(&fold(text)).count()
}

/// The words of folded text: split at every character that is neither a letter nor a
/// digit.
fn split(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// `text` folded (see the module documentation), keeping its separators.
pub fn fold(text: &str) -> String {
    // ASCII has no marks, decomposes to itself and folds to its lowercase: most names,
    // without the three allocations of the general case.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    fold_any(text)
}

/// [`fold`] for any text.
fn fold_any(text: &str) -> String {
    let bare: String = text.nfd().filter(|c| !is_combining_mark(*c)).collect();
    let mut out = String::with_capacity(bare.len());
    for c in bare.to_lowercase().chars() {
        match c {
            'ς' => out.push('σ'),
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'đ' | 'ð' => out.push('d'),
            'ł' => out.push('l'),
            'ı' => out.push('i'),
            'þ' => out.push_str("th"),
            c => out.push(c),
        }
    }
    out
}

/// The key listings sort holders by: folded family name, then folded full name.
pub fn sort_key(family: &str, full: &str) -> String {
    let mut key = String::with_capacity(family.len() + full.len() + 1);
    push_words(&mut key, family);
    key.push('\u{0}');
    push_words(&mut key, full);
    key
}

/// Appends the folded words of `text` to `out`, one space between two.
fn push_words(out: &mut String, text: &str) {
    for (n, word) in split(&fold(text)).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// The first letter of the folded words of `text`, if it has any.
pub fn initial(text: &str) -> Option<char> {
    split(&fold(text))
        .next()
        .and_then(|word| word.chars().next())
}

/// The first `n` characters of a word (all of it when shorter).
pub fn prefix(word: &str, n: usize) -> &str {
    match word.char_indices().nth(n) {
        Some((at, _)) => &word[..at],
        None => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_and_word_count_agree_with_words() {
        for text in [
            "",
            "  ",
            "Hoffmann-Šimić",
            "Seán  O'Brien",
            "van der Berg",
            "Ζωή Παπαδοπούλου",
            "李 小龍",
            "-- a --",
            "MÜLLER, Jürgen",
        ] {
            assert_eq!(joined(text), words(text).join(" "), "{text:?}");
            assert_eq!(word_count(text), words(text).len(), "{text:?}");
        }
    }

    #[test]
    fn ascii_folds_as_any_text_does() {
        let ascii: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&ascii), fold_any(&ascii));
        assert_eq!(fold("O'Brien-SMITH Jr."), fold_any("O'Brien-SMITH Jr."));
        assert_eq!(
            sort_key("Ó Briain", "Seán Ó Briain"),
            "o briain\u{0}sean o briain"
        );
        assert_eq!(initial(" -Šimić"), Some('s'));
        assert_eq!(initial("--"), None);
    }

    #[test]
    fn accents_and_case_do_not_matter() {
        assert_eq!(words("Seán Ó Briain"), ["sean", "o", "briain"]);
        assert_eq!(words("Hoffmann-Šimić"), ["hoffmann", "simic"]);
        assert_eq!(words("  GRÜßE, Øystein  "), ["grusse", "oystein"]);
        assert_eq!(words("Łukasz Żółć"), ["lukasz", "zolc"]);
        assert_eq!(words("O'Brien"), ["o", "brien"]);
    }

    #[test]
    fn other_scripts_fold_too() {
        assert_eq!(words("Οδυσσέας ΠΑΠΑΔΌΠΟΥΛΟΣ"), ["οδυσσεασ", "παπαδοπουλοσ"]);
        assert_eq!(words("Ёлка Иванова"), ["елка", "иванова"]);
        assert_eq!(words("王芳"), ["王芳"]);
        assert_eq!(words("山田 太郎"), ["山田", "太郎"]);
    }

    #[test]
    fn prefixes_count_characters_not_bytes() {
        assert_eq!(prefix("šimić", 2), "ši");
        assert_eq!(prefix("王芳", 1), "王");
        assert_eq!(prefix("a", 3), "a");
    }

    #[test]
    fn sorting_is_by_family_name_first() {
        assert!(sort_key("Álvarez", "Zoe Álvarez") < sort_key("Brown", "Adam Brown"));
        assert!(sort_key("Brown", "Adam Brown") < sort_key("Brown", "Zed Brown"));
    }
}
