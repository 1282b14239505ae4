using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;

namespace PsaSync.Workflow.Billing;

/// <summary>
/// Billing runs as Durable orchestrations, through whichever Durable Task client the host has (the Functions
/// durable client binding, or the local runtime's in-process engine). The instance id is the request's batch id.
/// </summary>
public sealed class DurableBillingWorkflows(DurableTaskClient client) : IBillingWorkflows
{
    public async Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await GetAsync(request, cancellationToken) is { } existing)
        {
            return (false, existing);
        }
        await client.ScheduleNewOrchestrationInstanceAsync(BillingReadinessOrchestrator.Name, request, new StartOrchestrationOptions(InstanceId: request.BatchId), cancellationToken);
        return (true, new BillingRunStatus(request.BatchId, nameof(OrchestrationRuntimeStatus.Pending), null, null));
    }

    public async Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instance = await client.GetInstanceAsync(request.BatchId, getInputsAndOutputs: true, cancellationToken);
        return instance is null
            ? null
            : new BillingRunStatus(instance.InstanceId, instance.RuntimeStatus.ToString(), Read(instance.SerializedCustomStatus), Read(instance.SerializedOutput));
    }

    public async Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await client.GetInstanceAsync(request.BatchId, getInputsAndOutputs: false, cancellationToken) is null)
        {
            return false;
        }
        await client.RaiseEventAsync(request.BatchId, BillingReadinessOrchestrator.ResolvedEvent, "resolved", cancellationToken);
        return true;
    }

    private static BillingStatus? Read(string? json) => string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<BillingStatus>(json, PsaSyncJson.Options);
}
