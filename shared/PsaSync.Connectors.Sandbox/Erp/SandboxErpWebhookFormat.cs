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

public static class SandboxErpWebhookWriter
{
    public const string CustomerChangedType = "customer.changed";

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
