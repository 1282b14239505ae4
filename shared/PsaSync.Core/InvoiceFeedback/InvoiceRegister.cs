using PsaSync.Core.Ports;

namespace PsaSync.Core.InvoiceFeedback;

/// <summary>
/// The last version of each ERP invoice or credit memo that PsaSync applied to the PSA. It makes feedback idempotent
/// (a version at or below the registered one is a duplicate) and is the "invoiced and paid" side of reconciliation.
/// <see cref="ProjectId"/> and <see cref="Period"/> are null for an ERP document PsaSync did not make.
/// </summary>
public sealed record RegisteredInvoice(
    string InvoiceId,
    long Version,
    ErpDocumentKind Kind,
    string? BillingBatchId,
    string? ProjectId,
    string? Period,
    string? Number,
    PsaInvoiceState State,
    decimal Net,
    decimal Gross,
    decimal Paid,
    decimal Balance,
    string Currency,
    DateTimeOffset AppliedAt);

public interface IInvoiceRegister
{
    Task<RegisteredInvoice?> GetAsync(string invoiceId, CancellationToken cancellationToken);

    Task SaveAsync(RegisteredInvoice invoice, CancellationToken cancellationToken);

    Task<IReadOnlyList<RegisteredInvoice>> ListAsync(CancellationToken cancellationToken);
}
