using PsaSync.Core.Billing;
using PsaSync.Core.Scheduling;

namespace PsaSync.LocalRuntime.Workflow;

/// <summary>The period-close billing timer of the local runtime (the time and expense app has it as a timer function).</summary>
public sealed class PeriodCloseJob(PeriodCloseBilling billing, IBillingWorkflows workflows) : IScheduledJob
{
    public string Name => BillingJobNames.PeriodClose;

    public Task<string> RunAsync(CancellationToken cancellationToken) => billing.RunAsync(workflows, cancellationToken);
}
