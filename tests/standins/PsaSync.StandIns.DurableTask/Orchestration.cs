namespace Microsoft.DurableTask;

public readonly struct TaskName(string name) : IEquatable<TaskName>
{
    public string Name { get; } = name;

    public static implicit operator TaskName(string name) => new(name);

    public static implicit operator string(TaskName name) => name.Name;

    public static bool operator ==(TaskName a, TaskName b) => a.Equals(b);

    public static bool operator !=(TaskName a, TaskName b) => !a.Equals(b);

    public bool Equals(TaskName other) => string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => obj is TaskName other && Equals(other);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Name ?? "");

    public override string ToString() => Name;
}

public class RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0, TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null)
{
    public int MaxNumberOfAttempts { get; } = maxNumberOfAttempts;

    public TimeSpan FirstRetryInterval { get; } = firstRetryInterval;

    public double BackoffCoefficient { get; } = backoffCoefficient;

    public TimeSpan MaxRetryInterval { get; } = maxRetryInterval ?? TimeSpan.FromHours(1);

    public TimeSpan RetryTimeout { get; } = retryTimeout ?? Timeout.InfiniteTimeSpan;
}

public sealed class TaskRetryOptions(RetryPolicy policy)
{
    public RetryPolicy? Policy { get; } = policy;
}

public record TaskOptions(TaskRetryOptions? Retry = null, IDictionary<string, string>? Tags = null)
{
    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => new(new TaskRetryOptions(policy));
}

public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);

public record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace, TaskFailureDetails? InnerFailure, IDictionary<string, object?>? Properties);

public sealed class TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
    : Exception($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
{
    public string TaskName { get; } = taskName;

    public int TaskId { get; } = taskId;

    public TaskFailureDetails FailureDetails { get; } = failureDetails;
}

public abstract class TaskOrchestrationContext
{
    public abstract string InstanceId { get; }

    public abstract DateTime CurrentUtcDateTime { get; }

    public abstract bool IsReplaying { get; }

    public abstract T? GetInput<T>();

    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    public abstract void SetCustomStatus(object? customStatus);
}
