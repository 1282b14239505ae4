using Azure.Data.Tables;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

/// <summary>
/// The guard in front of every entity-group transaction: it refuses what Azure Table Storage refuses, including a
/// batch across partitions that Azurite would accept, so these store tests cannot pass on a batch Azure rejects.
/// </summary>
public sealed class EntityGroupTransactionTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static TableTransactionAction Upsert(string partition, string row) =>
        new(TableTransactionActionType.UpsertReplace, new TableEntity(partition, row) { ["Value"] = row });

    [Fact]
    public void A_batch_of_100_rows_of_one_partition_is_accepted()
    {
        EntityGroupTransaction.Validate([.. Enumerable.Range(0, 100).Select(i => Upsert("p", $"r{i:D3}"))]);
    }

    [Fact]
    public void More_than_100_actions_are_refused()
    {
        var batch = Enumerable.Range(0, 101).Select(i => Upsert("p", $"r{i:D3}")).ToList();

        var refused = Assert.Throws<InvalidEntityGroupTransactionException>(() => EntityGroupTransaction.Validate(batch));
        Assert.Contains("101", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rows_of_two_partitions_are_refused()
    {
        var refused = Assert.Throws<InvalidEntityGroupTransactionException>(() => EntityGroupTransaction.Validate([Upsert("p1", "r1"), Upsert("p2", "r2")]));
        Assert.Contains("2", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_row_twice_is_refused_even_with_different_actions()
    {
        TableTransactionAction[] batch = [Upsert("p", "r1"), Upsert("p", "r2"), new(TableTransactionActionType.Delete, new TableEntity("p", "r1"))];

        var refused = Assert.Throws<InvalidEntityGroupTransactionException>(() => EntityGroupTransaction.Validate(batch));
        Assert.Contains("'r1'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Partition_and_row_keys_are_compared_as_Azure_does_case_sensitively()
    {
        EntityGroupTransaction.Validate([Upsert("p", "row"), Upsert("p", "ROW")]);
        Assert.Throws<InvalidEntityGroupTransactionException>(() => EntityGroupTransaction.Validate([Upsert("p", "r1"), Upsert("P", "r2")]));
    }

    [Fact]
    public async Task A_cross_partition_batch_Azurite_would_take_is_refused_before_it_is_sent_and_nothing_is_stored()
    {
        var table = await Tables.GetAsync("guard", Ct);

        await Assert.ThrowsAsync<InvalidEntityGroupTransactionException>(() => EntityGroupTransaction.SubmitAsync(table, [Upsert("p1", "r1"), Upsert("p2", "r2")], Ct));

        Assert.Empty(await RowKeysAsync(table));
    }

    [Fact]
    public async Task A_valid_batch_is_submitted_in_one_transaction()
    {
        var table = await Tables.GetAsync("guard", Ct);

        var response = await EntityGroupTransaction.SubmitAsync(table, [Upsert("p", "r1"), Upsert("p", "r2")], Ct);

        Assert.Equal(2, response.Value.Count);
        Assert.Equal(["r1", "r2"], await RowKeysAsync(table));
    }

    [Fact]
    public async Task Upserting_a_row_twice_in_one_call_writes_its_last_value_in_valid_transactions()
    {
        var table = await Tables.GetAsync("guard", Ct);
        TableEntity[] rows = [new("p", "r1") { ["Value"] = "first" }, new("p", "r2") { ["Value"] = "only" }, new("p", "r1") { ["Value"] = "last" }];

        Assert.Equal(1, await TableBatches.UpsertAllAsync(table, rows, Ct));

        Assert.Equal("last", (await table.GetEntityAsync<TableEntity>("p", "r1", cancellationToken: Ct)).Value.GetString("Value"));
        Assert.Equal(["r1", "r2"], await RowKeysAsync(table));
    }

    private static async Task<List<string>> RowKeysAsync(TableClient table)
    {
        var keys = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(cancellationToken: Ct))
        {
            keys.Add(entity.RowKey);
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }
}

/// <summary>No store sends an entity-group transaction around the guard.</summary>
public sealed class EntityGroupTransactionUseTests
{
    [Fact]
    public void Every_transaction_in_the_shared_code_goes_through_the_guard()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PsaSync.sln")))
        {
            root = root.Parent;
        }
        Assert.NotNull(root);
        var shared = Path.Combine(root.FullName, "shared");

        var direct = Directory.EnumerateFiles(shared, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Where(f => Path.GetFileName(f) != "EntityGroupTransaction.cs")
            .Where(f => File.ReadAllText(f).Contains(".SubmitTransactionAsync(", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root.FullName, f))
            .ToList();

        Assert.True(direct.Count == 0, "Submit through EntityGroupTransaction.SubmitAsync instead: " + string.Join(", ", direct));
    }
}
