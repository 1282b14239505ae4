using Azure.Data.Tables;

namespace PsaSync.Storage;

/// <summary>Writing many rows in Table Storage's entity-group transactions: one partition and at most 100 rows each.</summary>
public static class TableBatches
{
    /// <summary>The most rows one entity-group transaction may hold.</summary>
    public const int MaxRows = 100;

    /// <summary>
    /// Upserts (replaces) the rows, one transaction per partition and 100 rows; returns how many transactions it took.
    /// A row given twice is written once, with its last value, as upserting the rows one by one would leave it (a
    /// transaction may not touch a row twice).
    /// </summary>
    public static async Task<int> UpsertAllAsync(TableClient table, IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        var transactions = 0;
        var partitions = rows.GroupBy(row => row.PartitionKey, StringComparer.Ordinal)
            .Select(partition => partition.GroupBy(row => row.RowKey, StringComparer.Ordinal).Select(same => same.Last()));
        foreach (var chunk in partitions.SelectMany(partition => partition.Chunk(MaxRows)))
        {
            await EntityGroupTransaction.SubmitAsync(table, chunk.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)), cancellationToken);
            transactions++;
        }
        return transactions;
    }
}
