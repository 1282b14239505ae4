using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;
using NSubstitute;

namespace PsaSync.Core.Tests.TimeExpense;

/// <summary>Per-entry checks against the project, corrections, late versions and revoked approvals, on the sandbox ERP.</summary>
public sealed class TimeCorrectionTests
{
    private static readonly DateOnly Start = new(2026, 1, 1);

    private readonly SandboxErp _erp = new(new SandboxFaultOptions());
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryProjectProfiles _profiles = new();
    private readonly InMemoryPendingCostPostings _pending = new();
    private readonly InMemoryExceptionStore _exceptions = new(new FakeTimeProvider(TestData.Now));
    private readonly HandlerSupport _support;
    private readonly TimeApprovedHandler _approved;
    private readonly TimeApprovalRevokedHandler _revoked;

    public TimeCorrectionTests()
    {
        _support = new HandlerSupport(_exceptions, new InMemoryCorrelationLog(), new FakeTimeProvider(TestData.Now), new RecordingTelemetry());
        // The per-record path posts each version on its own, so the ERP lines show each reversal; CostPostingTests cover the batched one.
        var options = new CostPostingOptions { Mode = CostPostingMode.PerRecord, WriteParallelism = 1 };
        var clock = new FakeTimeProvider(TestData.Now);
        _approved = TimeHandlers.Approved(_erp, new SandboxPsa(new SandboxFaultOptions()), Substitute.For<ICrossReferenceMap>(), _ledger, _pending, _profiles, _support, options, clock);
        _revoked = new TimeApprovalRevokedHandler(new TimeReversals(_erp, _ledger, _pending, _support), _support);
        _erp.SeedProject(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        _profiles.Projects[TestData.PsaProjectId] = Project(BillingModel.TimeAndMaterials);
    }

    private static Project Project(BillingModel model, DateOnly? end = null) =>
        new(TestData.PsaProjectId, 1, "ACC-1", "Rollout", ProjectStatus.Active, "PSDE", "EUR", model, Start, end, "MSA-1", null, "DE-VAT-19", "Advisory",
            [new RoleRate("Consultant", 150m, Start)], [], null);

    private Task<HandlerResult> ApproveAsync(TimeEntry entry) => _approved.HandleAsync(TestData.TimeApprovedEnvelope(entry), false, CancellationToken.None);

    private Task<HandlerResult> RevokeAsync(TimeEntry entry)
    {
        var key = $"psa:time-entry:{entry.EntryId}:v{entry.Version}";
        var envelope = EventEnvelope.Create(new TimeApprovalRevoked(entry.EntryId, entry.Version, entry.ProjectId, entry.WorkDate), SystemNames.Psa,
            $"psa/time-entry/{entry.EntryId}", key + ":revoked", CorrelationIds.ForIdempotencyKey(key), TestData.Now);
        return _revoked.HandleAsync(envelope, false, CancellationToken.None);
    }

    private decimal ErpHours(string entryId) => _erp.TimeLines.Where(l => l.Line.ExternalId.StartsWith($"PSA-TE-{entryId}-", StringComparison.Ordinal)).Sum(l => l.Line.Hours);

    private IEnumerable<LedgerEntry> Billable => _ledger.Entries.Where(e => e.State is LedgerEntryState.Unbilled or LedgerEntryState.Reserved);

    [Fact]
    public async Task A_corrected_entry_reverses_its_earlier_version_and_only_the_new_hours_remain_to_bill()
    {
        await ApproveAsync(TestData.TimeEntry(version: 1, hours: 8m));
        var result = await ApproveAsync(TestData.TimeEntry(version: 2, hours: 6m));

        Assert.IsType<HandlerResult.Done>(result);
        Assert.Equal(6m, Assert.Single(Billable).Quantity);
        Assert.Equal(LedgerEntryState.Reversed, _ledger.Entries.Single(e => e.EntryKey.EndsWith(":v1", StringComparison.Ordinal)).State);
        // Posted lines are never edited: +8, -8, +6.
        Assert.Equal([8m, -8m, 6m], _erp.TimeLines.Select(l => l.Line.Hours));
        Assert.Equal(6m, ErpHours("TE-1001"));
    }

    [Fact]
    public async Task An_earlier_version_arriving_after_its_correction_changes_nothing()
    {
        await ApproveAsync(TestData.TimeEntry(version: 2, hours: 6m));
        var late = await ApproveAsync(TestData.TimeEntry(version: 1, hours: 8m));

        Assert.Equal("superseded:TE-1001:v1", Assert.IsType<HandlerResult.Done>(late).Outcome);
        Assert.Equal(6m, Assert.Single(Billable).Quantity);
        Assert.Equal(6m, ErpHours("TE-1001"));
    }

    [Fact]
    public async Task A_revoked_entry_is_taken_off_the_ledger_and_reversed_in_the_ERP_and_a_redelivery_repeats_nothing()
    {
        var entry = TestData.TimeEntry(hours: 7.5m);
        await ApproveAsync(entry);

        Assert.IsType<HandlerResult.Done>(await RevokeAsync(entry));
        Assert.IsType<HandlerResult.Done>(await RevokeAsync(entry));

        Assert.Empty(Billable);
        Assert.Equal([7.5m, -7.5m], _erp.TimeLines.Select(l => l.Line.Hours));
        Assert.Empty(_exceptions.Open);
    }

    [Fact]
    public async Task A_revoked_entry_that_was_already_invoiced_becomes_a_credit_note_candidate_for_finance()
    {
        var entry = TestData.TimeEntry(hours: 7.5m);
        await ApproveAsync(entry);
        var batch = new BillingRequest(TestData.PsaProjectId, "2026-03").BatchId;
        await _ledger.ReserveAsync(TestData.PsaProjectId, "2026-03", batch, CancellationToken.None);
        Assert.IsType<HandlerResult.RetryLater>(await RevokeAsync(entry));
        await _ledger.MarkBilledAsync(TestData.PsaProjectId, "2026-03", batch, "INV-D-00001", CancellationToken.None);

        Assert.IsType<HandlerResult.Done>(await RevokeAsync(entry));

        var item = Assert.Single(_exceptions.Open);
        Assert.Equal((ReasonCodes.TimeCreditCandidate.Code, ExceptionOwner.FinanceOps), (item.ReasonCode, ReasonCodes.Find(item.ReasonCode)!.Owner));
        Assert.Contains("INV-D-00001", item.Message);
        Assert.Contains("7.5 h", item.Message);
        Assert.Equal(LedgerEntryState.Billed, Assert.Single(_ledger.Entries).State);
    }

    [Theory]
    [InlineData("2025-12-31", true, "Consultant", BillingModel.TimeAndMaterials, "TIME_OUTSIDE_PROJECT_DATES")]
    [InlineData("2026-07-01", true, "Consultant", BillingModel.TimeAndMaterials, "TIME_OUTSIDE_PROJECT_DATES")]
    [InlineData("2026-03-09", true, "Consultant", BillingModel.FixedFeeMilestones, "TIME_BILLABLE_ON_FIXED_FEE")]
    [InlineData("2026-03-09", true, "Architect", BillingModel.TimeAndMaterials, "TIME_RATE_MISSING")]
    [InlineData("2026-03-09", false, "Architect", BillingModel.FixedFeeMilestones, null)]
    [InlineData("2026-03-09", true, "Consultant", BillingModel.TimeAndMaterials, null)]
    public async Task Each_entry_is_checked_against_its_project_before_anything_is_posted(string date, bool billable, string role, BillingModel model, string? reason)
    {
        _profiles.Projects[TestData.PsaProjectId] = Project(model, end: new DateOnly(2026, 6, 30));

        var result = await ApproveAsync(TestData.TimeEntry(workDate: DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), billable: billable, role: role));

        if (reason is null)
        {
            Assert.IsType<HandlerResult.Done>(result);
            Assert.Single(_erp.TimeLines);
            return;
        }
        Assert.Equal(reason, Assert.IsType<HandlerResult.Rejected>(result).ReasonCode);
        Assert.Equal(reason, Assert.Single(_exceptions.Open).ReasonCode);
        Assert.Empty(_erp.TimeLines);
        Assert.Empty(_ledger.Entries);
    }
}
