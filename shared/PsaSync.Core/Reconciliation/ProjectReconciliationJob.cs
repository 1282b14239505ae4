using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Telemetry;

namespace PsaSync.Core.Reconciliation;

/// <summary>
/// Compares PSA projects with ERP projects. The PSA owns a project's status and the ERP owns its code, so a
/// missing ERP code on the PSA side and a status that differs in the ERP are healed; an active PSA project
/// with no ERP project, or an ERP project no PSA project knows, is left for a person.
/// </summary>
public sealed class ProjectReconciliationJob(IErpConnector erp, IPsaConnector psa, IExceptionStore exceptions, IReconciliationReports reports, TimeProvider clock, IBusinessTelemetry telemetry)
    : IScheduledJob
{
    public string Name => JobNames.ProjectReconciliation;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var run = new ReconciliationRun(Name, QueueNames.ProjectSetup, exceptions, reports, clock, telemetry);
        var erpProjects = (await erp.ListProjectsAsync(cancellationToken)).ToDictionary(p => p.PsaProjectId);
        var psaProjects = await psa.ListProjectsAsync(cancellationToken);

        foreach (var project in psaProjects)
        {
            var record = new RecordRef(SystemNames.Psa, EntityKinds.Project, project.ProjectId);
            if (!erpProjects.TryGetValue(project.ProjectId, out var inErp))
            {
                if (project.Status == ProjectStatus.Active)
                {
                    await run.LeftForAPersonAsync(record, DriftKind.MissingInErp,
                        $"PSA project {project.ProjectId} is active but has no ERP project{(project.ErpProjectCode is null ? "" : $" (the PSA shows {project.ErpProjectCode})")}. Check its exception items or replay its activation.",
                        cancellationToken);
                }
                continue;
            }
            var status = inErp.Status;
            if (status != project.Status)
            {
                status = (await erp.SetProjectStatusAsync(inErp.ErpProjectCode, project.Status, cancellationToken)).Status;
                run.Healed(record, DriftKind.StatusMismatch, $"ERP project {inErp.ErpProjectCode} was {inErp.Status} while the PSA has it {project.Status}; the ERP now follows the PSA.");
            }
            if (project.ErpProjectCode != inErp.ErpProjectCode || status != inErp.Status)
            {
                await psa.SetProjectErpReferenceAsync(project.ProjectId, inErp.ErpProjectCode, status, cancellationToken);
                if (project.ErpProjectCode != inErp.ErpProjectCode)
                {
                    run.Healed(record, DriftKind.ErpReferenceMissing,
                        $"PSA project {project.ProjectId} showed ERP code '{project.ErpProjectCode ?? "(none)"}'; it now shows {inErp.ErpProjectCode}.");
                }
            }
        }

        var psaIds = psaProjects.Select(p => p.ProjectId).ToHashSet();
        foreach (var orphan in erpProjects.Values.Where(p => !psaIds.Contains(p.PsaProjectId)))
        {
            await run.LeftForAPersonAsync(new RecordRef(SystemNames.Erp, EntityKinds.Project, orphan.ErpProjectCode), DriftKind.OrphanInErp,
                $"ERP project {orphan.ErpProjectCode} refers to PSA project {orphan.PsaProjectId}, which the PSA does not have.", cancellationToken);
        }
        return await run.CompleteAsync(psaProjects.Count, cancellationToken);
    }
}
