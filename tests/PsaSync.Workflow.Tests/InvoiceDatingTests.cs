using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Workflow.Tests.Support;

namespace PsaSync.Workflow.Tests;

/// <summary>
/// Which date an invoice carries, decided by the orchestration on its own (replay-safe) clock: a period billed long
/// after it ended is dated on the run day and falls due in the future; period-end dating that would be overdue on
/// issue stops at readiness. On the real engine the clock is today's, so the periods are chosen relative to it.
/// </summary>
public sealed class InvoiceDatingTests
{
    private static readonly DateOnly Today = BillingEngine.Today;
    private static readonly string ThisMonth = LedgerEntry.PeriodOf(Today);
    private static readonly string ThreeMonthsAgo = LedgerEntry.PeriodOf(Today.AddMonths(-3));

    [Fact]
    public async Task A_period_billed_three_months_late_is_invoiced_on_the_run_day_and_falls_due_after_it()
    {
        await using var engine = await (await Engine(InvoiceDating.RunDay, ThreeMonthsAgo).WithApprovedTimeAsync()).StartAsync();
        // Month-end close is long done: the service period's own fiscal period is closed, the run day's is open.
        engine.Erp.ClosePeriod(ThreeMonthsAgo);

        var status = await BillAsync(engine);

        Assert.Equal(BillingState.Invoiced, status.State);
        var change = Assert.Single((await engine.Erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes);
        Assert.Equal(Today, change.InvoiceDate);
        Assert.Equal(Today.AddDays(30), change.DueDate);
        Assert.StartsWith($"INV-{Today.Year}-", change.Number, StringComparison.Ordinal);
        Assert.Empty(engine.Exceptions.Open);
    }

    [Fact]
    public async Task With_period_end_dating_a_run_whose_due_date_is_past_stops_at_readiness_and_drafts_nothing()
    {
        await using var engine = await (await Engine(InvoiceDating.PeriodEnd, ThreeMonthsAgo).WithApprovedTimeAsync()).StartAsync();

        var status = await BillAsync(engine);

        Assert.Equal(BillingState.Blocked, status.State);
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal((ReasonCodes.BillingDueDatePast.Code, ExceptionOwner.FinanceOps), (item.ReasonCode, item.Owner));
        var periodEnd = LastDayOf(ThreeMonthsAgo);
        Assert.Contains(periodEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), item.Message, StringComparison.Ordinal);
        Assert.Contains(periodEnd.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), item.Message, StringComparison.Ordinal);
        Assert.Contains("InvoiceDating=RunDay", item.HowToFix, StringComparison.Ordinal);
        Assert.Empty(engine.Erp.Invoices);
        Assert.All(engine.InnerLedger.Entries, e => Assert.Equal(LedgerEntryState.Unbilled, e.State));
    }

    [Fact]
    public async Task With_period_end_dating_a_run_within_the_payment_term_dates_the_invoice_on_the_last_day_of_the_period()
    {
        // This month's period: its last day plus NET30 is always still to come.
        await using var engine = await (await Engine(InvoiceDating.PeriodEnd, ThisMonth).WithApprovedTimeAsync()).StartAsync();

        var status = await BillAsync(engine);

        Assert.Equal(BillingState.Invoiced, status.State);
        var change = Assert.Single((await engine.Erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes);
        Assert.Equal((LastDayOf(ThisMonth), LastDayOf(ThisMonth).AddDays(30)), (change.InvoiceDate, change.DueDate));
    }

    [Fact]
    public async Task The_closed_period_check_judges_the_date_the_invoice_will_carry()
    {
        await using var engine = await (await Engine(InvoiceDating.RunDay, BillingEngine.LastMonth).WithApprovedTimeAsync()).StartAsync();
        // Last month (the service period) is open; the run day's period is closed.
        engine.Erp.ClosePeriod(ThisMonth);

        var status = await BillAsync(engine);

        Assert.Equal(BillingState.Blocked, status.State);
        var item = Assert.Single(engine.Exceptions.Open);
        Assert.Equal(ReasonCodes.BillingPeriodClosed.Code, item.ReasonCode);
        Assert.Contains($"in period {ThisMonth}, which is closed", item.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Erp.Invoices);
    }

    /// <summary>A blocked run gives up after one re-check, a second later.</summary>
    private static BillingEngine Engine(InvoiceDating dating, string period) =>
        new(new BillingOptions { InvoiceDating = dating, ResolutionDeadline = TimeSpan.FromSeconds(1), RecheckInterval = TimeSpan.FromSeconds(1) }, period);

    private static async Task<BillingStatus> BillAsync(BillingEngine engine)
    {
        await engine.Workflows.StartAsync(engine.Request(), CancellationToken.None);
        return (await engine.CompletionAsync(engine.Request())).Output!;
    }

    private static DateOnly LastDayOf(string period) =>
        DateOnly.ParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture).AddMonths(1).AddDays(-1);
}
