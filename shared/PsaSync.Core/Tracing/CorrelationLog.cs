using PsaSync.Core.Model;

namespace PsaSync.Core.Tracing;

/// <summary>One step in the life of a record, as operations would want to read it in a timeline.</summary>
public sealed record TraceEntry(
    string CorrelationId,
    DateTimeOffset At,
    string Domain,
    string Step,
    string Detail,
    RecordRef? Record = null);

/// <summary>The ordered timeline per correlation id that answers "what happened to this time entry?".</summary>
public interface ICorrelationLog
{
    Task AppendAsync(TraceEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Appends several steps, in order. A store that can write many rows in one request (Table Storage's entity-group
    /// transactions) overrides this; the default appends them one by one.
    /// </summary>
    async Task AppendRangeAsync(IReadOnlyList<TraceEntry> entries, CancellationToken cancellationToken)
    {
        foreach (var entry in entries)
        {
            await AppendAsync(entry, cancellationToken);
        }
    }

    Task<IReadOnlyList<TraceEntry>> GetTimelineAsync(string correlationId, CancellationToken cancellationToken);

    /// <summary>The correlation ids under which a source record was ever seen, so a trace can start from the record.</summary>
    Task<IReadOnlyList<string>> FindCorrelationIdsAsync(RecordRef record, CancellationToken cancellationToken);
}

/// <summary>Well-known step names, so timelines read the same across domains.</summary>
public static class TraceSteps
{
    public const string Accepted = "accepted";
    public const string Received = "received";
    public const string DuplicateAbsorbed = "duplicate-absorbed";
    public const string Posted = "posted";
    public const string Rejected = "rejected";
    public const string RetryScheduled = "retry-scheduled";
    public const string DeadLettered = "dead-lettered";
    public const string WrittenBack = "written-back";
    public const string Parked = "parked";
    public const string Redriven = "re-driven";
    public const string Replayed = "replayed";
    public const string Ledgered = "ledgered";
    public const string AwaitingCostPosting = "awaiting-cost-posting";

    /// <summary>Terminal: nothing to do for this record (an ERP draft not shown until posted); the detail says why.</summary>
    public const string Ignored = "ignored";
}
