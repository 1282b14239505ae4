using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Erp;

/// <summary>
/// Reads the ERP's "customer changed" webhook into one <see cref="CustomerUpserted"/> envelope. The customer's key is
/// its external id (the CRM account it came from) or, for a customer created in the ERP, its ERP number.
/// </summary>
public sealed class SandboxErpCustomerWebhookMapper : IWebhookMapper
{
    public string Route => "erp/customers";

    public string Queue => QueueNames.CustomerMaster;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<ErpCustomerWebhook>(payload, "ERP customer webhook", webhook =>
        {
            if (webhook.Type != SandboxErpWebhookWriter.CustomerChangedType)
            {
                return WebhookShape.UnknownEventType(webhook.Type, SandboxErpWebhookWriter.CustomerChangedType);
            }
            var (erpCustomer, f) = WebhookFields.Root.Object(webhook.Customer, "customer");
            var number = f.Id(erpCustomer.Number, "number");
            var version = f.PositiveInt(erpCustomer.Version, "version");
            var customer = new Customer(
                string.IsNullOrWhiteSpace(erpCustomer.ExternalId) ? number : erpCustomer.ExternalId,
                f.Text(erpCustomer.LegalName, "legalName"),
                f.Text(erpCustomer.BillingCountry, "billingCountry"),
                f.Text(erpCustomer.Currency, "currency"),
                erpCustomer.TaxId,
                f.Text(erpCustomer.PaymentTerms, "paymentTerms"),
                f.Text(erpCustomer.LegalEntity, "legalEntity"),
                f.Required(erpCustomer.RequiresPurchaseOrder, "requiresPurchaseOrder"));

            return new WebhookMapping.Accepted(
            [
                WebhookShape.Envelope(new CustomerUpserted(customer, SystemNames.Erp), new RecordRef(SystemNames.Erp, EntityKinds.Customer, number), version,
                    webhook.OccurredAt, webhook.Id, context),
            ]);
        });
}
