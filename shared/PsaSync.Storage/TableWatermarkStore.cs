using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Watermarks;

namespace PsaSync.Storage;

/// <summary>Watermarks on Table Storage, advanced only with the ETag that was read (or by insert for the first one).</summary>
public sealed class TableWatermarkStore(TableProvider tables) : IWatermarkStore
{
    private const string Partition = "watermark";

    public async Task<Watermark?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Watermarks, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, TableKeys.Escape(name), cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } entity ? new Watermark(name, entity.GetString("Value") ?? "", entity.ETag.ToString()) : null;
    }

    public async Task<bool> TryAdvanceAsync(string name, string value, Watermark? expected, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Watermarks, cancellationToken);
        var entity = new TableEntity(Partition, TableKeys.Escape(name)) { ["Value"] = value };
        try
        {
            if (expected is null)
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(entity, new ETag(expected.Version), TableUpdateMode.Replace, cancellationToken);
            }
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
