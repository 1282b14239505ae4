using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Approved time → checks against the project → ERP project time line (cost) → unbilled ledger (billable hours) → sync
/// status back in the PSA. A corrected version first reverses the versions before it (<see cref="TimeReversals"/>).
/// Time for a project that is not in the ERP yet is parked until project setup has created it.
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
    IUnbilledLedger ledger,
    RememberedProjectProfiles setups,
    TimeReversals reversals,
    EventParking parking,
    HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.TimeExpense;

    public string EventType => TimeApproved.EventType;

    /// <summary>The ERP-native key of an entry version posted on its own: the same entry version always maps to the same ERP line.</summary>
    public static string ErpExternalId(TimeEntry entry) => ErpExternalId(entry.EntryId, entry.Version);

    public static string ErpExternalId(string entryId, int version) => $"PSA-TE-{entryId}-V{version}";

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var entry = envelope.DataAs<TimeApproved>().Entry;
        var record = PostedTimeRecorder.RecordOf(entry);

        if (entry.Hours <= 0 || entry.Hours > TimeEntry.MaxHoursPerDay)
        {
            return await support.RejectAsync(Domain, envelope, record, ReasonCodes.HoursOutOfRange,
                string.Create(CultureInfo.InvariantCulture, $"Time entry {entry.EntryId} for {entry.WorkDate:yyyy-MM-dd} has {entry.Hours} hours; approved time must be more than 0 and at most {TimeEntry.MaxHoursPerDay:0} hours."),
                cancellationToken);
        }

        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var project = await projects.FindAsync(entry.ProjectId, cancellationToken);
            if (project is null)
            {
                return await parking.ParkAsync(Domain, envelope, record, ParentWait.Project(entry.ProjectId),
                    $"Time entry {entry.EntryId} is for project {entry.ProjectId}, which is not in the ERP yet. It continues by itself when the project syncs.",
                    async () => await projects.FindAsync(entry.ProjectId, cancellationToken) is { Active: true }, cancellationToken);
            }
            if (!project.Active)
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ProjectNotInErp,
                    $"Time entry {entry.EntryId} is for project {entry.ProjectId}, which is not active in the ERP.", cancellationToken);
            }

            if (await setups.GetRememberedAsync(entry.ProjectId, cancellationToken) is { } setup && ProblemWith(entry, setup) is { } problem)
            {
                return await support.RejectAsync(Domain, envelope, record, [problem], cancellationToken);
            }
            // Batched, a late older version meets the write-off its successor left in the pending store instead.
            if (options.Mode == CostPostingMode.PerRecord && await IsSupersededAsync(entry, cancellationToken))
            {
                return new HandlerResult.Done($"superseded:{entry.EntryId}:v{entry.Version}");
            }
            if (entry.Version > 1 && await reversals.ReverseAsync(envelope, record, entry, entry.Version - 1, $"corrected by version {entry.Version}", cancellationToken) is { } wait)
            {
                return new HandlerResult.RetryLater(wait);
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
                string.Create(CultureInfo.InvariantCulture, $"{accepted.Entry.Hours} h on {accepted.Entry.WorkDate:yyyy-MM-dd} accepted for the cost posting to ERP project {accepted.ErpProjectCode}."), cancellationToken);
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

    /// <summary>What the project's setup says about the entry: its dates, and whether its billable hours can be billed.</summary>
    private static BusinessProblem? ProblemWith(TimeEntry entry, Project project)
    {
        if (entry.WorkDate < project.StartDate || entry.WorkDate > project.EndDate)
        {
            return new BusinessProblem(ReasonCodes.TimeOutsideProjectDates,
                string.Create(CultureInfo.InvariantCulture, $"Time entry {entry.EntryId} is dated {entry.WorkDate:yyyy-MM-dd}, outside project {project.ProjectId}'s dates ({project.StartDate:yyyy-MM-dd} to {(project.EndDate is { } end ? end.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "open")})."));
        }
        if (!entry.Billable)
        {
            return null;
        }
        if (project.BillingModel == BillingModel.FixedFeeMilestones)
        {
            return new BusinessProblem(ReasonCodes.TimeBillableOnFixedFee,
                string.Create(CultureInfo.InvariantCulture, $"Time entry {entry.EntryId} has {entry.Hours} billable hours on fixed-fee project {project.ProjectId}, which bills its milestones."));
        }
        return project.BillingModel == BillingModel.TimeAndMaterials && InvoiceLines.RateOn(project, entry.Role, entry.WorkDate) is null
            ? new BusinessProblem(ReasonCodes.TimeRateMissing,
                string.Create(CultureInfo.InvariantCulture, $"Project {project.ProjectId}'s rate card has no rate for role '{entry.Role ?? "(none)"}' on {entry.WorkDate:yyyy-MM-dd} (time entry {entry.EntryId})."))
            : null;
    }

    /// <summary>A later version already reached the ledger: this one arrived late and must not come back to life.</summary>
    private async Task<bool> IsSupersededAsync(TimeEntry entry, CancellationToken cancellationToken) =>
        (await ledger.ListVersionsAsync(LedgerEntryKind.Time, entry.EntryId, cancellationToken)).Any(e => TimeReversals.VersionOf(e) > entry.Version);
}
