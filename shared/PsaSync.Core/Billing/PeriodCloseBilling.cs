using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;

namespace PsaSync.Core.Billing;

/// <summary>
/// At period close, starts billing readiness for every active ERP project for the period that just ended.
/// Starting is idempotent (one instance per project and period), so a timer that fires twice changes nothing.
/// </summary>
public sealed class PeriodCloseBilling(IErpConnector erp, TimeProvider clock)
{
    public async Task<string> RunAsync(IBillingWorkflows workflows, CancellationToken cancellationToken)
    {
        var period = LedgerEntry.PeriodOf(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddMonths(-1));
        var started = 0;
        var projects = (await erp.ListProjectsAsync(cancellationToken)).Where(p => p.Status == ProjectStatus.Active).ToList();
        foreach (var project in projects)
        {
            if ((await workflows.StartAsync(new BillingRequest(project.PsaProjectId, period), cancellationToken)).Started)
            {
                started++;
            }
        }
        return $"Period {period}: billing started for {started} of {projects.Count} active project(s).";
    }
}

public static class BillingJobNames
{
    public const string PeriodClose = "period-close-billing";
}
