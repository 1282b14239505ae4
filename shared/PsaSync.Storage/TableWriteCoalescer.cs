using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace PsaSync.Storage;

/// <summary>
/// Group commit for single-entity writes. Handlers write one row at a time (a dedupe claim, a timeline step), and a
/// month-end burst runs many handlers at once; writes to the same table that arrive while earlier ones are in flight
/// are sent together, one entity-group transaction per partition. Each caller still gets its own outcome: the response
/// of its row, or the <see cref="RequestFailedException"/> a single write would have thrown (409 for an existing
/// row on add, 412 for a stale ETag), because a transaction that fails is retried row by row. A caller's write is
/// durable when its task completes, exactly as with a direct call; only the number of requests changes. Writes to the
/// same row are applied in the order they were made: a row's next write waits until its previous one has finished,
/// whichever flush carries it.
/// </summary>
public sealed class TableWriteCoalescer(int maxFlushesInFlight = 4, int maxRequestsInFlight = 8)
{
    private const int MaxWritesPerFlush = 1_000;

    private readonly ConcurrentDictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Writes the action's row; completes when it is stored, with the row's own response.</summary>
    public Task<Response> WriteAsync(TableClient table, TableTransactionAction action, CancellationToken cancellationToken)
    {
        var lane = _lanes.GetOrAdd(table.Uri.AbsoluteUri, _ => new Lane(table, maxRequestsInFlight));
        var write = new PendingWrite(action, new TaskCompletionSource<Response>(TaskCreationOptions.RunContinuationsAsynchronously));
        var row = (action.Entity.PartitionKey, action.Entity.RowKey);
        Task? previous;
        lock (lane.LastWriteOfRow)
        {
            lane.LastWriteOfRow.TryGetValue(row, out previous);
            lane.LastWriteOfRow[row] = write.Done.Task;
        }
        if (previous is null)
        {
            Enqueue(lane, write);
        }
        else
        {
            // Concurrent flushes could otherwise apply a row's later write first.
            previous.ContinueWith(_ => Enqueue(lane, write), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        write.Done.Task.ContinueWith(_ => Forget(lane, row, write.Done.Task), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return write.Done.Task.WaitAsync(cancellationToken);
    }

    private void Enqueue(Lane lane, PendingWrite write)
    {
        lane.Queue.Enqueue(write);
        TryStartFlush(lane);
    }

    /// <summary>Drops the row's entry once its last write has finished, so the map holds only rows being written.</summary>
    private static void Forget(Lane lane, (string, string) row, Task finished)
    {
        lock (lane.LastWriteOfRow)
        {
            if (lane.LastWriteOfRow.TryGetValue(row, out var last) && last == finished)
            {
                lane.LastWriteOfRow.Remove(row);
            }
        }
    }

    /// <summary>Starts a flush unless enough are in flight; a finishing flush starts the next one if writes wait.</summary>
    private void TryStartFlush(Lane lane)
    {
        if (Interlocked.Increment(ref lane.FlushesInFlight) > maxFlushesInFlight)
        {
            Interlocked.Decrement(ref lane.FlushesInFlight);
            return;
        }
        _ = Task.Run(() => FlushAsync(lane));
    }

    private async Task FlushAsync(Lane lane)
    {
        try
        {
            var writes = new List<PendingWrite>();
            while (writes.Count < MaxWritesPerFlush && lane.Queue.TryDequeue(out var write))
            {
                writes.Add(write);
            }
            await Task.WhenAll(writes.GroupBy(w => w.Action.Entity.PartitionKey, StringComparer.Ordinal)
                .Select(partition => WritePartitionAsync(lane, [.. partition])));
        }
        finally
        {
            Interlocked.Decrement(ref lane.FlushesInFlight);
            if (!lane.Queue.IsEmpty)
            {
                TryStartFlush(lane);
            }
        }
    }

    /// <summary>One partition's writes in transactions of up to 100 (each row at most once: its next write waits for this one).</summary>
    private static async Task WritePartitionAsync(Lane lane, List<PendingWrite> writes)
    {
        foreach (var chunk in writes.Chunk(TableBatches.MaxRows))
        {
            await SubmitAsync(lane, [.. chunk]);
        }
    }

    /// <summary>Sends one chunk, as few requests to the table at a time as the lane allows: writes wait and group meanwhile.</summary>
    private static async Task SubmitAsync(Lane lane, List<PendingWrite> chunk)
    {
        await lane.Requests.WaitAsync();
        try
        {
            await SubmitNowAsync(lane.Table, chunk);
        }
        finally
        {
            lane.Requests.Release();
        }
    }

    private static async Task SubmitNowAsync(TableClient table, List<PendingWrite> chunk)
    {
        if (chunk.Count > 1)
        {
            IReadOnlyList<Response>? responses = null;
            try
            {
                responses = (await EntityGroupTransaction.SubmitAsync(table, chunk.Select(w => w.Action), CancellationToken.None)).Value;
            }
            catch (Exception)
            {
                // Nothing of the transaction was stored (a refused row fails all of it): each write on its own
                // gets its own answer below.
            }
            if (responses is not null)
            {
                for (var i = 0; i < chunk.Count; i++)
                {
                    chunk[i].Done.TrySetResult(responses[i]);
                }
                return;
            }
        }
        foreach (var write in chunk)
        {
            try
            {
                write.Done.TrySetResult(await WriteOneAsync(table, write.Action));
            }
            catch (Exception ex)
            {
                write.Done.TrySetException(ex);
            }
        }
    }

    private static Task<Response> WriteOneAsync(TableClient table, TableTransactionAction action)
    {
        var entity = action.Entity;
        var ifMatch = action.ETag == default ? ETag.All : action.ETag;
        return action.ActionType switch
        {
            TableTransactionActionType.Add => table.AddEntityAsync(entity, CancellationToken.None),
            TableTransactionActionType.UpsertMerge => table.UpsertEntityAsync(entity, TableUpdateMode.Merge, CancellationToken.None),
            TableTransactionActionType.UpsertReplace => table.UpsertEntityAsync(entity, TableUpdateMode.Replace, CancellationToken.None),
            TableTransactionActionType.UpdateMerge => table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Merge, CancellationToken.None),
            TableTransactionActionType.UpdateReplace => table.UpdateEntityAsync(entity, ifMatch, TableUpdateMode.Replace, CancellationToken.None),
            TableTransactionActionType.Delete => table.DeleteEntityAsync(entity.PartitionKey, entity.RowKey, ifMatch, CancellationToken.None),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.ActionType, "Unknown table action."),
        };
    }

    private sealed record PendingWrite(TableTransactionAction Action, TaskCompletionSource<Response> Done);

    /// <summary>The writes waiting for one table, the rows being written, how many flushes of it are in flight, and its request slots.</summary>
    private sealed class Lane(TableClient table, int maxRequestsInFlight)
    {
        public TableClient Table { get; } = table;

        public SemaphoreSlim Requests { get; } = new(maxRequestsInFlight, maxRequestsInFlight);

        public ConcurrentQueue<PendingWrite> Queue { get; } = new();

        /// <summary>The last write made to each row whose writes have not all finished.</summary>
        public Dictionary<(string PartitionKey, string RowKey), Task> LastWriteOfRow { get; } = [];

        public int FlushesInFlight;
    }
}
