using System.Text.Json;
using PsaSync.Core.Workflow;
using PsaSync.LocalRuntime.Workflow;

namespace PsaSync.LocalRuntime.Tests;

/// <summary>The in-process runner hosts workflow code the way Durable would: retries, events, timeouts, status, one instance per id.</summary>
public sealed class InProcessWorkflowRunnerTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Runs_a_workflow_retrying_a_flaky_activity_and_completing_on_the_resolved_event()
    {
        var flaky = new FlakyActivity(failuresBeforeSuccess: 2);
        var runner = new InProcessWorkflowRunner([flaky], TimeProvider.System);

        Assert.True(runner.Start(new WaitForResolution(), "wf-1", "PRJ-001"));
        await WaitUntilAsync(() => runner.GetStatus("wf-1")!.CustomStatus is { } s && s.GetString() == "waiting");
        runner.RaiseEvent("wf-1", "resolved", "PO added");
        var status = await runner.WaitForCompletionAsync("wf-1", Wait);

        Assert.Equal(WorkflowRuntimeStatus.Completed, status.RuntimeStatus);
        Assert.Equal("PRJ-001 reserved 3 after PO added", status.Output!.Value.GetString());
        Assert.Equal(3, flaky.Calls);
    }

    [Fact]
    public async Task A_second_start_with_the_same_instance_id_is_a_no_op()
    {
        var flaky = new FlakyActivity(failuresBeforeSuccess: 0);
        var runner = new InProcessWorkflowRunner([flaky], TimeProvider.System);

        Assert.True(runner.Start(new WaitForResolution(), "wf-2", "PRJ-002"));
        Assert.False(runner.Start(new WaitForResolution(), "wf-2", "PRJ-002"));
        runner.RaiseEvent("wf-2", "resolved", "ok");
        await runner.WaitForCompletionAsync("wf-2", Wait);

        Assert.Equal(1, flaky.Calls);
    }

    [Fact]
    public async Task A_wait_that_times_out_ends_as_blocked_and_an_activity_out_of_retries_fails_the_workflow()
    {
        var runner = new InProcessWorkflowRunner([new FlakyActivity(failuresBeforeSuccess: 10)], TimeProvider.System);

        runner.Start(new WaitForResolution(timeout: TimeSpan.FromMilliseconds(50), reserveFirst: false), "wf-3", "PRJ-003");
        var blocked = await runner.WaitForCompletionAsync("wf-3", Wait);
        runner.Start(new WaitForResolution(), "wf-4", "PRJ-004");
        var failed = await runner.WaitForCompletionAsync("wf-4", Wait);

        Assert.Equal("PRJ-003 blocked", blocked.Output!.Value.GetString());
        Assert.Equal(WorkflowRuntimeStatus.Failed, failed.RuntimeStatus);
        Assert.Contains("Reserve", failed.Failure);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached");
            await Task.Delay(10);
        }
    }

    /// <summary>A small workflow in the shape of billing readiness: reserve, wait to be unblocked, finish.</summary>
    private sealed class WaitForResolution(TimeSpan? timeout = null, bool reserveFirst = true) : IWorkflow<string, string>
    {
        public string Name => "WaitForResolution";

        public async Task<string> RunAsync(IWorkflowContext context, string project)
        {
            var reserved = reserveFirst
                ? await context.CallActivityAsync<int>("Reserve", project, new ActivityRetry(3, TimeSpan.FromMilliseconds(1)))
                : 0;
            context.SetCustomStatus("waiting");
            var resolved = await context.WaitForExternalEventAsync<string>("resolved", timeout ?? Wait);
            return resolved.Received ? $"{project} reserved {reserved} after {resolved.Value}" : $"{project} blocked";
        }
    }

    private sealed class FlakyActivity(int failuresBeforeSuccess) : IWorkflowActivity
    {
        public int Calls;

        public string Name => "Reserve";

        public Task<object?> RunAsync(JsonElement input, CancellationToken cancellationToken)
        {
            var call = Interlocked.Increment(ref Calls);
            if (call <= failuresBeforeSuccess)
            {
                throw new InvalidOperationException($"ERP busy (call {call})");
            }
            return Task.FromResult<object?>(call);
        }
    }
}
