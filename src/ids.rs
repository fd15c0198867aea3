//! Identifiers of programs and credentials: they become folder names and URLs, so
//! they are restricted to a safe alphabet and can never climb out of `public/`.

/// The longest identifier accepted.
pub const MAX_ID_LEN: usize = 128;

/// True if `id` may be used as a program or credential identifier: 1 to 128 ASCII
/// letters, digits, `-`, `_` or `.`, starting with a letter or digit, and no `..`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !id.contains("..")
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The explanation shown when an identifier is refused.
pub fn id_rules() -> String {
    format!(
        "use 1 to {MAX_ID_LEN} letters, digits, '-', '_' or '.', starting with a letter or digit (no '/', no '..')"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids() {
        for id in ["cdpe-2024-0001", "A1", "x.y_z", "7"] {
            assert!(is_valid_id(id), "{id}");
        }
    }

    #[test]
    fn refuses_path_tricks() {
        let long = "a".repeat(MAX_ID_LEN + 1);
        for id in [
            "", "a/b", "..", "a..b", "../etc", ".hidden", "-x", "a\\b", "a b", "é", "a%2f", &long,
        ] {
            assert!(!is_valid_id(id), "{id:?}");
        }
    }
}
