namespace PsaSync.Core.Model;

// The canonical model: what PsaSync means by a customer, a project, a time entry and so on, whatever the
// vendor calls it. Connectors map vendor shapes to these records and back; nothing else knows vendor shapes.

public sealed record Customer(
    string CustomerId,
    string LegalName,
    string BillingCountry,
    string Currency,
    string? TaxId,
    string PaymentTerms,
    string LegalEntity);

public enum BillingModel
{
    TimeAndMaterials,
    FixedFeeMilestones,
    Retainer,
}

public sealed record Project(
    string ProjectId,
    string CustomerId,
    string Name,
    string LegalEntity,
    string Currency,
    BillingModel BillingModel,
    DateOnly StartDate,
    DateOnly? EndDate,
    string? ContractReference,
    string? PurchaseOrder);

public sealed record TimeEntry(
    string EntryId,
    int Version,
    string ProjectId,
    string ResourceId,
    DateOnly WorkDate,
    decimal Hours,
    bool Billable,
    string? Role);

public sealed record Expense(
    string ExpenseId,
    int Version,
    string ProjectId,
    string ResourceId,
    DateOnly IncurredOn,
    string Category,
    decimal Amount,
    string Currency,
    bool Billable,
    decimal MarkupPercent,
    string? ReceiptReference);

public sealed record Milestone(
    string MilestoneId,
    string ProjectId,
    string Name,
    decimal Amount,
    string Currency,
    DateOnly CompletedOn);

public sealed record Invoice(
    string InvoiceId,
    string Number,
    string ProjectId,
    DateOnly IssuedOn,
    DateOnly DueOn,
    decimal Net,
    decimal Tax,
    decimal Gross,
    string Currency,
    string Status);

public sealed record Payment(
    string PaymentId,
    string InvoiceId,
    DateOnly ReceivedOn,
    decimal Amount,
    decimal RemainingBalance,
    string Currency);
