using Azure;
using Azure.Data.Tables;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableWriteCoalescerTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private readonly TableWriteCoalescer _writes = new();

    private static async Task<List<TableEntity>> RowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            rows.Add(row);
        }
        return rows;
    }

    private static TableTransactionAction Add(string partition, string row, int value = 0) =>
        new(TableTransactionActionType.Add, new TableEntity(partition, row) { ["Value"] = value });

    [Fact]
    public async Task Concurrent_writes_to_a_partition_share_transactions_and_each_caller_gets_its_own_row_back()
    {
        var (tables, counter) = CountingTables();
        var table = await tables.GetAsync("coalesced", Ct);
        var before = counter.Requests;

        var responses = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => _writes.WriteAsync(table, Add("p" + i % 3, $"r{i:D3}", i), Ct)));

        Assert.All(responses, r => Assert.False(string.IsNullOrEmpty(r.Headers.ETag?.ToString())));
        var stored = await RowsAsync(table);
        Assert.Equal(300, stored.Count);
        Assert.All(stored, e => Assert.Equal(int.Parse(e.RowKey[1..]), e.GetInt32("Value")));
        var requests = counter.Requests - before;
        Assert.True(requests <= 30, $"300 writes took {requests} requests");
    }

    [Fact]
    public async Task A_refused_row_fails_only_its_own_caller_and_its_neighbours_are_stored()
    {
        var table = await Tables.GetAsync("coalesced", Ct);
        var existing = await table.AddEntityAsync(new TableEntity("p", "r-taken") { ["Value"] = -1 }, Ct);

        var writes = Enumerable.Range(0, 40).Select(i => _writes.WriteAsync(table, Add("p", $"r{i:D2}", i), Ct)).ToList();
        var taken = _writes.WriteAsync(table, Add("p", "r-taken"), Ct);
        var stale = _writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpdateMerge,
            new TableEntity("p", "r-taken") { ["Value"] = 99 }, new ETag("W/\"datetime'2001-01-01T00%3A00%3A00Z'\"")), Ct);
        await Task.WhenAll(writes);

        Assert.Equal(409, (await Assert.ThrowsAnyAsync<RequestFailedException>(() => taken)).Status);
        Assert.Equal(412, (await Assert.ThrowsAnyAsync<RequestFailedException>(() => stale)).Status);
        Assert.Equal(41, (await RowsAsync(table)).Count);
        Assert.Equal(existing.Headers.ETag, (await table.GetEntityAsync<TableEntity>("p", "r-taken", cancellationToken: Ct)).Value.ETag);
    }

    [Fact]
    public async Task Writes_of_one_row_are_applied_in_the_order_they_were_made_even_when_a_later_flush_finishes_first()
    {
        var stored = await Tables.GetAsync("coalesced", Ct);
        var table = new FirstTransactionHeld(stored);
        Task<Response> Upsert(string row, int value) =>
            _writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", row) { ["Value"] = value }), Ct);

        // The first flush carries the row's first write and is held at the table.
        var first = new[] { Upsert("same", 1), Upsert("a", 0), Upsert("b", 0) };
        await table.Held.Task;
        // Meanwhile the row's second write and a write of another row are made; the other row goes through at once.
        var second = Upsert("same", 2);
        await Upsert("c", 0);
        table.Release.SetResult();
        await Task.WhenAll([.. first, second]);

        Assert.Equal(2, (await stored.GetEntityAsync<TableEntity>("p", "same", cancellationToken: Ct)).Value.GetInt32("Value"));
    }

    /// <summary>A table whose first transaction waits until the test releases it, so that a later flush can overtake it.</summary>
    private sealed class FirstTransactionHeld(TableClient inner) : TableClient
    {
        private int _transactions;

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Uri Uri => inner.Uri;

        public override async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions,
            CancellationToken cancellationToken = default)
        {
            var actions = transactionActions.ToList();
            if (Interlocked.Increment(ref _transactions) == 1)
            {
                Held.SetResult();
                await Release.Task;
            }
            return await inner.SubmitTransactionAsync(actions, cancellationToken);
        }

        public override Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
            inner.UpsertEntityAsync(entity, mode, cancellationToken);
    }
}
