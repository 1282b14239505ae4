using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Erp;

/// <summary>
/// Reads the ERP's "invoice changed" webhook (the document's state after a posting, payment, write-off or credit) into one
/// <see cref="InvoiceChanged"/> envelope for the invoice-status domain, keyed by document and version.
/// </summary>
public sealed class SandboxErpInvoiceWebhookMapper : IWebhookMapper
{
    public string Route => "erp/invoices";

    public string Queue => QueueNames.InvoiceStatus;

    public WebhookMapping Map(JsonElement payload, WebhookContext context) =>
        WebhookShape.Read<ErpInvoiceWebhook>(payload, "ERP invoice webhook", webhook =>
        {
            if (webhook.Type != SandboxErpWebhookWriter.InvoiceChangedType)
            {
                return WebhookShape.UnknownEventType(webhook.Type, SandboxErpWebhookWriter.InvoiceChangedType);
            }
            var (invoice, f) = WebhookFields.Root.Object(webhook.Invoice, "invoice");
            var id = f.Id(invoice.Id, "id");
            var version = f.PositiveInt(invoice.Version, "version");
            // A webhook change has no place in the poll's feed: it carries no watermark.
            var change = new ErpInvoiceChange(id, version, Watermark: "",
                f.OneOf(invoice.DocumentType, "documentType", SandboxErpWebhookWriter.DocumentTypes),
                invoice.Reference, invoice.Number,
                f.OneOf(invoice.Status, "status", SandboxErpWebhookWriter.InvoiceStatuses),
                f.OptionalDate(invoice.InvoiceDate, "invoiceDate"), f.OptionalDate(invoice.DueDate, "dueDate"),
                f.Required(invoice.Net, "net"), f.Required(invoice.Tax, "tax"), f.Required(invoice.Gross, "gross"),
                f.Required(invoice.Paid, "paid"), f.Required(invoice.WrittenOff, "writtenOff"), f.Required(invoice.Balance, "balance"),
                f.Text(invoice.Currency, "currency"), invoice.CreditedInvoiceId);
            return new WebhookMapping.Accepted(
            [
                WebhookShape.Envelope(new InvoiceChanged(change), new RecordRef(SystemNames.Erp, EntityKinds.Invoice, id), version, webhook.OccurredAt, webhook.Id, context),
            ]);
        });
}
