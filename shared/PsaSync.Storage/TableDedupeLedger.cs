using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Idempotency;

namespace PsaSync.Storage;

/// <summary>
/// The dedupe ledger on Table Storage. Partition = one of 256 hash buckets of the key, row = the key: a claim
/// is one insert (409 means "seen before"), outcomes are ETag-conditional updates. Both go through the group commit,
/// so the claims of many deliveries processed at once share transactions.
/// </summary>
public sealed class TableDedupeLedger(TableProvider tables, TimeProvider clock) : IDedupeLedger
{
    private const string InProgress = "InProgress";
    private const string Released = "Released";

    public async Task<DedupeClaim> TryClaimAsync(string idempotencyKey, string correlationId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Dedupe, cancellationToken);
        var now = clock.GetUtcNow();
        var fresh = new TableEntity(TableKeys.HashBucket(idempotencyKey), TableKeys.Escape(idempotencyKey))
        {
            ["Key"] = idempotencyKey,
            ["Status"] = InProgress,
            ["Attempts"] = 1,
            ["LeaseUntil"] = now + lease,
            ["CorrelationId"] = correlationId,
            ["UpdatedAt"] = now,
        };
        try
        {
            var added = await tables.Writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.Add, fresh), cancellationToken);
            return new DedupeClaim(idempotencyKey, ClaimStatus.Claimed, added.Headers.ETag?.ToString() ?? "", 1, null);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Seen before: decide from the stored row.
        }

        var existing = (await table.GetEntityAsync<TableEntity>(fresh.PartitionKey, fresh.RowKey, cancellationToken: cancellationToken)).Value;
        var status = existing.GetString("Status");
        var attempts = existing.GetInt32("Attempts") ?? 1;
        if (status == nameof(DedupeOutcome.Completed))
        {
            return new DedupeClaim(idempotencyKey, ClaimStatus.AlreadyCompleted, existing.ETag.ToString(), attempts, existing.GetString("Outcome"));
        }
        if (status == InProgress && existing.GetDateTimeOffset("LeaseUntil") > now)
        {
            return new DedupeClaim(idempotencyKey, ClaimStatus.HeldByAnother, existing.ETag.ToString(), attempts, null);
        }

        // Released, Rejected (a replay or a fixed source), or a lease whose holder died: take it over.
        existing["Status"] = InProgress;
        existing["Attempts"] = attempts + 1;
        existing["LeaseUntil"] = now + lease;
        existing["UpdatedAt"] = now;
        try
        {
            var updated = await table.UpdateEntityAsync(existing, existing.ETag, TableUpdateMode.Replace, cancellationToken);
            return new DedupeClaim(idempotencyKey, ClaimStatus.Claimed, updated.Headers.ETag?.ToString() ?? "", attempts + 1, existing.GetString("Outcome"));
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return new DedupeClaim(idempotencyKey, ClaimStatus.HeldByAnother, "", attempts, null);
        }
    }

    public async Task<bool> RecordOutcomeAsync(DedupeClaim claim, DedupeOutcome outcome, string detail, CancellationToken cancellationToken)
    {
        return await UpdateClaimedAsync(claim, new Dictionary<string, object>
        {
            ["Status"] = outcome.ToString(),
            ["Outcome"] = detail,
        }, cancellationToken);
    }

    public async Task ReleaseAsync(DedupeClaim claim, string lastError, CancellationToken cancellationToken)
    {
        await UpdateClaimedAsync(claim, new Dictionary<string, object>
        {
            ["Status"] = Released,
            ["LastError"] = lastError.Length > 1000 ? lastError[..1000] : lastError,
        }, cancellationToken);
    }

    public async Task<DedupeClaim?> GetAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Dedupe, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.HashBucket(idempotencyKey), TableKeys.Escape(idempotencyKey), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is null)
        {
            return null;
        }
        var entity = row.Value;
        var status = entity.GetString("Status") == nameof(DedupeOutcome.Completed) ? ClaimStatus.AlreadyCompleted : ClaimStatus.Claimed;
        return new DedupeClaim(idempotencyKey, status, entity.ETag.ToString(), entity.GetInt32("Attempts") ?? 1, entity.GetString("Outcome"));
    }

    /// <summary>Merges <paramref name="changes"/> into the claimed row if nobody took the claim over meanwhile.</summary>
    private async Task<bool> UpdateClaimedAsync(DedupeClaim claim, Dictionary<string, object> changes, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Dedupe, cancellationToken);
        var entity = new TableEntity(TableKeys.HashBucket(claim.IdempotencyKey), TableKeys.Escape(claim.IdempotencyKey))
        {
            ["UpdatedAt"] = clock.GetUtcNow(),
        };
        foreach (var (name, value) in changes)
        {
            entity[name] = value;
        }
        try
        {
            await tables.Writes.WriteAsync(table, new TableTransactionAction(TableTransactionActionType.UpdateMerge, entity, new ETag(claim.Version)), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return false;
        }
    }
}
