//! The request time, written as `x-acs-date` (`2026-12-04T03:04:05Z`).

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// An instant in whole UTC seconds between 1970 and 9999, as a signed request carries it in
/// `x-acs-date`: `YYYY-MM-DDTHH:MM:SSZ`.
///
/// Alibaba Cloud rejects a request whose date is more than 15 minutes from its own clock, so
/// a signer is given the time rather than reading it: tests pin it, and [`Timestamp::now`]
/// reads the system clock for real requests.
///
/// ```
/// use immperm_openapi::Timestamp;
///
/// let date: Timestamp = "2026-12-04T03:04:05Z".parse()?;
/// assert_eq!(date.unix_seconds(), 1_796_353_445);
/// assert_eq!(date.to_string(), "2026-12-04T03:04:05Z");
/// # Ok::<(), immperm_openapi::TimestampError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: u64,
}

/// The last second `x-acs-date` can write with a four-digit year: 9999-12-31T23:59:59Z.
const MAX_SECONDS: u64 = 253_402_300_799;

/// Why a time cannot be a request date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampError {
    /// The text is not `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds) or names no real instant.
    Format(String),
    /// The instant is before 1970 or after 9999.
    OutOfRange,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Format(text) => write!(
                f,
                "`{text}` is not a request date; write it in UTC to the second, as \
                 `2026-12-04T03:04:05Z`"
            ),
            Self::OutOfRange => write!(
                f,
                "the time is outside 1970-9999, which `x-acs-date` cannot carry; check the \
                 system clock"
            ),
        }
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// The instant `seconds` after 1970-01-01T00:00:00Z.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] after 9999-12-31T23:59:59Z.
    pub fn from_unix_seconds(seconds: u64) -> Result<Self, TimestampError> {
        if seconds > MAX_SECONDS {
            return Err(TimestampError::OutOfRange);
        }
        Ok(Self { seconds })
    }

    /// `time`, truncated to the second.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] before 1970 or after 9999.
    pub fn from_system_time(time: SystemTime) -> Result<Self, TimestampError> {
        let since = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TimestampError::OutOfRange)?;
        Self::from_unix_seconds(since.as_secs())
    }

    /// The system clock's current time.
    ///
    /// # Errors
    ///
    /// [`TimestampError::OutOfRange`] when the clock is set before 1970 or after 9999.
    pub fn now() -> Result<Self, TimestampError> {
        Self::from_system_time(SystemTime::now())
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> u64 {
        self.seconds
    }

    /// How far apart two instants are, whichever comes first.
    pub fn distance(self, other: Self) -> Duration {
        Duration::from_secs(self.seconds.abs_diff(other.seconds))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    // Years and months shifted so that the year starts in March; 719_468 is the day number of
    // 1970-01-01 counted from 0000-03-01. The caller keeps `year >= 1970`.
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = civil_from_days(self.seconds / 86_400);
        let second_of_day = self.seconds % 86_400;
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    /// Reads exactly `YYYY-MM-DDTHH:MM:SSZ`, the form `x-acs-date` uses.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || TimestampError::Format(text.to_owned());
        let bytes = text.as_bytes();
        let [
            y0,
            y1,
            y2,
            y3,
            b'-',
            m0,
            m1,
            b'-',
            d0,
            d1,
            b'T',
            h0,
            h1,
            b':',
            i0,
            i1,
            b':',
            s0,
            s1,
            b'Z',
        ] = *bytes
        else {
            return Err(bad());
        };
        let number = |digits: &[u8]| -> Option<u64> {
            digits.iter().try_fold(0_u64, |total, &digit| {
                digit
                    .is_ascii_digit()
                    .then(|| total * 10 + u64::from(digit - b'0'))
            })
        };
        let field = |digits: &[u8]| number(digits).ok_or_else(bad);
        let year = field(&[y0, y1, y2, y3])?;
        let month = field(&[m0, m1])?;
        let day = field(&[d0, d1])?;
        let hour = field(&[h0, h1])?;
        let minute = field(&[i0, i1])?;
        let second = field(&[s0, s1])?;
        if year < 1970
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(bad());
        }
        let seconds =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Self::from_unix_seconds(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_are_written_in_utc() {
        for (seconds, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_698_315_752, "2023-10-26T10:22:32Z"),
            (1_796_353_445, "2026-12-04T03:04:05Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (MAX_SECONDS, "9999-12-31T23:59:59Z"),
        ] {
            let date = Timestamp::from_unix_seconds(seconds).unwrap();
            assert_eq!(date.to_string(), text);
            assert_eq!(text.parse::<Timestamp>().unwrap(), date);
        }
    }

    #[test]
    fn every_day_round_trips() {
        // Each day of 1970-2500 once, through text and back.
        for day in 0..194_000_u64 {
            let date = Timestamp::from_unix_seconds(day * 86_400 + 86_399).unwrap();
            assert_eq!(date.to_string().parse::<Timestamp>().unwrap(), date);
        }
    }

    #[test]
    fn malformed_or_impossible_dates_are_refused() {
        for text in [
            "2026-12-04 03:04:05Z",
            "2026-12-04T03:04:05",
            "2026-12-04T03:04:05.000Z",
            "2026-12-04T03:04:05+00:00",
            "2026-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "２026-12-04T03:04:05Z",
        ] {
            assert!(
                matches!(text.parse::<Timestamp>(), Err(TimestampError::Format(_))),
                "{text}"
            );
        }
        assert_eq!(
            Timestamp::from_unix_seconds(MAX_SECONDS + 1),
            Err(TimestampError::OutOfRange)
        );
        assert!("2024-02-29T12:00:00Z".parse::<Timestamp>().is_ok());
    }

    #[test]
    fn distance_is_symmetric() {
        let a = Timestamp::from_unix_seconds(100).unwrap();
        let b = Timestamp::from_unix_seconds(1000).unwrap();
        assert_eq!(a.distance(b), Duration::from_mins(15));
        assert_eq!(b.distance(a), Duration::from_mins(15));
    }
}
