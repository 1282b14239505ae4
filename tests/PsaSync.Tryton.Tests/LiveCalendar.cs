using PsaSync.Core.Billing;

namespace PsaSync.Tryton.Tests;

/// <summary>
/// Dates for tests against the live Tryton. Its server judges invoices by the real date (a payment date already past is a
/// warning), so these tests work in the month before today and date invoices today, whatever day they run on.
/// </summary>
internal static class LiveCalendar
{
    public static DateOnly Today => DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);

    /// <summary>The first day of the month before today's: the month the tests bill.</summary>
    public static DateOnly PreviousMonth => new DateOnly(Today.Year, Today.Month, 1).AddMonths(-1);

    public static string PreviousPeriod => LedgerEntry.PeriodOf(PreviousMonth);

    /// <summary>A day of the previous month (1-based).</summary>
    public static DateOnly DayOfPreviousMonth(int day) => PreviousMonth.AddDays(day - 1);

    /// <summary>A month in the fiscal year before today's (scripts/tryton.sh init creates last, this and next year), for closing.</summary>
    public static DateOnly DayInLastFiscalYear => new(Today.Year - 1, 3, 15);
}
