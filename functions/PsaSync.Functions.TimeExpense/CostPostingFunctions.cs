using Microsoft.Azure.Functions.Worker;
using PsaSync.Core.Scheduling;
using PsaSync.Hosting;

namespace PsaSync.Functions.TimeExpense;

/// <summary>The cost posting job on its timer: accepted time goes to the ERP aggregated and in batches.</summary>
public sealed class CostPostingFunctions(JobRunner jobs)
{
    [Function("CostPostings")]
    public Task PostCosts([TimerTrigger("%CostPostingSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.CostPostings, cancellationToken);
}
