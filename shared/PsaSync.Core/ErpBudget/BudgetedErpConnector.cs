using PsaSync.Core.Ports;

namespace PsaSync.Core.ErpBudget;

/// <summary>
/// Puts every call of the wrapped ERP connector through the process's <see cref="ErpRequestBudget"/>, so the four
/// domains together never exceed the ERP's request rate or concurrency and wait out its 429s instead of failing.
/// </summary>
public sealed class BudgetedErpConnector(IErpConnector inner, ErpRequestBudget budget) : IErpConnector
{
    public Task<ErpReferenceData> GetReferenceDataAsync(CancellationToken cancellationToken) =>
        budget.RunAsync(inner.GetReferenceDataAsync, cancellationToken);

    public Task<ErpCustomer?> FindCustomerByExternalIdAsync(string externalId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.FindCustomerByExternalIdAsync(externalId, ct), cancellationToken);

    public Task<ErpCustomer?> GetCustomerAsync(string customerNumber, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.GetCustomerAsync(customerNumber, ct), cancellationToken);

    public Task<IReadOnlyList<ErpCustomer>> FindSimilarCustomersAsync(string? taxId, string normalizedName, string country, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.FindSimilarCustomersAsync(taxId, normalizedName, country, ct), cancellationToken);

    public Task<ErpCustomer> CreateCustomerAsync(ErpCustomerDraft draft, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.CreateCustomerAsync(draft, ct), cancellationToken);

    public Task<ErpCustomer> UpdateCustomerAsync(string customerNumber, ErpCustomerDraft draft, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.UpdateCustomerAsync(customerNumber, draft, ct), cancellationToken);

    public Task<IReadOnlyList<ErpCustomer>> ListCustomersAsync(CancellationToken cancellationToken) =>
        budget.RunAsync(inner.ListCustomersAsync, cancellationToken);

    public Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.FindProjectAsync(psaProjectId, ct), cancellationToken);

    public Task<ErpProject> CreateProjectAsync(ErpProjectDraft draft, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.CreateProjectAsync(draft, ct), cancellationToken);

    public Task<ErpProject> SetProjectStatusAsync(string erpProjectCode, Model.ProjectStatus status, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.SetProjectStatusAsync(erpProjectCode, status, ct), cancellationToken);

    public Task<IReadOnlyList<ErpProject>> ListProjectsAsync(CancellationToken cancellationToken) =>
        budget.RunAsync(inner.ListProjectsAsync, cancellationToken);

    public Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.PostTimeAsync(line, ct), cancellationToken);

    public Task<IReadOnlyList<ErpLineResult>> PostTimeLinesAsync(IReadOnlyList<ErpTimeLine> lines, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.PostTimeLinesAsync(lines, ct), cancellationToken);

    public Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.FindTimeByExternalIdAsync(externalId, ct), cancellationToken);

    public Task<ErpPosting?> ReverseTimeAsync(string externalId, string reversalExternalId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.ReverseTimeAsync(externalId, reversalExternalId, ct), cancellationToken);

    public Task<ErpPosting> ReverseTimeLineAsync(ErpTimeReversal reversal, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.ReverseTimeLineAsync(reversal, ct), cancellationToken);

    public Task<bool> IsFiscalPeriodOpenAsync(string legalEntity, string period, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.IsFiscalPeriodOpenAsync(legalEntity, period, ct), cancellationToken);

    public Task<ErpInvoice?> FindInvoiceByBatchAsync(string billingBatchId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.FindInvoiceByBatchAsync(billingBatchId, ct), cancellationToken);

    public Task<ErpInvoice> CreateDraftInvoiceAsync(ErpInvoiceDraft draft, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.CreateDraftInvoiceAsync(draft, ct), cancellationToken);

    public Task<ErpInvoice> SetInvoiceLinesAsync(string invoiceId, IReadOnlyList<ErpInvoiceLine> lines, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.SetInvoiceLinesAsync(invoiceId, lines, ct), cancellationToken);

    public Task<ErpInvoice> PostInvoiceAsync(string invoiceId, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.PostInvoiceAsync(invoiceId, ct), cancellationToken);

    public Task CancelDraftInvoiceAsync(string invoiceId, CancellationToken cancellationToken) =>
        budget.RunAsync(async ct =>
        {
            await inner.CancelDraftInvoiceAsync(invoiceId, ct);
            return true;
        }, cancellationToken);

    public Task<ErpInvoice> CreditInvoiceAsync(string invoiceId, string reason, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.CreditInvoiceAsync(invoiceId, reason, ct), cancellationToken);

    public Task<ErpInvoiceChangePage> GetInvoiceChangesAsync(string? afterWatermark, int maxCount, CancellationToken cancellationToken) =>
        budget.RunAsync(ct => inner.GetInvoiceChangesAsync(afterWatermark, maxCount, ct), cancellationToken);
}
