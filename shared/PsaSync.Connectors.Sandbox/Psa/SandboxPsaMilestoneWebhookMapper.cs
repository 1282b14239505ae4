using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>Reads the PSA's "milestone completed" webhook into one <see cref="MilestoneCompleted"/> envelope.</summary>
public sealed class SandboxPsaMilestoneWebhookMapper : IWebhookMapper
{
    public string Route => "psa/milestones";

    public string Queue => QueueNames.TimeExpense;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<PsaMilestoneWebhook>(payload, "milestone webhook", webhook =>
        {
            if (webhook.EventType != SandboxPsaWebhookWriter.MilestoneCompletedEventType)
            {
                return WebhookShape.UnknownEventType(webhook.EventType, SandboxPsaWebhookWriter.MilestoneCompletedEventType);
            }
            var (p, f) = WebhookFields.Root.Object(webhook.Milestone, "milestone");
            var milestone = new Milestone(
                f.Id(p.Id, "id"),
                f.Id(p.ProjectId, "projectId"),
                f.Text(p.Name, "name"),
                f.Required(p.Amount, "amount"),
                f.Text(p.Currency, "currency"),
                f.Date(p.CompletedOn, "completedOn"));

            return new WebhookMapping.Accepted(
            [
                WebhookShape.Envelope(new MilestoneCompleted(milestone), new RecordRef(SystemNames.Psa, EntityKinds.Milestone, milestone.MilestoneId), null,
                    webhook.OccurredAt, webhook.EventId, context),
            ]);
        });
}
