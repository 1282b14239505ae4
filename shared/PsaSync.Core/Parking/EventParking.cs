using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Parking;

/// <summary>
/// What a child event waits for: the parent's key in the parking lot, how to name it, the item raised while it waits,
/// and the item the parking sweep raises when it has waited too long.
/// </summary>
public sealed record ParentWait(string ParentKey, string WaitingFor, ReasonCode WaitingReason, ReasonCode TimeoutReason)
{
    /// <summary>A project waits for its customer to be in the ERP.</summary>
    public static ParentWait Customer(string customerKey) =>
        new(ParentKeys.Customer(customerKey), $"customer {customerKey}", ReasonCodes.ProjectWaitingForCustomer, ReasonCodes.ProjectCustomerNeverSynced);

    /// <summary>Time, an expense or a milestone waits for project setup to have created its project in the ERP.</summary>
    public static ParentWait Project(string psaProjectId) =>
        new(ParentKeys.Project(psaProjectId), $"project {psaProjectId}", ReasonCodes.WaitingForProject, ReasonCodes.ProjectNotInErp);
}

/// <summary>
/// Sequencing by parking: a child that arrives before its parent waits in the parking lot with an open "waiting" item,
/// and the parent's handler releases it once the parent has synced. Both sides go through here, so they close the
/// race between them the same way.
/// </summary>
public sealed class EventParking(IParkingLot parkingLot, ParkedEventRedriver redriver, HandlerSupport support)
{
    /// <summary>
    /// Parks the event of <paramref name="domain"/> (whose queue has the domain's name) until <paramref name="wait"/>'s
    /// parent syncs. <paramref name="parentHasSynced"/> looks again after parking: if the parent synced between the
    /// handler's first look and the parking, its release has already run and found nothing, so this one releases.
    /// </summary>
    public async Task<HandlerResult> ParkAsync(string domain, EventEnvelope envelope, RecordRef record, ParentWait wait, string message,
        Func<Task<bool>> parentHasSynced, CancellationToken cancellationToken)
    {
        await parkingLot.ParkAsync(new ParkedItem(wait.ParentKey, domain, domain, record, wait.WaitingFor, wait.TimeoutReason.Code,
            support.Clock.GetUtcNow(), envelope), cancellationToken);
        await support.RaiseAsync(domain, envelope, record, wait.WaitingReason, message, cancellationToken);
        if (await parentHasSynced())
        {
            await redriver.RedriveAsync(wait.ParentKey, cancellationToken);
        }
        return new HandlerResult.Parked(wait.WaitingFor);
    }

    /// <summary>
    /// Tells what waits for <paramref name="parent"/> when its handler has just refused it (<paramref name="refusal"/>),
    /// instead of letting it wait for the parking sweep: each child's waiting item gives way to the item the sweep would
    /// raise later, which has an owner and a fix. The children stay parked and continue by themselves if the parent is
    /// fixed and syncs.
    /// </summary>
    public async Task ParentRefusedAsync(string parentKey, RecordRef parent, HandlerResult.Rejected refusal, CancellationToken cancellationToken)
    {
        var why = $"{refusal.ReasonCode} (see the exception item of {parent})";
        foreach (var item in await parkingLot.ListWaitingForAsync(parentKey, cancellationToken))
        {
            var reason = item.TimeoutReason;
            await support.SupersedeAsync(item.Domain, item.Record, new HashSet<string>(StringComparer.Ordinal) { reason.Code },
                $"{item.WaitingFor} was refused", cancellationToken);
            await support.RaiseAsync(item.Domain, item.Envelope, item.Record, reason,
                $"{item.Record} waits for {item.WaitingFor}, which PsaSync refused: {why}. It continues by itself once that is fixed and syncs.",
                cancellationToken);
        }
    }

    /// <summary>Queues again what waits for the parent that <paramref name="envelope"/> has just synced, and says so on its timeline.</summary>
    public async Task ReleaseAsync(string domain, EventEnvelope envelope, RecordRef parent, string parentKey, CancellationToken cancellationToken)
    {
        var redriven = await redriver.RedriveAsync(parentKey, cancellationToken);
        if (redriven > 0)
        {
            await support.TraceAsync(domain, envelope, parent, TraceSteps.Redriven,
                $"{redriven} parked record(s) waiting for this {parent.Kind} were queued again.", cancellationToken);
        }
    }
}
