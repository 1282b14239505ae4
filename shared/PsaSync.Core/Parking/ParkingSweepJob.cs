using PsaSync.Core.Exceptions;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.Parking;

/// <summary>
/// Turns items parked for longer than <see cref="MaxWait"/> into exception items for a person. The items stay
/// parked: if the parent does sync later, they still continue by themselves.
/// </summary>
public sealed class ParkingSweepJob(IParkingLot parkingLot, IExceptionStore exceptions, TimeProvider clock) : IScheduledJob
{
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromHours(24);

    public string Name => JobNames.ParkingSweep;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var overdue = await parkingLot.ListParkedBeforeAsync(clock.GetUtcNow() - MaxWait, cancellationToken);
        foreach (var item in overdue)
        {
            var reason = ReasonCodes.Find(item.TimeoutReasonCode) ?? ReasonCodes.ProjectCustomerNeverSynced;
            await exceptions.RaiseAsync(new NewException(reason,
                $"{item.Record} has waited since {item.ParkedAt:yyyy-MM-dd HH:mm} UTC for {item.WaitingFor} to sync.",
                item.Domain, item.Record, item.Envelope.CorrelationId, item.Envelope.IdempotencyKey, item.Envelope), cancellationToken);
        }
        return $"{overdue.Count} parked item(s) waited longer than {MaxWait}.";
    }
}
