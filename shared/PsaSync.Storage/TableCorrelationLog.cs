using System.Collections.Concurrent;
using Azure.Data.Tables;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Storage;

/// <summary>
/// Timelines on Table Storage: partition = correlation id, row = time-ordered key, so one partition query
/// returns a record's whole story in order. A second partition per source record lists its correlation ids.
/// </summary>
public sealed class TableCorrelationLog(TableProvider tables) : ICorrelationLog
{
    private const string RecordIndexPrefix = "record|";
    private const int IndexedPairsRemembered = 50_000;

    // Pairs already indexed by this process: the index row is written once, not on every step.
    private readonly ConcurrentDictionary<string, byte> _indexed = new();
    private long _sequence;

    public async Task AppendAsync(TraceEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Trace, cancellationToken);
        // Ticks order the timeline; the process-wide sequence breaks ties within one tick.
        var rowKey = $"{entry.At.UtcTicks:D19}-{Interlocked.Increment(ref _sequence) % 1_000_000:D6}-{Environment.ProcessId % 100_000:D5}";
        var row = new TableEntity(TableKeys.Escape(entry.CorrelationId), rowKey)
        {
            ["At"] = entry.At,
            ["Domain"] = entry.Domain,
            ["Step"] = entry.Step,
            ["Detail"] = entry.Detail,
        };
        if (entry.Record is not null)
        {
            row["Record"] = entry.Record.ToString();
        }
        await table.AddEntityAsync(row, cancellationToken);

        if (entry.Record is { } record)
        {
            var pair = record + "|" + entry.CorrelationId;
            if (_indexed.Count > IndexedPairsRemembered)
            {
                _indexed.Clear();
            }
            if (_indexed.TryAdd(pair, 0))
            {
                await table.UpsertEntityAsync(new TableEntity(RecordIndexPrefix + TableKeys.Escape(record.ToString()), TableKeys.Escape(entry.CorrelationId))
                {
                    ["CorrelationId"] = entry.CorrelationId,
                }, TableUpdateMode.Replace, cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<TraceEntry>> GetTimelineAsync(string correlationId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Trace, cancellationToken);
        var entries = new List<TraceEntry>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(correlationId)}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var record = row.GetString("Record");
            entries.Add(new TraceEntry(
                correlationId,
                row.GetDateTimeOffset("At") ?? default,
                row.GetString("Domain") ?? "",
                row.GetString("Step") ?? "",
                row.GetString("Detail") ?? "",
                record is null ? null : RecordRef.Parse(record)));
        }
        return entries;
    }

    public async Task<IReadOnlyList<string>> FindCorrelationIdsAsync(RecordRef record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Trace, cancellationToken);
        var ids = new List<string>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {RecordIndexPrefix + TableKeys.Escape(record.ToString())}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            ids.Add(row.GetString("CorrelationId") ?? "");
        }
        return ids;
    }
}
