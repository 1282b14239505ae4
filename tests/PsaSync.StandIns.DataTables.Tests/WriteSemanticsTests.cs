using Azure;
using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

public sealed class WriteSemanticsTests(AzuriteFixture azurite) : TableTestBase(azurite)
{
    [Fact]
    public async Task Adding_an_existing_entity_fails_with_409_EntityAlreadyExists()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.AddEntityAsync(new TableEntity("pk", "rk")));

        Assert.Equal(409, error.Status);
        Assert.Equal("EntityAlreadyExists", error.ErrorCode);
    }

    [Fact]
    public async Task Update_with_a_stale_etag_fails_with_412_and_changes_nothing()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["V"] = 1 });
        var original = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;

        original["V"] = 2;
        var updated = await Table.UpdateEntityAsync(original, original.ETag);
        Assert.Equal(204, updated.Status);
        Assert.NotEqual(original.ETag, updated.Headers.ETag);

        original["V"] = 3;
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.UpdateEntityAsync(original, original.ETag, TableUpdateMode.Replace));
        Assert.Equal(412, error.Status);
        Assert.Equal("UpdateConditionNotSatisfied", error.ErrorCode);

        Assert.Equal(2, (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value.GetInt32("V"));
    }

    [Fact]
    public async Task Update_with_ETag_All_is_unconditional_but_needs_an_existing_entity()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["V"] = 1 });
        await Table.UpdateEntityAsync(new TableEntity("pk", "rk") { ["V"] = 2 }, ETag.All);
        Assert.Equal(2, (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value.GetInt32("V"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.UpdateEntityAsync(new TableEntity("pk", "missing"), ETag.All));
        Assert.Equal(404, error.Status);
        Assert.Equal("ResourceNotFound", error.ErrorCode);

        await Assert.ThrowsAsync<ArgumentException>(() => Table.UpdateEntityAsync(new TableEntity("pk", "rk"), default));
    }

    [Fact]
    public async Task Upsert_merge_keeps_unmentioned_properties_and_replace_drops_them()
    {
        await Table.UpsertEntityAsync(new TableEntity("pk", "rk") { ["A"] = "a", ["B"] = "b" });

        await Table.UpsertEntityAsync(new TableEntity("pk", "rk") { ["B"] = "b2", ["C"] = "c" }, TableUpdateMode.Merge);
        var merged = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.Equal(("a", "b2", "c"), (merged.GetString("A"), merged.GetString("B"), merged.GetString("C")));

        await Table.UpsertEntityAsync(new TableEntity("pk", "rk") { ["D"] = "d" }, TableUpdateMode.Replace);
        var replaced = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.Equal("d", replaced.GetString("D"));
        Assert.False(replaced.ContainsKey("A"));
        Assert.False(replaced.ContainsKey("B"));
        Assert.False(replaced.ContainsKey("C"));
    }

    [Fact]
    public async Task Update_merge_and_replace_differ_like_upserts()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["A"] = "a", ["B"] = "b" });

        await Table.UpdateEntityAsync(new TableEntity("pk", "rk") { ["B"] = "b2" }, ETag.All, TableUpdateMode.Merge);
        var merged = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.Equal(("a", "b2"), (merged.GetString("A"), merged.GetString("B")));

        await Table.UpdateEntityAsync(new TableEntity("pk", "rk") { ["B"] = "b3" }, merged.ETag, TableUpdateMode.Replace);
        var replaced = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.False(replaced.ContainsKey("A"));
        Assert.Equal("b3", replaced.GetString("B"));
    }

    [Fact]
    public async Task Upsert_inserts_a_missing_entity()
    {
        var response = await Table.UpsertEntityAsync(new TableEntity("pk", "new") { ["V"] = 1 }, TableUpdateMode.Replace);
        Assert.Equal(204, response.Status);
        Assert.Equal(1, (await Table.GetEntityAsync<TableEntity>("pk", "new")).Value.GetInt32("V"));
    }

    [Fact]
    public async Task Deleting_a_missing_entity_returns_404_without_throwing()
    {
        var response = await Table.DeleteEntityAsync("pk", "missing");

        Assert.Equal(404, response.Status);
        Assert.True(response.IsError);
    }

    [Fact]
    public async Task Delete_honours_the_etag()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "rk") { ["V"] = 1 });
        var first = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        await Table.UpsertEntityAsync(new TableEntity("pk", "rk") { ["V"] = 2 });

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.DeleteEntityAsync("pk", "rk", first.ETag));
        Assert.Equal(412, error.Status);

        var current = (await Table.GetEntityAsync<TableEntity>("pk", "rk")).Value;
        Assert.Equal(204, (await Table.DeleteEntityAsync("pk", "rk", current.ETag)).Status);
        Assert.False((await Table.GetEntityIfExistsAsync<TableEntity>("pk", "rk")).HasValue);
    }

    [Fact]
    public async Task Operations_on_a_missing_table_fail_with_404_TableNotFound()
    {
        var missing = new TableClient(Azurite.Emulator.ConnectionString, UniqueTableName());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => missing.AddEntityAsync(new TableEntity("pk", "rk")));

        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task Errors_carry_no_credentials()
    {
        var error = await Assert.ThrowsAsync<RequestFailedException>(() => Table.GetEntityAsync<TableEntity>("pk", "missing"));

        Assert.DoesNotContain("SharedKey", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Eby8vdM02", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Authorization", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
