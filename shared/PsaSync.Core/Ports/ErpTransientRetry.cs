namespace PsaSync.Core.Ports;

/// <summary>
/// Retries one ERP read that failed transiently (429, 5xx, timeout), honouring Retry-After. For jobs that make many
/// reads in one run: without it a single throttled read out of hundreds fails the whole run, and under a steady
/// fault rate a large run never completes (the chaos suite showed this for billing reconciliation).
/// </summary>
public static class ErpTransientRetry
{
    public const int Attempts = 5;

    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, TimeProvider clock, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (ErpException ex) when (ex.IsTransient && attempt < Attempts)
            {
                await Task.Delay(ex.RetryAfter ?? TimeSpan.FromMilliseconds(200 * attempt), clock, cancellationToken);
            }
        }
    }
}
