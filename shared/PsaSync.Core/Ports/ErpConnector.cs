using PsaSync.Core.Model;

namespace PsaSync.Core.Ports;

/// <summary>
/// The ERP as PsaSync needs it, in canonical terms. Implementations (sandbox, Tryton, Business Central...)
/// map to their own API and translate their failures to <see cref="ErpException"/>.
/// Every create carries an ERP-native external id, so that a create can be looked up before it is repeated.
/// </summary>
public interface IErpConnector
{
    /// <summary>Legal entities with their currencies, payment terms, tax codes and financial dimensions: what the ERP owns.</summary>
    Task<ErpReferenceData> GetReferenceDataAsync(CancellationToken cancellationToken);

    Task<ErpCustomer?> FindCustomerByExternalIdAsync(string externalId, CancellationToken cancellationToken);

    Task<ErpCustomer?> GetCustomerAsync(string customerNumber, CancellationToken cancellationToken);

    /// <summary>Customers that share the tax id, or the normalised legal name and country: candidates for a duplicate.</summary>
    Task<IReadOnlyList<ErpCustomer>> FindSimilarCustomersAsync(string? taxId, string normalizedName, string country, CancellationToken cancellationToken);

    /// <summary>Creates a customer. Creating an external id that already exists returns the existing customer.</summary>
    Task<ErpCustomer> CreateCustomerAsync(ErpCustomerDraft draft, CancellationToken cancellationToken);

    Task<ErpCustomer> UpdateCustomerAsync(string customerNumber, ErpCustomerDraft draft, CancellationToken cancellationToken);

