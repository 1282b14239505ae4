namespace PsaSync.Core.Billing;

/// <summary>The same status shape in both hosts, after Durable's check-status answer.</summary>
public sealed record BillingRunStatus(string InstanceId, string RuntimeStatus, BillingStatus? CustomStatus, BillingStatus? Output);

/// <summary>
/// Starts and watches billing-readiness workflows: Durable Functions in Azure, the in-process runner locally.
/// The instance id is the request's batch id, so starting the same project and period twice is a no-op.
/// </summary>
public interface IBillingWorkflows
{
    /// <returns>Whether a new instance was started (false: one already exists), and its status.</returns>
    Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken);

    Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken);

    /// <summary>Tells a blocked instance its problems were fixed, so it re-checks at once. False when there is no such instance.</summary>
    Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken);
}
