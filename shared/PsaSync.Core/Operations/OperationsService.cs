using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Operations;

public enum ReplayOutcome
{
    Replayed,
    NotFound,
    NotOpen,

    /// <summary>The item has no queued event to send again (for example a reconciliation drift).</summary>
    NothingToReplay,
}

/// <summary>One correlation id's timeline.</summary>
public sealed record Timeline(string CorrelationId, IReadOnlyList<TraceEntry> Entries);

/// <summary>
/// What operations does with exception items and timelines: list and filter, resolve by hand, replay (send the
/// failed event again with its original idempotency key, so it goes through once and resolves its item), and
/// trace a correlation id or a source record across the four domains.
/// </summary>
public sealed class OperationsService(IExceptionStore exceptions, ICorrelationLog correlationLog, IMessagePublisher publisher, TimeProvider clock)
{
    /// <summary>Items matching the query; <paramref name="olderThan"/> keeps those first seen at least that long ago.</summary>
    public async Task<IReadOnlyList<ExceptionItem>> ListAsync(ExceptionQuery query, TimeSpan? olderThan, CancellationToken cancellationToken)
    {
        var items = await exceptions.ListAsync(query, cancellationToken);
        if (olderThan is { } age)
        {
            var cutoff = clock.GetUtcNow() - age;
            items = [.. items.Where(i => i.FirstSeen <= cutoff)];
        }
        return items;
    }

    public Task<bool> ResolveAsync(string id, string resolution, CancellationToken cancellationToken) =>
        exceptions.ResolveAsync(id, resolution, cancellationToken);

    public async Task<ReplayOutcome> ReplayAsync(string id, CancellationToken cancellationToken)
    {
        var item = await exceptions.GetAsync(id, cancellationToken);
        return item is null ? ReplayOutcome.NotFound : await ReplayAsync(item, cancellationToken);
    }

    /// <summary>Replays every open, replayable item the query matches; returns how many were sent again.</summary>
    public async Task<int> ReplayManyAsync(ExceptionQuery query, CancellationToken cancellationToken, TimeSpan? olderThan = null)
    {
        var replayed = 0;
        foreach (var item in await ListAsync(query with { Status = ExceptionStatus.Open }, olderThan, cancellationToken))
        {
            if (await ReplayAsync(item, cancellationToken) == ReplayOutcome.Replayed)
            {
                replayed++;
            }
        }
        return replayed;
    }

    public async Task<Timeline> TraceAsync(string correlationId, CancellationToken cancellationToken) =>
        new(correlationId, await correlationLog.GetTimelineAsync(correlationId, cancellationToken));

    /// <summary>Every timeline a source record appears in (one per version of it), oldest step first in each.</summary>
    public async Task<IReadOnlyList<Timeline>> TraceRecordAsync(RecordRef record, CancellationToken cancellationToken)
    {
        var timelines = new List<Timeline>();
        foreach (var correlationId in await correlationLog.FindCorrelationIdsAsync(record, cancellationToken))
        {
            timelines.Add(await TraceAsync(correlationId, cancellationToken));
        }
        return [.. timelines.OrderBy(t => t.Entries.Count > 0 ? t.Entries[0].At : DateTimeOffset.MaxValue)];
    }

    private async Task<ReplayOutcome> ReplayAsync(ExceptionItem item, CancellationToken cancellationToken)
    {
        if (item.Status != ExceptionStatus.Open)
        {
            return ReplayOutcome.NotOpen;
        }
        if (item.EnvelopeJson is null)
        {
            return ReplayOutcome.NothingToReplay;
        }
        var envelope = EventEnvelope.FromJson(item.EnvelopeJson).Republish();
        // The domain is the queue that processes its events.
        await publisher.PublishAsync(item.Domain, [envelope], cancellationToken);
        await correlationLog.AppendAsync(new TraceEntry(envelope.CorrelationId, clock.GetUtcNow(), item.Domain, TraceSteps.Replayed,
            $"Replayed from exception item {item.Id} ({item.ReasonCode}).", item.SourceRecord), cancellationToken);
        return ReplayOutcome.Replayed;
    }
}
