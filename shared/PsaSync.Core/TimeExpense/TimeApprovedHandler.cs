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
/// Approved time → checks against the project → ERP project time line (cost) → unbilled ledger (billable hours) → sync
/// status back in the PSA. A corrected version first reverses the versions before it. Safe to run any number of times
/// for the same entry version: the ERP line carries an external id derived from it and is looked up before a repeated create.
/// </summary>
public sealed class TimeApprovedHandler(
    IErpConnector erp,
    IPsaConnector psa,
    ICrossReferenceMap crossReferences,
    IUnbilledLedger ledger,
    IProjectProfiles projects,
    TimeReversals reversals,
    HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.TimeExpense;

    public string EventType => TimeApproved.EventType;

    /// <summary>The ERP-native key of an entry version: the same entry version always maps to the same ERP line.</summary>
    public static string ErpExternalId(TimeEntry entry) => ErpExternalId(entry.EntryId, entry.Version);

    public static string ErpExternalId(string entryId, int version) => $"PSA-TE-{entryId}-V{version}";

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var entry = envelope.DataAs<TimeApproved>().Entry;
        var record = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId);

        if (entry.Hours <= 0 || entry.Hours > 24)
        {
            return await support.RejectAsync(Domain, envelope, record, ReasonCodes.HoursOutOfRange,
                $"Time entry {entry.EntryId} for {entry.WorkDate:yyyy-MM-dd} has {entry.Hours} hours; approved time must be more than 0 and at most 24 hours.",
                cancellationToken);
        }

        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var project = await erp.FindProjectAsync(entry.ProjectId, cancellationToken);
            if (project is null || !project.Active)
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ProjectNotInErp,
                    $"Time entry {entry.EntryId} is for project {entry.ProjectId}, which is {(project is null ? "not set up" : "not active")} in the ERP.",
                    cancellationToken);
            }

            if (await projects.GetAsync(entry.ProjectId, cancellationToken) is { } setup && ProblemWith(entry, setup) is { } problem)
            {
                return await support.RejectAsync(Domain, envelope, record, [problem], cancellationToken);
            }
            if (await IsSupersededAsync(entry, cancellationToken))
            {
                return new HandlerResult.Done($"superseded:{entry.EntryId}:v{entry.Version}");
            }
            if (entry.Version > 1 && await reversals.ReverseAsync(envelope, record, entry.EntryId, entry.Version - 1, $"corrected by version {entry.Version}", cancellationToken) is { } wait)
            {
                return new HandlerResult.RetryLater(wait);
            }

            var externalId = ErpExternalId(entry);
            var posting = isRedelivery ? await erp.FindTimeByExternalIdAsync(externalId, cancellationToken) : null;
            posting ??= await erp.PostTimeAsync(
                new ErpTimeLine(externalId, project.ErpProjectCode, entry.ResourceId, entry.WorkDate, entry.Hours, entry.Billable, entry.Role, envelope.CorrelationId),
                cancellationToken);

            await crossReferences.LinkAsync(EntityKinds.TimeEntry, SystemNames.Psa, entry.EntryId, SystemNames.Erp, posting.ErpDocumentId, cancellationToken);
            await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted, $"ERP time line {posting.ErpDocumentId} on project {project.ErpProjectCode}: {entry.Hours} h on {entry.WorkDate:yyyy-MM-dd}.", cancellationToken);

            if (entry.Billable && await ledger.AddAsync(LedgerEntry.ForTime(entry, envelope.CorrelationId), cancellationToken))
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Ledgered, $"{entry.Hours} billable hours added to the unbilled ledger of {entry.ProjectId} for {LedgerEntry.PeriodOf(entry.WorkDate)}.", cancellationToken);
            }

            await psa.MarkTimeEntrySyncedAsync(entry.EntryId, entry.Version, posting.ErpDocumentId, envelope.CorrelationId, cancellationToken);
            await support.TraceAsync(Domain, envelope, record, TraceSteps.WrittenBack, $"PSA time entry {entry.EntryId} marked as transferred to the ERP.", cancellationToken);
            return new HandlerResult.Done($"erp-time-line:{posting.ErpDocumentId}");
        }, cancellationToken);
    }

    /// <summary>What the project's setup says about the entry: its dates, and whether its billable hours can be billed.</summary>
    private static BusinessProblem? ProblemWith(TimeEntry entry, Project project)
    {
        if (entry.WorkDate < project.StartDate || entry.WorkDate > project.EndDate)
        {
            return new BusinessProblem(ReasonCodes.TimeOutsideProjectDates,
                $"Time entry {entry.EntryId} is dated {entry.WorkDate:yyyy-MM-dd}, outside project {project.ProjectId}'s dates ({project.StartDate:yyyy-MM-dd} to {(project.EndDate is { } end ? end.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "open")}).");
        }
        if (!entry.Billable)
        {
            return null;
        }
        if (project.BillingModel == BillingModel.FixedFeeMilestones)
        {
            return new BusinessProblem(ReasonCodes.TimeBillableOnFixedFee,
                $"Time entry {entry.EntryId} has {entry.Hours} billable hours on fixed-fee project {project.ProjectId}, which bills its milestones.");
        }
        return project.BillingModel == BillingModel.TimeAndMaterials && InvoiceLines.RateOn(project, entry.Role, entry.WorkDate) is null
            ? new BusinessProblem(ReasonCodes.TimeRateMissing,
                $"Project {project.ProjectId}'s rate card has no rate for role '{entry.Role ?? "(none)"}' on {entry.WorkDate:yyyy-MM-dd} (time entry {entry.EntryId}).")
            : null;
    }

    /// <summary>A later version already reached the ledger: this one arrived late and must not come back to life.</summary>
    private async Task<bool> IsSupersededAsync(TimeEntry entry, CancellationToken cancellationToken) =>
        (await ledger.ListVersionsAsync(LedgerEntryKind.Time, entry.EntryId, cancellationToken)).Any(e => TimeReversals.VersionOf(e) > entry.Version);
}
