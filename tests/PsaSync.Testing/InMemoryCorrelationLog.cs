using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Testing;

/// <summary>
/// A correlation log that keeps what it is given, in order. A plain fake rather than an NSubstitute one: the Castle.Core
/// that the Durable packages bring (5.2.1) cannot proxy the interface's default AppendRangeAsync.
/// </summary>
public sealed class InMemoryCorrelationLog : ICorrelationLog
{
    public List<TraceEntry> Entries { get; } = [];

    public Task AppendAsync(TraceEntry entry, CancellationToken cancellationToken)
    {
        Entries.Add(entry);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TraceEntry>> GetTimelineAsync(string correlationId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TraceEntry>>([.. Entries.Where(e => e.CorrelationId == correlationId)]);

    public Task<IReadOnlyList<string>> FindCorrelationIdsAsync(RecordRef record, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>([.. Entries.Where(e => e.Record == record).Select(e => e.CorrelationId).Distinct()]);
}
