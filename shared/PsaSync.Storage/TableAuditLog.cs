using System.Globalization;
using Azure.Data.Tables;
using PsaSync.Core.Audit;

namespace PsaSync.Storage;

/// <summary>
/// The audit trail on Table Storage: partition = correlation id, so one partition query lists a record's ERP changes;
/// row = time-ordered key. Records of one call (a batch of time lines) are written in transactions of up to 100 when
/// they share a partition.
/// </summary>
public sealed class TableAuditLog(TableProvider tables) : IAuditLog
{
    private const int MaxTransaction = 100;
    private long _sequence;

    public async Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }
        var table = await tables.GetAsync(TableSuffixes.Audit, cancellationToken);
        foreach (var partition in records.Select(ToEntity).GroupBy(e => e.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(MaxTransaction))
            {
                await EntityGroupTransaction.SubmitAsync(table, chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Add, e)), cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<AuditRecord>> ListAsync(string correlationId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Audit, cancellationToken);
        var records = new List<AuditRecord>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(correlationId)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            records.Add(new AuditRecord(
                correlationId,
                row.GetDateTimeOffset("At") ?? default,
                row.GetString("Operation") ?? "",
                row.GetString("Target") ?? "",
                row.GetString("Source") ?? "",
                row.GetString("Outcome") ?? ""));
        }
        return records;
    }

    private TableEntity ToEntity(AuditRecord record) =>
        // Ticks order the trail; the process-wide sequence keeps rows of the same tick apart and in order.
        new(TableKeys.Escape(record.CorrelationId), string.Create(CultureInfo.InvariantCulture, $"{record.At.UtcTicks:D19}-{Interlocked.Increment(ref _sequence) % 1_000_000:D6}-{Guid.NewGuid():N}"))
        {
            ["At"] = record.At,
            ["Operation"] = record.Operation,
            ["Target"] = record.Target,
            ["Source"] = record.Source,
            ["Outcome"] = record.Outcome,
        };
}
