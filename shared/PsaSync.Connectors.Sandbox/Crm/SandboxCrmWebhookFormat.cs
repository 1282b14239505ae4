using System.Text.Json;
using System.Text.Json.Serialization;
using PsaSync.Core.Model;

namespace PsaSync.Connectors.Sandbox.Crm;

// The sandbox CRM's own webhook format (its "vendor shape"). Only this folder knows it: the mapper reads it into
// canonical envelopes, and the writer lets demos and tests produce exactly what the CRM would send.

public sealed record CrmAccountPayload(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("revision")] int? Revision,
    [property: JsonPropertyName("legalName")] string? LegalName,
    [property: JsonPropertyName("billingCountry")] string? BillingCountry,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("taxId")] string? TaxId,
    [property: JsonPropertyName("paymentTerms")] string? PaymentTerms,
    [property: JsonPropertyName("legalEntity")] string? LegalEntity,
    [property: JsonPropertyName("requiresPurchaseOrder")] bool? RequiresPurchaseOrder);

public sealed record CrmOpportunityWebhook(
    [property: JsonPropertyName("event")] string? Event,
    [property: JsonPropertyName("eventId")] string? EventId,
    [property: JsonPropertyName("occurredAt")] DateTimeOffset? OccurredAt,
    [property: JsonPropertyName("account")] CrmAccountPayload? Account);

public static class SandboxCrmWebhookWriter
{
    public const string ClosedWonEvent = "opportunity.closed_won";

    /// <summary>The body the CRM posts when an opportunity is closed-won: the won account, at its current revision.</summary>
    public static string ClosedWon(Customer customer, int revision, DateTimeOffset occurredAt) =>
        JsonSerializer.Serialize(new CrmOpportunityWebhook(
            ClosedWonEvent,
            Guid.NewGuid().ToString("N"),
            occurredAt,
            new CrmAccountPayload(
                customer.CustomerKey, revision, customer.LegalName, customer.BillingCountry, customer.Currency, customer.TaxId,
                customer.PaymentTerms, customer.LegalEntity, customer.RequiresPurchaseOrder)));
}
