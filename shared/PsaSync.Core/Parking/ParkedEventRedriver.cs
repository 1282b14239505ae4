using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Parking;

/// <summary>
/// Sends parked events back to their queues when their parent has synced, with their original envelope and
/// idempotency key. An item is removed only after it is queued again, so a crash in between re-drives it
/// twice at worst, and the dedupe ledger absorbs the second.
/// </summary>
public sealed class ParkedEventRedriver(IParkingLot parkingLot, IMessagePublisher publisher, ICorrelationLog correlationLog, TimeProvider clock)
{
    public async Task<int> RedriveAsync(string parentKey, CancellationToken cancellationToken)
    {
        var waiting = await parkingLot.ListWaitingForAsync(parentKey, cancellationToken);
        if (waiting.Count == 0)
        {
            return 0;
        }
        // A project's time can be thousands of entries: each queue gets them in one publication, the timeline in one write.
        foreach (var queue in waiting.GroupBy(item => item.Queue))
        {
            await publisher.PublishAsync(queue.Key, [.. queue.Select(item => item.Envelope.Republish())], cancellationToken);
        }
        var now = clock.GetUtcNow();
        await correlationLog.AppendRangeAsync([.. waiting.Select(item => new TraceEntry(item.Envelope.CorrelationId, now, item.Domain, TraceSteps.Redriven,
            $"{item.WaitingFor} has synced; {item.Record} is queued again.", item.Record))], cancellationToken);
        foreach (var item in waiting)
        {
            await parkingLot.RemoveAsync(item, cancellationToken);
        }
        return waiting.Count;
    }
}
