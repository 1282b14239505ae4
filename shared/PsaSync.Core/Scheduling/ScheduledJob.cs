namespace PsaSync.Core.Scheduling;

/// <summary>
/// Work that runs on a schedule: a timer-triggered function in Azure, the timer host in the local runtime,
/// and on demand in both. <see cref="Name"/> is what schedules and the on-demand route refer to.
/// </summary>
public interface IScheduledJob
{
    string Name { get; }

    Task<string> RunAsync(CancellationToken cancellationToken);
}

public static class JobNames
{
    public const string CustomerReconciliation = "customer-reconciliation";
    public const string ProjectReconciliation = "project-reconciliation";
    public const string ParkingSweep = "parking-sweep";
    public const string InvoiceFeedback = "invoice-feedback";
    public const string BillingReconciliation = "billing-reconciliation";
    public const string PsaExceptionNotes = "psa-exception-notes";
    public const string CostPostings = "cost-postings";
}
