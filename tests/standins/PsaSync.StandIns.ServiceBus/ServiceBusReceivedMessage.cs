namespace Azure.Messaging.ServiceBus;

public class ServiceBusReceivedMessage
{
    internal ServiceBusReceivedMessage()
    {
    }

    public BinaryData Body { get; internal init; } = BinaryData.FromBytes(ReadOnlyMemory<byte>.Empty);

    public string MessageId { get; internal init; } = "";

    public string CorrelationId { get; internal init; } = "";

    public string Subject { get; internal init; } = "";

    public string ContentType { get; internal init; } = "";

    public string SessionId { get; internal init; } = "";

    public int DeliveryCount { get; internal init; }

    public long SequenceNumber { get; internal init; }

    public DateTimeOffset EnqueuedTime { get; internal init; }

    public IReadOnlyDictionary<string, object> ApplicationProperties { get; internal init; } = new Dictionary<string, object>();
}

public static class ServiceBusModelFactory
{
    /// <summary>Test factory, as in the real package (subset of its parameters, same names and order).</summary>
    public static ServiceBusReceivedMessage ServiceBusReceivedMessage(
        BinaryData? body = null,
        string? messageId = null,
        string? partitionKey = null,
        string? viaPartitionKey = null,
        string? sessionId = null,
        string? replyToSessionId = null,
        TimeSpan timeToLive = default,
        string? correlationId = null,
        string? subject = null,
        string? to = null,
        string? contentType = null,
        string? replyTo = null,
        DateTimeOffset scheduledEnqueueTime = default,
        IDictionary<string, object>? properties = null,
        Guid lockTokenGuid = default,
        int deliveryCount = 0,
        DateTimeOffset lockedUntil = default,
        long sequenceNumber = -1,
        string? deadLetterSource = null,
        long enqueuedSequenceNumber = 0,
        DateTimeOffset enqueuedTime = default) =>
        new()
        {
            Body = body ?? BinaryData.FromBytes(ReadOnlyMemory<byte>.Empty),
            MessageId = messageId ?? "",
            SessionId = sessionId ?? "",
            CorrelationId = correlationId ?? "",
            Subject = subject ?? "",
            ContentType = contentType ?? "",
            ApplicationProperties = new Dictionary<string, object>(properties ?? new Dictionary<string, object>()),
            DeliveryCount = deliveryCount,
            SequenceNumber = sequenceNumber,
            EnqueuedTime = enqueuedTime,
        };
}
