using Microsoft.DurableTask;

namespace Microsoft.DurableTask.Client
{
    public enum OrchestrationRuntimeStatus
    {
        Running,
        Completed,
        ContinuedAsNew,
        Failed,
        Canceled,
        Terminated,
        Pending,
        Suspended,
    }

    public sealed class OrchestrationMetadata(string name, string instanceId)
    {
        public string Name { get; } = name;

        public string InstanceId { get; } = instanceId;

        public OrchestrationRuntimeStatus RuntimeStatus { get; init; }

        public DateTimeOffset CreatedAt { get; init; }

        public DateTimeOffset LastUpdatedAt { get; init; }

        public string? SerializedOutput { get; init; }

        public string? SerializedCustomStatus { get; init; }
    }

    public abstract class DurableTaskClient(string name)
    {
        public string Name { get; } = name;

        public abstract Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default);

        public abstract Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default);

        public abstract Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default);

        public virtual Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);
    }
}

namespace Microsoft.Azure.Functions.Worker
{
    using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class OrchestrationTriggerAttribute : TriggerBindingAttribute
    {
        public string? Orchestration { get; set; }
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ActivityTriggerAttribute : TriggerBindingAttribute
    {
        public string? Activity { get; set; }
    }

    public sealed class DurableClientAttribute : InputBindingAttribute
    {
        public string? TaskHub { get; set; }
    }
}
