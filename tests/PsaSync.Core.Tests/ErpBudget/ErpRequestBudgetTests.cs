using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.ErpBudget;

/// <summary>
/// The budget reads time only through its <see cref="TimeProvider"/>, so these tests drive it with a fake clock: what
/// they assert is what the budget lets through at a given fake instant, never how long the machine took.
/// </summary>
public class ErpRequestBudgetTests
{
    private readonly DelayCountingClock _clock = new(TestData.Now);

    private ErpRequestBudget Budget(int requestsPerSecond, int maxConcurrency = 5, int maxThrottleRetries = 5) =>
        new(new ErpBudgetOptions { RequestsPerWindow = requestsPerSecond, Window = TimeSpan.FromSeconds(1), MaxConcurrency = maxConcurrency, MaxThrottleRetries = maxThrottleRetries },
            _clock);

    [Fact]
    public async Task No_more_requests_than_the_cap_are_in_flight_at_once()
    {
        var budget = Budget(requestsPerSecond: 10_000, maxConcurrency: 3);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var inFlight = 0;
        var peak = 0;

        var all = Task.WhenAll(Enumerable.Range(0, 40).Select(_ => budget.RunAsync(async ct =>
        {
            Interlocked.Increment(ref started);
            InterlockedMax(ref peak, Interlocked.Increment(ref inFlight));
            await release.Task;
            Interlocked.Decrement(ref inFlight);
            return true;
        }, CancellationToken.None)));

        // The first three hold every slot until they are released, so no fourth request can have started.
        await Settled(() => Volatile.Read(ref started) == 3);
        Assert.Equal(3, Volatile.Read(ref started));
        release.SetResult();
        await all.WaitAsync(SafetyNet);

        Assert.Equal(3, peak);
        Assert.Equal(40, budget.Requests);
    }

    [Fact]
    public async Task Requests_beyond_the_burst_wait_for_the_bucket_to_refill()
    {
        // 20 per second with a burst of 20, at most 5 at once: 60 requests need two more seconds after the burst.
        var budget = Budget(requestsPerSecond: 20);
        var ran = 0;

        var all = Task.WhenAll(Enumerable.Range(0, 60).Select(_ => budget.RunAsync(_ =>
        {
            Interlocked.Increment(ref ran);
            return Task.FromResult(true);
        }, CancellationToken.None)));

        await AllWaitingOnTheClock(budget, ran: () => ran, expected: 20, total: 60);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        await AllWaitingOnTheClock(budget, ran: () => ran, expected: 30, total: 60);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        await AllWaitingOnTheClock(budget, ran: () => ran, expected: 40, total: 60);
        Assert.False(all.IsCompleted);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await all.WaitAsync(SafetyNet);

        Assert.Equal(60, ran);
        Assert.Equal(60, budget.Requests);
        Assert.Equal(TestData.Now.AddSeconds(2), _clock.GetUtcNow());
    }

    [Fact]
    public async Task A_429_pauses_every_caller_for_its_Retry_After_and_the_call_is_retried()
    {
        var budget = Budget(requestsPerSecond: 1_000);
        var erp = Substitute.For<IErpConnector>();
        var findCalls = new List<DateTimeOffset>();
        var listCalls = new List<DateTimeOffset>();
        erp.FindProjectAsync("PRJ-1", Arg.Any<CancellationToken>()).Returns(_ =>
        {
            lock (findCalls)
            {
                findCalls.Add(_clock.GetUtcNow());
                return findCalls.Count == 1
                    ? Task.FromException<ErpProject?>(new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromMilliseconds(400)))
                    : Task.FromResult<ErpProject?>(new ErpProject("EP-1", "PRJ-1", true));
            }
        });
        erp.ListProjectsAsync(Arg.Any<CancellationToken>()).Returns(_ =>
        {
            lock (listCalls)
            {
                listCalls.Add(_clock.GetUtcNow());
            }
            return Task.FromResult<IReadOnlyList<ErpProject>>([]);
        });
        var connector = new BudgetedErpConnector(erp, budget);

        var find = connector.FindProjectAsync("PRJ-1", CancellationToken.None);
        await Settled(() => _clock.PendingTimers == 1);
        // A second caller arriving during the pause waits as well: the ERP throttles the principal, not the call.
        var list = connector.ListProjectsAsync(CancellationToken.None);
        await Settled(() => _clock.PendingTimers == 2);

