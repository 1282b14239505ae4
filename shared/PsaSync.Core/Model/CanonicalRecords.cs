namespace PsaSync.Core.Model;

// The canonical model: what PsaSync means by a customer, a project, a time entry and so on, whatever the
// vendor calls it. Connectors map vendor shapes to these records and back; nothing else knows vendor shapes.

/// <summary>
/// A customer. <see cref="CustomerKey"/> is the key of the system that originated it (the CRM account id for a
/// closed-won deal, the ERP customer number for one created in the ERP); projects refer to customers by it.
/// </summary>
public sealed record Customer(
    string CustomerKey,
    string LegalName,
    string BillingCountry,
    string Currency,
    string? TaxId,
    string PaymentTerms,
    string LegalEntity,
    bool RequiresPurchaseOrder);

public enum BillingModel
{
    TimeAndMaterials,
    FixedFeeMilestones,
    Retainer,
}

public enum ProjectStatus
{
    Active,
    OnHold,
    Closed,
}

/// <summary>A bill rate for a role, valid from a date until the next rate for the same role.</summary>
public sealed record RoleRate(string Role, decimal HourlyRate, DateOnly EffectiveFrom);

public sealed record PlannedMilestone(string MilestoneId, string Name, decimal Amount, DateOnly DueOn);

/// <summary>
/// A project as the PSA sets it up. <see cref="CustomerKey"/> is the customer's originating key (see
/// <see cref="Customer"/>); <see cref="Practice"/> drives the ERP financial dimensions.
/// </summary>
public sealed record Project(
    string ProjectId,
    int Version,
    string CustomerKey,
    string Name,
    ProjectStatus Status,
    string LegalEntity,
    string Currency,
    BillingModel BillingModel,
    DateOnly StartDate,
    DateOnly? EndDate,
    string? ContractReference,
    string? PurchaseOrder,
    string? TaxCode,
    string Practice,
    IReadOnlyList<RoleRate> RateCard,
    IReadOnlyList<PlannedMilestone> Milestones,
    decimal? ContractCeiling);

public sealed record TimeEntry(
    string EntryId,
    int Version,
    string ProjectId,
    string ResourceId,
    DateOnly WorkDate,
    decimal Hours,
    bool Billable,
    string? Role)
{
    /// <summary>What one resource can work in a day, in one entry or in all of the day's entries together.</summary>
    public const decimal MaxHoursPerDay = 24m;
}

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
