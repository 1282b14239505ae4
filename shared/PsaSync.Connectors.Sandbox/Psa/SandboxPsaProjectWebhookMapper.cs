using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>
/// Reads the PSA's project webhook (activated, updated, on hold, closed) into one <see cref="ProjectChanged"/> envelope;
/// the event type gives the project's status.
/// </summary>
public sealed class SandboxPsaProjectWebhookMapper : IWebhookMapper
{
    public string Route => "psa/projects";

    public string Queue => QueueNames.ProjectSetup;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<PsaProjectWebhook>(payload, "project webhook", webhook =>
        {
            if (webhook.EventType is null || !SandboxPsaWebhookWriter.ProjectEventTypes.TryGetValue(webhook.EventType, out var status))
            {
                return WebhookShape.UnknownEventType(webhook.EventType, SandboxPsaWebhookWriter.ProjectEventTypes.Keys);
            }
            var (p, f) = WebhookFields.Root.Object(webhook.Project, "project");
            var project = new Project(
                f.Id(p.Id, "id"),
                f.PositiveInt(p.Revision, "revision"),
                f.Id(p.CustomerAccountId, "customerAccountId"),
                f.Text(p.Name, "name"),
                status,
                f.Text(p.LegalEntity, "legalEntity"),
                f.Text(p.Currency, "currency"),
                f.OneOf(p.BillingModel, "billingModel", SandboxPsaWebhookWriter.BillingModels),
                f.Date(p.StartDate, "startDate"),
                f.OptionalDate(p.EndDate, "endDate"),
                p.ContractReference,
                p.PurchaseOrder,
                p.TaxCode,
                f.Text(p.Practice, "practice"),
                f.Items(p.RateCard, "rateCard", (r, rf) => new RoleRate(
                    rf.Id(r.Role, "role"),
                    rf.Required(r.Rate, "rate"),
                    rf.Date(r.EffectiveFrom, "effectiveFrom"))),
                f.Items(p.Milestones, "milestones", (m, mf) => new PlannedMilestone(
                    mf.Id(m.Id, "id"),
                    mf.Text(m.Name, "name"),
                    mf.Required(m.Amount, "amount"),
                    mf.Date(m.DueOn, "dueOn"))),
                p.ContractCeiling);

            return new WebhookMapping.Accepted(
            [
                WebhookShape.Envelope(new ProjectChanged(project), new RecordRef(SystemNames.Psa, EntityKinds.Project, project.ProjectId), project.Version,
                    webhook.OccurredAt, webhook.EventId, context),
            ]);
        });
}
