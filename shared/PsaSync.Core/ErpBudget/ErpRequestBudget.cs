using PsaSync.Core.Ports;

namespace PsaSync.Core.ErpBudget;

/// <summary>
/// The ERP's request limits for one principal (defaults: Business Central's 6,000 requests per 5 minutes, 5 at a time,
/// $batch of at most 100 operations). All domains of a process share one budget; in Azure each app gets its share.
/// </summary>
public sealed class ErpBudgetOptions
{
    public int RequestsPerWindow { get; set; } = 6_000;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Requests in flight at once; the ERP answers 429 above its own cap.</summary>
    public int MaxConcurrency { get; set; } = 5;

    /// <summary>Lines per batched request; at most what the ERP accepts in one $batch.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How many 429s one call waits out (honouring Retry-After) before the caller sees the throttle.</summary>
    public int MaxThrottleRetries { get; set; } = 5;

    /// <summary>Requests per second the budget allows on average.</summary>
    public double RequestsPerSecond => RequestsPerWindow / Window.TotalSeconds;
}

/// <summary>
/// A token bucket (refilled at <see cref="ErpBudgetOptions.RequestsPerSecond"/>, holding at most one second's worth so a
/// burst cannot outrun the ERP's window) plus a cap on concurrent requests. A 429 pauses every caller until its
/// Retry-After has passed, because the ERP counts the principal, not the call.
/// </summary>
public sealed class ErpRequestBudget
{
    private readonly ErpBudgetOptions _options;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _slots;
    private readonly double _capacity;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _refilledAt;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private long _requests;
    private long _throttles;

    public ErpRequestBudget(ErpBudgetOptions options, TimeProvider clock)
    {
        if (options.RequestsPerWindow <= 0 || options.Window <= TimeSpan.Zero || options.MaxConcurrency <= 0 || options.BatchSize <= 0)
        {
            throw new ArgumentException("The ERP budget needs a positive request count, window, concurrency and batch size.", nameof(options));
        }
        _options = options;
        _clock = clock;
        _slots = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        _capacity = Math.Max(1d, options.RequestsPerSecond);
        _tokens = _capacity;
        _refilledAt = clock.GetTimestamp();
    }

    public ErpBudgetOptions Options => _options;

    /// <summary>Requests sent to the ERP through this budget, retries included.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>429 answers met (each one paused the budget for its Retry-After).</summary>
    public long Throttles => Interlocked.Read(ref _throttles);

    /// <summary>Runs one ERP request inside the budget, waiting out 429s up to <see cref="ErpBudgetOptions.MaxThrottleRetries"/> times.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        for (var retry = 0; ; retry++)
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                await TakeTokenAsync(cancellationToken);
                Interlocked.Increment(ref _requests);
                return await request(cancellationToken);
            }
            catch (ErpException ex) when (ex.Kind == ErpFailureKind.Throttled && retry < _options.MaxThrottleRetries)
            {
                Interlocked.Increment(ref _throttles);
                Pause(ex.RetryAfter ?? TimeSpan.FromSeconds(1));
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    private void Pause(TimeSpan retryAfter)
    {
        var until = _clock.GetUtcNow() + retryAfter;
        lock (_gate)
        {
            if (until > _pausedUntil)
            {
                _pausedUntil = until;
            }
        }
    }

    private async Task TakeTokenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _clock.GetTimestamp();
                _tokens = Math.Min(_capacity, _tokens + _clock.GetElapsedTime(_refilledAt, now).TotalSeconds * _options.RequestsPerSecond);
                _refilledAt = now;
                var paused = _pausedUntil - _clock.GetUtcNow();
                if (paused > TimeSpan.Zero)
                {
                    wait = paused;
                }
                else if (_tokens >= 1d)
                {
                    _tokens -= 1d;
                    return;
                }
                else
                {
                    wait = TimeSpan.FromSeconds((1d - _tokens) / _options.RequestsPerSecond);
                }
            }
            await Task.Delay(wait, _clock, cancellationToken);
        }
    }
}
