using System.Text.Json;
using PsaSync.Core.Billing;

namespace PsaSync.LocalRuntime.Workflow;

/// <summary>Billing workflows on the in-process runner, answering in the same shape as Durable's check-status.</summary>
public sealed class LocalBillingWorkflows(InProcessWorkflowRunner runner, BillingReadinessWorkflow workflow) : IBillingWorkflows
{
    public Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        var started = runner.Start(workflow, request.BatchId, request);
        return Task.FromResult((started, Status(runner.GetStatus(request.BatchId)!)));
    }

    public Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(runner.GetStatus(request.BatchId) is { } status ? Status(status) : null);

    public Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(runner.RaiseEvent(request.BatchId, BillingReadinessWorkflow.ResolvedEvent, "resolved"));

    private static BillingRunStatus Status(WorkflowStatus status) => new(
        status.InstanceId,
        status.RuntimeStatus.ToString(),
        status.CustomStatus?.Deserialize<BillingStatus>(Core.Events.PsaSyncJson.Options),
        status.Output?.Deserialize<BillingStatus>(Core.Events.PsaSyncJson.Options));
}
