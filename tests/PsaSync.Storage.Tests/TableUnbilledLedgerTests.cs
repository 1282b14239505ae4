using PsaSync.Core.Billing;
using PsaSync.Core.Model;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableUnbilledLedgerTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static LedgerEntry Time(string entryId, int version, string projectId, DateOnly date) =>
        LedgerEntry.ForTime(new TimeEntry(entryId, version, projectId, "EMP-1", date, 8m, true, "Consultant"), $"corr-{entryId}");

    [Fact]
    public async Task Every_version_of_a_record_is_found_wherever_it_was_booked_and_only_an_unbilled_one_can_be_reversed()
    {
        var ledger = new TableUnbilledLedger(Tables);
        var first = Time("TE/1", 1, "PRJ-1", new DateOnly(2026, 3, 31));
        var moved = Time("TE/1", 2, "PRJ-2", new DateOnly(2026, 4, 1));
        Assert.True(await ledger.AddAsync(first, Ct));
        Assert.True(await ledger.AddAsync(moved, Ct));
        Assert.False(await ledger.AddAsync(moved, Ct));
        await ledger.AddAsync(Time("TE-2", 1, "PRJ-1", new DateOnly(2026, 3, 30)), Ct);

        var versions = await ledger.ListVersionsAsync(LedgerEntryKind.Time, "TE/1", Ct);
        Assert.Equal([("PRJ-1", "2026-03"), ("PRJ-2", "2026-04")], versions.Select(v => (v.ProjectId, v.Period)).Order());

        Assert.True(await ledger.ReverseAsync(first, Ct));
        Assert.False(await ledger.ReverseAsync(first, Ct));
        await ledger.ReserveAsync("PRJ-2", "2026-04", "billing-PRJ-2-2026-04", Ct);
        Assert.False(await ledger.ReverseAsync(moved, Ct));

        Assert.Equal(LedgerEntryState.Reversed, (await ledger.ListAsync("PRJ-1", "2026-03", Ct)).Single(e => e.SourceId == "TE/1").State);
        // A reversed entry is never reserved for an invoice.
        Assert.Equal(1, await ledger.ReserveAsync("PRJ-1", "2026-03", "billing-PRJ-1-2026-03", Ct));
    }
}
