using System.Globalization;
using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>Reads the PSA's "time entries approved" webhook into one <see cref="TimeApproved"/> envelope per entry.</summary>
public sealed class SandboxPsaTimeWebhookMapper : IWebhookMapper
{
    public string Route => "psa/time";

    public string Queue => QueueNames.TimeExpense;

    public WebhookMapping Map(JsonElement payload, WebhookContext context)
    {
        PsaTimeWebhook? webhook;
        try
        {
            webhook = payload.Deserialize<PsaTimeWebhook>();
        }
        catch (JsonException ex)
        {
            return WebhookMapping.SchemaError($"The payload does not have the time webhook's shape: {ex.Message}");
        }
        if (webhook?.EventType != SandboxPsaWebhookWriter.TimeApprovedEventType)
        {
            return new WebhookMapping.Invalid(IngressReasons.UnknownEventType,
                $"Event type '{webhook?.EventType}' is not handled on this route; expected '{SandboxPsaWebhookWriter.TimeApprovedEventType}'.");
        }
        if (webhook.TimeEntries is not { Count: > 0 } entries)
        {
            return WebhookMapping.SchemaError("'timeEntries' must list at least one time entry.");
        }

        var envelopes = new List<EventEnvelope>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var error = TryRead(entries[i], out var entry);
            if (error is not null)
            {
                return WebhookMapping.SchemaError($"timeEntries[{i}]: {error}");
            }
            var key = $"{SystemNames.Psa}:{EntityKinds.TimeEntry}:{entry!.EntryId}:v{entry.Version}";
            envelopes.Add(EventEnvelope.Create(
                new TimeApproved(entry),
                source: SystemNames.Psa,
                subject: new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId).ToString(),
                idempotencyKey: key,
                correlationId: CorrelationIds.ForIdempotencyKey(key),
                time: webhook.OccurredAt ?? context.ReceivedAt,
                causationId: webhook.EventId ?? context.RequestId));
        }
        return new WebhookMapping.Accepted(envelopes);
    }

    private static string? TryRead(PsaTimeEntryPayload? p, out TimeEntry? entry)
    {
        entry = null;
        if (p is null) return "a time entry must be an object, not null.";
        if (string.IsNullOrWhiteSpace(p.Id)) return "'id' is required.";
        if (p.Revision is not > 0) return "'revision' must be a positive integer.";
        if (string.IsNullOrWhiteSpace(p.ProjectId)) return "'projectId' is required.";
        if (string.IsNullOrWhiteSpace(p.PersonId)) return "'personId' is required.";
        if (p.Hours is null) return "'hours' is required.";
        if (p.Billable is null) return "'billable' is required.";
        if (!DateOnly.TryParseExact(p.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return "'date' must be a date in the form yyyy-MM-dd.";
        }
        entry = new TimeEntry(p.Id, p.Revision.Value, p.ProjectId, p.PersonId, date, p.Hours.Value, p.Billable.Value, p.Role);
        return null;
    }
}
