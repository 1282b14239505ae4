using PsaSync.Core.Model;

namespace PsaSync.Core.Ports;

/// <summary>The PSA as PsaSync needs it: it receives customers and ERP references, and shows sync results to delivery teams.</summary>
public interface IPsaConnector
{
    /// <summary>Creates or updates the PSA customer for <see cref="PsaCustomer.CustomerKey"/>; returns the PSA's id for it.</summary>
    Task<string> UpsertCustomerAsync(PsaCustomer customer, CancellationToken cancellationToken);

    Task<IReadOnlyList<PsaCustomer>> ListCustomersAsync(CancellationToken cancellationToken);

    /// <summary>Writes the ERP project code and the ERP-side status back onto the PSA project.</summary>
    Task SetProjectErpReferenceAsync(string projectId, string erpProjectCode, ProjectStatus erpStatus, CancellationToken cancellationToken);

    /// <summary>The PSA's projects with what PsaSync wrote back onto them, for reconciliation.</summary>
    Task<IReadOnlyList<PsaProjectState>> ListProjectsAsync(CancellationToken cancellationToken);

    /// <summary>Marks an approved time entry as transferred, with its ERP document id. Repeating it is harmless.</summary>
    Task MarkTimeEntrySyncedAsync(string entryId, int version, string erpDocumentId, string correlationId, CancellationToken cancellationToken);

    /// <summary>What the PSA reports as approved and billable for a project and period (yyyy-MM), for the ledger check.</summary>
    Task<PsaApprovedTotals> GetApprovedTotalsAsync(string projectId, string period, CancellationToken cancellationToken);

    /// <summary>Expenses of the project and period still waiting for approval in the PSA.</summary>
    Task<int> CountPendingExpenseApprovalsAsync(string projectId, string period, CancellationToken cancellationToken);

    /// <summary>
    /// Shows delivery teams an invoice's state (issued, paid, credited...) and which approved records it carries.
    /// Repeating a version is harmless; a version older than the one shown is ignored.
    /// </summary>
    Task ApplyInvoiceStatusAsync(PsaInvoiceStatus status, CancellationToken cancellationToken);

    /// <summary>
    /// Shows on each PSA record the exception items PsaSync holds open against it, replacing what was shown before, so a
    /// record whose items were resolved shows none. Delivery teams see why a record did not sync without leaving the PSA.
    /// </summary>
    Task ShowOpenExceptionsAsync(IReadOnlyList<PsaExceptionNote> open, CancellationToken cancellationToken);
}

/// <summary>An open exception item as the PSA shows it on the record: what is wrong, who acts, and how to fix it.</summary>
public sealed record PsaExceptionNote(string RecordKind, string RecordId, string ReasonCode, string Title, string Owner, string HowToFix, DateTimeOffset Since);

/// <summary>An invoice's state as delivery teams see it in the PSA.</summary>
public enum PsaInvoiceState
{
    Issued,
    PartiallyPaid,
    Paid,
    Credited,
    Cancelled,

    /// <summary>A credit memo: negative amounts, <see cref="PsaInvoiceStatus.CreditedInvoiceId"/> says which invoice it reverses.</summary>
    CreditMemo,
}

/// <summary>
/// One version of an ERP invoice (or credit memo) for the PSA: amounts, what is paid and still open, and the PSA
/// records (time entries, expenses, milestones) billed on it.
/// </summary>
public sealed record PsaInvoiceStatus(
    string InvoiceId,
    long Version,
    string? Number,
    string ProjectId,
    string Period,
    PsaInvoiceState State,
    DateOnly? IssuedOn,
    DateOnly? DueOn,
    decimal Net,
    decimal Tax,
    decimal Gross,
    decimal Paid,
    decimal WrittenOff,
    decimal Balance,
    string Currency,
    IReadOnlyList<string> BilledRecordIds,
    string? CreditedInvoiceId);

public sealed record PsaApprovedTotals(decimal BillableHours, decimal BillableExpenseAmount, int Entries);

/// <summary>A customer as the PSA holds it: the legal and billing data the ERP owns, with both ids.</summary>
public sealed record PsaCustomer(
    string? PsaCustomerId,
    string CustomerKey,
    string LegalName,
    string BillingCountry,
    string Currency,
    string? ErpCustomerNumber,
    string? CrmAccountId);

public sealed record PsaProjectState(string ProjectId, ProjectStatus Status, string? ErpProjectCode);

/// <summary>The PSA could not be reached or refused the call for a transient reason.</summary>
public sealed class PsaUnavailableException(string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
