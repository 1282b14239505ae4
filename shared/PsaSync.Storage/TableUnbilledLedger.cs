using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Billing;

namespace PsaSync.Storage;

/// <summary>
/// The unbilled ledger on Table Storage: partition = project and period (what one invoice draws from), row =
/// entry key. State changes of a batch are entity-group transactions of up to 100 rows, each guarded by its ETag.
/// Index rows (partition <c>source|kind|bucket</c>, row = source id and entry key) point at every version of a source
/// record, for corrections.
/// </summary>
public sealed class TableUnbilledLedger(TableProvider tables) : IUnbilledLedger
{

    public async Task<bool> AddAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        await IndexAsync(table, entry, cancellationToken);
        return await AddRowAsync(table, entry, cancellationToken);
    }

    public async Task<IReadOnlyList<LedgerEntry>> AddRangeAsync(IReadOnlyList<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        var added = new List<LedgerEntry>(entries.Count);
        var distinct = entries.DistinctBy(e => (e.ProjectId, e.Period, e.EntryKey)).ToList();
        // The index first (see IndexAsync), in its own partitions' transactions.
        await TableBatches.UpsertAllAsync(table, distinct.Select(ToIndexRow).DistinctBy(r => (r.PartitionKey, r.RowKey)), cancellationToken);
        foreach (var chunk in distinct.GroupBy(e => PartitionOf(e.ProjectId, e.Period)).SelectMany(p => p.Chunk(TableBatches.MaxRows)))
        {
            try
            {
                await EntityGroupTransaction.SubmitAsync(table, chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(e))), cancellationToken);
                added.AddRange(chunk);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                foreach (var entry in chunk)
                {
                    if (await AddRowAsync(table, entry, cancellationToken))
                    {
                        added.Add(entry);
                    }
                }
            }
        }
        return added;
    }

    /// <summary>
    /// The index first: an index row whose entry is missing is skipped when read, an entry nobody can find is not.
    /// </summary>
    private static Task IndexAsync(TableClient table, LedgerEntry entry, CancellationToken cancellationToken) =>
        table.UpsertEntityAsync(ToIndexRow(entry), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Where a version of a source record was booked: in one of 256 partitions per kind, under the source id.</summary>
    private static TableEntity ToIndexRow(LedgerEntry entry) =>
        new(IndexPartitionOf(entry.Kind, entry.SourceId), TableKeys.IdRowKey(entry.SourceId, TableKeys.Escape(entry.EntryKey)))
        {
            ["ProjectId"] = entry.ProjectId,
            ["Period"] = entry.Period,
            ["EntryKey"] = entry.EntryKey,
        };

    private static async Task<bool> AddRowAsync(TableClient table, LedgerEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(ToEntity(entry), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<LedgerEntry>> ListAsync(string projectId, string period, CancellationToken cancellationToken) =>
        [.. (await RowsAsync(projectId, period, cancellationToken)).Select(ToEntry)];

    public async Task<IReadOnlyList<LedgerEntry>> ListVersionsAsync(LedgerEntryKind kind, string sourceId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        var versions = new List<LedgerEntry>();
        await foreach (var pointer in table.QueryAsync<TableEntity>(TableKeys.IdRangeFilter(IndexPartitionOf(kind, sourceId), sourceId), cancellationToken: cancellationToken))
        {
            var row = await table.GetEntityIfExistsAsync<TableEntity>(
                PartitionOf(pointer.GetString("ProjectId") ?? "", pointer.GetString("Period") ?? ""), TableKeys.Escape(pointer.GetString("EntryKey") ?? ""), cancellationToken: cancellationToken);
            if (row.HasValue && row.Value is { } entity)
            {
                versions.Add(ToEntry(entity));
            }
        }
        return versions;
    }

    public async Task<bool> ReverseAsync(LedgerEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(entry.ProjectId, entry.Period), TableKeys.Escape(entry.EntryKey), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is not { } current || ToEntry(current).State != LedgerEntryState.Unbilled)
        {
            return false;
        }
        try
        {
            await table.UpdateEntityAsync(ToEntity(ToEntry(current) with { State = LedgerEntryState.Reversed }), current.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Reserved or reversed by someone else in between: the caller reads the state again.
            return false;
        }
    }

    public Task<int> ReserveAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        TransitionAsync(projectId, period, cancellationToken,
            e => e.State == LedgerEntryState.Unbilled || (e.State == LedgerEntryState.Reserved && e.BillingBatchId == billingBatchId),
            e => e with { State = LedgerEntryState.Reserved, BillingBatchId = billingBatchId });

    public Task<int> ReleaseAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        TransitionAsync(projectId, period, cancellationToken,
            e => e.State == LedgerEntryState.Reserved && e.BillingBatchId == billingBatchId,
            e => e with { State = LedgerEntryState.Unbilled, BillingBatchId = null });

    public Task<int> MarkBilledAsync(string projectId, string period, string billingBatchId, string invoiceId, CancellationToken cancellationToken) =>
        TransitionAsync(projectId, period, cancellationToken,
            e => e.BillingBatchId == billingBatchId && e.State != LedgerEntryState.Unbilled,
            e => e with { State = LedgerEntryState.Billed, InvoiceId = invoiceId });

    /// <summary>Applies <paramref name="change"/> to the entries <paramref name="applies"/> selects, 100 per transaction.</summary>
    private async Task<int> TransitionAsync(string projectId, string period, CancellationToken cancellationToken,
        Func<LedgerEntry, bool> applies, Func<LedgerEntry, LedgerEntry> change)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        var selected = (await RowsAsync(projectId, period, cancellationToken)).Where(row => applies(ToEntry(row))).ToList();
        foreach (var chunk in selected.Chunk(TableBatches.MaxRows))
        {
            await EntityGroupTransaction.SubmitAsync(table, chunk.Select(row =>
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(change(ToEntry(row))), row.ETag)), cancellationToken);
        }
        return selected.Count;
    }

    private async Task<List<TableEntity>> RowsAsync(string projectId, string period, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Ledger, cancellationToken);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {PartitionOf(projectId, period)}"), cancellationToken: cancellationToken))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static string PartitionOf(string projectId, string period) => TableKeys.Escape(projectId) + "|" + period;

    private static string IndexPartitionOf(LedgerEntryKind kind, string sourceId) => $"source|{kind}|{TableKeys.HashBucket(sourceId)}";

    private static TableEntity ToEntity(LedgerEntry e)
    {
        var entity = new TableEntity(PartitionOf(e.ProjectId, e.Period), TableKeys.Escape(e.EntryKey))
        {
            ["ProjectId"] = e.ProjectId,
            ["Period"] = e.Period,
            ["EntryKey"] = e.EntryKey,
            ["Kind"] = e.Kind.ToString(),
            ["SourceId"] = e.SourceId,
            ["Date"] = e.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Description"] = e.Description,
            // Money and hours as invariant strings: Table Storage has no decimal type, and a double would round them.
            ["Quantity"] = e.Quantity.ToString(CultureInfo.InvariantCulture),
            ["Amount"] = e.Amount.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = e.Currency,
            ["State"] = e.State.ToString(),
            ["CorrelationId"] = e.CorrelationId,
        };
        // Optional columns are left out when empty (Replace then removes them).
        if (e.Role is not null) entity["Role"] = e.Role;
        if (e.BillingBatchId is not null) entity["BillingBatchId"] = e.BillingBatchId;
        if (e.InvoiceId is not null) entity["InvoiceId"] = e.InvoiceId;
        return entity;
    }

    private static LedgerEntry ToEntry(TableEntity row) => new(
        row.GetString("ProjectId") ?? "",
        row.GetString("Period") ?? "",
        row.GetString("EntryKey") ?? "",
        Enum.Parse<LedgerEntryKind>(row.GetString("Kind") ?? nameof(LedgerEntryKind.Time)),
        row.GetString("SourceId") ?? "",
        DateOnly.Parse(row.GetString("Date") ?? "0001-01-01", CultureInfo.InvariantCulture),
        row.GetString("Description") ?? "",
        row.GetString("Role"),
        decimal.Parse(row.GetString("Quantity") ?? "0", CultureInfo.InvariantCulture),
        decimal.Parse(row.GetString("Amount") ?? "0", CultureInfo.InvariantCulture),
        row.GetString("Currency") ?? "",
        Enum.Parse<LedgerEntryState>(row.GetString("State") ?? nameof(LedgerEntryState.Unbilled)),
        row.GetString("BillingBatchId"),
        row.GetString("InvoiceId"),
        row.GetString("CorrelationId") ?? "");
}
