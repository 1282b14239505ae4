using System.Collections.Concurrent;
using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Workflow;

namespace PsaSync.LocalRuntime.Workflow;

public enum WorkflowRuntimeStatus
{
    Running,
    Completed,
    Failed,
}

/// <summary>The same shape of status the Durable check-status endpoint gives.</summary>
public sealed record WorkflowStatus(string InstanceId, string Name, WorkflowRuntimeStatus RuntimeStatus, JsonElement? CustomStatus, JsonElement? Output, string? Failure);

/// <summary>
/// Runs workflows in this process, in place of Durable Functions: activities are called directly with the
/// workflow's retry policy, timers are delays, external events are delivered in memory. A second start with
/// the same instance id is a no-op, as with Durable's deterministic instance ids. Instances live as long as
/// the process; workflows rely on idempotent activities, so a restart re-runs an unfinished one from the top.
/// </summary>
public sealed class InProcessWorkflowRunner(IEnumerable<IWorkflowActivity> activities, TimeProvider clock)
{
    private readonly Dictionary<string, IWorkflowActivity> _activities = activities.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Instance> _instances = new();
    private readonly TimeProvider _clock = clock;

    /// <returns>False when an instance with this id already exists (nothing new is started).</returns>
    public bool Start<TInput, TOutput>(IWorkflow<TInput, TOutput> workflow, string instanceId, TInput input)
    {
        var instance = new Instance(instanceId, workflow.Name);
        if (!_instances.TryAdd(instanceId, instance))
        {
            return false;
        }
        var context = new Context(this, instance);
        instance.Completion = Task.Run(async () =>
        {
            try
            {
                var output = await workflow.RunAsync(context, input);
                instance.Finish(WorkflowRuntimeStatus.Completed, JsonSerializer.SerializeToElement(output, PsaSyncJson.Options), null);
            }
            catch (Exception ex)
            {
                instance.Finish(WorkflowRuntimeStatus.Failed, null, ex.Message);
            }
        });
        return true;
    }

    public WorkflowStatus? GetStatus(string instanceId) => _instances.TryGetValue(instanceId, out var i) ? i.Status() : null;

    /// <summary>Delivers an event to a waiting (or later waiting) instance. False if there is no such instance.</summary>
    public bool RaiseEvent(string instanceId, string eventName, object? payload)
    {
        if (!_instances.TryGetValue(instanceId, out var instance))
        {
            return false;
        }
        instance.Events.GetOrAdd(eventName, _ => new ConcurrentQueue<JsonElement>()).Enqueue(JsonSerializer.SerializeToElement(payload, PsaSyncJson.Options));
        instance.Signal();
        return true;
    }

    public async Task<WorkflowStatus> WaitForCompletionAsync(string instanceId, TimeSpan timeout)
    {
        var instance = _instances[instanceId];
        await instance.Completion!.WaitAsync(timeout);
        return instance.Status();
    }

    private sealed class Instance(string id, string name)
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WorkflowRuntimeStatus _status = WorkflowRuntimeStatus.Running;
        private JsonElement? _customStatus;
        private JsonElement? _output;
        private string? _failure;

        public ConcurrentDictionary<string, ConcurrentQueue<JsonElement>> Events { get; } = new();

        public Task? Completion { get; set; }

        public Task NextSignal
        {
            get { lock (_gate) { return _signal.Task; } }
        }

        public void Signal()
        {
            lock (_gate)
            {
                _signal.TrySetResult();
                _signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void SetCustomStatus(object? status)
        {
            lock (_gate) { _customStatus = JsonSerializer.SerializeToElement(status, PsaSyncJson.Options); }
        }

        public void Finish(WorkflowRuntimeStatus status, JsonElement? output, string? failure)
        {
            lock (_gate) { (_status, _output, _failure) = (status, output, failure); }
        }

        public WorkflowStatus Status()
        {
            lock (_gate) { return new WorkflowStatus(id, name, _status, _customStatus, _output, _failure); }
        }

        public string Id => id;
    }

    private sealed class Context(InProcessWorkflowRunner runner, Instance instance) : IWorkflowContext
    {
        public string InstanceId => instance.Id;

        public DateTime CurrentUtcDateTime => runner._clock.GetUtcNow().UtcDateTime;

        public bool IsReplaying => false;

        public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry? retry = null)
        {
            if (!runner._activities.TryGetValue(activityName, out var activity))
            {
                throw new ActivityFailedException(activityName, "no such activity is registered");
            }
            var payload = JsonSerializer.SerializeToElement(input, PsaSyncJson.Options);
            var attempts = retry?.MaxAttempts ?? 1;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var result = await activity.RunAsync(payload, CancellationToken.None);
                    return JsonSerializer.SerializeToElement(result, PsaSyncJson.Options).Deserialize<TResult>(PsaSyncJson.Options)!;
                }
                catch (Exception) when (attempt < attempts)
                {
                    await Task.Delay(retry!.DelayBefore(attempt + 1), runner._clock);
                }
                catch (Exception ex)
                {
                    throw new ActivityFailedException(activityName, ex.Message, ex);
                }
            }
        }

        public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken)
        {
            var delay = fireAt - CurrentUtcDateTime;
            return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, runner._clock, cancellationToken);
        }

        public async Task<ExternalEvent<T>> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout)
        {
            var deadline = Task.Delay(timeout, runner._clock);
            while (true)
            {
                var signal = instance.NextSignal;
                if (instance.Events.TryGetValue(eventName, out var queue) && queue.TryDequeue(out var payload))
                {
                    return new ExternalEvent<T>(true, payload.Deserialize<T>(PsaSyncJson.Options));
                }
                if (await Task.WhenAny(signal, deadline) == deadline)
                {
                    return new ExternalEvent<T>(false, default);
                }
            }
        }

        public void SetCustomStatus(object? status) => instance.SetCustomStatus(status);
    }
}
