using PsaSync.Core.Billing;
using PsaSync.Core.MasterData;

namespace PsaSync.Core.Telemetry;

/// <summary>
/// The unbilled ledger, reporting what enters it and what leaves it invoiced, so that the backlog (approved minus
/// billed, in hours and value) can be followed without reading the store. Time is valued at the project's rate card
/// (as the invoice will be); expenses and milestones at their amounts.
/// </summary>
public sealed class MeteredUnbilledLedger(IUnbilledLedger inner, RememberedProjectProfiles profiles, IBusinessTelemetry telemetry) : IUnbilledLedger
{
    public async Task<bool> AddAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var added = await inner.AddAsync(entry, cancellationToken);
        if (added)
        {
            await ReportAsync(entry.ProjectId, entry.Period, [entry], billed: false, cancellationToken);
        }
        return added;
    }

    /// <summary>
    /// Passed on whole, so the store's entity-group transactions are kept (the interface's default would add the
    /// entries one request at a time), then reported once per project and period.
    /// </summary>
    public async Task<IReadOnlyList<LedgerEntry>> AddRangeAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var added = await inner.AddRangeAsync(entries, cancellationToken);
        foreach (var slice in added.GroupBy(e => (e.ProjectId, e.Period)))
        {
            await ReportAsync(slice.Key.ProjectId, slice.Key.Period, [.. slice], billed: false, cancellationToken);
        }
        return added;
    }

    public Task<IReadOnlyList<LedgerEntry>> ListAsync(string projectId, string period, CancellationToken cancellationToken) =>
        inner.ListAsync(projectId, period, cancellationToken);

    public Task<IReadOnlyList<LedgerEntry>> ListVersionsAsync(LedgerEntryKind kind, string sourceId, CancellationToken cancellationToken) =>
        inner.ListVersionsAsync(kind, sourceId, cancellationToken);

    /// <summary>A reversed entry leaves the backlog without being invoiced: reported as a negative addition.</summary>
    public async Task<bool> ReverseAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var reversed = await inner.ReverseAsync(entry, cancellationToken);
        if (reversed)
        {
            await ReportAsync(entry.ProjectId, entry.Period, [entry with { Quantity = -entry.Quantity, Amount = -entry.Amount }], billed: false, cancellationToken);
        }
        return reversed;
    }

    public Task<int> ReserveAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        inner.ReserveAsync(projectId, period, billingBatchId, cancellationToken);

    public Task<int> ReleaseAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        inner.ReleaseAsync(projectId, period, billingBatchId, cancellationToken);

    public async Task<int> MarkBilledAsync(string projectId, string period, string billingBatchId, string invoiceId, CancellationToken cancellationToken)
    {
        // Read before marking: only the entries this call moves from reserved to billed leave the backlog, so a
        // repeated activity (already billed) reports nothing twice.
        var leaving = (await inner.ListAsync(projectId, period, cancellationToken))
            .Where(e => e.State == LedgerEntryState.Reserved && e.BillingBatchId == billingBatchId)
            .ToList();
        var marked = await inner.MarkBilledAsync(projectId, period, billingBatchId, invoiceId, cancellationToken);
        await ReportAsync(projectId, period, leaving, billed: true, cancellationToken);
        return marked;
    }

    private async Task ReportAsync(string projectId, string period, IReadOnlyList<LedgerEntry> entries, bool billed, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }
        // A rate card up to a few minutes old is good enough to value the backlog; invoices read the stored one.
        var project = await profiles.GetRememberedAsync(projectId, cancellationToken);
        foreach (var kind in entries.GroupBy(e => e.Kind))
        {
            var hours = kind.Key == LedgerEntryKind.Time ? kind.Sum(e => e.Quantity) : 0m;
            var value = kind.Sum(e => e.Kind == LedgerEntryKind.Time
                ? e.Quantity * (project is null ? 0m : InvoiceLines.RateOn(project, e.Role, e.Date) ?? 0m)
                : e.Amount);
            var currency = project?.Currency ?? kind.First().Currency;
            telemetry.UnbilledChanged(new UnbilledChange(projectId, period, kind.Key, hours, Math.Round(value, 2), currency, kind.First().CorrelationId), billed);
        }
    }
}
