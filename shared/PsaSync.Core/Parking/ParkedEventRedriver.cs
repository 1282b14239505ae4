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
        foreach (var item in waiting)
        {
            await publisher.PublishAsync(item.Queue, [item.Envelope.Republish()], cancellationToken);
            await correlationLog.AppendAsync(new TraceEntry(item.Envelope.CorrelationId, clock.GetUtcNow(), item.Domain, TraceSteps.Redriven,
                $"{item.WaitingFor} has synced; {item.Record} is queued again.", item.Record), cancellationToken);
            await parkingLot.RemoveAsync(item, cancellationToken);
        }
        return waiting.Count;
    }
}
