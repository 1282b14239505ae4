using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;
using PsaSync.Core.Watermarks;

namespace PsaSync.Core.MasterData;

/// <summary>
/// Project setup: a PSA project reaches the ERP only when it is ready (customer synced, legal entity,
/// currency, tax code, billing data, contract, PO, dimensions). A project whose customer has not synced yet is
/// parked and continues by itself when the customer does; records of the project that arrived before it (time, expenses,
/// milestones) continue once it is active in the ERP, and are told at once when the project is refused. The ERP project and contract are created once
/// (looked up by the PSA project id first), status changes follow, and the ERP code is written back to the PSA.
/// A version older than the one already applied is ignored, so out-of-order deliveries cannot undo a change.
/// </summary>
public sealed class ProjectChangedHandler(
    IErpConnector erp,
    IPsaConnector psa,
    ICrossReferenceMap crossReferences,
    ReferenceDataCache referenceData,
    EventParking parking,
    IWatermarkStore appliedVersions,
    IProjectProfiles profiles,
    HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.ProjectSetup;

    public string EventType => ProjectChanged.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var project = envelope.DataAs<ProjectChanged>().Project;
        var record = new RecordRef(SystemNames.Psa, EntityKinds.Project, project.ProjectId);
        var result = await support.GuardAsync(Domain, envelope, record, async () =>
        {
            var applied = await appliedVersions.GetAsync(VersionKey(project.ProjectId), cancellationToken);
            if (applied is not null && int.Parse(applied.Value, CultureInfo.InvariantCulture) >= project.Version)
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.DuplicateAbsorbed,
                    $"Version {project.Version} ignored: version {applied.Value} of project {project.ProjectId} was already applied.", cancellationToken);
                return new HandlerResult.Done($"stale-version:{project.Version}");
            }

            var customerNumber = await FindErpCustomerAsync(project.CustomerKey, cancellationToken);
            if (customerNumber is null)
            {
                var wait = ParentWait.Customer(project.CustomerKey);
                return await parking.ParkAsync(Domain, envelope, record, wait,
                    $"Project {project.ProjectId} is waiting for {wait.WaitingFor}, which is not in the ERP yet. It continues by itself when the customer syncs.",
                    async () => await FindErpCustomerAsync(project.CustomerKey, cancellationToken) is not null, cancellationToken);
            }
            var customer = await erp.GetCustomerAsync(customerNumber, cancellationToken);
            if (customer is null)
            {
                return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ErpRejected,
                    $"Project {project.ProjectId} is for ERP customer {customerNumber}, which no longer exists in the ERP.", cancellationToken);
            }
            var reference = await referenceData.GetAsync(cancellationToken);
            var problems = ProjectRules.Check(project, customer, reference);
            if (problems.Count > 0)
            {
                return await support.RejectAsync(Domain, envelope, record, problems, cancellationToken);
            }

            var erpProject = await erp.FindProjectAsync(project.ProjectId, cancellationToken);
            if (erpProject is null)
            {
                erpProject = await erp.CreateProjectAsync(new ErpProjectDraft(project.ProjectId, customerNumber, project.Name, project.LegalEntity,
                    project.Currency, project.BillingModel, project.ContractReference!, project.PurchaseOrder, project.TaxCode!,
                    reference.DimensionsByPractice[project.Practice], project.ContractCeiling, project.StartDate, project.EndDate, envelope.CorrelationId), cancellationToken);
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
                    $"ERP project {erpProject.ErpProjectCode} and contract {erpProject.ContractNumber} created for customer {customerNumber}.", cancellationToken);
            }
            if (erpProject.Status != project.Status)
            {
                erpProject = await erp.SetProjectStatusAsync(erpProject.ErpProjectCode, project.Status, cancellationToken);
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted, $"ERP project {erpProject.ErpProjectCode} is now {project.Status}.", cancellationToken);
            }

            await crossReferences.LinkAsync(EntityKinds.Project, SystemNames.Psa, project.ProjectId, SystemNames.Erp, erpProject.ErpProjectCode, cancellationToken);
            await psa.SetProjectErpReferenceAsync(project.ProjectId, erpProject.ErpProjectCode, erpProject.Status, cancellationToken);
            await support.TraceAsync(Domain, envelope, record, TraceSteps.WrittenBack,
                $"PSA project {project.ProjectId} carries ERP project {erpProject.ErpProjectCode} ({erpProject.Status}).", cancellationToken);
            await profiles.SaveAsync(project, cancellationToken);
            await RecordAppliedVersionAsync(project, cancellationToken);
            await support.ResolveAsync(Domain, record, cancellationToken);
            if (erpProject.Active)
            {
                // Time, expenses and milestones that arrived before the project continue now.
                await parking.ReleaseAsync(Domain, envelope, record, ParentKeys.Project(project.ProjectId), cancellationToken);
            }
            return new HandlerResult.Done($"erp-project:{erpProject.ErpProjectCode}");
        }, cancellationToken);
        if (result is HandlerResult.Rejected rejected)
        {
            // What waits for this record would otherwise wait for the parking sweep to say so.
            await parking.ParentRefusedAsync(ParentKeys.Project(project.ProjectId), record, rejected, cancellationToken);
        }
        return result;
    }

    private async Task<string?> FindErpCustomerAsync(string customerKey, CancellationToken cancellationToken) =>
        (await crossReferences.FindAsync(EntityKinds.Customer, SystemNames.CustomerKey, customerKey, cancellationToken))?.IdIn(SystemNames.Erp);

    private async Task RecordAppliedVersionAsync(Project project, CancellationToken cancellationToken)
    {
        var name = VersionKey(project.ProjectId);
        var version = project.Version.ToString(CultureInfo.InvariantCulture);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await appliedVersions.GetAsync(name, cancellationToken);
            if (current is not null && int.Parse(current.Value, CultureInfo.InvariantCulture) >= project.Version)
            {
                return;
            }
            if (await appliedVersions.TryAdvanceAsync(name, version, current, cancellationToken))
            {
                return;
            }
        }
    }

    private static string VersionKey(string projectId) => $"applied-version:project:{projectId}";
}
