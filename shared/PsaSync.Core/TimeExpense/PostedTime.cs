using System.Collections.Concurrent;
using PsaSync.Core.Billing;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// What follows once the ERP holds the cost line of some approved entries, the same for the per-record handler and the
/// batched cost posting job: billable hours into the unbilled ledger (one batch per project and period), the PSA's sync
/// status per entry, and the timeline steps. Every step is safe to repeat.
/// </summary>
public sealed class PostedTimeRecorder(IPsaConnector psa, IUnbilledLedger ledger, HandlerSupport support, CostPostingOptions options)
{
    public const string Domain = QueueNames.TimeExpense;

    /// <summary>Records entries the ERP now holds; each carries the <see cref="PendingCostPosting.ErpDocumentId"/> of its line.</summary>
    public async Task RecordAsync(IReadOnlyList<PendingCostPosting> posted, CancellationToken cancellationToken)
    {
        // Each entry's own writes (timeline, PSA status) go several at a time: a batch of lines holds thousands of entries.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.WriteParallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(posted, parallel, async (p, ct) =>
            await support.TraceAsync(Domain, p.CorrelationId, RecordOf(p.Entry), TraceSteps.Posted,
                $"ERP time line {p.ErpDocumentId} on project {p.ErpProjectCode}: {p.Entry.Hours} h on {p.Entry.WorkDate:yyyy-MM-dd}.", ct));

        var ledgered = (await ledger.AddRangeAsync(
            [.. posted.Where(p => p.Entry.Billable).Select(p => LedgerEntry.ForTime(p.Entry, p.CorrelationId))], cancellationToken))
            .Select(e => e.EntryKey).ToHashSet(StringComparer.Ordinal);

        await Parallel.ForEachAsync(posted, parallel, async (p, ct) =>
        {
            if (ledgered.Contains(LedgerEntry.TimeEntryKey(p.Entry)))
            {
                await support.TraceAsync(Domain, p.CorrelationId, RecordOf(p.Entry), TraceSteps.Ledgered,
                    $"{p.Entry.Hours} billable hours added to the unbilled ledger of {p.Entry.ProjectId} for {p.Period}.", ct);
            }
            await psa.MarkTimeEntrySyncedAsync(p.Entry.EntryId, p.Entry.Version, p.ErpDocumentId!, p.CorrelationId, ct);
            await support.TraceAsync(Domain, p.CorrelationId, RecordOf(p.Entry), TraceSteps.WrittenBack,
                $"PSA time entry {p.Entry.EntryId} marked as transferred to the ERP.", ct);
        });
    }

    /// <summary>
    /// Ends the timeline of an entry whose cost line the ERP refused: without this step its trace would stop at
    /// "awaiting cost posting" for ever, though an exception item holds it (the chaos suite found such traces).
    /// </summary>
    public Task RecordRefusedAsync(PendingCostPosting refused, string reasonCode, CancellationToken cancellationToken) =>
        support.TraceAsync(Domain, refused.CorrelationId, RecordOf(refused.Entry), TraceSteps.Rejected,
            $"The ERP refused the cost line of {refused.Entry.EntryId} ({reasonCode}); see its exception item.", cancellationToken);

    public static RecordRef RecordOf(TimeEntry entry) => new(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId);
}

/// <summary>
/// ERP project lookups for the time handler. An active project is remembered for a while, because a month-end burst
/// asks about the same few projects tens of thousands of times; a missing or inactive one is asked again every time,
/// so a fix in the ERP shows at once. A project that turns inactive while remembered is refused by the ERP when its
/// cost line is posted, and that refusal becomes an exception item.
/// </summary>
public sealed class ErpProjectDirectory(IErpConnector erp, CostPostingOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (ErpProject Project, DateTimeOffset Until)> _active = new(StringComparer.Ordinal);

    public async Task<ErpProject?> FindAsync(string psaProjectId, CancellationToken cancellationToken)
    {
        if (_active.TryGetValue(psaProjectId, out var known) && known.Until > clock.GetUtcNow())
        {
            return known.Project;
        }
        var project = await erp.FindProjectAsync(psaProjectId, cancellationToken);
        if (project is { Active: true } && options.ProjectLookupCacheDuration > TimeSpan.Zero)
        {
            _active[psaProjectId] = (project, clock.GetUtcNow() + options.ProjectLookupCacheDuration);
        }
        else
        {
            _active.TryRemove(psaProjectId, out _);
        }
        return project;
    }
}
