using Microsoft.Extensions.Time.Testing;
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
using PsaSync.Core.Workflow;

namespace PsaSync.Core.Tests.Billing;

/// <summary>
/// Which date an invoice carries, decided by the billing workflow on its own clock: a period billed long after it ended
/// is dated on the run day and falls due in the future; period-end dating that would be overdue on issue stops at readiness.
/// </summary>
public sealed class InvoiceDatingTests
{
    private const string ProjectId = "PRJ-1";
    private const string Period = "2026-10";
    private static readonly DateTimeOffset SoonAfterThePeriod = new(2026, 11, 3, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset ThreeMonthsAfterThePeriod = new(2027, 1, 31, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(SoonAfterThePeriod);
    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryProjectProfiles _profiles = new();
    private readonly InMemoryCrossReferenceMap _crossReferences = new();
    private readonly InMemoryExceptionStore _exceptions;

    public InvoiceDatingTests() => _exceptions = new InMemoryExceptionStore(_clock);

    [Fact]
    public async Task A_period_billed_three_months_late_is_invoiced_on_the_run_day_and_falls_due_after_it()
    {
        _clock.SetUtcNow(ThreeMonthsAfterThePeriod);
        await ApprovedTimeAsync();
        // Month-end close is long done: the service period's own fiscal period is closed, the run day's is open.
        _erp.ClosePeriod(Period);

        var status = await BillAsync(InvoiceDating.RunDay);

        Assert.Equal(BillingState.Invoiced, status.State);
        var change = Assert.Single((await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes);
        Assert.Equal(new DateOnly(2027, 1, 31), change.InvoiceDate);
        Assert.Equal(new DateOnly(2027, 3, 2), change.DueDate);
        Assert.StartsWith("INV-2027-", change.Number, StringComparison.Ordinal);
        Assert.Empty(_exceptions.Open);
    }

    [Fact]
    public async Task With_period_end_dating_a_run_whose_due_date_is_past_stops_at_readiness_and_drafts_nothing()
    {
        _clock.SetUtcNow(ThreeMonthsAfterThePeriod);
        await ApprovedTimeAsync();

        var status = await BillAsync(InvoiceDating.PeriodEnd);

        Assert.Equal(BillingState.Blocked, status.State);
        var item = Assert.Single(_exceptions.Open);
        Assert.Equal((ReasonCodes.BillingDueDatePast.Code, ExceptionOwner.FinanceOps), (item.ReasonCode, item.Owner));
        Assert.Contains("2026-10-31", item.Message, StringComparison.Ordinal);
        Assert.Contains("2026-11-30", item.Message, StringComparison.Ordinal);
        Assert.Contains("InvoiceDating=RunDay", item.HowToFix, StringComparison.Ordinal);
        Assert.Empty(_erp.Invoices);
        Assert.All(_ledger.Entries, e => Assert.Equal(LedgerEntryState.Unbilled, e.State));
    }

    [Fact]
    public async Task With_period_end_dating_a_run_within_the_payment_term_dates_the_invoice_on_the_last_day_of_the_period()
    {
        await ApprovedTimeAsync();

        var status = await BillAsync(InvoiceDating.PeriodEnd);

        Assert.Equal(BillingState.Invoiced, status.State);
        var change = Assert.Single((await _erp.GetInvoiceChangesAsync(null, 10, CancellationToken.None)).Changes);
        Assert.Equal((new DateOnly(2026, 10, 31), new DateOnly(2026, 11, 30)), (change.InvoiceDate, change.DueDate));
    }

    [Fact]
    public async Task The_closed_period_check_judges_the_date_the_invoice_will_carry()
    {
        // Mid-month, so the run's three days of re-checks all fall in the closed period.
        _clock.SetUtcNow(new DateTimeOffset(2027, 1, 12, 9, 0, 0, TimeSpan.Zero));
        await ApprovedTimeAsync();
        _erp.ClosePeriod("2027-01");

        var status = await BillAsync(InvoiceDating.RunDay);

        Assert.Equal(BillingState.Blocked, status.State);
        var item = Assert.Single(_exceptions.Open);
        Assert.Equal(ReasonCodes.BillingPeriodClosed.Code, item.ReasonCode);
        Assert.Contains("in period 2027-01, which is closed", item.Message, StringComparison.Ordinal);
        Assert.Empty(_erp.Invoices);
    }

    /// <summary>Contoso (NET30) in the ERP, its project with a Consultant rate, and 12 approved hours in the PSA and the ledger.</summary>
    private async Task ApprovedTimeAsync()
    {
        var customer = await _erp.CreateCustomerAsync(SandboxMasterData.CustomerDraft(), CancellationToken.None);
        await _crossReferences.LinkAsync(EntityKinds.Customer, SystemNames.CustomerKey, "ACC-1", SystemNames.Erp, customer.CustomerNumber, CancellationToken.None);
        await _profiles.SaveAsync(SandboxMasterData.Project(ProjectId, contractCeiling: null), CancellationToken.None);
        _erp.SeedProject(new ErpProject($"EP-{ProjectId}", ProjectId, Active: true));
        foreach (var (id, day, hours) in new[] { ("TE-1", 5, 8m), ("TE-2", 6, 4m) })
        {
            var entry = TestData.TimeEntry(entryId: id, projectId: ProjectId, hours: hours, workDate: new DateOnly(2026, 10, day));
            _psa.RecordApprovedTime(entry);
            await _ledger.AddAsync(LedgerEntry.ForTime(entry, $"corr-{id}"), CancellationToken.None);
        }
    }

    private async Task<BillingStatus> BillAsync(InvoiceDating dating)
    {
        var options = new BillingOptions { InvoiceDating = dating };
        var checks = new BillingChecks(_erp, _psa, _crossReferences, _ledger, _profiles, new ReferenceDataCache(_erp, _clock), options);
        var context = new BillingContext(_profiles, _crossReferences, _erp);
        IWorkflowActivity[] activities =
        [
            new RunBillingCheck(checks), new RaiseBillingBlocks(_exceptions), new ReserveBillingEntries(_ledger), new CreateDraftInvoice(context, _erp),
            new SetInvoiceLines(_profiles, _ledger, _erp), new PostInvoice(_erp), new MarkEntriesBilled(_ledger),
            new RecordInvoiceIssued(_exceptions, new InMemoryCorrelationLog(), _clock), new UndoInvoice(_erp), new ReleaseBillingEntries(_ledger),
            new RaiseBillingCompensated(_exceptions),
        ];
        return await new BillingReadinessWorkflow(options).RunAsync(new DirectWorkflowContext(activities, _clock), new BillingRequest(ProjectId, Period));
    }
}