    Task<IReadOnlyList<ErpCustomer>> ListCustomersAsync(CancellationToken cancellationToken);

    Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken);

    /// <summary>Creates the project and its contract. Creating a PSA project id that already exists returns the existing project.</summary>
    Task<ErpProject> CreateProjectAsync(ErpProjectDraft draft, CancellationToken cancellationToken);

    Task<ErpProject> SetProjectStatusAsync(string erpProjectCode, ProjectStatus status, CancellationToken cancellationToken);

    Task<IReadOnlyList<ErpProject>> ListProjectsAsync(CancellationToken cancellationToken);

    /// <summary>Posts one approved time line. Posting an external id that already exists returns the existing document.</summary>
    Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken);

    /// <summary>
    /// Posts several time lines in one ERP request (a batch no larger than the ERP accepts). Each line succeeds or fails
    /// on its own, so a caller retries only the failed ones; a line whose external id already exists returns the existing document.
    /// </summary>
    Task<IReadOnlyList<ErpLineResult>> PostTimeLinesAsync(IReadOnlyList<ErpTimeLine> lines, CancellationToken cancellationToken);

    Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken);

    /// <summary>
    /// Reverses a posted time line with a new line of the opposite hours under <paramref name="reversalExternalId"/>
    /// (posted lines are never edited). Null when no line has <paramref name="externalId"/>; a repeat returns the first reversal.
    /// </summary>
    Task<ErpPosting?> ReverseTimeAsync(string externalId, string reversalExternalId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes <see cref="ErpTimeReversal.Hours"/> back from the posted line <see cref="ErpTimeReversal.ReversedExternalId"/>
    /// (an entry version's own line, or a batched line that aggregates it with others), recorded under
    /// <see cref="ErpTimeReversal.ExternalId"/>; a repeat returns the first reversal. How the ERP expresses it is the
    /// connector's business: a line of negative hours where the ERP takes them, an adjustment of the original line where it
    /// refuses negative durations. Either way the ERP ends up holding the hours that are still approved.
    /// </summary>
    Task<ErpPosting> ReverseTimeLineAsync(ErpTimeReversal reversal, CancellationToken cancellationToken);

    /// <summary>False when the fiscal period (yyyy-MM) of the legal entity is closed for posting.</summary>
    Task<bool> IsFiscalPeriodOpenAsync(string legalEntity, string period, CancellationToken cancellationToken);

    /// <summary>The invoice created for a billing batch, if any (the batch id is the invoice's external id).</summary>
    Task<ErpInvoice?> FindInvoiceByBatchAsync(string billingBatchId, CancellationToken cancellationToken);

    /// <summary>Creates a draft invoice. Creating a batch id that already has one returns it.</summary>
    Task<ErpInvoice> CreateDraftInvoiceAsync(ErpInvoiceDraft draft, CancellationToken cancellationToken);

    /// <summary>Sets the draft's lines (replacing any set before), so a repeat leaves the same lines.</summary>
    Task<ErpInvoice> SetInvoiceLinesAsync(string invoiceId, IReadOnlyList<ErpInvoiceLine> lines, CancellationToken cancellationToken);

    /// <summary>Posts the draft: it gets its number and tax. Posting a posted invoice returns it.</summary>
    Task<ErpInvoice> PostInvoiceAsync(string invoiceId, CancellationToken cancellationToken);

    /// <summary>Deletes a draft (compensation). Cancelling a cancelled or unknown draft is harmless.</summary>
    Task CancelDraftInvoiceAsync(string invoiceId, CancellationToken cancellationToken);

    /// <summary>Credits a posted invoice in full (compensation). A second credit for the same invoice returns the first.</summary>
    Task<ErpInvoice> CreditInvoiceAsync(string invoiceId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Invoice changes after <paramref name="afterWatermark"/> (null: from the beginning), oldest first, at most
    /// <paramref name="maxCount"/>. Each change is the invoice's state after it; an ERP that keeps only the latest state
    /// returns that. The watermark of the last change applied is where the next poll starts, so a caller that stops
    /// part-way through a page loses nothing.
    /// </summary>
    Task<ErpInvoiceChangePage> GetInvoiceChangesAsync(string? afterWatermark, int maxCount, CancellationToken cancellationToken);
}

/// <summary>The outcome of one line of a batch: its posting, or the failure that stopped it alone.</summary>
public sealed record ErpLineResult(string ExternalId, ErpPosting? Posting, ErpException? Failure);

public enum ErpDocumentKind
{
    Invoice,
    CreditMemo,
}

/// <summary>
/// An invoice (or credit memo) as it stands after one change in the ERP. <see cref="Version"/> grows with every change of
/// the same document, so (<see cref="InvoiceId"/>, <see cref="Version"/>) identifies the change for dedupe and ordering.
/// </summary>
public sealed record ErpInvoiceChange(
    string InvoiceId,
    long Version,
    string Watermark,
    ErpDocumentKind Kind,
    string? BillingBatchId,
    string? Number,
    ErpInvoiceStatus Status,
    DateOnly? InvoiceDate,
    DateOnly? DueDate,
    decimal Net,
    decimal Tax,
    decimal Gross,
    decimal AmountPaid,
    decimal WrittenOff,
    decimal Balance,
    string Currency,
    string? CreditedInvoiceId);

/// <summary>A page of invoice changes; <see cref="HasMore"/> says another poll would return more right away.</summary>
public sealed record ErpInvoiceChangePage(IReadOnlyList<ErpInvoiceChange> Changes, bool HasMore);

/// <summary>
/// A draft invoice. <see cref="Period"/> is the service period billed (yyyy-MM); <see cref="InvoiceDate"/> is the date the
/// invoice carries (the billing workflow decides it; connectors use it as given, and refuse it when the ERP's fiscal period
/// for that date is closed); <see cref="Description"/> states the service period on the invoice.
/// </summary>
public sealed record ErpInvoiceDraft(
    string BillingBatchId,
    string CustomerNumber,
    string ErpProjectCode,
    string Period,
    DateOnly InvoiceDate,
    string Description,
    string Currency,
    string? PurchaseOrder,
    string TaxCode,
    string CorrelationId);

public sealed record ErpInvoiceLine(string Description, decimal Quantity, decimal UnitPrice, decimal Amount);

public enum ErpInvoiceStatus
{
    Draft,
    Posted,
    Cancelled,
    Credited,
}

public sealed record ErpInvoice(
    string InvoiceId,
    string BillingBatchId,
    ErpInvoiceStatus Status,
    string? Number,
    IReadOnlyList<ErpInvoiceLine> Lines,
    decimal Net,
    decimal Tax,
    decimal Gross,
    string Currency,
    string? CreditMemoId);

public sealed record ErpLegalEntity(string Code, string Country, IReadOnlyList<string> Currencies);

public sealed record ErpTaxCode(string Code, string Country);

/// <summary>The financial dimensions the ERP books a practice's projects to.</summary>
public sealed record ErpDimensions(string CostCenter, string Department, string RevenueCategory);

public sealed record ErpReferenceData(
    IReadOnlyList<ErpLegalEntity> LegalEntities,
    IReadOnlyList<string> PaymentTerms,
    IReadOnlyList<ErpTaxCode> TaxCodes,
    IReadOnlyDictionary<string, ErpDimensions> DimensionsByPractice)
{
    /// <summary>
    /// When an invoice under each payment term falls due, for the terms whose rule the connector could read. A term
    /// missing here has a rule PsaSync cannot compute (billing then cannot check the due date before drafting).
    /// </summary>
    public IReadOnlyDictionary<string, ErpPaymentTermDue> PaymentTermDues { get; init; } = new Dictionary<string, ErpPaymentTermDue>();
}

/// <summary>A payment term's due-date rule: the invoice date plus whole months, then days (NET30 is 0 months, 30 days).</summary>
public sealed record ErpPaymentTermDue(int Months, int Days)
{
    public DateOnly DueDateFor(DateOnly invoiceDate) => invoiceDate.AddMonths(Months).AddDays(Days);
}

public sealed record ErpCustomerDraft(
    string ExternalId,
    string LegalName,
    string BillingCountry,
    string Currency,
    string? TaxId,
    string PaymentTerms,
    string LegalEntity,
    bool RequiresPurchaseOrder,
    string CorrelationId);

public sealed record ErpCustomer(
    string CustomerNumber,
    string ExternalId,
    string LegalName,
    string BillingCountry,
    string Currency,
    string? TaxId,
    string PaymentTerms,
    string LegalEntity,
    bool RequiresPurchaseOrder);

public sealed record ErpProjectDraft(
    string PsaProjectId,
    string CustomerNumber,
    string Name,
    string LegalEntity,
    string Currency,
    BillingModel BillingModel,
    string ContractReference,
    string? PurchaseOrder,
    string TaxCode,
    ErpDimensions Dimensions,
    decimal? ContractCeiling,
    DateOnly StartDate,
    DateOnly? EndDate,
    string CorrelationId);

/// <summary>An ERP project and its contract. <see cref="Active"/> is false when it is on hold or closed.</summary>
public sealed record ErpProject(string ErpProjectCode, string PsaProjectId, bool Active)
{
    public ProjectStatus Status { get; init; } = Active ? ProjectStatus.Active : ProjectStatus.OnHold;

    public string? CustomerNumber { get; init; }

    public string? ContractNumber { get; init; }
}

public sealed record ErpTimeLine(
    string ExternalId,
    string ErpProjectCode,
    string ResourceId,
    DateOnly WorkDate,
    decimal Hours,
    bool Billable,
    string? Role,
    string CorrelationId);

public sealed record ErpPosting(string ErpDocumentId, string ExternalId);

/// <summary>
/// Hours of one entry version taken back from the ERP line <see cref="ReversedExternalId"/> that holds them: the version was
/// revoked or replaced by a correction. <see cref="Hours"/> is positive, and at most what that line holds.
/// </summary>
public sealed record ErpTimeReversal(
    string ExternalId,
    string ReversedExternalId,
    string ErpProjectCode,
    string ResourceId,
    DateOnly WorkDate,
    decimal Hours,
    bool Billable,
    string? Role,
    string CorrelationId);

public enum ErpFailureKind
{
    /// <summary>429: over the request budget. Retry after <see cref="ErpException.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>5xx or unreachable: nothing happened. Retry.</summary>
    Unavailable,

    /// <summary>The call timed out: it may or may not have committed. Look up before retrying the create.</summary>
    Ambiguous,

    /// <summary>The fiscal period of the document's date is closed. A person must act.</summary>
    PeriodClosed,

    /// <summary>Any other business rule the ERP enforces. A person must act.</summary>
    Rejected,
}

public sealed class ErpException(ErpFailureKind kind, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public ErpFailureKind Kind { get; } = kind;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool IsTransient => Kind is ErpFailureKind.Throttled or ErpFailureKind.Unavailable or ErpFailureKind.Ambiguous;
}
