using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Sandbox;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Billing;

/// <summary>
/// The invoice-date decision and the checks that judge it, on a fake clock three months after the billed period ended
/// (the orchestration tests in PsaSync.Workflow.Tests run the same path on the real engine, whose clock is the real one).
/// </summary>
public sealed class BillingDatesTests
{
    private const string ProjectId = "PRJ-1";
    private const string Period = "2026-10";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2027, 1, 31, 9, 0, 0, TimeSpan.Zero));
    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly InMemoryCrossReferenceMap _crossReferences = new();
    private readonly InMemoryProjectProfiles _profiles = new();

    [Fact]
    public void Run_day_dating_takes_the_clocks_day_and_period_end_dating_the_last_day_of_the_period()
    {
        var runAt = _clock.GetUtcNow().UtcDateTime;

        Assert.Equal(new BillingDates(new DateOnly(2027, 1, 31), new DateOnly(2027, 1, 31)), BillingDates.For(Period, runAt, InvoiceDating.RunDay));
        Assert.Equal(new BillingDates(new DateOnly(2027, 1, 31), new DateOnly(2026, 10, 31)), BillingDates.For(Period, runAt, InvoiceDating.PeriodEnd));
        Assert.Equal("2027-01", BillingDates.For(Period, runAt, InvoiceDating.RunDay).InvoicePeriod);
        Assert.Equal("Services 2026-10-01 to 2026-10-31", BillingDates.ServicePeriodText(Period));
    }

    [Fact]
    public async Task Three_months_late_run_day_dating_passes_the_due_date_check_and_period_end_dating_fails_it_with_a_reason()
    {
        var checks = await ChecksAsync();
        var runAt = _clock.GetUtcNow().UtcDateTime;

        var runDay = await checks.RunAsync(new CheckRequest(new BillingRequest(ProjectId, Period), BillingChecks.DueDateNotPast, BillingDates.For(Period, runAt, InvoiceDating.RunDay)), CancellationToken.None);
        var periodEnd = await checks.RunAsync(new CheckRequest(new BillingRequest(ProjectId, Period), BillingChecks.DueDateNotPast, BillingDates.For(Period, runAt, InvoiceDating.PeriodEnd)), CancellationToken.None);

        Assert.True(runDay.Passed, runDay.Message);
        Assert.Contains("falls due on 2027-03-02", runDay.Message, StringComparison.Ordinal);
        Assert.False(periodEnd.Passed);
        Assert.Equal(ReasonCodes.BillingDueDatePast.Code, periodEnd.ReasonCode);
        Assert.Contains("would fall due on 2026-11-30", periodEnd.Message, StringComparison.Ordinal);
        Assert.Equal(ExceptionOwner.FinanceOps, ReasonCodes.BillingDueDatePast.Owner);
    }

    [Fact]
    public async Task The_sandbox_ERP_dates_the_invoice_as_told_and_its_due_date_follows_the_customers_terms()
    {
        await ChecksAsync();
        var dates = BillingDates.For(Period, _clock.GetUtcNow().UtcDateTime, InvoiceDating.RunDay);

        var draft = await _erp.CreateDraftInvoiceAsync(new ErpInvoiceDraft("billing-PRJ-1-2026-10", "CUST-00001", $"EP-{ProjectId}", Period, dates.InvoiceDate,
            BillingDates.ServicePeriodText(Period), "EUR", null, "DE-VAT-19", "corr"), CancellationToken.None);
        await _erp.SetInvoiceLinesAsync(draft.InvoiceId, [new ErpInvoiceLine("Consultant – 8 h at 150.00", 8m, 150m, 1200m)], CancellationToken.None);
        await _erp.PostInvoiceAsync(draft.InvoiceId, CancellationToken.None);

        var change = Assert.Single((await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes);
        Assert.Equal(new DateOnly(2027, 1, 31), change.InvoiceDate);
        Assert.True(change.DueDate > dates.RunDay, $"due {change.DueDate} is not after the run day {dates.RunDay}");
        Assert.StartsWith("INV-2027-", change.Number, StringComparison.Ordinal);
    }

    /// <summary>Contoso (NET30) in the ERP and its project; the checks read them.</summary>
    private async Task<BillingChecks> ChecksAsync()
    {
        var customer = await _erp.CreateCustomerAsync(SandboxMasterData.CustomerDraft(), CancellationToken.None);
        await _crossReferences.LinkAsync(EntityKinds.Customer, SystemNames.CustomerKey, "ACC-1", SystemNames.Erp, customer.CustomerNumber, CancellationToken.None);
        await _profiles.SaveAsync(SandboxMasterData.Project(ProjectId, contractCeiling: null), CancellationToken.None);
        _erp.SeedProject(new ErpProject($"EP-{ProjectId}", ProjectId, Active: true));
        return new BillingChecks(_erp, new SandboxPsa(new SandboxFaultOptions()), _crossReferences, new InMemoryLedger(), _profiles,
            new ReferenceDataCache(_erp, _clock), new BillingOptions());
    }
}
