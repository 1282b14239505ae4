namespace PsaSync.Core.Idempotency;

public enum ClaimStatus
{
    /// <summary>This delivery owns the key and must record an outcome or release it.</summary>
    Claimed,

    /// <summary>The key's effect already happened: the delivery is a duplicate.</summary>
    AlreadyCompleted,

    /// <summary>Another delivery holds an unexpired claim on the key; try again later.</summary>
    HeldByAnother,
}

/// <summary>The answer to a claim. <see cref="Version"/> is the optimistic-concurrency token of the ledger row.</summary>
public sealed record DedupeClaim(
    string IdempotencyKey,
    ClaimStatus Status,
    string Version,
    int Attempts,
    string? Outcome);

public enum DedupeOutcome
{
    /// <summary>The effect happened. Every later delivery of the key is absorbed as a duplicate.</summary>
    Completed,

    /// <summary>The event was turned into an exception item. A replay (or a redelivery) may claim the key again,
    /// so that an item fixed at its source goes through with its original idempotency key.</summary>
    Rejected,
}

/// <summary>
/// Insert-if-absent ledger of idempotency keys. A claim is a lease: a worker that dies while holding one
/// loses it when the lease expires, and the next delivery takes over. Outcomes are written with the row's
/// version so that a worker whose lease was taken over cannot overwrite the new owner's result.
/// </summary>
public interface IDedupeLedger
{
    Task<DedupeClaim> TryClaimAsync(string idempotencyKey, string correlationId, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Records the outcome. Returns false if the claim was lost to another worker meanwhile.</summary>
    Task<bool> RecordOutcomeAsync(DedupeClaim claim, DedupeOutcome outcome, string detail, CancellationToken cancellationToken);

    /// <summary>Gives the key back after a failed attempt, so that the next delivery can claim it at once.</summary>
    Task ReleaseAsync(DedupeClaim claim, string lastError, CancellationToken cancellationToken);

    Task<DedupeClaim?> GetAsync(string idempotencyKey, CancellationToken cancellationToken);
}
