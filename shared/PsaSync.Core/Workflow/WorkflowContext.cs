namespace PsaSync.Core.Workflow;

/// <summary>
/// What a workflow may do. Durable Functions hosts it in Azure (through an adapter over its orchestration
/// context); the local runtime hosts it with an in-process runner. Workflow code follows Durable's
/// determinism rules under both: time only from <see cref="CurrentUtcDateTime"/>, no I/O outside activities,
/// no random numbers, no threads.
/// </summary>
public interface IWorkflowContext
{
    string InstanceId { get; }

    DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the host re-executes code that already ran; use it to keep logs from repeating.</summary>
    bool IsReplaying { get; }

    Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry? retry = null);

    Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>Waits for an event raised from outside (for example "resolved"), or gives up after <paramref name="timeout"/>.</summary>
    Task<ExternalEvent<T>> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout);

    void SetCustomStatus(object? status);
}

/// <summary>An awaited external event: <see cref="Received"/> is false when the wait timed out.</summary>
public sealed record ExternalEvent<T>(bool Received, T? Value);

/// <summary>Retry of one activity call by the host, with exponential backoff.</summary>
public sealed record ActivityRetry(int MaxAttempts, TimeSpan FirstInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxInterval = null)
{
    public TimeSpan DelayBefore(int attempt)
    {
        var delay = FirstInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, Math.Max(0, attempt - 2));
        var capped = MaxInterval is { } max ? Math.Min(delay, max.TotalMilliseconds) : delay;
        return TimeSpan.FromMilliseconds(capped);
    }
}

/// <summary>An activity failed for good (after its retries); the workflow decides what to undo.</summary>
public sealed class ActivityFailedException(string activityName, string reason, Exception? inner = null)
    : Exception($"Activity {activityName} failed: {reason}", inner)
{
    public string ActivityName { get; } = activityName;

    public string Reason { get; } = reason;
}

/// <summary>A workflow: plain C# over <see cref="IWorkflowContext"/>, hosted by Durable Functions or the in-process runner.</summary>
public interface IWorkflow<TInput, TOutput>
{
    string Name { get; }

    Task<TOutput> RunAsync(IWorkflowContext context, TInput input);
}

/// <summary>An activity: the only place a workflow's I/O happens. Inputs and results travel as JSON, as under Durable.</summary>
public interface IWorkflowActivity
{
    string Name { get; }

    Task<object?> RunAsync(System.Text.Json.JsonElement input, CancellationToken cancellationToken);
}
