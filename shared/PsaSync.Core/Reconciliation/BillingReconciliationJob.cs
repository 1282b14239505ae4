using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Telemetry;

namespace PsaSync.Core.Reconciliation;

/// <summary>
/// Money-level, three-way reconciliation per project and closed period: what the PSA approved, what PsaSync carried
/// (ledger), what the ERP invoiced and what was paid. Reports approved work not invoiced within the posting SLA, a
/// ledger holding more than the PSA approved, an invoice posted in the ERP but not shown in the PSA, an invoice whose
/// amount differs from what was billed, and ERP invoices PsaSync did not make. Nothing is healed: every drift is
/// money, so each becomes an exception item for a person.
/// </summary>
public sealed class BillingReconciliationJob(
    IPsaConnector psa,
    IErpConnector erp,
    IUnbilledLedger ledger,
    IProjectProfiles projects,
    IInvoiceRegister register,
    BillingOptions options,
    IExceptionStore exceptions,
    IReconciliationReports reports,
    TimeProvider clock,
    IBusinessTelemetry telemetry) : IScheduledJob
{
    public string Name => JobNames.BillingReconciliation;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var run = new ReconciliationRun(Name, QueueNames.InvoiceStatus, exceptions, reports, clock, telemetry);
        var invoices = await register.ListAsync(cancellationToken);
        var compared = 0;
        foreach (var project in (await psa.ListProjectsAsync(cancellationToken)).Where(p => p.ErpProjectCode is not null))
        {
            var closed = ClosedPeriodsPastSla();
            var invoiced = invoices.Where(i => i.ProjectId == project.ProjectId && i.Period is not null).Select(i => i.Period!);
            foreach (var period in closed.Union(invoiced).Order(StringComparer.Ordinal))
            {
                await CompareAsync(run, project.ProjectId, period, pastSla: closed.Contains(period), invoices, cancellationToken);
                compared++;
            }
        }
        foreach (var orphan in invoices.Where(i => i.ProjectId is null))
        {
            await run.LeftForAPersonAsync(new RecordRef(SystemNames.Erp, EntityKinds.Invoice, orphan.InvoiceId), DriftKind.OrphanInErp,
                $"ERP {orphan.Kind.ToString().ToLowerInvariant()} {orphan.Number ?? orphan.InvoiceId} ({Money(orphan.Gross, orphan.Currency)}) was not made by PsaSync and belongs to no project.",
                cancellationToken, ReasonCodes.ErpInvoiceUnknown);
        }
        return await run.CompleteAsync(compared, cancellationToken);
    }

    /// <summary>The last closed periods whose posting SLA is over: approved work of those must be on an invoice by now.</summary>
    private HashSet<string> ClosedPeriodsPastSla()
    {
        var now = clock.GetUtcNow();
        var current = new DateOnly(now.Year, now.Month, 1);
        return [.. Enumerable.Range(1, options.ReconciliationPeriods)
            .Select(back => current.AddMonths(-back))
            .Where(start => now - new DateTimeOffset(start.AddMonths(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) >= options.PostingSla)
            .Select(LedgerEntry.PeriodOf)];
    }

    private async Task CompareAsync(ReconciliationRun run, string projectId, string period, bool pastSla, IReadOnlyList<RegisteredInvoice> invoices, CancellationToken cancellationToken)
    {
        var record = new RecordRef(SystemNames.Psa, EntityKinds.Project, projectId);
        var approved = await psa.GetApprovedTotalsAsync(projectId, period, cancellationToken);
        var entries = (await ledger.ListAsync(projectId, period, cancellationToken)).Where(e => e.State != LedgerEntryState.Reversed).ToList();
        var hours = entries.Where(e => e.Kind == LedgerEntryKind.Time).Sum(e => e.Quantity);
        var unbilled = entries.Where(e => e.State is LedgerEntryState.Unbilled or LedgerEntryState.Reserved).ToList();
        var profile = await projects.GetAsync(projectId, cancellationToken);

        // Every billing attempt of the period that billed something, and the first attempt in any case; a compensated
        // attempt's invoice is cancelled or credited, so only posted invoices count.
        var batches = entries.Where(e => e.State == LedgerEntryState.Billed).Select(e => e.BillingBatchId!)
            .Append(new BillingRequest(projectId, period).BatchId).Distinct(StringComparer.Ordinal);
        decimal billedNet = 0m, invoicedNet = 0m, paid = 0m, open = 0m;
        foreach (var batch in batches)
        {
            var billed = entries.Where(e => e.State == LedgerEntryState.Billed && e.BillingBatchId == batch).ToList();
            var billedOnBatch = profile is null ? 0m : InvoiceLines.Build(billed, profile).Sum(l => l.Amount);
            billedNet += billedOnBatch;
            if (await ErpTransientRetry.ReadAsync(() => erp.FindInvoiceByBatchAsync(batch, cancellationToken), clock, cancellationToken) is not { Status: ErpInvoiceStatus.Posted } invoice)
            {
                continue;
            }
            var shown = invoices.FirstOrDefault(i => i.InvoiceId == invoice.InvoiceId);
            invoicedNet += invoice.Net;
            paid += shown?.Paid ?? 0m;
            open += shown?.Balance ?? invoice.Gross;
            if (shown is null)
            {
                await run.LeftForAPersonAsync(record, DriftKind.MissingInPsa,
                    $"Project {projectId}, {period}: invoice {invoice.Number} is posted in the ERP but the PSA has not been shown it. Run invoice-feedback; if it stays, check its exception items.",
                    cancellationToken, period: period);
            }
            if (invoice.Net != billedOnBatch)
            {
                await run.LeftForAPersonAsync(record, DriftKind.AmountMismatch,
                    $"Project {projectId}, {period}: invoice {invoice.Number} is {Money(invoice.Net, invoice.Currency)} net in the ERP, but the items PsaSync billed on it come to {Money(billedOnBatch, invoice.Currency)}.",
                    cancellationToken, ReasonCodes.InvoiceAmountMismatch, period);
            }
        }

        run.Compared(new BillingPosition(projectId, period, approved.BillableHours, approved.BillableExpenseAmount, hours,
            unbilled.Where(e => e.Kind == LedgerEntryKind.Time).Sum(e => e.Quantity), billedNet, invoicedNet, paid, open,
            entries.Count(e => e.Kind == LedgerEntryKind.Time), entries.Count(e => e.Kind == LedgerEntryKind.Expense), entries.Count(e => e.Kind == LedgerEntryKind.Milestone)));

        if (pastSla && (approved.BillableHours > hours || unbilled.Count > 0))
        {
            await run.LeftForAPersonAsync(record, DriftKind.NotPostedWithinSla,
                string.Create(CultureInfo.InvariantCulture, $"Project {projectId}, {period}: the PSA approved {Hours(approved.BillableHours)} billable h, PsaSync received {Hours(hours)} h, and {unbilled.Count} approved item(s) are not invoiced, "
                + $"more than {options.PostingSla.TotalDays:0.#} days after the period ended."),
                cancellationToken, ReasonCodes.ApprovedNotPostedInTime, period);
        }
        else if (hours > approved.BillableHours)
        {
            await run.LeftForAPersonAsync(record, DriftKind.FieldMismatch,
                $"Project {projectId}, {period}: PsaSync carried {Hours(hours)} billable h but the PSA now approves only {Hours(approved.BillableHours)} h (an approval revoked without a webhook?).",
                cancellationToken, period: period);
        }
    }

    private static string Hours(decimal hours) => hours.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Money(decimal amount, string currency) => $"{amount.ToString("0.00", CultureInfo.InvariantCulture)} {currency}";
}
