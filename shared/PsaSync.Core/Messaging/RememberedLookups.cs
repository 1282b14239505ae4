using System.Collections.Concurrent;

namespace PsaSync.Core.Messaging;

/// <summary>
/// Values looked up by key and remembered for a while, for lookups a burst repeats tens of thousands of times;
/// concurrent lookups of one key share one call (<see cref="SingleFlight{T}"/>).
/// </summary>
public sealed class RememberedLookups<T>(TimeSpan duration, TimeProvider clock)
    where T : class
{
    private readonly ConcurrentDictionary<string, (T Value, DateTimeOffset Until)> _remembered = new(StringComparer.Ordinal);
    private readonly SingleFlight<T?> _lookups = new();

    /// <summary>
    /// The remembered value, or the result of <paramref name="lookup"/>, remembered when <paramref name="worthRemembering"/>
    /// says so (a missing or unusable value is looked up again next time, so a fix shows at once).
    /// </summary>
    public async Task<T?> GetAsync(string key, Func<Task<T?>> lookup, Func<T, bool> worthRemembering, CancellationToken cancellationToken)
    {
        if (_remembered.TryGetValue(key, out var known) && known.Until > clock.GetUtcNow())
        {
            return known.Value;
        }
        var value = await _lookups.RunAsync(key, lookup, cancellationToken);
        if (value is not null && worthRemembering(value))
        {
            Remember(key, value);
        }
        else
        {
            _remembered.TryRemove(key, out _);
        }
        return value;
    }

    /// <summary>Replaces what is remembered for the key, as when this process has just written the value itself.</summary>
    public void Remember(string key, T value)
    {
        if (duration > TimeSpan.Zero)
        {
            _remembered[key] = (value, clock.GetUtcNow() + duration);
        }
    }
}
