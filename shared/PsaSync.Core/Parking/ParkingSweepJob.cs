using System.Globalization;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.Parking;

/// <summary>
/// Turns items parked for longer than <see cref="MaxWait"/> into exception items for a person. The items stay
/// parked: if the parent does sync later, they still continue by themselves. An item whose event went through another
/// way meanwhile (an operator's replay, the source sending it again) has nothing left to wait for and is removed.
/// </summary>
public sealed class ParkingSweepJob(IParkingLot parkingLot, IExceptionStore exceptions, IDedupeLedger dedupe, TimeProvider clock) : IScheduledJob
{
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromHours(24);

    public string Name => JobNames.ParkingSweep;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var overdue = await parkingLot.ListParkedBeforeAsync(clock.GetUtcNow() - MaxWait, cancellationToken);
        var done = 0;
        foreach (var item in overdue)
        {
            if ((await dedupe.GetAsync(item.Envelope.IdempotencyKey, cancellationToken))?.Status == ClaimStatus.AlreadyCompleted)
            {
                await parkingLot.RemoveAsync(item, cancellationToken);
                done++;
                continue;
            }
            await exceptions.RaiseAsync(new NewException(item.TimeoutReason,
                string.Create(CultureInfo.InvariantCulture, $"{item.Record} has waited since {item.ParkedAt:yyyy-MM-dd HH:mm} UTC for {item.WaitingFor} to sync."),
                item.Domain, item.Record, item.Envelope.CorrelationId, item.Envelope.IdempotencyKey, item.Envelope), cancellationToken);
        }
        return string.Create(CultureInfo.InvariantCulture, $"{overdue.Count - done} parked item(s) waited longer than {MaxWait}; {done} went through another way and were removed.");
    }
}
