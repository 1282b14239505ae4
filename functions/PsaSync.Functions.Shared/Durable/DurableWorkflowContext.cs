using Microsoft.DurableTask;
using PsaSync.Core.Workflow;

namespace PsaSync.Functions.Shared.Durable;

/// <summary>
/// Lets workflow code written against <see cref="IWorkflowContext"/> run as a Durable Functions orchestration.
/// Every call maps to one Durable primitive, so Durable's replay and determinism rules apply unchanged.
/// </summary>
public sealed class DurableWorkflowContext(TaskOrchestrationContext context) : IWorkflowContext
{
    public string InstanceId => context.InstanceId;

    public DateTime CurrentUtcDateTime => context.CurrentUtcDateTime;

    public bool IsReplaying => context.IsReplaying;

    public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry? retry = null)
    {
        var options = retry is null
            ? null
            : TaskOptions.FromRetryPolicy(new RetryPolicy(retry.MaxAttempts, retry.FirstInterval, retry.BackoffCoefficient, retry.MaxInterval));
        try
        {
            return await context.CallActivityAsync<TResult>(activityName, input, options);
        }
        catch (TaskFailedException ex)
        {
            throw new ActivityFailedException(activityName, ex.FailureDetails.ErrorMessage, ex);
        }
    }

    public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken) => context.CreateTimer(fireAt, cancellationToken);

    public async Task<ExternalEvent<T>> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout)
    {
        // The durable timer races the event; the losing timer is cancelled so the orchestration can finish.
        using var timerCancellation = new CancellationTokenSource();
        var timer = context.CreateTimer(context.CurrentUtcDateTime + timeout, timerCancellation.Token);
        var received = context.WaitForExternalEvent<T>(eventName);
        if (await Task.WhenAny(received, timer) == received)
        {
            await timerCancellation.CancelAsync();
            return new ExternalEvent<T>(true, await received);
        }
        return new ExternalEvent<T>(false, default);
    }

    public void SetCustomStatus(object? status) => context.SetCustomStatus(status);
}
