using System.Security.Cryptography;
using System.Text;

namespace PsaSync.Connectors.Sandbox;

/// <summary>Fault rates of a sandbox system, each between 0 and 1 per call. All zero by default.</summary>
public sealed class SandboxFaultOptions
{
    public int Seed { get; set; } = 42;

    /// <summary>Share of calls answered 429 with <see cref="RetryAfter"/>.</summary>
    public double ThrottleRate { get; set; }

    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Share of calls answered 5xx without doing anything.</summary>
    public double ServerErrorRate { get; set; }

    /// <summary>Share of writes that commit and then time out, so the caller cannot tell whether they happened.</summary>
    public double CommitThenTimeoutRate { get; set; }

    /// <summary>Concurrent calls above this number are answered 429 (0 = no cap).</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>
    /// Requests per second above which calls are answered 429 (0 = no limit), like an ERP's per-principal request
    /// budget: a bucket holding one second's worth of requests, refilled continuously.
    /// </summary>
    public double MaxRequestsPerSecond { get; set; }
}

/// <summary>The sandbox's side of a request budget: refuses a call when the bucket of <see cref="SandboxFaultOptions.MaxRequestsPerSecond"/> is empty.</summary>
public sealed class RequestRateLimit(SandboxFaultOptions options, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private double _tokens = double.NaN;
    private long _refilledAt = clock.GetTimestamp();

    /// <summary>True when the call may go ahead; otherwise <paramref name="retryAfter"/> says when a request will be allowed again.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        var rate = options.MaxRequestsPerSecond;
        if (rate <= 0)
        {
            return true;
        }
        var capacity = Math.Max(1d, rate);
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            _tokens = double.IsNaN(_tokens) ? capacity : Math.Min(capacity, _tokens + clock.GetElapsedTime(_refilledAt, now).TotalSeconds * rate);
            _refilledAt = now;
            if (_tokens >= 1d)
            {
                _tokens -= 1d;
                return true;
            }
            retryAfter = TimeSpan.FromSeconds((1d - _tokens) / rate);
            return false;
        }
    }
}

public enum SandboxFault
{
    None,
    Throttled,
    ServerError,
    CommitThenTimeout,
    ConcurrencyCap,
    RateLimit,
    PeriodClosed,
    Outage,

    /// <summary>A failure asked for in advance for the next calls of one operation (the sandbox ERP's FailNext).</summary>
    Targeted,
}

/// <summary>
/// Decides faults from a hash of (seed, operation, key, attempt), not from a shared random sequence, so the
/// same scenario with the same seed meets the same faults whatever order concurrent calls arrive in.
/// </summary>
public sealed class FaultPlan(SandboxFaultOptions options)
{
    private readonly Dictionary<string, int> _attempts = [];
    private readonly Dictionary<SandboxFault, int> _injected = [];
    private readonly Lock _gate = new();

    public SandboxFaultOptions Options => options;

    public IReadOnlyDictionary<SandboxFault, int> Injected
    {
        get { lock (_gate) { return new Dictionary<SandboxFault, int>(_injected); } }
    }

    /// <summary>The fault, if any, for this attempt at <paramref name="operation"/> on <paramref name="key"/>.</summary>
    public SandboxFault Decide(string operation, string key, bool isWrite)
    {
        int attempt;
        lock (_gate)
        {
            var id = operation + "|" + key;
            attempt = _attempts.GetValueOrDefault(id) + 1;
            _attempts[id] = attempt;
        }
        var roll = Roll(operation, key, attempt);
        var fault = roll switch
        {
            _ when roll < options.ThrottleRate => SandboxFault.Throttled,
            _ when roll < options.ThrottleRate + options.ServerErrorRate => SandboxFault.ServerError,
            _ when isWrite && roll < options.ThrottleRate + options.ServerErrorRate + options.CommitThenTimeoutRate => SandboxFault.CommitThenTimeout,
            _ => SandboxFault.None,
        };
        if (fault != SandboxFault.None)
        {
            Count(fault);
        }
        return fault;
    }

    public void Count(SandboxFault fault)
    {
        lock (_gate)
        {
            _injected[fault] = _injected.GetValueOrDefault(fault) + 1;
        }
    }

    private double Roll(string operation, string key, int attempt)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Seed}|{operation}|{key}|{attempt}"));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
    }
}
