using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Core.Tests.Support;

/// <summary>Builders for the canonical records and envelopes the tests share.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 10, 9, 30, 0, TimeSpan.Zero);

    public static readonly DateOnly WorkDate = new(2026, 3, 9);

    public const string PsaProjectId = "PRJ-100";

    public const string ErpProjectCode = "ERP-P-100";

    public static TimeEntry TimeEntry(
        string entryId = "TE-1001",
        int version = 1,
        decimal hours = 7.5m,
        string projectId = PsaProjectId,
        DateOnly? workDate = null,
        string resourceId = "RES-7",
        bool billable = true,
        string? role = "Consultant") =>
        new(entryId, version, projectId, resourceId, workDate ?? WorkDate, hours, billable, role);

    /// <summary>The idempotency key the PSA time webhook gives an entry version.</summary>
    public static string IdempotencyKeyOf(TimeEntry entry) => $"psa:time-entry:{entry.EntryId}:v{entry.Version}";

    public static EventEnvelope TimeApprovedEnvelope(TimeEntry? entry = null, string? causationId = "webhook-req-1")
    {
        entry ??= TimeEntry();
        var key = IdempotencyKeyOf(entry);
        return EventEnvelope.Create(
            new TimeApproved(entry),
            source: SystemNames.Psa,
            subject: $"psa/time-entry/{entry.EntryId}",
            idempotencyKey: key,
            correlationId: CorrelationIds.ForIdempotencyKey(key),
            time: Now,
            causationId: causationId);
    }
}
