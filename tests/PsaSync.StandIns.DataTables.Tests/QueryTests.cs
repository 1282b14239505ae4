using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

public sealed class QueryTests(AzuriteFixture azurite) : TableTestBase(azurite)
{
    [Fact]
    public async Task Filter_built_with_CreateQueryFilter_matches_a_string_containing_a_quote()
    {
        await Table.AddEntityAsync(new TableEntity("pk", "1") { ["Name"] = "O'Brien" });
        await Table.AddEntityAsync(new TableEntity("pk", "2") { ["Name"] = "OBrien" });
        await Table.AddEntityAsync(new TableEntity("other", "3") { ["Name"] = "O'Brien" });

        var name = "O'Brien";
        var results = await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"pk"} and Name eq {name}"));

        var only = Assert.Single(results);
        Assert.Equal("1", only.RowKey);
    }

    [Fact]
    public async Task Filter_on_typed_values_uses_their_literal_forms()
    {
        var moment = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var id = Guid.NewGuid();
        for (var i = 0; i < 5; i++)
        {
            await Table.AddEntityAsync(new TableEntity("pk", i.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                ["Big"] = 10_000_000_000L + i,
                ["When"] = moment.AddDays(i),
                ["Id"] = i == 3 ? id : Guid.Empty,
                ["Flag"] = i % 2 == 0,
                ["Ratio"] = i / 2.0,
            });
        }

        Assert.Equal(["3", "4"], (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"Big ge {10_000_000_003L}"))).Select(e => e.RowKey));
        Assert.Equal(["0", "1"], (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"When lt {moment.AddDays(2)}"))).Select(e => e.RowKey));
        Assert.Equal(["3"], (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"Id eq {id}"))).Select(e => e.RowKey));
        Assert.Equal(["0", "2", "4"], (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"Flag eq {true}"))).Select(e => e.RowKey));
        Assert.Equal(["4"], (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"Ratio gt {1.5}"))).Select(e => e.RowKey));
    }

    [Fact]
    public async Task Query_follows_continuation_across_pages()
    {
        // 150 entities in two partitions, 20 per page: the continuation carries both keys.
        for (var batch = 0; batch < 3; batch++)
        {
            var partition = batch < 2 ? "a" : "b";
            var actions = Enumerable.Range(batch * 50, 50)
                .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)) { ["N"] = i }));
            await Table.SubmitTransactionAsync(actions);
        }

        var pages = new List<int>();
        var seen = new List<int>();
        await foreach (var page in Table.QueryAsync<TableEntity>(maxPerPage: 20).AsPages())
        {
            pages.Add(page.Values.Count);
            seen.AddRange(page.Values.Select(e => e.GetInt32("N")!.Value));
        }

        Assert.Equal(Enumerable.Range(0, 150), seen.Order());
        Assert.True(pages.Count >= 8, $"expected at least 8 pages, got {pages.Count}");
        Assert.All(pages, count => Assert.InRange(count, 0, 20));

        Assert.Equal(150, (await QueryAllAsync<TableEntity>(maxPerPage: 20)).Count);
        Assert.Equal(50, (await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"b"}"), maxPerPage: 7)).Count);
    }

    [Fact]
    public async Task Query_without_page_size_returns_more_than_the_service_page_of_1000()
    {
        for (var batch = 0; batch < 11; batch++)
        {
            var actions = Enumerable.Range(batch * 100, 100)
                .Select(i => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity("p", i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture))));
            await Table.SubmitTransactionAsync(actions);
        }

        var pageCount = 0;
        await foreach (var page in Table.QueryAsync<TableEntity>().AsPages())
        {
            pageCount++;
            Assert.InRange(page.Values.Count, 0, 1000);
        }

        Assert.True(pageCount >= 2);
        Assert.Equal(1100, (await QueryAllAsync<TableEntity>()).Count);
    }

    [Fact]
    public async Task Query_maps_to_pocos_and_selects_columns()
    {
        await Table.AddEntityAsync(new EntityRoundTripTests.Everything { PartitionKey = "pk", RowKey = "1", Text = "one", Int32 = 1 });
        await Table.AddEntityAsync(new EntityRoundTripTests.Everything { PartitionKey = "pk", RowKey = "2", Text = "two", Int32 = 2 });

        var all = await QueryAllAsync<EntityRoundTripTests.Everything>(TableClient.CreateQueryFilter($"Int32 gt {1}"));
        Assert.Equal("two", Assert.Single(all).Text);

        var selected = new List<TableEntity>();
        await foreach (var entity in Table.QueryAsync<TableEntity>(select: ["Text"]))
        {
            selected.Add(entity);
        }

        Assert.Equal(2, selected.Count);
        Assert.All(selected, e => Assert.False(e.ContainsKey("Int32")));
    }

    [Fact]
    public async Task Query_with_no_match_yields_nothing()
    {
        Assert.Empty(await QueryAllAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"nothing"}")));
    }
}
