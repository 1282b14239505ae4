using System.Collections.Concurrent;
using System.Globalization;
using Azure.Data.Tables;
using PsaSync.Core.Model;
using PsaSync.Core.Tracing;

namespace PsaSync.Storage;

/// <summary>
/// Timelines on Table Storage. Partition = one of 256 hash buckets of the correlation id, row = the id and a
/// time-ordered key, so one range query returns a record's whole story in order, and the steps of many records
/// written at the same time (many handlers at once, a cost posting job's thousands) meet in partitions and go
/// in entity-group transactions through the group commit.
/// An index in the same table lists, per source record, the correlation ids it was seen under.
/// </summary>
public sealed class TableCorrelationLog(TableProvider tables) : ICorrelationLog
{
    private const string TimelinePrefix = "timeline|";
    private const string RecordIndexPrefix = "record|";
    private const int IndexedPairsRemembered = 50_000;

    // Pairs already indexed by this process: the index row is written once, not on every step.
    private readonly ConcurrentDictionary<string, byte> _indexed = new();
    private long _sequence;

    public Task AppendAsync(TraceEntry entry, CancellationToken cancellationToken) =>
        AppendRangeAsync([entry], cancellationToken);

    public async Task AppendRangeAsync(IReadOnlyList<TraceEntry> entries, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Trace, cancellationToken);
        var index = entries.SelectMany(NewIndexRows).ToList();
        try
        {
            // Upserts, not adds: a transaction the SDK retries after a lost response must not fail on its own rows.
            await Task.WhenAll(entries.Select(ToRow).Concat(index.Select(i => i.Row))
                .Select(row => tables.Writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpsertReplace, row), cancellationToken)));
        }
        catch
        {
            // Not known to be written: the next step of the same record writes them again.
            foreach (var (pair, _) in index)
            {
                _indexed.TryRemove(pair, out _);
            }
            throw;
        }
    }

    public async Task<IReadOnlyList<TraceEntry>> GetTimelineAsync(string correlationId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Trace, cancellationToken);
        var entries = new List<TraceEntry>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableKeys.IdRangeFilter(TimelinePartitionOf(correlationId), correlationId), cancellationToken: cancellationToken))
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
        var key = record.ToString();
        await foreach (var row in table.QueryAsync<TableEntity>(TableKeys.IdRangeFilter(IndexPartitionOf(key), key), cancellationToken: cancellationToken))
        {
            ids.Add(row.GetString("CorrelationId") ?? "");
        }
        return ids;
    }

    private TableEntity ToRow(TraceEntry entry)
    {
        // Ticks order the timeline; the process-wide sequence breaks ties within one tick.
        var order = string.Create(CultureInfo.InvariantCulture, $"{entry.At.UtcTicks:D19}-{Interlocked.Increment(ref _sequence) % 1_000_000:D6}-{Environment.ProcessId % 100_000:D5}");
        var row = new TableEntity(TimelinePartitionOf(entry.CorrelationId), TableKeys.IdRowKey(entry.CorrelationId, order))
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
        return row;
    }

    /// <summary>The index row for the entry's record and correlation id, unless this process wrote it already.</summary>
    private IEnumerable<(string Pair, TableEntity Row)> NewIndexRows(TraceEntry entry)
    {
        if (entry.Record is null)
        {
            yield break;
        }
        var record = entry.Record.ToString();
        if (_indexed.Count > IndexedPairsRemembered)
        {
            _indexed.Clear();
        }
        var pair = record + "|" + entry.CorrelationId;
        if (_indexed.TryAdd(pair, 0))
        {
            yield return (pair, new TableEntity(IndexPartitionOf(record), TableKeys.IdRowKey(record, TableKeys.Escape(entry.CorrelationId)))
            {
                ["CorrelationId"] = entry.CorrelationId,
            });
        }
    }

    private static string TimelinePartitionOf(string correlationId) => TimelinePrefix + TableKeys.HashBucket(correlationId);

    private static string IndexPartitionOf(string record) => RecordIndexPrefix + TableKeys.HashBucket(record);
}
