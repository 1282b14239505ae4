using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Crm;

/// <summary>Reads the CRM's "opportunity closed-won" webhook into one <see cref="CustomerUpserted"/> envelope for the won account.</summary>
public sealed class SandboxCrmAccountWebhookMapper : IWebhookMapper
{
    public string Route => "crm/accounts";

    public string Queue => QueueNames.CustomerMaster;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<CrmOpportunityWebhook>(payload, "CRM opportunity webhook", webhook =>
        {
            if (webhook.Event != SandboxCrmWebhookWriter.ClosedWonEvent)
            {
                return WebhookShape.UnknownEventType(webhook.Event, SandboxCrmWebhookWriter.ClosedWonEvent);
            }
            var (account, f) = WebhookFields.Root.Object(webhook.Account, "account");
            var revision = f.PositiveInt(account.Revision, "revision");
            var customer = new Customer(
                f.Id(account.Id, "id"),
                f.Text(account.LegalName, "legalName"),
                f.Text(account.BillingCountry, "billingCountry"),
                f.Text(account.Currency, "currency"),
                account.TaxId,
                f.Text(account.PaymentTerms, "paymentTerms"),
                f.Text(account.LegalEntity, "legalEntity"),
                f.Required(account.RequiresPurchaseOrder, "requiresPurchaseOrder"));

            return new WebhookMapping.Accepted(
            [
                WebhookShape.Envelope(new CustomerUpserted(customer, SystemNames.Crm), new RecordRef(SystemNames.Crm, EntityKinds.Customer, customer.CustomerKey), revision,
                    webhook.OccurredAt, webhook.EventId, context),
            ]);
        });
}
