using System.Globalization;
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
        // Each step is written for the whole batch at once: a batch of lines holds thousands of entries.
        await support.TraceAllAsync(Domain, TraceSteps.Posted, posted.Select(p => (p.CorrelationId, RecordOf(p.Entry),
            string.Create(CultureInfo.InvariantCulture, $"ERP time line {p.ErpDocumentId} on project {p.ErpProjectCode}: {p.Entry.Hours} h on {p.Entry.WorkDate:yyyy-MM-dd}."))), cancellationToken);

        var ledgered = (await ledger.AddRangeAsync(
            [.. posted.Where(p => p.Entry.Billable).Select(p => LedgerEntry.ForTime(p.Entry, p.CorrelationId))], cancellationToken))
            .Select(e => e.EntryKey).ToHashSet(StringComparer.Ordinal);
        await support.TraceAllAsync(Domain, TraceSteps.Ledgered, posted.Where(p => ledgered.Contains(LedgerEntry.TimeEntryKey(p.Entry))).Select(p => (p.CorrelationId, RecordOf(p.Entry),
            string.Create(CultureInfo.InvariantCulture, $"{p.Entry.Hours} billable hours added to the unbilled ledger of {p.Entry.ProjectId} for {p.Period}."))), cancellationToken);

        // The PSA takes one status per entry, several at a time.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.WriteParallelism), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(posted, parallel, async (p, ct) =>
            await psa.MarkTimeEntrySyncedAsync(p.Entry.EntryId, p.Entry.Version, p.ErpDocumentId!, p.CorrelationId, ct));
        await support.TraceAllAsync(Domain, TraceSteps.WrittenBack, posted.Select(p => (p.CorrelationId, RecordOf(p.Entry),
            $"PSA time entry {p.Entry.EntryId} marked as transferred to the ERP.")), cancellationToken);
    }

    /// <summary>
    /// Ends the timeline of an accepted entry that will not be posted (its cost line refused by the ERP, or its day
    /// over-full): without this step its trace would stop at "awaiting cost posting" for ever, though an exception item
    /// holds it (the chaos suite found such traces).
    /// </summary>
    public Task RecordRefusedAsync(PendingCostPosting refused, string why, CancellationToken cancellationToken) =>
        support.TraceAsync(Domain, refused.CorrelationId, RecordOf(refused.Entry), TraceSteps.Rejected,
            $"{refused.Entry.EntryId} is not posted: {why}; see its exception item.", cancellationToken);

    public static RecordRef RecordOf(TimeEntry entry) => new(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId);
}

/// <summary>
/// ERP project lookups for the time handler. An active project is remembered for a while, because a month-end burst
/// asks about the same few projects tens of thousands of times; a missing or inactive one is asked again every time,
/// so a fix in the ERP shows at once. Concurrent lookups of the same project share one request, so the first seconds
/// of a burst do not spend the ERP budget on hundreds of identical reads. A project that turns inactive while
/// remembered is refused by the ERP when its cost line is posted, and that refusal becomes an exception item.
/// </summary>
public sealed class ErpProjectDirectory(IErpConnector erp, CostPostingOptions options, TimeProvider clock)
{
    private readonly RememberedLookups<ErpProject> _projects = new(options.ProjectLookupCacheDuration, clock);

    public Task<ErpProject?> FindAsync(string psaProjectId, CancellationToken cancellationToken) =>
        _projects.GetAsync(psaProjectId, () => erp.FindProjectAsync(psaProjectId, CancellationToken.None), project => project.Active, cancellationToken);
}
