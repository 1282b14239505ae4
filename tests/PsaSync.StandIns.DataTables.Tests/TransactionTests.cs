using Azure;
using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

public sealed class TransactionTests(AzuriteFixture azurite) : TableTestBase(azurite)
{
    [Fact]
    public async Task A_transaction_of_100_actions_commits()
    {
        var actions = Enumerable.Range(0, 100)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", $"r{i:D3}") { ["N"] = i, ["Big"] = (long)i << 33 }))
            .ToList();

        var response = await Table.SubmitTransactionAsync(actions);

        Assert.Equal(202, response.GetRawResponse().Status);
        Assert.Equal(100, response.Value.Count);
        Assert.All(response.Value, r => Assert.Equal(204, r.Status));
        Assert.All(response.Value, r => Assert.True(r.Headers.ETag.HasValue));
        var stored = await QueryAllAsync<TableEntity>();
        Assert.Equal(100, stored.Count);
        Assert.Equal(99L << 33, stored.Single(e => e.RowKey == "r099").GetInt64("Big"));
    }

    [Fact]
    public async Task A_transaction_mixing_every_action_type_commits()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "merge") { ["A"] = "a", ["B"] = "b" });
        await Table.AddEntityAsync(new TableEntity("pk", "replace") { ["A"] = "a" });
        await Table.AddEntityAsync(new TableEntity("pk", "delete"));
        await Table.AddEntityAsync(new TableEntity("pk", "upsertmerge") { ["A"] = "a" });
        var replaceETag = (await Table.GetEntityAsync<TableEntity>("pk", "replace")).Value.ETag;

        await Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "add") { ["A"] = "new" }),
            new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity("pk", "merge") { ["B"] = "b2" }),
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("pk", "replace") { ["C"] = "c" }, replaceETag),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("pk", "delete")),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("pk", "upsertmerge") { ["B"] = "b" }),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("pk", "upsertreplace") { ["Z"] = "z" }),
        ]);

        var stored = (await QueryAllAsync<TableEntity>()).ToDictionary(e => e.RowKey);
        Assert.Equal("new", stored["add"].GetString("A"));
        Assert.Equal(("a", "b2"), (stored["merge"].GetString("A"), stored["merge"].GetString("B")));
        Assert.False(stored["replace"].ContainsKey("A"));
        Assert.Equal("c", stored["replace"].GetString("C"));
        Assert.False(stored.ContainsKey("delete"));
        Assert.Equal(("a", "b"), (stored["upsertmerge"].GetString("A"), stored["upsertmerge"].GetString("B")));
        Assert.Equal("z", stored["upsertreplace"].GetString("Z"));
    }

    [Fact]
    public async Task A_conflict_in_the_third_action_fails_the_whole_transaction_with_its_index()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "c"));

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "a")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "b")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "c")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "d")),
        ]));

        Assert.Equal(2, error.FailedTransactionActionIndex);
        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
        Assert.IsAssignableFrom<RequestFailedException>(error);
        Assert.Equal(["c"], (await QueryAllAsync<TableEntity>()).Select(e => e.RowKey));
    }

    [Fact]
    public async Task A_stale_etag_in_a_transaction_fails_it_with_412()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "a") { ["V"] = 1 });
        var stale = (await Table.GetEntityAsync<TableEntity>("pk", "a")).Value.ETag;
        await Table.UpsertEntityAsync(new TableEntity("pk", "a") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "b")),
            new TableTransactionAction(TableTransactionActionType.UpdateReplace, new TableEntity("pk", "a") { ["V"] = 3 }, stale),
        ]));

        Assert.Equal(412, error.Status);
        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.Equal(["a"], (await QueryAllAsync<TableEntity>()).Select(e => e.RowKey));
    }

    [Fact]
    public async Task Deleting_a_missing_entity_fails_the_transaction_with_404()
    {
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "a")),
            new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity("pk", "missing")),
        ]));

        Assert.Equal(404, error.Status);
        Assert.Equal(1, error.FailedTransactionActionIndex);
        Assert.Empty(await QueryAllAsync<TableEntity>());
    }

    [Fact]
    public async Task Transactions_the_service_would_reject_fail_before_sending()
    {
        var tooMany = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", $"r{i}")));
        var error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(tooMany));
        Assert.Equal(400, error.Status);

        error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "a")),
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("other", "b")),
        ]));
        Assert.Equal("CommandsInBatchActOnDifferentPartitions", error.ErrorCode);
        Assert.Equal(1, error.FailedTransactionActionIndex);

        error = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("pk", "a")),
            new TableTransactionAction(TableTransactionActionType.UpsertMerge, new TableEntity("pk", "a")),
        ]));
        Assert.Equal("InvalidDuplicateRow", error.ErrorCode);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Table.SubmitTransactionAsync([]));
        Assert.Empty(await QueryAllAsync<TableEntity>());
    }
}
