using Azure.Data.Tables;
using PsaSync.Core.CrossReference;

namespace PsaSync.Storage;

/// <summary>
/// Cross-system ids on Table Storage: one row per (kind, system, id) holding the entity's ids in every system,
/// so a lookup from any side is a single point read.
/// </summary>
public sealed class TableCrossReferenceMap(TableProvider tables) : ICrossReferenceMap
{
    public async Task LinkAsync(string kind, string system, string id, string otherSystem, string otherId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CrossReference, cancellationToken);
        // Merge keeps ids learned from other links (a customer known in CRM, ERP and PSA).
        await table.UpsertEntityAsync(Row(kind, system, id, otherSystem, otherId), TableUpdateMode.Merge, cancellationToken);
        await table.UpsertEntityAsync(Row(kind, otherSystem, otherId, system, id), TableUpdateMode.Merge, cancellationToken);
    }

    public async Task<CrossReference?> FindAsync(string kind, string system, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.CrossReference, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(kind, system), TableKeys.Escape(id), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is null)
        {
            return null;
        }
        var ids = row.Value
            .Where(p => p.Key.StartsWith("Id_", StringComparison.Ordinal) && p.Value is string)
            .ToDictionary(p => p.Key["Id_".Length..], p => (string)p.Value);
        return new CrossReference(kind, ids);
    }

    private static TableEntity Row(string kind, string system, string id, string otherSystem, string otherId) =>
        new(PartitionOf(kind, system), TableKeys.Escape(id))
        {
            ["Id_" + system] = id,
            ["Id_" + otherSystem] = otherId,
        };

    private static string PartitionOf(string kind, string system) => $"{kind}|{system}";
}
