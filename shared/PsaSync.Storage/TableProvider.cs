using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace PsaSync.Storage;

/// <summary>Hands out one client per table and creates each table once, on first use; and the group commit for writes.</summary>
public sealed class TableProvider(TableServiceClient service, IOptions<TableStorageOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new();

    public TableStorageOptions Options => options.Value;

    /// <summary>Single-row writes of hot paths go through here, so that concurrent ones share transactions.</summary>
    public TableWriteCoalescer Writes { get; } = new();

    public async Task<TableClient> GetAsync(string suffix, CancellationToken cancellationToken)
    {
        var table = _tables.GetOrAdd(suffix, s => new Lazy<Task<TableClient>>(() => CreateAsync(options.Value.TableName(s))));
        try
        {
            return await table.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (table.Value.IsFaulted)
        {
            // Storage was not reachable yet: forget the failed attempt so the next call tries again.
            _tables.TryRemove(new KeyValuePair<string, Lazy<Task<TableClient>>>(suffix, table));
            throw;
        }
    }

    private async Task<TableClient> CreateAsync(string tableName)
    {
        var client = service.GetTableClient(tableName);
        await client.CreateIfNotExistsAsync(CancellationToken.None);
        return client;
    }
}
