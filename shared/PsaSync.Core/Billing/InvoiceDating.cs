using System.Globalization;
using PsaSync.Core.Model;

namespace PsaSync.Core.Billing;

/// <summary>Which date an invoice carries. Decided once by the billing workflow; every ERP connector takes the date it is given.</summary>
public enum InvoiceDating
{
    /// <summary>
    /// The billing run's day (UTC), in the ERP's fiscal period for that day. The default: a period billed weeks after it
    /// ended still gets a due date in the future, and a closed service period does not stop the invoice.
    /// </summary>
    RunDay,

    /// <summary>
    /// The last day of the service period, for firms that close within a few days of month end. A run whose due date
    /// would already be past stops at readiness (BILLING_DUE_DATE_PAST) instead of drafting.
    /// </summary>
    PeriodEnd,
}

/// <summary>The two days a billing run reasons with: the day it runs and the day its invoice will carry.</summary>
public sealed record BillingDates(DateOnly RunDay, DateOnly InvoiceDate)
{
    /// <summary>The dates of a run of <paramref name="period"/> (yyyy-MM) on <paramref name="runAt"/> (UTC).</summary>
    public static BillingDates For(string period, DateTime runAt, InvoiceDating dating)
    {
        var runDay = DateOnly.FromDateTime(runAt);
        return new BillingDates(runDay, dating switch
        {
            InvoiceDating.PeriodEnd => LastDayOf(period),
            _ => runDay,
        });
    }

    /// <summary>The fiscal period (yyyy-MM) the invoice falls in.</summary>
    public string InvoicePeriod => LedgerEntry.PeriodOf(InvoiceDate);

    /// <summary>How the invoice states the service period it bills, in words that read the same in any culture.</summary>
    public static string ServicePeriodText(string period) =>
        string.Create(CultureInfo.InvariantCulture, $"Services {FirstDayOf(period):yyyy-MM-dd} to {LastDayOf(period):yyyy-MM-dd}");

    private static DateOnly FirstDayOf(string period) => DateOnly.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture);

    private static DateOnly LastDayOf(string period) => FirstDayOf(period).AddMonths(1).AddDays(-1);
}
