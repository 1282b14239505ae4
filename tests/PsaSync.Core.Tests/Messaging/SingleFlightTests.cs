using PsaSync.Core.Messaging;

namespace PsaSync.Core.Tests.Messaging;

public class SingleFlightTests
{
    [Fact]
    public async Task Concurrent_calls_for_one_key_share_one_execution_and_a_later_call_runs_again()
    {
        var flights = new SingleFlight<int>();
        var release = new TaskCompletionSource();
        var executions = 0;
        async Task<int> Lookup()
        {
            Interlocked.Increment(ref executions);
            await release.Task;
            return executions;
        }

        var waiting = Enumerable.Range(0, 50).Select(_ => flights.RunAsync("PRJ-1", Lookup, CancellationToken.None)).ToList();
        var other = flights.RunAsync("PRJ-2", Lookup, CancellationToken.None);
        release.SetResult();
        var results = await Task.WhenAll(waiting);

        Assert.Equal(2, await other);
        Assert.All(results, r => Assert.Equal(2, r));
        Assert.Equal(3, await flights.RunAsync("PRJ-1", Lookup, CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_execution_fails_its_waiters_and_is_not_remembered()
    {
        var flights = new SingleFlight<string>();
        var calls = 0;
        Task<string> Lookup() => ++calls == 1 ? throw new TimeoutException("ERP did not answer") : Task.FromResult("found");

        await Assert.ThrowsAsync<TimeoutException>(() => flights.RunAsync("PRJ-1", Lookup, CancellationToken.None));

        Assert.Equal("found", await flights.RunAsync("PRJ-1", Lookup, CancellationToken.None));
    }
}
