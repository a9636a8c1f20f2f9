/// Days since 1970-01-01 to and from (year, month, day) in the proleptic
/// Gregorian calendar, with integer arithmetic (Howard Hinnant's
/// `civil_from_days` and `days_from_civil`). Used where formatting a date
/// through Foundation would load ICU: stored dates and HTTP dates.
public enum CivilDate {
    /// `value` split into whole `unit`s and what is left, rounding toward
    /// minus infinity so that the rest is never negative (seconds before 1970
    /// still fall into the right day).
    public static func floorDivision(_ value: Int64, by unit: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % unit
        return remainder < 0 ? (value / unit - 1, remainder + unit) : (value / unit, remainder)
    }

    /// (year, month 1–12, day 1–31) of a count of days since 1970-01-01.
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of (year, month 1–12, day 1–31).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
