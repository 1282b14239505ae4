using Azure.Data.Tables;

namespace PsaSync.StandIns.DataTables.Tests;

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// Gives each test its own freshly created table (xunit makes one instance per test) and deletes it after.
/// </summary>
[Collection(AzuriteCollection.Name)]
public abstract class TableTestBase : IAsyncLifetime
{
    protected TableTestBase(AzuriteFixture azurite)
    {
        Azurite = azurite;
        Table = new TableClient(azurite.Emulator.ConnectionString, UniqueTableName());
    }

    protected AzuriteFixture Azurite { get; }

    protected TableClient Table { get; }

    /// <summary>Table names: letters and digits, starting with a letter, at most 63 characters.</summary>
    public static string UniqueTableName() => "t" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync() => await Table.CreateIfNotExistsAsync();

    public async Task DisposeAsync() => await Table.DeleteAsync();

    protected async Task<List<T>> QueryAllAsync<T>(string? filter = null, int? maxPerPage = null)
        where T : class, ITableEntity
    {
        var results = new List<T>();
        await foreach (var entity in Table.QueryAsync<T>(filter, maxPerPage))
        {
            results.Add(entity);
        }

        return results;
    }
}
