using PsaSync.Core.Ports;

namespace PsaSync.Core.Tests.Reconciliation;

public sealed class ErpTransientRetryTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromMilliseconds(1);

    [Fact]
    public async Task A_read_that_is_throttled_and_then_fails_once_is_retried_until_it_answers()
    {
        var calls = 0;
        var failures = new Queue<ErpException>([new(ErpFailureKind.Throttled, "429", Soon), new(ErpFailureKind.Unavailable, "503", Soon)]);

        var answer = await ErpTransientRetry.ReadAsync(() =>
        {
            calls++;
            return failures.TryDequeue(out var failure) ? Task.FromException<string>(failure) : Task.FromResult("INV-1");
        }, TimeProvider.System, CancellationToken.None);

        Assert.Equal("INV-1", answer);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task A_rejection_is_not_retried()
    {
        var calls = 0;
        await Assert.ThrowsAsync<ErpException>(() => ErpTransientRetry.ReadAsync<string>(() =>
        {
            calls++;
            throw new ErpException(ErpFailureKind.Rejected, "no such batch");
        }, TimeProvider.System, CancellationToken.None));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_read_that_keeps_failing_gives_up_after_the_last_attempt()
    {
        var calls = 0;
        var thrown = await Assert.ThrowsAsync<ErpException>(() => ErpTransientRetry.ReadAsync<string>(() =>
        {
            calls++;
            throw new ErpException(ErpFailureKind.Throttled, "429", Soon);
        }, TimeProvider.System, CancellationToken.None));
        Assert.Equal(ErpFailureKind.Throttled, thrown.Kind);
        Assert.Equal(ErpTransientRetry.Attempts, calls);
    }
}
