using Azure.Data.Tables;

namespace PsaSync.Storage;

/// <summary>
/// Every entity-group transaction PsaSync sends goes through here. Azure Table Storage refuses a batch with more than
/// 100 actions, with rows of more than one partition, or with the same row twice; Azurite accepts some of those (a
/// batch across two partitions), so a store that only ever ran against Azurite could ship a batch Azure rejects.
/// The guard refuses such a batch before it is sent, with the same outcome on both: nothing of it is stored.
/// </summary>
public static class EntityGroupTransaction
{
    /// <summary>The most actions Azure accepts in one entity-group transaction.</summary>
    public const int MaxActions = TableBatches.MaxRows;

    /// <summary>Checks the batch as Azure would, then submits it.</summary>
    /// <exception cref="InvalidEntityGroupTransactionException">The batch breaks a rule Azure enforces; nothing was sent.</exception>
    public static Task<Azure.Response<IReadOnlyList<Azure.Response>>> SubmitAsync(TableClient table, IEnumerable<TableTransactionAction> actions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var batch = actions as IReadOnlyList<TableTransactionAction> ?? [.. actions];
        Validate(batch);
        return table.SubmitTransactionAsync(batch, cancellationToken);
    }

    /// <summary>Throws when Azure would refuse <paramref name="batch"/> as one entity-group transaction.</summary>
    /// <exception cref="InvalidEntityGroupTransactionException">The batch breaks a rule Azure enforces.</exception>
    public static void Validate(IReadOnlyList<TableTransactionAction> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count > MaxActions)
        {
            throw new InvalidEntityGroupTransactionException($"An entity-group transaction holds at most {MaxActions} actions; this one has {batch.Count}.");
        }
        var partitions = batch.Select(a => a.Entity.PartitionKey).Distinct(StringComparer.Ordinal).ToList();
        if (partitions.Count > 1)
        {
            throw new InvalidEntityGroupTransactionException($"An entity-group transaction spans one partition; this one spans {partitions.Count} ({string.Join(", ", partitions.Take(3))}{(partitions.Count > 3 ? ", ..." : "")}).");
        }
        var repeated = batch.GroupBy(a => a.Entity.RowKey, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new InvalidEntityGroupTransactionException($"An entity-group transaction may act on a row once; row '{repeated.Key}' of partition '{partitions[0]}' appears {repeated.Count()} times.");
        }
    }
}

/// <summary>A batch Azure Table Storage would refuse as one entity-group transaction (see <see cref="EntityGroupTransaction"/>).</summary>
public sealed class InvalidEntityGroupTransactionException : InvalidOperationException
{
    public InvalidEntityGroupTransactionException()
    {
    }

    public InvalidEntityGroupTransactionException(string message)
        : base(message)
    {
    }

    public InvalidEntityGroupTransactionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
