using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PsaSync.Core.Events;
using PsaSync.Core.Workflow;

namespace PsaSync.Core.Tests.Support;

/// <summary>
/// Runs a workflow's activities one after another in the test's own flow, on a fake clock: inputs and results cross as
/// JSON (as under any host), an activity that throws fails at once, and waiting for an event that never comes moves
/// the clock on by the wait. Enough to test what a workflow decides; the hosts' own behaviour is tested with them.
/// </summary>
internal sealed class DirectWorkflowContext(IEnumerable<IWorkflowActivity> activities, FakeTimeProvider clock) : IWorkflowContext
{
    private readonly Dictionary<string, IWorkflowActivity> _activities = activities.ToDictionary(a => a.Name, StringComparer.Ordinal);

    public string InstanceId => "direct";

    public DateTime CurrentUtcDateTime => clock.GetUtcNow().UtcDateTime;

    public bool IsReplaying => false;

    public object? CustomStatus { get; private set; }

    public async Task<TResult> CallActivityAsync<TResult>(string activityName, object? input, ActivityRetry? retry = null)
    {
        object? result;
        try
        {
            result = await _activities[activityName].RunAsync(JsonSerializer.SerializeToElement(input, PsaSyncJson.Options), CancellationToken.None);
        }
        catch (Exception ex)
        {
            throw new ActivityFailedException(activityName, ex.Message, ex);
        }
        return JsonSerializer.SerializeToElement(result, PsaSyncJson.Options).Deserialize<TResult>(PsaSyncJson.Options)!;
    }

    public Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken)
    {
        clock.SetUtcNow(new DateTimeOffset(fireAt, TimeSpan.Zero));
        return Task.CompletedTask;
    }

    public Task<ExternalEvent<T>> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout)
    {
        clock.Advance(timeout);
        return Task.FromResult(new ExternalEvent<T>(false, default));
    }

    public void SetCustomStatus(object? status) => CustomStatus = status;
}
