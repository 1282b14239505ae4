using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>
/// Reads the PSA's time webhooks: "time entries approved" into one <see cref="TimeApproved"/> envelope per entry, and
/// "approval revoked" into one <see cref="TimeApprovalRevoked"/> per entry, on the entry's timeline but with its own key.
/// </summary>
public sealed class SandboxPsaTimeWebhookMapper : IWebhookMapper
{
    public string Route => "psa/time";

    public string Queue => QueueNames.TimeExpense;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<PsaTimeWebhook>(payload, "time webhook", webhook =>
        {
            if (webhook.EventType is not (SandboxPsaWebhookWriter.TimeApprovedEventType or SandboxPsaWebhookWriter.TimeApprovalRevokedEventType))
            {
                return WebhookShape.UnknownEventType(webhook.EventType, SandboxPsaWebhookWriter.TimeApprovedEventType, SandboxPsaWebhookWriter.TimeApprovalRevokedEventType);
            }
            if (webhook.TimeEntries is not { Count: > 0 })
            {
                return WebhookMapping.SchemaError("'timeEntries' must list at least one time entry.");
            }

            if (webhook.EventType == SandboxPsaWebhookWriter.TimeApprovalRevokedEventType)
            {
                var revoked = WebhookFields.Root.Items(webhook.TimeEntries, "timeEntries", ReadRevoked, required: true);
                return new WebhookMapping.Accepted([.. revoked.Select(r =>
                    WebhookShape.Envelope(r, new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, r.EntryId), r.Version,
                        webhook.OccurredAt, webhook.EventId, context, action: "revoked"))]);
            }
            var entries = WebhookFields.Root.Items(webhook.TimeEntries, "timeEntries", Read, required: true);
            return new WebhookMapping.Accepted([.. entries.Select(entry =>
            WebhookShape.Envelope(new TimeApproved(entry), new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId), entry.Version,
                webhook.OccurredAt, webhook.EventId, context))]);
        });

    private static TimeApprovalRevoked ReadRevoked(PsaTimeEntryPayload p, WebhookFields f) => new(
        f.Id(p.Id, "id"),
        f.PositiveInt(p.Revision, "revision"),
        f.Id(p.ProjectId, "projectId"),
        f.Date(p.Date, "date"));

    private static TimeEntry Read(PsaTimeEntryPayload p, WebhookFields f) => new(
        f.Id(p.Id, "id"),
        f.PositiveInt(p.Revision, "revision"),
        f.Id(p.ProjectId, "projectId"),
        f.Id(p.PersonId, "personId"),
        f.Date(p.Date, "date"),
        f.Required(p.Hours, "hours"),
        f.Required(p.Billable, "billable"),
        p.Role);
}
