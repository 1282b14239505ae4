using System.Text.Json;
using System.Text.Json.Serialization;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Erp;

// The sandbox ERP's own webhook format (its "vendor shape"). Only this folder knows it: the mapper reads it into
// canonical envelopes, and the writer lets demos and tests produce exactly what the ERP would send.

public sealed record ErpCustomerPayload(
    [property: JsonPropertyName("number")] string? Number,
    [property: JsonPropertyName("externalId")] string? ExternalId,
    [property: JsonPropertyName("version")] int? Version,
    [property: JsonPropertyName("legalName")] string? LegalName,
    [property: JsonPropertyName("billingCountry")] string? BillingCountry,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("taxId")] string? TaxId,
    [property: JsonPropertyName("paymentTerms")] string? PaymentTerms,
    [property: JsonPropertyName("legalEntity")] string? LegalEntity,
    [property: JsonPropertyName("requiresPurchaseOrder")] bool? RequiresPurchaseOrder);

public sealed record ErpCustomerWebhook(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("customer")] ErpCustomerPayload? Customer);

public sealed record ErpInvoicePayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("version")] int? Version,
    [property: JsonPropertyName("documentType")] string? DocumentType,
    [property: JsonPropertyName("reference")] string? Reference,
    [property: JsonPropertyName("number")] string? Number,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("invoiceDate")] string? InvoiceDate,
    [property: JsonPropertyName("dueDate")] string? DueDate,
    [property: JsonPropertyName("net")] decimal? Net,
    [property: JsonPropertyName("tax")] decimal? Tax,
    [property: JsonPropertyName("gross")] decimal? Gross,
    [property: JsonPropertyName("paid")] decimal? Paid,
    [property: JsonPropertyName("writtenOff")] decimal? WrittenOff,
    [property: JsonPropertyName("balance")] decimal? Balance,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("creditedInvoiceId")] string? CreditedInvoiceId);

public sealed record ErpInvoiceWebhook(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("invoice")] ErpInvoicePayload? Invoice);

public static class SandboxErpWebhookWriter
{
    public const string CustomerChangedType = "customer.changed";
    public const string InvoiceChangedType = "invoice.changed";

    /// <summary>The ERP's names of document types and invoice statuses.</summary>
    public static IReadOnlyDictionary<string, ErpDocumentKind> DocumentTypes { get; } = new Dictionary<string, ErpDocumentKind>
    {
        ["invoice"] = ErpDocumentKind.Invoice,
        ["credit_memo"] = ErpDocumentKind.CreditMemo,
    };

    public static IReadOnlyDictionary<string, ErpInvoiceStatus> InvoiceStatuses { get; } = new Dictionary<string, ErpInvoiceStatus>
    {
        ["draft"] = ErpInvoiceStatus.Draft,
        ["posted"] = ErpInvoiceStatus.Posted,
        ["cancelled"] = ErpInvoiceStatus.Cancelled,
        ["credited"] = ErpInvoiceStatus.Credited,
    };

    /// <summary>The body the ERP posts when an invoice or credit memo is posted, paid, written off, cancelled or credited: its state after the change.</summary>
    public static string InvoiceChanged(ErpInvoiceChange change, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new ErpInvoiceWebhook(
            InvoiceChangedType,
            Guid.NewGuid().ToString("N"),
            occurredAt,
            new ErpInvoicePayload(
                change.InvoiceId, checked((int)change.Version), DocumentTypes.Single(t => t.Value == change.Kind).Key, change.BillingBatchId, change.Number,
                InvoiceStatuses.Single(s => s.Value == change.Status).Key,
                change.InvoiceDate is { } issued ? WebhookShape.FormatDate(issued) : null, change.DueDate is { } due ? WebhookShape.FormatDate(due) : null,
                change.Net, change.Tax, change.Gross, change.AmountPaid, change.WrittenOff, change.Balance, change.Currency, change.CreditedInvoiceId)));

    /// <summary>
    /// The body the ERP posts when a customer is created or changed in it. A customer with no external id (created in
    /// the ERP, not from a CRM account) is sent with <c>"externalId": null</c>.
    /// </summary>
    public static string CustomerChanged(ErpCustomer customer, int version, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new ErpCustomerWebhook(
            CustomerChangedType,
            Guid.NewGuid().ToString("N"),
            occurredAt,
            new ErpCustomerPayload(
                customer.CustomerNumber, string.IsNullOrEmpty(customer.ExternalId) ? null : customer.ExternalId, version,
                customer.LegalName, customer.BillingCountry, customer.Currency, customer.TaxId, customer.PaymentTerms,
                customer.LegalEntity, customer.RequiresPurchaseOrder)));
}
