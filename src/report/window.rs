//! The window of `report expiring --within`: a number of days, weeks or months.

use std::fmt;

use chrono::{Days, Months, NaiveDate};

/// The longest window: 100 years in any unit, so that every end date stays in range.
const MAX: [(char, u32); 3] = [('d', 36_600), ('w', 5_220), ('m', 1_200)];

/// How far ahead to look: `90d`, `12w` or `6m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// A number of days.
    Days(u32),
    /// A number of weeks (7 days each).
    Weeks(u32),
    /// A number of calendar months (month ends are clamped, e.g. Jan 31 + 1m = Feb 28).
    Months(u32),
}

impl Window {
    /// Parses `N` followed by `d` (days), `w` (weeks) or `m` (months), strictly: digits
    /// and one lower-case unit, nothing else, `N` at least 1.
    pub fn parse(text: &str) -> Result<Window, String> {
        let err = |why: &str| {
            format!(
                "invalid window \"{text}\": {why}; write a number and a unit, e.g. 90d (days), 12w (weeks) or 6m (months)"
            )
        };
        let Some(unit) = text.chars().last() else {
            return Err(err("it is empty"));
        };
        let digits = &text[..text.len() - unit.len_utf8()];
        let Some(&(_, max)) = MAX.iter().find(|(u, _)| *u == unit) else {
            return Err(err("the unit must be d, w or m"));
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("the number must be whole and written in digits"));
        }
        let n: u32 = digits.parse().map_err(|_| err("the number is too large"))?;
        if n == 0 {
            return Err(err("the window must be at least 1"));
        }
        if n > max {
            return Err(err(&format!("at most {max}{unit} (100 years)")));
        }
        Ok(match unit {
            'd' => Window::Days(n),
            'w' => Window::Weeks(n),
            _ => Window::Months(n),
        })
    }

    /// The last day of the window that starts after `as_of`: the window is the days
    /// in `(as_of, end]`.
    pub fn end(self, as_of: NaiveDate) -> NaiveDate {
        let end = match self {
            Window::Days(n) => as_of.checked_add_days(Days::new(u64::from(n))),
            Window::Weeks(n) => as_of.checked_add_days(Days::new(u64::from(n) * 7)),
            Window::Months(n) => as_of.checked_add_months(Months::new(n)),
        };
        // Only past year 262,000 would it overflow; no input date comes near.
        end.unwrap_or(NaiveDate::MAX)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Window::Days(n) => write!(f, "{n}d"),
            Window::Weeks(n) => write!(f, "{n}w"),
            Window::Months(n) => write!(f, "{n}m"),
        }
    }
}

impl serde::Serialize for Window {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_days_weeks_and_months() {
        assert_eq!(Window::parse("90d"), Ok(Window::Days(90)));
        assert_eq!(Window::parse("12w"), Ok(Window::Weeks(12)));
        assert_eq!(Window::parse("6m"), Ok(Window::Months(6)));
        assert_eq!(Window::parse("1d").unwrap().to_string(), "1d");
        assert_eq!(Window::parse("36600d"), Ok(Window::Days(36_600)));
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            "10x",
            "90",
            "d",
            "0d",
            "-5d",
            "+5d",
            " 90d",
            "90d ",
            "90 d",
            "90D",
            "1.5m",
            "9e1d",
            "36601d",
            "5221w",
            "1201m",
            "99999999999d",
            "90dd",
            "٣d",
            "1y",
        ] {
            let e = Window::parse(bad).unwrap_err();
            assert!(
                e.starts_with(&format!("invalid window \"{bad}\"")),
                "{bad}: {e}"
            );
            assert!(
                e.contains("e.g. 90d (days), 12w (weeks) or 6m (months)"),
                "{e}"
            );
        }
        assert!(
            Window::parse("10x")
                .unwrap_err()
                .contains("the unit must be d, w or m")
        );
        assert!(Window::parse("0d").unwrap_err().contains("at least 1"));
    }

    #[test]
    fn ends_after_as_of() {
        assert_eq!(Window::Days(90).end(d("2026-11-24")), d("2027-02-22"));
        assert_eq!(Window::Weeks(2).end(d("2026-11-24")), d("2026-12-08"));
        assert_eq!(Window::Months(1).end(d("2027-01-31")), d("2027-02-28"));
        assert_eq!(Window::Months(12).end(d("2024-02-29")), d("2025-02-28"));
    }
}
