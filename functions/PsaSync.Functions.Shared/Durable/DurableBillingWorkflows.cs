using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;

namespace PsaSync.Functions.Shared.Durable;

/// <summary>Billing workflows as Durable orchestrations; the instance id is the request's batch id.</summary>
public sealed class DurableBillingWorkflows(DurableTaskClient client) : IBillingWorkflows
{
    public async Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        if (await GetAsync(request, cancellationToken) is { } existing)
        {
            return (false, existing);
        }
        await client.ScheduleNewOrchestrationInstanceAsync(BillingReadinessWorkflow.WorkflowName, request, new StartOrchestrationOptions(InstanceId: request.BatchId), cancellationToken);
        return (true, new BillingRunStatus(request.BatchId, nameof(OrchestrationRuntimeStatus.Pending), null, null));
    }

    public async Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(request.BatchId, getInputsAndOutputs: true, cancellationToken);
        return instance is null
            ? null
            : new BillingRunStatus(instance.InstanceId, instance.RuntimeStatus.ToString(), Read(instance.SerializedCustomStatus), Read(instance.SerializedOutput));
    }

    public async Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(request.BatchId, getInputsAndOutputs: false, cancellationToken) is null)
        {
            return false;
        }
        await client.RaiseEventAsync(request.BatchId, BillingReadinessWorkflow.ResolvedEvent, "resolved", cancellationToken);
        return true;
    }

    private static BillingStatus? Read(string? json) => json is null ? null : JsonSerializer.Deserialize<BillingStatus>(json, PsaSyncJson.Options);
}
