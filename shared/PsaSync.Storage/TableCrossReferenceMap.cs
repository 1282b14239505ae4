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
        // Every row of the entity gets every id known on either side, so links made in a chain
        // (CRM → ERP, then ERP → PSA) can be followed from any system in one read.
        var ids = new Dictionary<string, string> { [system] = id, [otherSystem] = otherId };
        foreach (var known in new[] { await FindAsync(kind, system, id, cancellationToken), await FindAsync(kind, otherSystem, otherId, cancellationToken) })
        {
            foreach (var (knownSystem, knownId) in known?.IdsBySystem ?? new Dictionary<string, string>())
            {
                ids.TryAdd(knownSystem, knownId);
            }
        }
        foreach (var (rowSystem, rowId) in ids)
        {
            var row = new TableEntity(PartitionOf(kind, rowSystem), TableKeys.Escape(rowId));
            foreach (var (idSystem, value) in ids)
            {
                row["Id_" + idSystem] = value;
            }
            await table.UpsertEntityAsync(row, TableUpdateMode.Merge, cancellationToken);
        }
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

    private static string PartitionOf(string kind, string system) => $"{kind}|{system}";
}
