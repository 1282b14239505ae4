using System.Text.Json;
using PsaSync.Core.Model;

namespace PsaSync.Core.Events;

/// <summary>
/// Every canonical event travels in this envelope (schema version 1), from the webhook through the queue,
/// the handler and the workflow. <see cref="IdempotencyKey"/> is the business key (source + entity + version)
/// that the dedupe ledger uses; <see cref="CorrelationId"/> follows the record across all four domains.
/// </summary>
public sealed record EventEnvelope(
    string Id,
    string Type,
    string Source,
    string Subject,
    DateTimeOffset Time,
    string CorrelationId,
    string? CausationId,
    int SchemaVersion,
    string IdempotencyKey,
    JsonElement Data)
{
    public static EventEnvelope Create<TEvent>(
        TEvent data,
        string source,
        string subject,
        string idempotencyKey,
        string correlationId,
        DateTimeOffset time,
        string? causationId = null)
        where TEvent : ICanonicalEvent
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(correlationId);
        return new EventEnvelope(
            Id: FirstPublicationId(idempotencyKey),
            Type: TEvent.EventType,
            Source: source,
            Subject: subject,
            Time: time,
            CorrelationId: correlationId,
            CausationId: causationId,
            SchemaVersion: TEvent.SchemaVersion,
            IdempotencyKey: idempotencyKey,
            Data: JsonSerializer.SerializeToElement(data, PsaSyncJson.Options));
    }

    /// <summary>
    /// The envelope id of a record version's first publication is derived from its idempotency key, so every
    /// duplicate webhook for it produces the same id (and Service Bus duplicate detection can drop it early).
    /// </summary>
    public static string FirstPublicationId(string idempotencyKey) => "e" + CorrelationIds.ForIdempotencyKey("envelope|" + idempotencyKey);

    /// <summary>
    /// The same event published again on purpose (a parked event re-driven, a replay): a new envelope id, so the
    /// transport does not take it for a duplicate, and the same idempotency key, so the ledger still does its job.
    /// </summary>
    public EventEnvelope Republish() => this with { Id = Guid.NewGuid().ToString("N") };

    public bool Is<TEvent>() where TEvent : ICanonicalEvent => Type == TEvent.EventType;

    /// <summary>Reads the payload as <typeparamref name="TEvent"/>, refusing a type or schema version it does not understand.</summary>
    public TEvent DataAs<TEvent>() where TEvent : ICanonicalEvent
    {
        if (Type != TEvent.EventType)
        {
            throw new EnvelopeFormatException($"Envelope {Id} carries '{Type}', not '{TEvent.EventType}'.");
        }
        if (SchemaVersion > TEvent.SchemaVersion)
        {
            throw new EnvelopeFormatException(
                $"Envelope {Id} has schema version {SchemaVersion} of '{Type}'; this build understands up to {TEvent.SchemaVersion}.");
        }
        if (Data.ValueKind != JsonValueKind.Object)
        {
            throw new EnvelopeFormatException($"Envelope {Id} has no payload object.");
        }
        try
        {
            return Data.Deserialize<TEvent>(PsaSyncJson.Strict)
                ?? throw new EnvelopeFormatException($"Envelope {Id} has an empty payload.");
        }
        catch (JsonException ex)
        {
            throw new EnvelopeFormatException($"Envelope {Id} carries a '{Type}' payload this build cannot read: {ex.Message}", ex);
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, PsaSyncJson.Options);

    public static EventEnvelope FromJson(string json)
    {
        EventEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<EventEnvelope>(json, PsaSyncJson.Options);
        }
        catch (JsonException ex)
        {
            throw new EnvelopeFormatException($"Not an event envelope: {ex.Message}", ex);
        }
        if (envelope is null || string.IsNullOrWhiteSpace(envelope.Type) || string.IsNullOrWhiteSpace(envelope.IdempotencyKey)
            || string.IsNullOrWhiteSpace(envelope.CorrelationId))
        {
            throw new EnvelopeFormatException("Not an event envelope: type, idempotency key and correlation id are required.");
        }
        if (!RecordRef.TryParse(envelope.Subject, out _))
        {
            throw new EnvelopeFormatException($"Envelope {envelope.Id} has subject '{envelope.Subject}', which is not a record reference (system/kind/id).");
        }
        return envelope;
    }
}

/// <summary>A message body that is not a readable envelope (a poison message).</summary>
public sealed class EnvelopeFormatException(string message, Exception? inner = null) : Exception(message, inner);
