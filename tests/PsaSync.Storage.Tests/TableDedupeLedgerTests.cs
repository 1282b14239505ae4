using PsaSync.Core.Idempotency;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableDedupeLedgerTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    private TableDedupeLedger NewLedger() => new(Tables, Clock);

    [Fact]
    public async Task First_claim_is_claimed_with_one_attempt()
    {
        var ledger = NewLedger();

        var claim = await ledger.TryClaimAsync("psa:time-entry:TE-1:v1", "corr-1", Lease, Ct);

        Assert.Equal(ClaimStatus.Claimed, claim.Status);
        Assert.Equal(1, claim.Attempts);
        Assert.Equal("psa:time-entry:TE-1:v1", claim.IdempotencyKey);
        Assert.False(string.IsNullOrEmpty(claim.Version));
        Assert.Null(claim.Outcome);
    }

    [Fact]
    public async Task Second_claim_while_the_lease_is_valid_is_held_by_another()
    {
        var ledger = NewLedger();
        await ledger.TryClaimAsync("key-held", "corr-1", Lease, Ct);
        Clock.Advance(Lease - TimeSpan.FromSeconds(1));

        var second = await ledger.TryClaimAsync("key-held", "corr-2", Lease, Ct);

        Assert.Equal(ClaimStatus.HeldByAnother, second.Status);
        Assert.Equal(1, second.Attempts);
    }

    [Fact]
    public async Task After_completed_every_claim_is_already_completed_with_the_outcome()
    {
        var ledger = NewLedger();
        var claim = await ledger.TryClaimAsync("key-done", "corr-1", Lease, Ct);

        Assert.True(await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Completed, "posted as JE-42", Ct));
        var again = await ledger.TryClaimAsync("key-done", "corr-2", Lease, Ct);
        Clock.Advance(Lease * 10);
        var muchLater = await ledger.TryClaimAsync("key-done", "corr-3", Lease, Ct);

        Assert.Equal(ClaimStatus.AlreadyCompleted, again.Status);
        Assert.Equal("posted as JE-42", again.Outcome);
        Assert.Equal(ClaimStatus.AlreadyCompleted, muchLater.Status);
        Assert.Equal("posted as JE-42", muchLater.Outcome);
        var stored = await ledger.GetAsync("key-done", Ct);
        Assert.NotNull(stored);
        Assert.Equal(ClaimStatus.AlreadyCompleted, stored.Status);
        Assert.Equal("posted as JE-42", stored.Outcome);
    }

    [Fact]
    public async Task After_rejected_a_replay_claims_the_key_again_as_a_second_attempt()
    {
        var ledger = NewLedger();
        var claim = await ledger.TryClaimAsync("key-rejected", "corr-1", Lease, Ct);
        Assert.True(await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Rejected, "period closed", Ct));

        var replay = await ledger.TryClaimAsync("key-rejected", "corr-1", Lease, Ct);

        Assert.Equal(ClaimStatus.Claimed, replay.Status);
        Assert.Equal(2, replay.Attempts);
        Assert.NotEqual(claim.Version, replay.Version);
        // The replay holds a fresh lease: a concurrent delivery must wait.
        var concurrent = await ledger.TryClaimAsync("key-rejected", "corr-1", Lease, Ct);
        Assert.Equal(ClaimStatus.HeldByAnother, concurrent.Status);
        Assert.True(await ledger.RecordOutcomeAsync(replay, DedupeOutcome.Completed, "posted", Ct));
        Assert.Equal(ClaimStatus.AlreadyCompleted, (await ledger.TryClaimAsync("key-rejected", "corr-1", Lease, Ct)).Status);
    }

    [Fact]
    public async Task After_release_the_next_delivery_claims_at_once()
    {
        var ledger = NewLedger();
        var claim = await ledger.TryClaimAsync("key-released", "corr-1", Lease, Ct);

        await ledger.ReleaseAsync(claim, "ERP timed out", Ct);
        var next = await ledger.TryClaimAsync("key-released", "corr-1", Lease, Ct);

        Assert.Equal(ClaimStatus.Claimed, next.Status);
        Assert.Equal(2, next.Attempts);
    }

    [Fact]
    public async Task A_claim_whose_lease_expired_is_taken_over()
    {
        var ledger = NewLedger();
        await ledger.TryClaimAsync("key-expired", "corr-1", Lease, Ct);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));

        var takeover = await ledger.TryClaimAsync("key-expired", "corr-1", Lease, Ct);

        Assert.Equal(ClaimStatus.Claimed, takeover.Status);
        Assert.Equal(2, takeover.Attempts);
    }

    [Fact]
    public async Task A_stale_claim_cannot_record_an_outcome_over_the_new_owner()
    {
        var workerA = NewLedger();
        var workerB = new TableDedupeLedger(NewTableProvider(), Clock);
        var stale = await workerA.TryClaimAsync("key-stale", "corr-1", Lease, Ct);
        Clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var current = await workerB.TryClaimAsync("key-stale", "corr-1", Lease, Ct);
        Assert.Equal(ClaimStatus.Claimed, current.Status);

        var recorded = await workerA.RecordOutcomeAsync(stale, DedupeOutcome.Completed, "from the stale worker", Ct);

        Assert.False(recorded);
        var stored = await workerB.GetAsync("key-stale", Ct);
        Assert.NotNull(stored);
        Assert.Equal(ClaimStatus.Claimed, stored.Status);
        Assert.Null(stored.Outcome);
        // The stale worker's release is ignored too, and the new owner's outcome still goes through.
        await workerA.ReleaseAsync(stale, "late failure", Ct);
        Assert.Equal(ClaimStatus.HeldByAnother, (await workerA.TryClaimAsync("key-stale", "corr-1", Lease, Ct)).Status);
        Assert.True(await workerB.RecordOutcomeAsync(current, DedupeOutcome.Completed, "from the new owner", Ct));
        var final = await workerA.TryClaimAsync("key-stale", "corr-1", Lease, Ct);
        Assert.Equal(ClaimStatus.AlreadyCompleted, final.Status);
        Assert.Equal("from the new owner", final.Outcome);
    }

    [Fact]
    public async Task Twenty_concurrent_claims_on_one_key_give_exactly_one_claimed()
    {
        var ledger = NewLedger();
        await ledger.TryClaimAsync("warm-up", "corr-0", Lease, Ct); // the table exists before the race

        var claims = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => Task.Run(() => ledger.TryClaimAsync("key-race", $"corr-{i}", Lease, Ct))));

        Assert.Single(claims, c => c.Status == ClaimStatus.Claimed);
        Assert.Equal(19, claims.Count(c => c.Status == ClaimStatus.HeldByAnother));
    }

    [Fact]
    public async Task Twenty_concurrent_claims_on_a_released_key_give_exactly_one_claimed()
    {
        var ledger = NewLedger();
        var first = await ledger.TryClaimAsync("key-race-release", "corr-0", Lease, Ct);
        await ledger.ReleaseAsync(first, "transient", Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => Task.Run(() => ledger.TryClaimAsync("key-race-release", $"corr-{i}", Lease, Ct))));

        var winner = Assert.Single(claims, c => c.Status == ClaimStatus.Claimed);
        Assert.Equal(2, winner.Attempts);
        Assert.Equal(19, claims.Count(c => c.Status == ClaimStatus.HeldByAnother));
    }

    [Theory]
    [InlineData("psa/time-entry/TE-1")]
    [InlineData("erp#journal#7")]
    [InlineData("what?now")]
    [InlineData("100%done")]
    [InlineData("a\\b")]
    [InlineData("all/of#them?at%once")]
    public async Task Keys_with_characters_tables_forbid_work(string key)
    {
        var ledger = NewLedger();

        var first = await ledger.TryClaimAsync(key, "corr-1", Lease, Ct);
        var second = await ledger.TryClaimAsync(key, "corr-2", Lease, Ct);
        Assert.True(await ledger.RecordOutcomeAsync(first, DedupeOutcome.Completed, "done " + key, Ct));
        var third = await ledger.TryClaimAsync(key, "corr-3", Lease, Ct);

        Assert.Equal(ClaimStatus.Claimed, first.Status);
        Assert.Equal(ClaimStatus.HeldByAnother, second.Status);
        Assert.Equal(ClaimStatus.AlreadyCompleted, third.Status);
        Assert.Equal("done " + key, third.Outcome);
        Assert.Equal(key, third.IdempotencyKey);
    }

    [Fact]
    public async Task Escaped_looking_keys_do_not_collide_with_the_keys_they_look_like()
    {
        var ledger = NewLedger();

        var slash = await ledger.TryClaimAsync("a/b", "corr-1", Lease, Ct);
        var literal = await ledger.TryClaimAsync("a%2Fb", "corr-2", Lease, Ct);
        var hash = await ledger.TryClaimAsync("a#b", "corr-3", Lease, Ct);
        var literalHash = await ledger.TryClaimAsync("a%23b", "corr-4", Lease, Ct);

        Assert.All([slash, literal, hash, literalHash], c => Assert.Equal(ClaimStatus.Claimed, c.Status));
        Assert.True(await ledger.RecordOutcomeAsync(slash, DedupeOutcome.Completed, "slash", Ct));
        Assert.True(await ledger.RecordOutcomeAsync(literal, DedupeOutcome.Rejected, "literal", Ct));
        Assert.Equal("slash", (await ledger.GetAsync("a/b", Ct))?.Outcome);
        Assert.Equal(ClaimStatus.AlreadyCompleted, (await ledger.GetAsync("a/b", Ct))?.Status);
        Assert.Equal("literal", (await ledger.GetAsync("a%2Fb", Ct))?.Outcome);
        Assert.Null((await ledger.GetAsync("a#b", Ct))?.Outcome);
        Assert.Null(await ledger.GetAsync("a%2fb", Ct));
    }

    [Fact]
    public async Task Get_of_an_unknown_key_is_null()
    {
        Assert.Null(await NewLedger().GetAsync("never-seen", Ct));
    }
}
