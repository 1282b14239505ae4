using PsaSync.Core.Events;

namespace PsaSync.Core.Messaging;

/// <summary>The queues between the webhook edge and the domain processors, one per sync domain.</summary>
public static class QueueNames
{
    public const string CustomerMaster = "customer-master";
    public const string ProjectSetup = "project-setup";
    public const string TimeExpense = "time-expense";
    public const string InvoiceStatus = "invoice-status";

    public static IReadOnlyList<string> All { get; } = [CustomerMaster, ProjectSetup, TimeExpense, InvoiceStatus];
}

/// <summary>
/// Durably enqueues envelopes (Service Bus in Azure, the Azurite-backed queue locally). When the task
/// completes the message is stored: only then may a webhook be acknowledged.
/// </summary>
/// <remarks>
/// A call publishes all its envelopes or none: a publisher that fails before anything is stored throws any
/// exception (nothing was accepted); one that fails after part of the envelopes may be stored and could not take
/// them back throws <see cref="PartiallyPublishedException"/>, so the webhook can say so.
/// </remarks>
public interface IMessagePublisher
{
    Task PublishAsync(string queueName, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken);
}

/// <summary>
/// Publishing failed after part of the envelopes were stored, and they could not be taken back: they will be
/// processed. Sending the same envelopes again is safe (duplicates are absorbed) and completes the call.
/// </summary>
public sealed class PartiallyPublishedException(string queueName, int published, int total, Exception inner)
    : Exception($"{published} of {total} envelopes may be queued on {queueName}; the rest could not be: {inner.Message}", inner)
{
    public int Published => published;

    public int Total => total;
}

/// <summary>What the transport tells a processor about one delivery. <see cref="DeliveryCount"/> starts at 1.</summary>
public sealed record DeliveryInfo(string MessageId, int DeliveryCount);

public enum SettlementAction
{
    /// <summary>Done (including "done by raising an exception item"): remove the message.</summary>
    Complete,

    /// <summary>Give the message back for another delivery after <see cref="Settlement.RetryAfter"/> (on Service Bus: a scheduled copy).</summary>
    Abandon,

    /// <summary>Move the message aside with a reason; an exception item says what to do about it.</summary>
    DeadLetter,
}

/// <summary>The processor's decision; each host translates it to its transport's settlement call.</summary>
public sealed record Settlement(SettlementAction Action, TimeSpan RetryAfter = default, string? DeadLetterReason = null, string? DeadLetterDescription = null)
{
    public static Settlement Complete { get; } = new(SettlementAction.Complete);

    public static Settlement Abandon(TimeSpan retryAfter) => new(SettlementAction.Abandon, retryAfter);

    public static Settlement DeadLetter(string reason, string description) =>
        new(SettlementAction.DeadLetter, DeadLetterReason: reason, DeadLetterDescription: description);
}

/// <summary>A transport's settlement calls for the one message being processed (Service Bus message actions, the local queue).</summary>
public interface IMessageSettler
{
    Task CompleteAsync(CancellationToken cancellationToken);

    Task AbandonAsync(TimeSpan retryAfter, CancellationToken cancellationToken);

    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken);
}

/// <summary>Redelivery policy shared by every transport: how many deliveries, and how long between them.</summary>
public sealed class DeliveryPolicy
{
    /// <summary>Matches the Service Bus queues' max delivery count (infra sets the same number).</summary>
    public int MaxDeliveryCount { get; init; } = 10;

    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a claim on an idempotency key lasts before another delivery may take it over: long enough for
    /// one attempt, short enough that a crashed worker's messages move again soon after their lock expires.
    /// </summary>
    public TimeSpan ClaimLease { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Exponential backoff by delivery count, or the system's own Retry-After when it gave one and it is longer.</summary>
    public TimeSpan RetryDelay(int deliveryCount, TimeSpan? requested)
    {
        var exponent = Math.Clamp(deliveryCount - 1, 0, 20);
        var backoff = TimeSpan.FromTicks(Math.Min(FirstRetryDelay.Ticks * (1L << exponent), MaxRetryDelay.Ticks));
        return requested is { } r && r > backoff ? r : backoff;
    }
}
