using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Audit;

/// <summary>
/// Decorates the ERP connector so that every create, update and post leaves an <see cref="AuditRecord"/>, whether it
/// succeeded or failed; reads pass straight through. The record is written after the ERP answered: if writing it fails,
/// the caller sees the failure and retries, and every ERP write here is idempotent (looked up by external id, or a
/// repeat leaves the same state), so the retry records it without changing the ERP twice.
/// </summary>
public sealed class AuditingErpConnector(IErpConnector inner, IAuditLog audit, TimeProvider clock) : IErpConnector
{
    public const string Succeeded = "succeeded";

    public Task<ErpCustomer> CreateCustomerAsync(ErpCustomerDraft draft, CancellationToken cancellationToken) =>
        AuditedAsync("create-customer", $"customer {draft.ExternalId}", draft.CorrelationId, () => inner.CreateCustomerAsync(draft, cancellationToken), cancellationToken);

    public Task<ErpCustomer> UpdateCustomerAsync(string customerNumber, ErpCustomerDraft draft, CancellationToken cancellationToken) =>
        AuditedAsync("update-customer", $"customer {customerNumber}", draft.CorrelationId, () => inner.UpdateCustomerAsync(customerNumber, draft, cancellationToken), cancellationToken);

    public Task<ErpProject> CreateProjectAsync(ErpProjectDraft draft, CancellationToken cancellationToken) =>
        AuditedAsync("create-project", $"project {draft.PsaProjectId}", draft.CorrelationId, () => inner.CreateProjectAsync(draft, cancellationToken), cancellationToken);

    public Task<ErpProject> SetProjectStatusAsync(string erpProjectCode, ProjectStatus status, CancellationToken cancellationToken) =>
        AuditedAsync($"set-project-status:{status}", $"project {erpProjectCode}", null, () => inner.SetProjectStatusAsync(erpProjectCode, status, cancellationToken), cancellationToken);

