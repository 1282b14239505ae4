using Azure.Messaging.ServiceBus;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Functions.Tests.Support;

/// <summary>Canonical records, envelopes, webhook bodies and Service Bus messages for the function tests.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 30, 0, TimeSpan.Zero);

    public static TimeEntry TimeEntry(string entryId = "TE-1001", int version = 1, decimal hours = 7.5m) =>
        new(entryId, version, "PRJ-100", "RES-7", new DateOnly(2026, 3, 9), hours, true, "Consultant");

    public static string IdempotencyKeyOf(TimeEntry entry) => $"psa:time-entry:{entry.EntryId}:v{entry.Version}";

    public static EventEnvelope TimeApprovedEnvelope(TimeEntry? entry = null)
    {
        entry ??= TimeEntry();
        var key = IdempotencyKeyOf(entry);
        return EventEnvelope.Create(new TimeApproved(entry), SystemNames.Psa, $"psa/time-entry/{entry.EntryId}", key, CorrelationIds.ForIdempotencyKey(key), Now);
    }

    public static string TimeApprovedWebhookBody(params TimeEntry[] entries) =>
        SandboxPsaWebhookWriter.TimeApproved(entries.Length == 0 ? [TimeEntry()] : entries, Now);

    public static ServiceBusReceivedMessage MessageFor(EventEnvelope envelope, int deliveryCount = 1, IDictionary<string, object>? properties = null) =>
        Message(envelope.ToJson(), envelope.IdempotencyKey, deliveryCount, properties, envelope.CorrelationId);

    public static ServiceBusReceivedMessage Message(string body, string messageId = "msg-1", int deliveryCount = 1, IDictionary<string, object>? properties = null,
        string? correlationId = null) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString(body), messageId: messageId, correlationId: correlationId,
            properties: properties, deliveryCount: deliveryCount);
}
