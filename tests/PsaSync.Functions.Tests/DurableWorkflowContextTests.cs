using Microsoft.DurableTask;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using PsaSync.Core.Workflow;
using PsaSync.Functions.Shared.Durable;

namespace PsaSync.Functions.Tests;

/// <summary>The Durable adapter maps each workflow-context call to the matching orchestration primitive.</summary>
public sealed class DurableWorkflowContextTests
{
    private static readonly DateTime Now = new(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc);
    private readonly TaskOrchestrationContext _orchestration = Substitute.For<TaskOrchestrationContext>();
    private readonly DurableWorkflowContext _context;

    public DurableWorkflowContextTests()
    {
        _orchestration.InstanceId.Returns("billing-PRJ-001-2026-10");
        _orchestration.CurrentUtcDateTime.Returns(Now);
        _context = new DurableWorkflowContext(_orchestration);
    }

    [Fact]
    public async Task Activity_calls_carry_name_input_and_the_retry_policy()
    {
        _orchestration.CallActivityAsync<int>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>()).Returns(42);

        var result = await _context.CallActivityAsync<int>("ReserveEntries", "PRJ-001", new ActivityRetry(5, TimeSpan.FromSeconds(2)));

        Assert.Equal(42, result);
        await _orchestration.Received(1).CallActivityAsync<int>(
            Arg.Is<TaskName>(n => n.Name == "ReserveEntries"),
            "PRJ-001",
            Arg.Is<TaskOptions?>(o => o!.Retry!.Policy!.MaxNumberOfAttempts == 5 && o.Retry.Policy.FirstRetryInterval == TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_failed_activity_surfaces_as_ActivityFailedException_with_the_reason()
    {
        _orchestration.CallActivityAsync<int>(Arg.Any<TaskName>(), Arg.Any<object?>(), Arg.Any<TaskOptions?>())
            .Throws(new TaskFailedException("PostInvoice", 3, new TaskFailureDetails("ErpException", "period closed", null, null, null)));

        var failure = await Assert.ThrowsAsync<ActivityFailedException>(() => _context.CallActivityAsync<int>("PostInvoice", null));

        Assert.Equal("PostInvoice", failure.ActivityName);
        Assert.Equal("period closed", failure.Reason);
    }

    [Fact]
    public async Task An_event_that_arrives_in_time_wins_and_cancels_the_timer()
    {
        CancellationToken timerToken = default;
        _orchestration.CreateTimer(Now.AddHours(1), Arg.Do<CancellationToken>(t => timerToken = t)).Returns(new TaskCompletionSource().Task);
        _orchestration.WaitForExternalEvent<string>("resolved", Arg.Any<CancellationToken>()).Returns("fixed by finance");

        var received = await _context.WaitForExternalEventAsync<string>("resolved", TimeSpan.FromHours(1));

        Assert.True(received.Received);
        Assert.Equal("fixed by finance", received.Value);
        Assert.True(timerToken.IsCancellationRequested);
    }

    [Fact]
    public async Task When_the_timer_fires_first_the_wait_reports_a_timeout()
    {
        _orchestration.CreateTimer(Now.AddMinutes(30), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
        _orchestration.WaitForExternalEvent<string>("resolved", Arg.Any<CancellationToken>()).Returns(new TaskCompletionSource<string>().Task);

        var received = await _context.WaitForExternalEventAsync<string>("resolved", TimeSpan.FromMinutes(30));

        Assert.False(received.Received);
    }

    [Fact]
    public void Custom_status_and_identity_pass_through()
    {
        _context.SetCustomStatus(new { blocked = "PO missing" });

        _orchestration.Received(1).SetCustomStatus(Arg.Any<object?>());
        Assert.Equal("billing-PRJ-001-2026-10", _context.InstanceId);
        Assert.Equal(Now, _context.CurrentUtcDateTime);
    }
}
