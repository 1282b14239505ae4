using PsaSync.Core.Billing;
using PsaSync.Core.Model;
using PsaSync.Core.TimeExpense;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

/// <summary>The pending cost postings and the ledger's batch add: rows written in entity-group transactions of up to 100.</summary>
public sealed class TablePendingCostPostingsTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static PendingCostPosting Posting(int n, int month = 3) => new(
        new TimeEntry($"TE-{n}", 1, "PRJ-1", $"RES-{n % 7}", new DateOnly(2026, month, 1 + n % 28), 7.25m, n % 3 != 0, n % 2 == 0 ? "Consultant" : null),
        "EP-0001", $"corr-{n}", $"psa:time-entry:TE-{n}:v1");

    [Fact]
    public async Task An_accepted_entry_round_trips_and_a_repeat_is_refused()
    {
        var store = new TablePendingCostPostings(Tables);
        var posting = Posting(4);

        Assert.True(await store.AddAsync(posting, Ct));
        Assert.False(await store.AddAsync(posting, Ct));

        Assert.Equal(posting, Assert.Single(await store.ListOpenAsync(10, Ct)));
    }

    [Fact]
    public async Task A_version_is_found_by_its_key_whatever_month_it_is_in_and_is_refused_a_second_time_in_another_month()
    {
        var store = new TablePendingCostPostings(Tables);
        // A correction moved the entry from March into April: its reversal looks version 1 up by key alone.
        var march = Posting(5, month: 3);
        Assert.True(await store.AddAsync(march, Ct));

        Assert.Equal(march, await store.GetAsync(march.Key, Ct));
        Assert.Null(await store.GetAsync("TE-5:v2", Ct));
        // A write-off for version 1 made under the correction's April date meets the March row, and vice versa.
        Assert.False(await store.AddAsync(march with { Entry = march.Entry with { WorkDate = new DateOnly(2026, 4, 1) }, State = CostPostingState.Reversed }, Ct));
    }

    [Fact]
    public async Task State_changes_go_in_one_transaction_per_partition_and_posted_entries_leave_the_open_list()
    {
        var store = new TablePendingCostPostings(Tables);
        var postings = Enumerable.Range(1, 250).Select(n => Posting(n)).ToList();
        foreach (var posting in postings)
        {
            await store.AddAsync(posting, Ct);
        }
        var (counted, counter) = CountingTables();

        var transactions = await new TablePendingCostPostings(counted).UpdateAsync(
            [.. postings.Take(200).Select(p => p with { State = CostPostingState.Posted, AggregateId = "PSA-TA-1", ErpDocumentId = "TL-000001" })], Ct);

        // 200 rows spread over the hash buckets, fewer than 100 in each: one transaction per bucket.
        var buckets = postings.Take(200).Select(p => TableKeys.HashBucket(p.Key)).Distinct().Count();
        Assert.InRange(buckets, 2, 199);
        Assert.Equal(buckets, transactions);
        Assert.Equal(buckets, counter.Requests - 1); // the first request creates the table if needed
        var open = await store.ListOpenAsync(1_000, Ct);
        Assert.Equal(50, open.Count);
        Assert.All(open, p => Assert.Equal(CostPostingState.Pending, p.State));
    }

    [Fact]
    public async Task The_ledger_adds_a_batch_in_transactions_of_100_and_skips_rows_it_already_has()
    {
        var entries = Enumerable.Range(1, 250).Select(n => LedgerEntry.ForTime(Posting(n).Entry with { EntryId = $"TE-L{n}" }, $"corr-{n}")).ToList();
        var ledger = new TableUnbilledLedger(Tables);
        await ledger.AddAsync(entries[10], Ct);
        var (counted, counter) = CountingTables();

        var first = await new TableUnbilledLedger(counted).AddRangeAsync(entries.Take(200).ToList(), Ct);
        var requestsForFirst = counter.Requests;
        var second = await ledger.AddRangeAsync(entries, Ct);

        Assert.Equal(199, first.Count);
        Assert.DoesNotContain(entries[10], first);
        // Table creation, the index rows in one transaction per hash bucket of the source ids, the rows in two
        // transactions; the one holding the existing row fails and is added row by row (100).
        var indexBuckets = entries.Take(200).Select(e => TableKeys.HashBucket(e.SourceId)).Distinct().Count();
        Assert.InRange(indexBuckets, 2, 199);
        Assert.Equal(1 + indexBuckets + 2 + 100, requestsForFirst);
        Assert.Equal(50, second.Count);
        Assert.Equal(250, (await ledger.ListAsync("PRJ-1", "2026-03", Ct)).Count);
    }
}