        _clock.Advance(TimeSpan.FromMilliseconds(399));
        Assert.Equal(2, _clock.PendingTimers);
        Assert.False(find.IsCompleted);
        Assert.False(list.IsCompleted);
        lock (findCalls)
        {
            Assert.Equal([TestData.Now], findCalls);
        }
        Assert.Empty(listCalls);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var project = await find.WaitAsync(SafetyNet);
        await list.WaitAsync(SafetyNet);

        Assert.Equal("EP-1", project!.ErpProjectCode);
        Assert.Equal([TestData.Now, TestData.Now.AddMilliseconds(400)], findCalls);
        Assert.Equal([TestData.Now.AddMilliseconds(400)], listCalls);
        Assert.Equal(1, budget.Throttles);
        Assert.Equal(3, budget.Requests);
    }

    [Fact]
    public async Task After_its_retries_a_caller_sees_the_throttle_and_other_failures_at_once()
    {
        var budget = Budget(requestsPerSecond: 1_000, maxThrottleRetries: 2);
        var throttled = 0;

        var throttleCall = budget.RunAsync<bool>(_ =>
        {
            Interlocked.Increment(ref throttled);
            throw new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromMilliseconds(1));
        }, CancellationToken.None);
        for (var answered = 1; answered <= 2; answered++)
        {
            // The 429 just answered pauses the caller for its Retry-After before the next try.
            await Settled(() => Volatile.Read(ref throttled) == answered && _clock.PendingTimers == 1);
            _clock.Advance(TimeSpan.FromMilliseconds(1));
        }
        var throttle = await Assert.ThrowsAsync<ErpException>(() => throttleCall.WaitAsync(SafetyNet));
        var clockBeforeOutage = _clock.GetUtcNow();
        var outage = await Assert.ThrowsAsync<ErpException>(() => budget.RunAsync<bool>(_ => throw new ErpException(ErpFailureKind.Unavailable, "503"), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Throttled, throttle.Kind);
        Assert.Equal(3, throttled);
        Assert.Equal(ErpFailureKind.Unavailable, outage.Kind);
        Assert.Equal(clockBeforeOutage, _clock.GetUtcNow());
        Assert.Equal(0, _clock.PendingTimers);
        Assert.Equal(4, budget.Requests);
    }

    [Fact]
    public void The_sandbox_rate_limit_refuses_calls_beyond_its_bucket_and_says_when_to_come_back()
    {
        var limit = new RequestRateLimit(new SandboxFaultOptions { MaxRequestsPerSecond = 5 }, _clock);

        var allowed = Enumerable.Range(0, 20).Count(i => limit.TryTake(out var wait));
        var refused = !limit.TryTake(out var retryAfter);
        _clock.Advance(retryAfter);
        var allowedAfterWaiting = limit.TryTake(out _);
        var refusedAgain = !limit.TryTake(out _);

        Assert.Equal(5, allowed);
        Assert.True(refused);
        Assert.Equal(TimeSpan.FromMilliseconds(200), retryAfter);
        Assert.True(allowedAfterWaiting);
        Assert.True(refusedAgain);
    }

    /// <summary>A bound on how long a step may take on a slow machine; only a hang reaches it, no assertion measures it.</summary>
    private static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits until exactly <paramref name="expected"/> requests have run and every request still holding a concurrency
    /// slot is waiting on the fake clock: from then on nothing more can run until the test moves the clock.
    /// </summary>
    private async Task AllWaitingOnTheClock(ErpRequestBudget budget, Func<int> ran, int expected, int total)
    {
        var parked = Math.Min(budget.Options.MaxConcurrency, total - expected);
        await Settled(() => ran() >= expected && _clock.PendingTimers == parked);
        Assert.Equal(expected, ran());
        Assert.Equal(expected, budget.Requests);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; the work it waits for runs on other threads, not on the fake clock.</summary>
    private static async Task Settled(Func<bool> condition)
    {
        using var giveUp = new CancellationTokenSource(SafetyNet);
        while (!condition())
        {
            if (giveUp.IsCancellationRequested)
            {
                Assert.Fail("the budget never reached the state the test waits for");
            }
            await Task.Delay(1, CancellationToken.None);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>
    /// A fake clock that also counts the timers waiting on it (the budget's Task.Delay calls, each a one-shot timer), so
    /// a test can tell when every caller is parked on the clock.
    /// </summary>
    private sealed class DelayCountingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _pending;

        public int PendingTimers => Volatile.Read(ref _pending);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Assert.Equal(Timeout.InfiniteTimeSpan, period);
            Interlocked.Increment(ref _pending);
            return base.CreateTimer(s =>
            {
                Interlocked.Decrement(ref _pending);
                callback(s);
            }, state, dueTime, period);
        }
    }
}
