//! Calendar dates in records and validity periods of programs.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};

/// The earliest year a date in the input may have.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a date in the input may have. With validity periods of at most 100
/// years, every date credsite computes keeps four digits.
pub const MAX_YEAR: i32 = 2199;

/// Parses a `YYYY-MM-DD` date with a year from [`MIN_YEAR`] to [`MAX_YEAR`].
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let ok_shape = text.len() == 10
        && text.is_ascii()
        && text.as_bytes()[4] == b'-'
        && text.as_bytes()[7] == b'-';
    match plain_date(text).map_or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d"), Ok) {
        Ok(date) if ok_shape && (MIN_YEAR..=MAX_YEAR).contains(&date.year()) => Ok(date),
        Ok(_) if ok_shape => Err(format!(
            "date \"{text}\" is out of range: use a year from {MIN_YEAR} to {MAX_YEAR}"
        )),
        _ => Err(format!(
            "malformed date \"{text}\": expected YYYY-MM-DD, e.g. 2024-03-15"
        )),
    }
}

/// A `YYYY-MM-DD` date of digits alone, read without chrono's format parser (a
/// roster of 100,000 records has 300,000 dates, read on every save in `serve`);
/// anything else is left to it.
fn plain_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

/// Parses an XML Schema / RFC 3339 date-time as VC `validFrom` and `validUntil`
/// carry them, e.g. `2027-01-31T23:59:59Z`, into a UTC time. Comparing parsed times,
/// never strings, keeps `+10002-…` or `2027-01-31T23:59:59+01:00` from comparing wrong.
pub fn parse_date_time(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("\"{text}\" is not an RFC 3339 date-time: {e}"))
}

/// The date as an XML Schema dateTime at midnight UTC, as VC `validFrom` wants.
pub fn date_time(date: NaiveDate) -> String {
    // `NaiveDate` displays as `%Y-%m-%d`, without parsing a format string per call.
    format!("{date}T00:00:00Z")
}

/// How long a credential stays valid after it is issued, e.g. `3 years`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// A number of calendar months (years are stored as 12 months).
    Months(u32),
    /// A number of days.
    Days(u32),
}

impl Validity {
    /// Parses `N years`, `N months`, `N weeks` or `N days` (singular forms too).
    pub fn parse(text: &str) -> Result<Validity, String> {
        let err = || {
            format!(
                "cannot read validity \"{text}\": write e.g. \"3 years\", \"18 months\" or \"90 days\""
            )
        };
        let mut parts = text.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err());
        };
        let n: u32 = n.parse().map_err(|_| err())?;
        if n == 0 || n > 100 * 366 {
            return Err(err());
        }
        match unit.trim_end_matches('s') {
            "year" if n <= 100 => Ok(Validity::Months(n * 12)),
            "month" if n <= 1200 => Ok(Validity::Months(n)),
            "week" => Ok(Validity::Days(n * 7)),
            "day" => Ok(Validity::Days(n)),
            _ => Err(err()),
        }
    }

    /// The last day of validity for a credential issued on `issued`
    /// (the same calendar day `N` later; month ends are clamped).
    pub fn expiry(self, issued: NaiveDate) -> Option<NaiveDate> {
        match self {
            Validity::Months(m) => issued.checked_add_months(Months::new(m)),
            Validity::Days(d) => issued.checked_add_days(Days::new(u64::from(d))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn parses_iso_dates_only() {
        assert_eq!(d("2024-02-29").to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024/01/01",
            "01-02-2024",
            "2024-1-5",
            "",
            "+10002-01-01",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("expected YYYY-MM-DD"), "{bad}: {e}");
        }
    }

    #[test]
    fn refuses_years_out_of_range() {
        for bad in ["9999-01-01", "0001-01-01", "1899-12-31", "2200-01-01"] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("out of range"), "{bad}: {e}");
        }
        assert!(parse_date("1900-01-01").is_ok());
        assert!(parse_date("2199-12-31").is_ok());
    }

    #[test]
    fn compares_parsed_date_times() {
        let a = parse_date_time("2027-01-31T23:59:59Z").unwrap();
        let b = parse_date_time("2027-02-01T00:30:00+01:00").unwrap();
        assert!(b < a, "an offset is taken into account");
        assert!(parse_date_time("+10002-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn adds_validity() {
        assert_eq!(
            Validity::parse("3 years").unwrap().expiry(d("2024-02-29")),
            Some(d("2027-02-28"))
        );
        assert_eq!(
            Validity::parse("1 month").unwrap().expiry(d("2024-01-31")),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            Validity::parse("90 days").unwrap().expiry(d("2024-01-01")),
            Some(d("2024-03-31"))
        );
        assert_eq!(Validity::parse("2 weeks").unwrap(), Validity::Days(14));
    }

    #[test]
    fn rejects_odd_validity() {
        for bad in [
            "3",
            "years",
            "three years",
            "0 years",
            "3 fortnights",
            "3 years extra",
            "-1 days",
        ] {
            assert!(Validity::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_date_time() {
        assert_eq!(date_time(d("2024-03-05")), "2024-03-05T00:00:00Z");
        // As `%Y-%m-%d` writes them, four digits and zeros included.
        for year in [1, 99, 999, 1970, 9999] {
            let date = NaiveDate::from_ymd_opt(year, 1, 2).unwrap();
            assert_eq!(
                date_time(date),
                format!("{}T00:00:00Z", date.format("%Y-%m-%d"))
            );
        }
    }
}
