using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>An approval taken back in the PSA: the entry's approved versions up to the revoked one are reversed.</summary>
public sealed class TimeApprovalRevokedHandler(TimeReversals reversals, HandlerSupport support) : IEventHandler
{
    private const string Domain = QueueNames.TimeExpense;

    public string EventType => TimeApprovalRevoked.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var revoked = envelope.DataAs<TimeApprovalRevoked>();
        var record = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, revoked.EntryId);
        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var entry = new TimeEntry(revoked.EntryId, revoked.Version, revoked.ProjectId, "", revoked.WorkDate, 0m, false, null);
            if (await reversals.ReverseAsync(envelope, record, entry, revoked.Version, "revoked in the PSA", cancellationToken) is { } wait)
            {
                return new HandlerResult.RetryLater(wait);
            }
            await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted, $"Approval of time entry {revoked.EntryId} version {revoked.Version} revoked: reversed.", cancellationToken);
            return new HandlerResult.Done($"revoked:{revoked.EntryId}:v{revoked.Version}");
        }, cancellationToken);
    }
}
