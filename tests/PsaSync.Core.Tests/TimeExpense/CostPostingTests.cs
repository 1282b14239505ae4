using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.TimeExpense;

namespace PsaSync.Core.Tests.TimeExpense;

/// <summary>The batched path: the handler accepts approved time, the cost posting job aggregates and posts it against the sandbox ERP.</summary>
public class CostPostingTests
{
    private const string OtherProjectId = "PRJ-200";
    private const string OtherErpProjectCode = "ERP-P-200";

    private readonly SandboxFaultOptions _erpFaults = new();
    private readonly SandboxErp _erp;
    private readonly SandboxPsa _psa = new(new SandboxFaultOptions());
    private readonly InMemoryLedger _ledger = new();
    private readonly InMemoryExceptionStore _exceptions;
    private readonly InMemoryPendingCostPostings _pending = new();
    // One batch at a time: the in-memory exception store and log are not thread-safe.
    private readonly ErpBudgetOptions _budget = new() { BatchSize = 10, MaxConcurrency = 1 };
    private readonly TimeApprovedHandler _handler;
    private readonly CostPostingJob _job;

    public CostPostingTests()
    {
        _erp = new SandboxErp(_erpFaults);
        _erp.SeedProject(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        _erp.SeedProject(new ErpProject(OtherErpProjectCode, OtherProjectId, Active: true));
        var clock = new FakeTimeProvider(TestData.Now);
        _exceptions = new InMemoryExceptionStore(clock);
        var support = new HandlerSupport(_exceptions, new InMemoryCorrelationLog(), clock, new RecordingTelemetry());
        // One write at a time: the in-memory stores are not thread-safe.
        var options = new CostPostingOptions { Mode = CostPostingMode.Batched, WriteParallelism = 1 };
        var recorder = new PostedTimeRecorder(_psa, _ledger, support, options);
        _handler = TimeHandlers.Approved(_erp, _psa, new InMemoryCrossReferenceMap(), _ledger, _pending, new InMemoryProjectProfiles(), support, options, clock);
        _job = new CostPostingJob(_pending, _erp, recorder, _exceptions, _budget, options);
        _revoked = new TimeApprovalRevokedHandler(new TimeReversals(_erp, _ledger, _pending, support), support);
    }

    private readonly TimeApprovalRevokedHandler _revoked;

    private Task<HandlerResult> RevokeAsync(TimeEntry entry)
    {
        var key = $"psa:time-entry:{entry.EntryId}:v{entry.Version}";
        var envelope = EventEnvelope.Create(new TimeApprovalRevoked(entry.EntryId, entry.Version, entry.ProjectId, entry.WorkDate), "psa",
            $"psa/time-entry/{entry.EntryId}", key + ":revoked", CorrelationIds.ForIdempotencyKey(key), TestData.Now);
        return _revoked.HandleAsync(envelope, false, CancellationToken.None);
    }

    [Fact]
    public async Task A_revocation_waits_for_the_job_then_reverses_the_posted_hours_in_the_ERP_and_the_ledger()
    {
        var entry = TestData.TimeEntry(hours: 6m);
        await AcceptAsync([entry]);

        Assert.IsType<HandlerResult.RetryLater>(await RevokeAsync(entry));
        await _job.RunAsync(CancellationToken.None);
        Assert.IsType<HandlerResult.Done>(await RevokeAsync(entry));
        Assert.IsType<HandlerResult.Done>(await RevokeAsync(entry));

        Assert.Equal([6m, -6m], _erp.TimeLines.Select(l => l.Line.Hours));
        Assert.Equal(LedgerEntryState.Reversed, Assert.Single(_ledger.Entries).State);
        Assert.Equal(CostPostingState.Reversed, Assert.Single(_pending.Rows).State);
    }

    [Fact]
    public async Task A_correction_arriving_before_its_original_writes_the_original_off_so_only_the_correction_is_posted()
    {
        await AcceptAsync([TestData.TimeEntry(version: 2, hours: 5m)]);
        await AcceptAsync([TestData.TimeEntry(version: 1, hours: 8m)]);
        await _job.RunAsync(CancellationToken.None);

        Assert.Equal(5m, _erp.TimeLines.Sum(l => l.Line.Hours));
        Assert.Equal(5m, Assert.Single(_ledger.Entries).Quantity);
    }

    [Fact]
    public async Task A_correction_that_moves_the_entry_into_another_month_reverses_the_original_in_its_own_month()
    {
        await AcceptAsync([TestData.TimeEntry(version: 1, hours: 8m, workDate: new DateOnly(2026, 3, 31))]);
        await _job.RunAsync(CancellationToken.None);

        await AcceptAsync([TestData.TimeEntry(version: 2, hours: 6m, workDate: new DateOnly(2026, 4, 1))]);
        await _job.RunAsync(CancellationToken.None);

        Assert.Equal([(8m, "2026-03"), (-8m, "2026-03"), (6m, "2026-04")], _erp.TimeLines.Select(l => (l.Line.Hours, LedgerEntry.PeriodOf(l.Line.WorkDate))));
        Assert.Equal([(LedgerEntryState.Reversed, 8m), (LedgerEntryState.Unbilled, 6m)], _ledger.Entries.Select(e => (e.State, e.Quantity)));
    }

    [Fact]
    public async Task A_late_original_of_a_correction_into_another_month_is_written_off_and_never_posted()
    {
        await AcceptAsync([TestData.TimeEntry(version: 2, hours: 6m, workDate: new DateOnly(2026, 4, 1))]);
        await AcceptAsync([TestData.TimeEntry(version: 1, hours: 8m, workDate: new DateOnly(2026, 3, 31))]);
        await _job.RunAsync(CancellationToken.None);

        Assert.Equal([6m], _erp.TimeLines.Select(l => l.Line.Hours));
        Assert.Equal(6m, Assert.Single(_ledger.Entries).Quantity);
    }

    [Fact]
    public async Task A_resource_day_over_24_hours_is_held_back_with_an_item_per_entry_and_the_other_days_are_posted()
    {
        var day = new DateOnly(2026, 3, 9);
        var first = TestData.TimeEntry(entryId: "TE-A", hours: 16m, workDate: day);
        var twin = TestData.TimeEntry(entryId: "TE-B", hours: 12m, workDate: day, projectId: OtherProjectId);
        var nextDay = TestData.TimeEntry(entryId: "TE-C", hours: 8m, workDate: day.AddDays(1));
        await AcceptAsync([first, twin, nextDay]);

        var run = await _job.PostOpenAsync(CancellationToken.None);

        Assert.Equal([8m], _erp.TimeLines.Select(l => l.Line.Hours));
        Assert.Equal((1, 2), (run.EntriesPosted, run.EntriesFailed));
        var items = _exceptions.Open.Where(x => x.ReasonCode == ReasonCodes.DayOverFull.Code).ToList();
        Assert.Equal(["TE-A", "TE-B"], items.Select(x => x.SourceRecord.Id).Order());
        Assert.All(items, x => Assert.Contains("28 approved hours on 2026-03-09 across TE-A (16 h), TE-B (12 h)", x.Message, StringComparison.Ordinal));
        Assert.Equal(CostPostingState.Failed, _pending.Rows.Single(p => p.Entry.EntryId == "TE-A").State);
        Assert.Empty(await _pending.ListOpenAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task Twenty_four_hours_in_a_day_and_other_resources_on_the_same_day_are_posted()
    {
        var day = new DateOnly(2026, 3, 9);
        await AcceptAsync([
            TestData.TimeEntry(entryId: "TE-A", hours: 12m, workDate: day),
            TestData.TimeEntry(entryId: "TE-B", hours: 12m, workDate: day),
            TestData.TimeEntry(entryId: "TE-C", hours: 16m, workDate: day, resourceId: "RES-8"),
        ]);

        var run = await _job.PostOpenAsync(CancellationToken.None);

        Assert.Equal((3, 0), (run.EntriesPosted, run.EntriesFailed));
        Assert.Equal(40m, _erp.TimeLines.Sum(l => l.Line.Hours));
    }

    /// <summary>Two projects × 5 resources × 2 months × 10 working days: 200 entries, 20 aggregates (project, period, resource).</summary>
    private static List<TimeEntry> MonthEndEntries()
    {
        var entries = new List<TimeEntry>();
        foreach (var project in new[] { TestData.PsaProjectId, OtherProjectId })
        {
            for (var resource = 1; resource <= 5; resource++)
            {
                foreach (var month in new[] { 3, 4 })
                {
                    for (var day = 1; day <= 10; day++)
                    {
                        entries.Add(TestData.TimeEntry(entryId: $"TE-{project}-{resource}-{month}-{day}", projectId: project, resourceId: $"RES-{resource}",
                            workDate: new DateOnly(2026, month, day), hours: 8m, billable: resource != 5));
                    }
                }
            }
        }
        return entries;
    }

    private async Task AcceptAsync(IEnumerable<TimeEntry> entries)
    {
        foreach (var entry in entries)
        {
            Assert.IsType<HandlerResult.Done>(await _handler.HandleAsync(TestData.TimeApprovedEnvelope(entry), isRedelivery: false, CancellationToken.None));
        }
    }

    [Fact]
    public async Task The_handler_accepts_approved_time_without_posting_it_and_a_repeat_adds_nothing()
    {
        var entry = TestData.TimeEntry();

        await AcceptAsync([entry, entry]);

        var accepted = Assert.Single(_pending.Rows);
        Assert.Equal(CostPostingState.Pending, accepted.State);
        Assert.Equal(TestData.ErpProjectCode, accepted.ErpProjectCode);
        Assert.Empty(_erp.TimeLines);
        Assert.Equal(1, _erp.Requests.GetValueOrDefault(SandboxErp.Operations.FindProject));
    }

    [Fact]
    public async Task The_job_posts_one_line_per_project_period_resource_in_batches_and_writes_ledger_and_PSA()
    {
        var entries = MonthEndEntries();
        await AcceptAsync(entries);

        var run = await _job.PostOpenAsync(CancellationToken.None);

        Assert.Equal(200, run.EntriesPosted);
        Assert.Equal(20, run.LinesPosted);
        Assert.Equal(2, run.Requests);
        Assert.Equal(2, _erp.Requests.GetValueOrDefault(SandboxErp.Operations.PostTimeLines));
        Assert.Equal(0, _erp.Requests.GetValueOrDefault(SandboxErp.Operations.PostTime));
        Assert.Equal(20, _erp.TimeLines.Count);
        Assert.All(_erp.TimeLines, l => Assert.Equal(80m, l.Line.Hours));
        Assert.Equal(entries.Sum(e => e.Hours), _erp.TimeLines.Sum(l => l.Line.Hours));
        Assert.Equal(entries.Count(e => e.Billable), _ledger.Entries.Count);
        Assert.Equal(200, _psa.TimeEntryStatus.Count);
        Assert.All(_pending.Rows, p => Assert.Equal(CostPostingState.Posted, p.State));
        Assert.Equal(0, (await _job.PostOpenAsync(CancellationToken.None)).Requests);
    }

    [Fact]
    public async Task A_line_the_ERP_refuses_fails_alone_and_its_batch_neighbours_are_never_posted_again()
    {
        await AcceptAsync(MonthEndEntries());
        _erp.ClosePeriod("2026-03");

        var first = await _job.PostOpenAsync(CancellationToken.None);
        var second = await _job.PostOpenAsync(CancellationToken.None);

        Assert.Equal(100, first.EntriesPosted);
        Assert.Equal(100, first.EntriesFailed);
        Assert.All(_erp.TimeLines, l => Assert.Equal(4, l.Line.WorkDate.Month));
        Assert.Equal(10, _erp.TimeLines.Count);
        var items = await _exceptions.ListAsync(new ExceptionQuery(ReasonCode: ReasonCodes.FiscalPeriodClosed.Code), CancellationToken.None);
        Assert.Equal(100, items.Count);
        Assert.All(items, i => Assert.Equal(EntityKinds.TimeEntry, i.SourceRecord.Kind));
        Assert.Equal(100, _psa.TimeEntryStatus.Count);
        Assert.Equal(0, second.Requests);
    }

    [Fact]
    public async Task A_batch_that_committed_and_then_timed_out_is_sent_again_under_the_same_ids_without_duplicates()
    {
        await AcceptAsync(MonthEndEntries());
        _erpFaults.CommitThenTimeoutRate = 1;

        var timedOut = await _job.PostOpenAsync(CancellationToken.None);
        var linesAfterTimeout = _erp.TimeLines.Select(l => l.Line.ExternalId).Order(StringComparer.Ordinal).ToList();
        _erpFaults.CommitThenTimeoutRate = 0;
        await AcceptAsync([TestData.TimeEntry(entryId: "TE-LATE", workDate: new DateOnly(2026, 3, 20))]);
        var retried = await _job.PostOpenAsync(CancellationToken.None);

        Assert.Equal(0, timedOut.EntriesPosted);
        Assert.Equal(200, timedOut.EntriesLeftForNextRun);
        Assert.Equal(20, linesAfterTimeout.Count);
        Assert.Equal(201, retried.EntriesPosted);
        // The late entry forms a line of its own; the 20 committed lines are found again, not duplicated.
        Assert.Equal(21, _erp.TimeLines.Count);
        Assert.Subset(_erp.TimeLines.Select(l => l.Line.ExternalId).ToHashSet(), linesAfterTimeout.ToHashSet());
        Assert.Equal(201, _psa.TimeEntryStatus.Count);
    }

    [Fact]
    public void The_aggregate_id_depends_only_on_period_and_members()
    {
        var a = CostAggregation.AggregateIdOf("2026-03", ["TE-1:v1", "TE-2:v1"]);

        Assert.Equal(a, CostAggregation.AggregateIdOf("2026-03", ["TE-2:v1", "TE-1:v1"]));
        Assert.NotEqual(a, CostAggregation.AggregateIdOf("2026-03", ["TE-1:v1", "TE-2:v2"]));
        Assert.NotEqual(a, CostAggregation.AggregateIdOf("2026-04", ["TE-1:v1", "TE-2:v1"]));
        Assert.StartsWith("PSA-TA-2026-03-", a, StringComparison.Ordinal);
    }

    [Fact]
    public void Aggregation_keeps_roles_and_billability_apart_and_sums_hours()
    {
        var pending = new[]
        {
            new PendingCostPosting(TestData.TimeEntry(entryId: "TE-1", hours: 2m), "ERP-1", "c1", "k1"),
            new PendingCostPosting(TestData.TimeEntry(entryId: "TE-2", hours: 3m, workDate: new DateOnly(2026, 3, 20)), "ERP-1", "c2", "k2"),
            new PendingCostPosting(TestData.TimeEntry(entryId: "TE-3", hours: 4m, role: "Architect"), "ERP-1", "c3", "k3"),
            new PendingCostPosting(TestData.TimeEntry(entryId: "TE-4", hours: 5m, billable: false), "ERP-1", "c4", "k4"),
        };

        var aggregates = CostAggregation.Form(pending);

        Assert.Equal(3, aggregates.Count);
        var consultant = Assert.Single(aggregates, a => a.Members.Count == 2).ToErpLine();
        Assert.Equal(5m, consultant.Hours);
        Assert.Equal(new DateOnly(2026, 3, 20), consultant.WorkDate);
        Assert.All(aggregates.SelectMany(a => a.Members), m => Assert.Equal(CostPostingState.Assigned, m.State));
    }
}
