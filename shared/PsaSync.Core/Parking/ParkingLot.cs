using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;

namespace PsaSync.Core.Parking;

/// <summary>
/// An event that arrived before the record it depends on (a project before its customer, time before its project). It
/// waits here, keyed by its parent, and goes back to its queue when the parent syncs.
/// </summary>
public sealed record ParkedItem(
    string ParentKey,
    string Queue,
    string Domain,
    RecordRef Record,
    string WaitingFor,
    string TimeoutReasonCode,
    DateTimeOffset ParkedAt,
    EventEnvelope Envelope)
{
    /// <summary>The item to raise when the parent will not come (an item parked by an older build may name a code no longer known).</summary>
    public ReasonCode TimeoutReason => ReasonCodes.Find(TimeoutReasonCode) ?? ReasonCodes.ProjectCustomerNeverSynced;
}

/// <summary>Names the parents children wait for, the same way in every domain.</summary>
public static class ParentKeys
{
    public static string Customer(string customerKey) => $"customer:{customerKey}";

    public static string Project(string psaProjectId) => $"project:{psaProjectId}";
}

public interface IParkingLot
{
    /// <summary>Parks (or re-parks) an item; one per parent and idempotency key.</summary>
    Task ParkAsync(ParkedItem item, CancellationToken cancellationToken);

    Task<IReadOnlyList<ParkedItem>> ListWaitingForAsync(string parentKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<ParkedItem>> ListParkedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    Task RemoveAsync(ParkedItem item, CancellationToken cancellationToken);
}
