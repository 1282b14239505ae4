using System.Text.Json;
using System.Text.Json.Serialization;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

// The sandbox PSA's own webhook format (its "vendor shape"). Only this folder knows it: the mapper reads it
// into canonical envelopes, and the writer lets demos and tests produce exactly what the PSA would send.

public sealed record PsaTimeEntryPayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("revision")] int? Revision,
    [property: JsonPropertyName("projectId")] string? ProjectId,
    [property: JsonPropertyName("personId")] string? PersonId,
    [property: JsonPropertyName("date")] string? Date,
    [property: JsonPropertyName("hours")] decimal? Hours,
    [property: JsonPropertyName("billable")] bool? Billable,
    [property: JsonPropertyName("role")] string? Role);

public sealed record PsaTimeWebhook(
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("eventType")] string? EventType,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("timeEntries")] IReadOnlyList<PsaTimeEntryPayload>? TimeEntries);

public static class SandboxPsaWebhookWriter
{
    public const string TimeApprovedEventType = "time_entry.approved";

    /// <summary>The body the PSA posts when one or more time entries (a whole timesheet) are approved.</summary>
    public static string TimeApproved(IEnumerable<TimeEntry> entries, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new PsaTimeWebhook(
            Guid.NewGuid().ToString("N"),
            TimeApprovedEventType,
            occurredAt,
            [.. entries.Select(e => new PsaTimeEntryPayload(
                e.EntryId, e.Version, e.ProjectId, e.ResourceId, e.WorkDate.ToString("yyyy-MM-dd"), e.Hours, e.Billable, e.Role))]));
}
