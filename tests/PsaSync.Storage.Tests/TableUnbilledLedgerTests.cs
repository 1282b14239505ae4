using Azure.Data.Tables;
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

    [Theory]
    [InlineData("th-TH")]
    [InlineData("de-DE")]
    public async Task Dates_hours_and_amounts_are_stored_invariant_and_read_back_the_same_whatever_the_culture(string culture)
    {
        using var scope = CultureScope.Use(culture);
        var ledger = new TableUnbilledLedger(Tables);
        var time = LedgerEntry.ForTime(new TimeEntry("TE-7", 1, "PRJ-1", "EMP-1", new DateOnly(2026, 3, 31), 7.25m, true, "Consultant"), "corr-TE-7");
        var expense = LedgerEntry.ForExpense(
            new Expense("EX-7", 1, "PRJ-1", "EMP-1", new DateOnly(2026, 3, 30), "Travel", 1_234.5m, "EUR", true, 10m, "R-7"), "corr-EX-7");

        Assert.True(await ledger.AddAsync(time, Ct));
        Assert.Equal([expense], await ledger.AddRangeAsync([expense], Ct));

        Assert.Equal([expense, time], (await ledger.ListAsync("PRJ-1", "2026-03", Ct)).OrderBy(e => e.EntryKey, StringComparer.Ordinal));
        Assert.Equal([time], await ledger.ListVersionsAsync(LedgerEntryKind.Time, "TE-7", Ct));
        var table = await Tables.GetAsync(TableSuffixes.Ledger, Ct);
        var stored = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"PRJ-1|2026-03"}"), cancellationToken: Ct))
        {
            stored[row.GetString("EntryKey")!] = row;
        }
        Assert.Equal(("2026-03-31", "7.25", "0", "Consultant 2026-03-31"), Columns(stored["time:TE-7:v1"]));
        Assert.Equal(("2026-03-30", "1", "1357.95", "Travel 2026-03-30 (receipt R-7)"), Columns(stored["expense:EX-7:v1"]));

        static (string?, string?, string?, string?) Columns(TableEntity row) =>
            (row.GetString("Date"), row.GetString("Quantity"), row.GetString("Amount"), row.GetString("Description"));
    }
}
