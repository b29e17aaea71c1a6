//! Dates and times as the conversation shows them, computed from an
//! instant and the reader's offset from UTC at that instant.
//!
//! Pure: the shell asks the browser only for the offset (one call), and
//! everything else is arithmetic here, tested on the host. The browser's
//! own formatting would cost a dozen imports in the bundle.

const MS_PER_MINUTE: f64 = 60_000.0;
const MS_PER_DAY: f64 = 86_400_000.0;
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A calendar date and time of day, with the day's number since
/// 1970-01-01 of the same calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub days: i64,
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millisecond: u32,
}

impl Civil {
    /// The instant `time_ms` (milliseconds since the Unix epoch) in UTC.
    pub fn utc(time_ms: f64) -> Civil {
        // Out-of-range or NaN instants (none come from the clock) show as
        // the epoch rather than as nonsense.
        let time_ms = if time_ms.is_finite() && time_ms.abs() < 1e16 {
            time_ms.floor()
        } else {
            0.0
        };
        let days = (time_ms / MS_PER_DAY).floor();
        let in_day = (time_ms - days * MS_PER_DAY) as u32;
        let (year, month, day) = civil_from_days(days as i64);
        Civil {
            days: days as i64,
            year,
            month,
            day,
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1_000 % 60,
            millisecond: in_day % 1_000,
        }
    }

    /// The instant in local time, `offset_minutes` being what JavaScript's
    /// `Date.getTimezoneOffset()` gives for it (UTC minus local time).
    pub fn local(time_ms: f64, offset_minutes: f64) -> Civil {
        Civil::utc(time_ms - offset_minutes * MS_PER_MINUTE)
    }

    /// `HH:MM`.
    pub fn clock(&self) -> String {
        let mut out = String::with_capacity(5);
        two_digits(&mut out, self.hour);
        out.push(':');
        two_digits(&mut out, self.minute);
        out
    }

    /// `Tue 1 Dec 2026`.
    pub fn date(&self) -> String {
        let weekday = WEEKDAYS
            .get(self.days.rem_euclid(7) as usize)
            .copied()
            .unwrap_or_default();
        let month = MONTHS
            .get(self.month.saturating_sub(1) as usize)
            .copied()
            .unwrap_or_default();
        let mut out = String::with_capacity(16);
        out.push_str(weekday);
        out.push(' ');
        // One or two digits, without the formatter for `u32`.
        if self.day >= 10 {
            out.push(char::from(b'0' + (self.day / 10 % 10) as u8));
        }
        out.push(char::from(b'0' + (self.day % 10) as u8));
        out.push(' ');
        out.push_str(month);
        out.push(' ');
        push_whole(&mut out, self.year);
        out
    }

    /// `Tue 1 Dec 2026, 23:28:40`: the full date and time, for hovering.
    pub fn full(&self) -> String {
        let mut out = self.date();
        out.push_str(", ");
        out.push_str(&self.clock());
        out.push(':');
        two_digits(&mut out, self.second);
        out
    }

    /// The day's name as a separator shows it: `Today`, `Yesterday`, or
    /// the date.
    pub fn day_label(&self, today: &Civil) -> String {
        match today.days - self.days {
            0 => "Today".to_owned(),
            1 => "Yesterday".to_owned(),
            _ => self.date(),
        }
    }

    /// ISO 8601 in UTC with milliseconds, as `Date.toISOString()` writes
    /// it: `2026-12-01T23:28:40.123Z`. Only meaningful on a UTC `Civil`.
    pub fn iso(&self) -> String {
        let mut out = String::with_capacity(24);
        if (0..10_000).contains(&self.year) {
            let year = self.year as u32;
            two_digits(&mut out, year / 100);
            two_digits(&mut out, year % 100);
        } else {
            push_whole(&mut out, self.year);
        }
        for (separator, value) in [('-', self.month), ('-', self.day), ('T', self.hour)] {
            out.push(separator);
            two_digits(&mut out, value);
        }
        for value in [self.minute, self.second] {
            out.push(':');
            two_digits(&mut out, value);
        }
        out.push('.');
        two_digits(&mut out, self.millisecond / 10);
        out.push(char::from(b'0' + (self.millisecond % 10) as u8));
        out.push('Z');
        out
    }
}

/// Appends `value` in decimal, as `i64`'s `Display` writes it, through
/// `u64`'s formatter: the history's records need that one anyway, and one
/// for `i64` would cost the bundle its own.
pub fn push_whole(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    out.push_str(&value.unsigned_abs().to_string());
}

fn two_digits(out: &mut String, value: u32) {
    out.push(char::from(b'0' + (value / 10 % 10) as u8));
    out.push(char::from(b'0' + (value % 10) as u8));
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01),
/// by Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-01T23:28:40.123Z, a Tuesday.
    const INSTANT: f64 = 1_796_167_720_123.0;

    #[test]
    fn whole_numbers_are_written_as_i64_display_writes_them() {
        for value in [0, 7, -7, 10_000, -275_760, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_whole(&mut out, value);
            assert_eq!(out, value.to_string());
        }
    }

    #[test]
    fn an_instant_is_written_as_to_iso_string_writes_it() {
        assert_eq!(Civil::utc(INSTANT).iso(), "2026-12-01T23:28:40.123Z");
        assert_eq!(Civil::utc(0.0).iso(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Civil::utc(951_782_400_000.0).iso(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(Civil::utc(-1.0).iso(), "1969-12-31T23:59:59.999Z");
        assert_eq!(Civil::utc(f64::NAN).iso(), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn local_time_applies_the_offset_of_the_instant() {
        // Berlin in winter is UTC+1: getTimezoneOffset() says -60.
        let berlin = Civil::local(INSTANT, -60.0);
        assert_eq!(
            (berlin.clock(), berlin.date()),
            ("00:28".into(), "Wed 2 Dec 2026".into())
        );
        // New York in winter is UTC-5: +300.
        let new_york = Civil::local(INSTANT, 300.0);
        assert_eq!(new_york.full(), "Tue 1 Dec 2026, 18:28:40");
    }

    #[test]
    fn days_are_named_relative_to_today() {
        let today = Civil::utc(INSTANT);
        assert_eq!(Civil::utc(INSTANT - 3_600_000.0).day_label(&today), "Today");
        assert_eq!(
            Civil::utc(INSTANT - MS_PER_DAY).day_label(&today),
            "Yesterday"
        );
        assert_eq!(
            Civil::utc(INSTANT - 2.0 * MS_PER_DAY).day_label(&today),
            "Sun 29 Nov 2026"
        );
    }

    #[test]
    fn every_day_of_four_centuries_round_trips_through_the_calendar() {
        let mut previous = civil_from_days(-1);
        for days in 0..146_097 {
            let (year, month, day) = civil_from_days(days);
            let next_day = day == previous.2 + 1 && month == previous.1;
            let next_month =
                day == 1 && (month == previous.1 + 1 || (month == 1 && previous.1 == 12));
            assert!(
                next_day || next_month,
                "{days}: {previous:?} then {year}-{month}-{day}"
            );
            previous = (year, month, day);
        }
        assert_eq!(previous, (2369, 12, 31));
    }
}
