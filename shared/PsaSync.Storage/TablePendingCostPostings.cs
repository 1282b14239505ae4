using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Model;
using PsaSync.Core.TimeExpense;

namespace PsaSync.Storage;

/// <summary>
/// Approved time waiting for its cost posting, on Table Storage. Partition = one of 256 hash buckets of the entry key: a
/// month-end burst is spread over 256 partitions instead of hammering one, and the job's state changes still group into
/// entity-group transactions of up to 100 rows. Row = entry key (entry id and version), so a repeated approval is
/// refused by the store itself. The key alone finds a version, whatever month its work date is in: a correction that
/// moves an entry into another month must find the version it reverses, and a late original must meet its write-off.
/// </summary>
public sealed class TablePendingCostPostings(TableProvider tables) : IPendingCostPostings
{
    private static readonly string OpenFilter =
        $"State eq '{nameof(CostPostingState.Pending)}' or State eq '{nameof(CostPostingState.Assigned)}'";

    public async Task<bool> AddAsync(PendingCostPosting posting, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CostPostings, cancellationToken);
        try
        {
            await tables.Writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.Add, ToEntity(posting)), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<PendingCostPosting?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CostPostings, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.HashBucket(key), TableKeys.Escape(key), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? ToPosting(entity) : null;
    }

    public async Task<IReadOnlyList<PendingCostPosting>> ListOpenAsync(int maxCount, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CostPostings, cancellationToken);
        var open = new List<PendingCostPosting>();
        await foreach (var row in table.QueryAsync<TableEntity>(OpenFilter, maxPerPage: 1000, cancellationToken: cancellationToken))
        {
            open.Add(ToPosting(row));
            if (open.Count >= maxCount)
            {
                break;
            }
        }
        return open;
    }

    /// <summary>Replaces the rows, 100 per transaction and partition. The job is the only writer after the add, so no ETag check.</summary>
    public async Task<int> UpdateAsync(IReadOnlyList<PendingCostPosting> postings, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CostPostings, cancellationToken);
        return await TableBatches.UpsertAllAsync(table, postings.Select(ToEntity), cancellationToken);
    }

    private static TableEntity ToEntity(PendingCostPosting p)
    {
        var entity = new TableEntity(TableKeys.HashBucket(p.Key), TableKeys.Escape(p.Key))
        {
            ["EntryId"] = p.Entry.EntryId,
            ["Version"] = p.Entry.Version,
            ["ProjectId"] = p.Entry.ProjectId,
            ["ResourceId"] = p.Entry.ResourceId,
            ["WorkDate"] = p.Entry.WorkDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            // Hours as an invariant string: Table Storage has no decimal type.
            ["Hours"] = p.Entry.Hours.ToString(CultureInfo.InvariantCulture),
            ["Billable"] = p.Entry.Billable,
            ["ErpProjectCode"] = p.ErpProjectCode,
            ["CorrelationId"] = p.CorrelationId,
            ["IdempotencyKey"] = p.IdempotencyKey,
            ["State"] = p.State.ToString(),
        };
        if (p.Entry.Role is not null) entity["Role"] = p.Entry.Role;
        if (p.AggregateId is not null) entity["AggregateId"] = p.AggregateId;
        if (p.ErpDocumentId is not null) entity["ErpDocumentId"] = p.ErpDocumentId;
        return entity;
    }

    private static PendingCostPosting ToPosting(TableEntity row) => new(
        new TimeEntry(
            row.GetString("EntryId") ?? "",
            row.GetInt32("Version") ?? 0,
            row.GetString("ProjectId") ?? "",
            row.GetString("ResourceId") ?? "",
            DateOnly.Parse(row.GetString("WorkDate") ?? "0001-01-01", CultureInfo.InvariantCulture),
            decimal.Parse(row.GetString("Hours") ?? "0", CultureInfo.InvariantCulture),
            row.GetBoolean("Billable") ?? false,
            row.GetString("Role")),
        row.GetString("ErpProjectCode") ?? "",
        row.GetString("CorrelationId") ?? "",
        row.GetString("IdempotencyKey") ?? "",
        Enum.Parse<CostPostingState>(row.GetString("State") ?? nameof(CostPostingState.Pending)),
        row.GetString("AggregateId"),
        row.GetString("ErpDocumentId"));
}
