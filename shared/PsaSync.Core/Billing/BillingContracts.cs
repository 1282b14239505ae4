namespace PsaSync.Core.Billing;

/// <summary>
/// Bill one project for one period (yyyy-MM). <see cref="Attempt"/> is 1 unless an earlier attempt was compensated
/// (its invoice cancelled or credited): a new attempt needs a new batch id, because the ERP keeps the spent one.
/// </summary>
public sealed record BillingRequest(string ProjectId, string Period, int Attempt = 1)
{
    private const string BatchPrefix = "billing-";
    private const string AttemptMarker = "-a";

    /// <summary>
    /// Deterministic: the workflow instance id and the invoice's ERP external id. A second start for the same
    /// project, period and attempt is the same instance, and can never make a second invoice.
    /// </summary>
    public string BatchId => $"{BatchPrefix}{ProjectId}-{Period}" + (Attempt > 1 ? $"{AttemptMarker}{Attempt}" : "");

    /// <summary>The request a billing batch id was made from; null for an id PsaSync did not make (an invoice raised in the ERP by hand).</summary>
    public static BillingRequest? FromBatchId(string? batchId)
    {
        if (batchId is null || !batchId.StartsWith(BatchPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var attempt = 1;
        var marker = batchId.LastIndexOf(AttemptMarker, StringComparison.Ordinal);
        if (marker > 0 && int.TryParse(batchId.AsSpan(marker + AttemptMarker.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 1)
        {
            attempt = n;
            batchId = batchId[..marker];
        }
        // The period is always the last seven characters (yyyy-MM), so a project id may contain hyphens.
        const int periodLength = 7;
        if (batchId.Length < BatchPrefix.Length + periodLength + 2 || batchId[^(periodLength + 1)] != '-')
        {
            return null;
        }
        var period = batchId[^periodLength..];
        var projectId = batchId[BatchPrefix.Length..^(periodLength + 1)];
        return LedgerEntry.IsPeriod(period) && projectId.Length > 0 ? new BillingRequest(projectId, period, attempt) : null;
    }
}

/// <summary>One readiness check of a run, with the dates the run decided (the invoice date is what the period checks apply to).</summary>
public sealed record CheckRequest(BillingRequest Request, string Check, BillingDates Dates);

/// <summary>The draft to create: the run's request and the date the invoice carries.</summary>
public sealed record DraftRequest(BillingRequest Request, BillingDates Dates);

/// <summary>The business-readable answer of one readiness check. A warning passes but is shown.</summary>
public sealed record CheckResult(string Check, bool Passed, string Message, string? ReasonCode = null, bool Warning = false);

public sealed record BlockingReport(BillingRequest Request, IReadOnlyList<CheckResult> Failures);

public sealed record InvoiceStep(BillingRequest Request, string InvoiceId);

public sealed record IssuedInvoice(BillingRequest Request, Ports.ErpInvoice Invoice);

public sealed record CompensationReport(BillingRequest Request, string FailedStep, string Reason, IReadOnlyList<string> Undone);

/// <summary>A run that stopped on an error it could not get past (an activity still failing after its retries).</summary>
public sealed record FailureReport(BillingRequest Request, string FailedStep, string Reason);

public enum BillingState
{
    Checking,
    Blocked,
    Invoicing,
    Invoiced,
    NothingToBill,
    Compensated,

    /// <summary>Stopped on an error (an activity still failing after its retries) before anything was invoiced, or while undoing; the reasons say where and why.</summary>
    Failed,
}

/// <summary>What the workflow shows while it runs (custom status) and returns when it ends.</summary>
public sealed record BillingStatus(
    BillingState State,
    IReadOnlyList<string> Reasons,
    string? InvoiceNumber = null,
    decimal? Gross = null,
    string? Currency = null);

public sealed class BillingOptions
{
    /// <summary>Which date an invoice carries: the billing run's day (default) or the last day of the service period.</summary>
    public InvoiceDating InvoiceDating { get; set; } = InvoiceDating.RunDay;

    /// <summary>How long a blocked billing waits for its problems to be fixed before it ends as blocked.</summary>
    public TimeSpan ResolutionDeadline { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How often a blocked billing re-checks without being told (a "resolved" event re-checks at once).</summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Share of the contract ceiling above which billing warns (it blocks above 100 %).</summary>
    public decimal CeilingWarningShare { get; set; } = 0.9m;

    /// <summary>
    /// The posting SLA: how long after a period ends its approved billable work may still be on its way to an ERP
    /// invoice before billing reconciliation calls it late.
    /// </summary>
    public TimeSpan PostingSla { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How many closed periods (months) billing reconciliation looks back over.</summary>
    public int ReconciliationPeriods { get; set; } = 3;
}
