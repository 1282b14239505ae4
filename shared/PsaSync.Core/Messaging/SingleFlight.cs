using System.Collections.Concurrent;

namespace PsaSync.Core.Messaging;

/// <summary>
/// Concurrent calls for the same key share one execution of the work: the first caller starts it, the others await
/// its result. Used for lookups that hundreds of handlers make at the same moment when a burst begins.
/// </summary>
public sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> unless it is already running for <paramref name="key"/>. The work is shared, so
    /// it should not depend on one caller's cancellation; <paramref name="cancellationToken"/> only stops the waiting.
    /// </summary>
    public async Task<T> RunAsync(string key, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        // Async, so that work failing at once fails the task instead of the Lazy.
        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task<T>>(async () => await work()));
        try
        {
            return await flight.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            if (flight.Value.IsCompleted)
            {
                _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, flight));
            }
        }
    }
}
