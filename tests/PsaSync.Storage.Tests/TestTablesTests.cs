using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

/// <summary>The cleanup every test relies on: it deletes the test's tables and nobody else's.</summary>
public sealed class TestTablesTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    [Fact]
    public async Task Deletes_every_table_with_the_prefix_and_no_other()
    {
        var longer = TablePrefix + "x";          // shares the prefix: belongs to this test too
        var neighbour = TablePrefix[..^1] + "z"; // differs in the prefix's last character: someone else's
        try
        {
            await Tables.GetAsync(TableSuffixes.Dedupe, Ct);
            await Tables.GetAsync(TableSuffixes.Trace, Ct);
            await Service.CreateTableIfNotExistsAsync(longer, Ct);
            await Service.CreateTableIfNotExistsAsync(neighbour, Ct);
            Assert.Equal(3, (await NamesStartingWith(TablePrefix)).Count);

            await TestTables.DeleteAllWithPrefixAsync(Service, TablePrefix);

            Assert.Empty(await NamesStartingWith(TablePrefix));
            Assert.Equal([neighbour], await NamesStartingWith(neighbour));
        }
        finally
        {
            await Service.DeleteTableAsync(neighbour, Ct);
        }
    }

    private async Task<List<string>> NamesStartingWith(string prefix)
    {
        var names = new List<string>();
        string? all = null;
        await foreach (var table in Service.QueryAsync(all))
        {
            if (table.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                names.Add(table.Name);
            }
        }
        return names;
    }
}
