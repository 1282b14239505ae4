using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Model;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

/// <summary>
/// Issue 17, item 1: every key PsaSync derives from a vendor id is a valid Table Storage key by construction, however
/// long or odd the id. Before, a record id over 1 KiB made the dedupe claim fail with a 400 from Table Storage.
/// </summary>
public sealed class HostileKeyTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static readonly string LongId = "TE-" + new string('x', 2_000);

    public static TheoryData<string> HostileIds => new()
    {
        LongId,
        "TE-" + new string('/', 1_500),
        "TE-\u0000\u001f\u007f\u009f/\\#?%",
        "TE-" + string.Concat(Enumerable.Repeat("\U0001F600", 600)),
        "TE-\ud800-lone-surrogate",
    };

    [Theory]
    [MemberData(nameof(HostileIds))]
    public void Escaped_ids_are_short_and_free_of_forbidden_characters(string id)
    {
        var key = TableKeys.Escape(id);

        Assert.InRange(key.Length, 1, TableKeys.MaxEscapedLength + 66);
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.Equal(key, TableKeys.Escape(id));
    }

    [Fact]
    public void Long_ids_that_share_their_start_do_not_collide()
    {
        Assert.NotEqual(TableKeys.Escape(LongId + "a"), TableKeys.Escape(LongId + "b"));
        Assert.NotEqual(TableKeys.Escape("TE-\ud800"), TableKeys.Escape("TE-\ud801"));
        Assert.Equal("TE-%2F%25", TableKeys.Escape("TE-/%"));
    }

    [Theory]
    [MemberData(nameof(HostileIds))]
    public async Task The_dedupe_ledger_claims_and_completes_any_key(string id)
    {
        var ledger = new TableDedupeLedger(Tables, Clock);
        var key = $"psa:time-entry:{id}:v1";

        var claim = await ledger.TryClaimAsync(key, "corr-1", TimeSpan.FromMinutes(1), Ct);
        await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Completed, "posted", Ct);
        var again = await ledger.TryClaimAsync(key, "corr-2", TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(ClaimStatus.Claimed, claim.Status);
        Assert.Equal(ClaimStatus.AlreadyCompleted, again.Status);
    }

    [Fact]
    public async Task The_exception_store_raises_and_resolves_an_item_for_a_long_record()
    {
        var store = new TableExceptionStore(Tables, Clock);
        var record = new RecordRef("psa", "time-entry", LongId);

        var item = await store.RaiseAsync(new NewException(ReasonCodes.DeliveryExhausted, "gave up", "time-expense", record, "corr-1", $"psa:time-entry:{LongId}:v1"), Ct);
        var resolved = await store.ResolveForRecordAsync("time-expense", record, "fixed", Ct);

        Assert.Equal(record, item.SourceRecord);
        Assert.Equal(1, resolved);
    }

    [Fact]
    public async Task The_timeline_of_a_long_record_is_written_and_found()
    {
        var log = new TableCorrelationLog(Tables);
        var record = new RecordRef("psa", "time-entry", LongId);

        await log.AppendAsync(new PsaSync.Core.Tracing.TraceEntry("corr-long", Clock.GetUtcNow(), "time-expense", "received", "x", record), Ct);

        Assert.Single(await log.GetTimelineAsync("corr-long", Ct));
    }
}
