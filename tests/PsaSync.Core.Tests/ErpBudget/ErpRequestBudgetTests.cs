using System.Diagnostics;
using NSubstitute;
using PsaSync.Connectors.Sandbox;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Tests.ErpBudget;

public class ErpRequestBudgetTests
{
    private static ErpRequestBudget Budget(int requestsPerSecond, int maxConcurrency = 5, int maxThrottleRetries = 5) =>
        new(new ErpBudgetOptions { RequestsPerWindow = requestsPerSecond, Window = TimeSpan.FromSeconds(1), MaxConcurrency = maxConcurrency, MaxThrottleRetries = maxThrottleRetries },
            TimeProvider.System);

    [Fact]
    public async Task No_more_requests_than_the_cap_are_in_flight_at_once()
    {
        var budget = Budget(requestsPerSecond: 10_000, maxConcurrency: 3);
        var inFlight = 0;
        var peak = 0;

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => budget.RunAsync(async ct =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref inFlight);
            return true;
        }, CancellationToken.None)));

        Assert.Equal(3, peak);
        Assert.Equal(40, budget.Requests);
    }

    [Fact]
    public async Task Requests_beyond_the_burst_wait_for_the_bucket_to_refill()
    {
        // 20 per second, a burst of 20: the 60 requests after the first 20 need at least 2 seconds between them.
        var budget = Budget(requestsPerSecond: 20);
        var stopwatch = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => budget.RunAsync(_ => Task.FromResult(true), CancellationToken.None)));

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.9), $"60 requests at 20/s with a burst of 20 took only {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task A_429_pauses_every_caller_for_its_Retry_After_and_the_call_is_retried()
    {
        var budget = Budget(requestsPerSecond: 1_000);
        var erp = Substitute.For<IErpConnector>();
        var calls = 0;
        erp.FindProjectAsync("PRJ-1", Arg.Any<CancellationToken>()).Returns(_ => ++calls == 1
            ? Task.FromException<ErpProject?>(new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromMilliseconds(400)))
            : Task.FromResult<ErpProject?>(new ErpProject("EP-1", "PRJ-1", true)));
        var connector = new BudgetedErpConnector(erp, budget);
        var stopwatch = Stopwatch.StartNew();

        var project = await connector.FindProjectAsync("PRJ-1", CancellationToken.None);
        var afterRetry = stopwatch.Elapsed;
        await connector.ListProjectsAsync(CancellationToken.None);

        Assert.Equal("EP-1", project!.ErpProjectCode);
        Assert.Equal(2, calls);
        Assert.Equal(1, budget.Throttles);
        Assert.True(afterRetry >= TimeSpan.FromMilliseconds(380), $"the retry came after {afterRetry}, before the Retry-After of 400 ms");
    }

    [Fact]
    public async Task After_its_retries_a_caller_sees_the_throttle_and_other_failures_at_once()
    {
        var budget = Budget(requestsPerSecond: 1_000, maxThrottleRetries: 2);
        var throttled = 0;

        var throttle = await Assert.ThrowsAsync<ErpException>(() => budget.RunAsync<bool>(_ =>
        {
            throttled++;
            throw new ErpException(ErpFailureKind.Throttled, "429", TimeSpan.FromMilliseconds(1));
        }, CancellationToken.None));
        var outage = await Assert.ThrowsAsync<ErpException>(() => budget.RunAsync<bool>(_ => throw new ErpException(ErpFailureKind.Unavailable, "503"), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Throttled, throttle.Kind);
        Assert.Equal(3, throttled);
        Assert.Equal(ErpFailureKind.Unavailable, outage.Kind);
        Assert.Equal(4, budget.Requests);
    }

    [Fact]
    public void The_sandbox_rate_limit_refuses_calls_beyond_its_bucket_and_says_when_to_come_back()
    {
        var limit = new RequestRateLimit(new SandboxFaultOptions { MaxRequestsPerSecond = 5 }, TimeProvider.System);

        var allowed = Enumerable.Range(0, 20).Count(i => limit.TryTake(out var wait));
        var refused = !limit.TryTake(out var retryAfter);

        Assert.InRange(allowed, 5, 6);
        Assert.True(refused);
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(200));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
