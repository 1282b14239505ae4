using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PsaSync.Storage;

namespace PsaSync.Testing;

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}

/// <summary>
/// Per test (xunit makes one instance per test): a unique table prefix, a fake clock (set and advanced by the test) and a
/// <see cref="TableProvider"/> on that prefix; every table with the prefix is deleted after the test.
/// </summary>
[Collection(AzuriteCollection.Name)]
public abstract class AzuriteTestBase : IAsyncLifetime
{
    protected AzuriteTestBase(AzuriteFixture azurite)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        _connectionString = azurite.ConnectionString;
        Service = new TableServiceClient(azurite.ConnectionString);
        TablePrefix = AzuriteFixture.NewTablePrefix();
        Tables = NewTableProvider();
    }

    private readonly string _connectionString;

    protected TableServiceClient Service { get; }

    /// <summary>"t" + 12 hex digits: a valid table name start, unique to this test.</summary>
    protected string TablePrefix { get; }

    protected FakeTimeProvider Clock { get; } = new(TestClock.Start);

    protected TableProvider Tables { get; }

    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>Another provider on the same tables, as a second process (or a restarted one) would have.</summary>
    protected TableProvider NewTableProvider() =>
        new(Service, Options.Create(new TableStorageOptions { TablePrefix = TablePrefix }));

    /// <summary>A provider on the same tables whose requests are counted: one per single operation, one per transaction.</summary>
    protected (TableProvider Tables, RequestCounter Counter) CountingTables()
    {
        var counter = new RequestCounter();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerCall);
        return (new TableProvider(new TableServiceClient(_connectionString, options), Options.Create(new TableStorageOptions { TablePrefix = TablePrefix })), counter);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => TestTables.DeleteAllWithPrefixAsync(Service, TablePrefix);
}

/// <summary>Counts the requests a client sends.</summary>
public sealed class RequestCounter : HttpPipelinePolicy
{
    private int _requests;

    public int Requests => _requests;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _requests);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _requests);
        return ProcessNextAsync(message, pipeline);
    }
}

public static class TestTables
{
    /// <summary>Deletes every table whose name starts with <paramref name="prefix"/> (letters and digits only).</summary>
    public static async Task DeleteAllWithPrefixAsync(TableServiceClient service, string prefix)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException("A table prefix has letters and digits only.", nameof(prefix));
        }

        string filter = $"TableName ge '{prefix}' and TableName lt '{TableKeys.PrefixUpperBound(prefix)}'";
        var names = new List<string>();
        await foreach (var table in service.QueryAsync(filter))
        {
            names.Add(table.Name);
        }

        foreach (var name in names)
        {
            await service.DeleteTableAsync(name);
        }
    }
}
