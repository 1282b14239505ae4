using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Ingress;

namespace PsaSync.Storage;

/// <summary>
/// Seen webhook signatures on Table Storage (table <c>signatures</c>): one row per source and signature, inserted if
/// absent, so two instances that receive the same signed request at once cannot both accept it. Rows carry
/// <c>ExpiresAt</c>; an expired row is taken over. Expired rows are not deleted by PsaSync (see docs/operations.md).
/// </summary>
public sealed class TableSeenSignatures(TableProvider tables, TimeProvider clock) : ISeenSignatures
{
    private const string Pending = "Pending";
    private const string Accepted = "Accepted";

    public async Task<SignatureSighting> ClaimAsync(string source, string signature, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Signatures, cancellationToken);
        var (partition, row) = KeysOf(source, signature);
        var fresh = new TableEntity(partition, row) { ["Source"] = source, ["State"] = Pending, ["ExpiresAt"] = expiresAt };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await table.AddEntityAsync(fresh, cancellationToken);
                return SignatureSighting.First;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
            }
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
            if (!existing.HasValue || existing.Value is not { } seen)
            {
                continue; // forgotten meanwhile: try the insert again
            }
            if (seen.GetDateTimeOffset("ExpiresAt") > clock.GetUtcNow())
            {
                return seen.GetString("State") == Accepted ? SignatureSighting.SeenAccepted : SignatureSighting.SeenPending;
            }
            try
            {
                await table.UpdateEntityAsync(fresh, seen.ETag, TableUpdateMode.Replace, cancellationToken);
                return SignatureSighting.First;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
            }
        }
        return SignatureSighting.SeenPending;
    }

    public async Task MarkAcceptedAsync(string source, string signature, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Signatures, cancellationToken);
        var (partition, row) = KeysOf(source, signature);
        await table.UpdateEntityAsync(new TableEntity(partition, row) { ["State"] = Accepted }, ETag.All, TableUpdateMode.Merge, cancellationToken);
    }

    public async Task ForgetAsync(string source, string signature, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Signatures, cancellationToken);
        var (partition, row) = KeysOf(source, signature);
        await table.DeleteEntityAsync(partition, row, ETag.All, cancellationToken);
    }

    /// <summary>A signature is hex; its case is not part of it.</summary>
    private static (string Partition, string Row) KeysOf(string source, string signature)
    {
        var id = source.ToLowerInvariant() + "|" + signature.Trim().ToLowerInvariant();
        return (TableKeys.HashBucket(id), TableKeys.Escape(id));
    }
}
