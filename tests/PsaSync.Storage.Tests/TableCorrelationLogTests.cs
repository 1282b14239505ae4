using PsaSync.Core.Model;
using PsaSync.Core.Tracing;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableCorrelationLogTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private static readonly RecordRef TimeEntry = new(SystemNames.Psa, EntityKinds.TimeEntry, "TE-1001");

    [Fact]
    public async Task Timeline_comes_back_in_append_order_including_entries_in_the_same_tick()
    {
        var log = new TableCorrelationLog(Tables);
        var t0 = TestClock.Start;
        var appended = new List<TraceEntry>
        {
            new("corr-1", t0, "time-expense", TraceSteps.Accepted, "webhook accepted", TimeEntry),
            new("corr-1", t0.AddTicks(1), "time-expense", TraceSteps.Received, "delivery 1", TimeEntry),
        };
        // Many steps within one tick: only the append order can order them.
        for (var i = 0; i < 15; i++)
        {
            appended.Add(new("corr-1", t0.AddTicks(2), "time-expense", $"step-{i:D2}", $"detail {i}", i % 2 == 0 ? TimeEntry : null));
        }
        appended.Add(new("corr-1", t0.AddSeconds(1), "time-expense", TraceSteps.Posted, "JE-42"));

        foreach (var entry in appended)
        {
            await log.AppendAsync(entry, Ct);
        }
        var timeline = await log.GetTimelineAsync("corr-1", Ct);

        Assert.Equal(appended, timeline);
    }

    [Fact]
    public async Task Timelines_of_different_correlation_ids_are_separate()
    {
        var log = new TableCorrelationLog(Tables);
        var t0 = TestClock.Start;
        await log.AppendAsync(new("corr-a", t0, "d", "s1", "a1"), Ct);
        await log.AppendAsync(new("corr-b", t0, "d", "s1", "b1"), Ct);
        await log.AppendAsync(new("corr-a", t0, "d", "s2", "a2"), Ct);

        var a = await log.GetTimelineAsync("corr-a", Ct);
        var b = await log.GetTimelineAsync("corr-b", Ct);

        Assert.Equal(["a1", "a2"], a.Select(e => e.Detail));
        Assert.Equal(["b1"], b.Select(e => e.Detail));
        Assert.Empty(await log.GetTimelineAsync("corr-none", Ct));
    }

    [Fact]
    public async Task An_id_that_starts_with_another_id_keeps_its_own_timeline_and_record_index()
    {
        var log = new TableCorrelationLog(Tables);
        var t0 = TestClock.Start;
        var longer = TimeEntry with { Id = TimeEntry.Id + "0" };
        // Thirty pairs like corr-1 / corr-10, so some share a hash bucket, written in one call as a job would.
        var ids = Enumerable.Range(1, 30).Select(n => $"corr-{n}").ToList();
        await log.AppendRangeAsync([.. ids.Select(id => new TraceEntry(id, t0, "d", "s", "of " + id, id.EndsWith('0') ? longer : TimeEntry))], Ct);

        Assert.Equal(["of corr-1"], (await log.GetTimelineAsync("corr-1", Ct)).Select(e => e.Detail));
        Assert.Equal(["of corr-10"], (await log.GetTimelineAsync("corr-10", Ct)).Select(e => e.Detail));
        Assert.Equal(["corr-10", "corr-20", "corr-30"], (await log.FindCorrelationIdsAsync(longer, Ct)).Order(StringComparer.Ordinal));
        Assert.Equal(27, (await log.FindCorrelationIdsAsync(TimeEntry, Ct)).Count);
    }

    [Fact]
    public async Task Correlation_ids_with_forbidden_key_characters_round_trip()
    {
        var log = new TableCorrelationLog(Tables);
        var entry = new TraceEntry("corr/with#odd?chars%", TestClock.Start, "d", "s", "x", TimeEntry);

        await log.AppendAsync(entry, Ct);

        Assert.Equal([entry], await log.GetTimelineAsync("corr/with#odd?chars%", Ct));
        Assert.Equal(["corr/with#odd?chars%"], await log.FindCorrelationIdsAsync(TimeEntry, Ct));
    }

    [Fact]
    public async Task Find_lists_each_correlation_id_of_a_record_once()
    {
        var log = new TableCorrelationLog(Tables);
        var restarted = new TableCorrelationLog(NewTableProvider()); // no memory of what was indexed
        var other = new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, "TE-2002");
        var t0 = TestClock.Start;
        for (var i = 0; i < 12; i++)
        {
            await log.AppendAsync(new("corr-1", t0.AddSeconds(i), "time-expense", "step", $"{i}", TimeEntry), Ct);
            await restarted.AppendAsync(new("corr-2", t0.AddSeconds(i), "time-expense", "step", $"{i}", TimeEntry), Ct);
        }
        await restarted.AppendAsync(new("corr-1", t0.AddMinutes(1), "time-expense", "step", "again", TimeEntry), Ct);
        await log.AppendAsync(new("corr-3", t0, "time-expense", "step", "other record", other), Ct);
        await log.AppendAsync(new("corr-4", t0, "time-expense", "step", "no record"), Ct);

        var ids = await log.FindCorrelationIdsAsync(TimeEntry, Ct);

        Assert.Equal(["corr-1", "corr-2"], ids.Order());
        Assert.Equal(["corr-3"], await restarted.FindCorrelationIdsAsync(other, Ct));
        Assert.Empty(await log.FindCorrelationIdsAsync(new RecordRef(SystemNames.Erp, EntityKinds.TimeEntry, "TE-1001"), Ct));
    }
}