    public Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken) =>
        AuditedAsync("post-time", $"time line {line.ExternalId}", line.CorrelationId, () => inner.PostTimeAsync(line, cancellationToken), cancellationToken);

    public Task<ErpPosting?> ReverseTimeAsync(string externalId, string reversalExternalId, CancellationToken cancellationToken) =>
        AuditedAsync("reverse-time", $"time line {externalId} by {reversalExternalId}", null, () => inner.ReverseTimeAsync(externalId, reversalExternalId, cancellationToken), cancellationToken);

    public Task<ErpPosting> ReverseTimeLineAsync(ErpTimeReversal reversal, CancellationToken cancellationToken) =>
        AuditedAsync("reverse-time", $"time line {reversal.ReversedExternalId} by {reversal.ExternalId} ({reversal.Hours} h)", reversal.CorrelationId,
            () => inner.ReverseTimeLineAsync(reversal, cancellationToken), cancellationToken);

    /// <summary>One record per line, each with the line's own outcome.</summary>
    public async Task<IReadOnlyList<ErpLineResult>> PostTimeLinesAsync(IReadOnlyList<ErpTimeLine> lines, CancellationToken cancellationToken)
    {
        IReadOnlyList<ErpLineResult> results;
        try
        {
            results = await inner.PostTimeLinesAsync(lines, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await audit.AppendAsync([.. lines.Select(l => Record("post-time", $"time line {l.ExternalId}", l.CorrelationId, Failed(ex)))], cancellationToken);
            throw;
        }
        var correlationOf = lines.GroupBy(l => l.ExternalId).ToDictionary(g => g.Key, g => g.First().CorrelationId);
        await audit.AppendAsync([.. results.Select(r => Record("post-time", $"time line {r.ExternalId}", correlationOf.GetValueOrDefault(r.ExternalId),
            r.Failure is null ? Succeeded : Failed(r.Failure)))], cancellationToken);
        return results;
    }

    public Task<ErpInvoice> CreateDraftInvoiceAsync(ErpInvoiceDraft draft, CancellationToken cancellationToken) =>
        AuditedAsync("create-draft-invoice", $"billing batch {draft.BillingBatchId}", draft.CorrelationId, () => inner.CreateDraftInvoiceAsync(draft, cancellationToken), cancellationToken);

    public Task<ErpInvoice> SetInvoiceLinesAsync(string invoiceId, IReadOnlyList<ErpInvoiceLine> lines, CancellationToken cancellationToken) =>
        AuditedAsync("set-invoice-lines", $"invoice {invoiceId}", null, () => inner.SetInvoiceLinesAsync(invoiceId, lines, cancellationToken), cancellationToken);

    public Task<ErpInvoice> PostInvoiceAsync(string invoiceId, CancellationToken cancellationToken) =>
        AuditedAsync("post-invoice", $"invoice {invoiceId}", null, () => inner.PostInvoiceAsync(invoiceId, cancellationToken), cancellationToken);

    public Task CancelDraftInvoiceAsync(string invoiceId, CancellationToken cancellationToken) =>
        AuditedAsync("cancel-draft-invoice", $"invoice {invoiceId}", null, async () =>
        {
            await inner.CancelDraftInvoiceAsync(invoiceId, cancellationToken);
            return true;
        }, cancellationToken);

    public Task<ErpInvoice> CreditInvoiceAsync(string invoiceId, string reason, CancellationToken cancellationToken) =>
        AuditedAsync("credit-invoice", $"invoice {invoiceId}", null, () => inner.CreditInvoiceAsync(invoiceId, reason, cancellationToken), cancellationToken);

    // Reads: not audited.
    public Task<ErpReferenceData> GetReferenceDataAsync(CancellationToken cancellationToken) => inner.GetReferenceDataAsync(cancellationToken);

    public Task<ErpCustomer?> FindCustomerByExternalIdAsync(string externalId, CancellationToken cancellationToken) => inner.FindCustomerByExternalIdAsync(externalId, cancellationToken);

    public Task<ErpCustomer?> GetCustomerAsync(string customerNumber, CancellationToken cancellationToken) => inner.GetCustomerAsync(customerNumber, cancellationToken);

    public Task<IReadOnlyList<ErpCustomer>> FindSimilarCustomersAsync(string? taxId, string normalizedName, string country, CancellationToken cancellationToken) =>
        inner.FindSimilarCustomersAsync(taxId, normalizedName, country, cancellationToken);

    public Task<IReadOnlyList<ErpCustomer>> ListCustomersAsync(CancellationToken cancellationToken) => inner.ListCustomersAsync(cancellationToken);

    public Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken) => inner.FindProjectAsync(psaProjectId, cancellationToken);

    public Task<IReadOnlyList<ErpProject>> ListProjectsAsync(CancellationToken cancellationToken) => inner.ListProjectsAsync(cancellationToken);

    public Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken) => inner.FindTimeByExternalIdAsync(externalId, cancellationToken);

    public Task<bool> IsFiscalPeriodOpenAsync(string legalEntity, string period, CancellationToken cancellationToken) => inner.IsFiscalPeriodOpenAsync(legalEntity, period, cancellationToken);

    public Task<ErpInvoice?> FindInvoiceByBatchAsync(string billingBatchId, CancellationToken cancellationToken) => inner.FindInvoiceByBatchAsync(billingBatchId, cancellationToken);

    public Task<ErpInvoiceChangePage> GetInvoiceChangesAsync(string? afterWatermark, int maxCount, CancellationToken cancellationToken) =>
        inner.GetInvoiceChangesAsync(afterWatermark, maxCount, cancellationToken);

    private async Task<T> AuditedAsync<T>(string operation, string target, string? correlationId, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        T result;
        try
        {
            result = await call();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await audit.AppendAsync([Record(operation, target, correlationId, Failed(ex))], cancellationToken);
            throw;
        }
        await audit.AppendAsync([Record(operation, target, correlationId, Succeeded)], cancellationToken);
        return result;
    }

    /// <summary>The call's own correlation id if it carries one, else the context's; the source always from the context.</summary>
    private AuditRecord Record(string operation, string target, string? correlationId, string outcome)
    {
        var context = AuditContext.Current;
        return new AuditRecord(correlationId ?? context?.CorrelationId ?? "none", clock.GetUtcNow(), operation, target, context?.Source ?? "unknown", outcome);
    }

    /// <summary>The failure's kind only: an exception message may carry business data, and the audit table is not a log.</summary>
    private static string Failed(Exception ex) => ex is ErpException erp ? $"failed:{erp.Kind}" : $"failed:{ex.GetType().Name}";
}
