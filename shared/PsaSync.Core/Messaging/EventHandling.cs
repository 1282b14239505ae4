using PsaSync.Core.Events;

namespace PsaSync.Core.Messaging;

/// <summary>What a handler made of one event.</summary>
public abstract record HandlerResult
{
    private HandlerResult() { }

    /// <summary>The effect happened (or had already happened): <paramref name="Outcome"/> is recorded in the dedupe ledger.</summary>
    public sealed record Done(string Outcome) : HandlerResult;

    /// <summary>The event can never succeed as it is; the handler raised an exception item for a person.</summary>
    public sealed record Rejected(string ReasonCode) : HandlerResult;

    /// <summary>
    /// The event waits for another record (its parent) to sync first. It is kept in the parking lot and re-driven,
    /// with its original idempotency key, when the parent syncs.
    /// </summary>
    public sealed record Parked(string WaitingFor) : HandlerResult;

    /// <summary>A transient failure (throttling, outage, timeout): deliver again later.</summary>
    public sealed record RetryLater(string Reason, TimeSpan? After = null) : HandlerResult;
}

/// <summary>Handles one canonical event type in one domain.</summary>
public interface IEventHandler
{
    string EventType { get; }

    /// <param name="isRedelivery">True when an earlier attempt may have reached the target system, so the handler
    /// must look before it creates.</param>
    Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken);
}
