using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Approved time → ERP project time line (cost) → unbilled ledger (billable hours) → sync status back in the PSA.
/// With <see cref="CostPostingMode.Batched"/> (the default) the handler validates the entry and accepts it into the
/// pending cost postings; the <see cref="CostPostingJob"/> posts it aggregated and writes ledger and PSA. With
/// <see cref="CostPostingMode.PerRecord"/> it posts the entry in its own ERP request right away. Both are safe to run
/// any number of times for the same entry version: the pending store and the ERP line are keyed by it.
/// </summary>
public sealed class TimeApprovedHandler(
    IErpConnector erp,
    ErpProjectDirectory projects,
    ICrossReferenceMap crossReferences,
    IPendingCostPostings pending,
    PostedTimeRecorder recorder,
    CostPostingOptions options,
    HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.TimeExpense;

    public string EventType => TimeApproved.EventType;

    /// <summary>The ERP-native key of an entry version posted on its own: the same entry version always maps to the same ERP line.</summary>
    public static string ErpExternalId(TimeEntry entry) => $"PSA-TE-{entry.EntryId}-V{entry.Version}";

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var entry = envelope.DataAs<TimeApproved>().Entry;
        var record = PostedTimeRecorder.RecordOf(entry);

        if (entry.Hours <= 0 || entry.Hours > 24)
        {
            return await support.RejectAsync(Domain, envelope, record, ReasonCodes.HoursOutOfRange,
                $"Time entry {entry.EntryId} for {entry.WorkDate:yyyy-MM-dd} has {entry.Hours} hours; approved time must be more than 0 and at most 24 hours.",
                cancellationToken);
        }

        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var project = await projects.FindAsync(entry.ProjectId, cancellationToken);
            if (project is null || !project.Active)
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ProjectNotInErp,
                    $"Time entry {entry.EntryId} is for project {entry.ProjectId}, which is {(project is null ? "not set up" : "not active")} in the ERP.",
                    cancellationToken);
            }

            var accepted = new PendingCostPosting(entry, project.ErpProjectCode, envelope.CorrelationId, envelope.IdempotencyKey);
            return options.Mode == CostPostingMode.Batched
                ? await AcceptAsync(envelope, record, accepted, cancellationToken)
                : await PostNowAsync(isRedelivery, accepted, cancellationToken);
        }, cancellationToken);
    }

    private async Task<HandlerResult> AcceptAsync(EventEnvelope envelope, RecordRef record, PendingCostPosting accepted, CancellationToken cancellationToken)
    {
        if (await pending.AddAsync(accepted, cancellationToken))
        {
            await support.TraceAsync(Domain, envelope, record, TraceSteps.AwaitingCostPosting,
                $"{accepted.Entry.Hours} h on {accepted.Entry.WorkDate:yyyy-MM-dd} accepted for the cost posting to ERP project {accepted.ErpProjectCode}.", cancellationToken);
        }
        return new HandlerResult.Done($"cost-posting:{accepted.Key}");
    }

    /// <summary>The per-record path: one ERP request for this entry (a lookup first on redelivery), then ledger and PSA.</summary>
    private async Task<HandlerResult> PostNowAsync(bool isRedelivery, PendingCostPosting accepted, CancellationToken cancellationToken)
    {
        var entry = accepted.Entry;
        var externalId = ErpExternalId(entry);
        var posting = isRedelivery ? await erp.FindTimeByExternalIdAsync(externalId, cancellationToken) : null;
        posting ??= await erp.PostTimeAsync(
            new ErpTimeLine(externalId, accepted.ErpProjectCode, entry.ResourceId, entry.WorkDate, entry.Hours, entry.Billable, entry.Role, accepted.CorrelationId),
            cancellationToken);

        await crossReferences.LinkAsync(EntityKinds.TimeEntry, SystemNames.Psa, entry.EntryId, SystemNames.Erp, posting.ErpDocumentId, cancellationToken);
        await recorder.RecordAsync([accepted with { State = CostPostingState.Posted, ErpDocumentId = posting.ErpDocumentId }], cancellationToken);
        return new HandlerResult.Done($"erp-time-line:{posting.ErpDocumentId}");
    }
}
