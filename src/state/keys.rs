//! Checks of the site state's key history (issue 13, part 5): each key once, in
//! order, one key active on any day.

use std::path::Path;

use super::{KeyState, STATE_FILE};
use crate::diag::Diagnostic;

/// Checks the key history: each key once, in the order they became active, one key
/// active on any day (each key active until the day before the next one), the current
/// key last and open-ended, only a retired key compromised.
pub(super) fn check_key_history(keys: &[KeyState], text: &str) -> Result<(), Diagnostic> {
    let shown = Path::new(STATE_FILE);
    let hint = "the key history is written by `credsite keygen` and `credsite key compromised`: restore credsite.state.json from version control (keys/did.jsonl, the signed key log, holds the same history)";
    let problem = |i: usize, field: &str, message: String| {
        Diagnostic::new(shown, message)
            .line(line_of(text, &format!("\"public\":\"{}\"", keys[i].public)))
            .field(format!("keys[{i}].{field}"))
            .hint(hint)
    };
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].iter().any(|k| k.public == key.public) {
            return Err(problem(
                i,
                "public",
                format!("key {} is listed twice", key.public),
            ));
        }
        let Some(next) = keys.get(i + 1) else {
            if let Some(to) = key.active_to {
                return Err(problem(
                    i,
                    "active_to",
                    format!(
                        "the current key {} is active only until {to}: no key is active after it",
                        key.public
                    ),
                ));
            }
            if key.compromised_since.is_some() {
                return Err(problem(
                    i,
                    "compromised_since",
                    format!(
                        "the current key {} is marked compromised: `credsite key compromised` always makes a new key",
                        key.public
                    ),
                ));
            }
            break;
        };
        if next.active_from < key.active_from || (i > 0 && next.active_from == key.active_from) {
            return Err(problem(
                i + 1,
                "active_from",
                format!(
                    "key {} becomes active on {}, not after key {} (active from {}): a rotation dated before the last rotation",
                    next.public, next.active_from, key.public, key.active_from
                ),
            ));
        }
        match key.active_to {
            None => {
                return Err(problem(
                    i,
                    "active_to",
                    format!(
                        "key {} has no active_to, but key {} follows it",
                        key.public, next.public
                    ),
                ));
            }
            Some(to) if to >= next.active_from => {
                return Err(problem(
                    i,
                    "active_to",
                    format!(
                        "two keys are active on {}: key {} (active to {to}) and key {} (active from {})",
                        next.active_from, key.public, next.public, next.active_from
                    ),
                ));
            }
            Some(to) if to.succ_opt() != Some(next.active_from) => {
                return Err(problem(
                    i,
                    "active_to",
                    format!(
                        "no key is active from {} to {}: key {} is active to {to}, key {} from {}",
                        to.succ_opt().unwrap_or(to),
                        next.active_from.pred_opt().unwrap_or(next.active_from),
                        key.public,
                        next.public,
                        next.active_from
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub(super) fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |at| text[..at].matches('\n').count() + 1)
}
