using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Completed milestone → unbilled ledger (the milestone amount), provided the milestone is in the project's plan with
/// the same amount; a milestone of a project PsaSync has not set up yet is parked until it has. Safe to run any number of
/// times: the ledger adds a milestone once.
/// </summary>
public sealed class MilestoneCompletedHandler(IProjectProfiles projects, IUnbilledLedger ledger, EventParking parking, HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.TimeExpense;

    public string EventType => MilestoneCompleted.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var milestone = envelope.DataAs<MilestoneCompleted>().Milestone;
        var record = new RecordRef(SystemNames.Psa, EntityKinds.Milestone, milestone.MilestoneId);

        return await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var project = await projects.GetAsync(milestone.ProjectId, cancellationToken);
            if (project is null)
            {
                return await parking.ParkAsync(Domain, envelope, record, ParentWait.Project(milestone.ProjectId),
                    $"Milestone {milestone.MilestoneId} is for project {milestone.ProjectId}, which PsaSync has not set up in the ERP yet. It continues by itself when the project syncs.",
                    async () => await projects.GetAsync(milestone.ProjectId, cancellationToken) is not null, cancellationToken);
            }

            var planned = project.Milestones.FirstOrDefault(m => m.MilestoneId == milestone.MilestoneId);
            if (planned is null)
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.MilestoneNotPlanned,
                    $"Milestone {milestone.MilestoneId} ('{milestone.Name}') was completed, but project {project.ProjectId}'s milestone plan does not contain it.",
                    cancellationToken);
            }
            if (planned.Amount != milestone.Amount || !string.Equals(project.Currency, milestone.Currency, StringComparison.Ordinal))
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.MilestoneNotPlanned,
                    string.Create(CultureInfo.InvariantCulture, $"Milestone {milestone.MilestoneId} ('{milestone.Name}') was completed at {milestone.Amount:0.00} {milestone.Currency}, but project {project.ProjectId} plans it at {planned.Amount:0.00} {project.Currency}."),
                    cancellationToken);
            }

            var entry = LedgerEntry.ForMilestone(milestone, envelope.CorrelationId);
            if (await ledger.AddAsync(entry, cancellationToken))
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Ledgered,
                    string.Create(CultureInfo.InvariantCulture, $"Milestone {milestone.MilestoneId} ({entry.Amount:0.00} {entry.Currency}) added to the unbilled ledger of {milestone.ProjectId} for {entry.Period}."),
                    cancellationToken);
            }
            return new HandlerResult.Done($"ledger:{entry.EntryKey}");
        }, cancellationToken);
    }
}
