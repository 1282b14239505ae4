using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxErpTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxErpTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-erp.jsonl");

    private static SandboxErp CreateErp(SandboxFaultOptions? faults = null, string? journalPath = null)
    {
        var erp = new SandboxErp(faults ?? new SandboxFaultOptions(), journalPath);
        erp.SeedProject(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, Active: true));
        return erp;
    }

    private static ErpTimeLine Line(string externalId = "PSA-TE-TE-1-V1", DateOnly? workDate = null, decimal hours = 7.5m) =>
        new(externalId, TestData.ErpProjectCode, "RES-7", workDate ?? TestData.WorkDate, hours, true, "Consultant", "corr-1");

    /// <summary>Runs a call and says which failure, if any, it met: the fault pattern of a sequence of calls.</summary>
    private static async Task<string> OutcomeOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return "ok";
        }
        catch (ErpException ex)
        {
            return ex.Kind.ToString();
        }
    }

    [Fact]
    public async Task Posting_the_same_external_id_twice_returns_the_same_document_and_keeps_one_line()
    {
        var erp = CreateErp();

        var first = await erp.PostTimeAsync(Line(), CancellationToken.None);
        var second = await erp.PostTimeAsync(Line(hours: 3m), CancellationToken.None);

        Assert.Equal(first, second);
        var line = Assert.Single(erp.TimeLines);
        Assert.Equal(first.ErpDocumentId, line.ErpDocumentId);
        Assert.Equal(7.5m, line.Line.Hours);
    }

    [Fact]
    public async Task Different_external_ids_get_different_documents()
    {
        var erp = CreateErp();

        var first = await erp.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);
        var second = await erp.PostTimeAsync(Line("PSA-TE-TE-1-V2"), CancellationToken.None);

        Assert.NotEqual(first.ErpDocumentId, second.ErpDocumentId);
        Assert.Equal(2, erp.TimeLines.Count);
    }

    [Fact]
    public async Task A_posting_is_found_by_its_external_id()
    {
        var erp = CreateErp();
        var posting = await erp.PostTimeAsync(Line("PSA-TE-TE-8-V1"), CancellationToken.None);

        Assert.Equal(posting, await erp.FindTimeByExternalIdAsync("PSA-TE-TE-8-V1", CancellationToken.None));
        Assert.Null(await erp.FindTimeByExternalIdAsync("PSA-TE-TE-8-V2", CancellationToken.None));
    }

    [Fact]
    public async Task A_seeded_project_is_found_by_its_PSA_id()
    {
        var erp = CreateErp();

        Assert.Equal(TestData.ErpProjectCode, (await erp.FindProjectAsync(TestData.PsaProjectId, CancellationToken.None))?.ErpProjectCode);
        Assert.Null(await erp.FindProjectAsync("PRJ-UNKNOWN", CancellationToken.None));
    }

    [Fact]
    public async Task Posting_into_a_closed_period_throws_PeriodClosed_and_posts_nothing()
    {
        var erp = CreateErp();
        erp.ClosePeriod("2026-03");

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(Line(workDate: new DateOnly(2026, 3, 31)), CancellationToken.None));

        Assert.Equal(ErpFailureKind.PeriodClosed, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.Empty(erp.TimeLines);
        Assert.Equal(1, erp.FaultsInjected[SandboxFault.PeriodClosed]);
    }

    [Fact]
    public async Task Closing_one_period_leaves_the_next_one_open()
    {
        var erp = CreateErp();
        erp.ClosePeriod("2026-03");

        await erp.PostTimeAsync(Line(workDate: new DateOnly(2026, 4, 1)), CancellationToken.None);

        Assert.Single(erp.TimeLines);
    }

    [Fact]
    public async Task Posting_to_an_unknown_project_is_Rejected()
    {
        var erp = CreateErp();

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(Line() with { ErpProjectCode = "ERP-NOPE" }, CancellationToken.None));

        Assert.Equal(ErpFailureKind.Rejected, ex.Kind);
    }

    [Fact]
    public async Task With_ThrottleRate_1_every_call_is_Throttled_with_RetryAfter()
    {
        var erp = CreateErp(new SandboxFaultOptions { ThrottleRate = 1, RetryAfter = TimeSpan.FromSeconds(7) });
        var calls = new Func<Task>[]
        {
            () => erp.FindProjectAsync(TestData.PsaProjectId, CancellationToken.None),
            () => erp.FindTimeByExternalIdAsync("PSA-TE-TE-1-V1", CancellationToken.None),
            () => erp.PostTimeAsync(Line(), CancellationToken.None),
            () => erp.PostTimeAsync(Line(), CancellationToken.None),
        };

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAsync<ErpException>(call);
            Assert.Equal(ErpFailureKind.Throttled, ex.Kind);
            Assert.Equal(TimeSpan.FromSeconds(7), ex.RetryAfter);
            Assert.True(ex.IsTransient);
        }
        Assert.Empty(erp.TimeLines);
        Assert.Equal(4, erp.FaultsInjected[SandboxFault.Throttled]);
    }

    [Fact]
    public async Task With_ServerErrorRate_1_every_call_is_Unavailable()
    {
        var erp = CreateErp(new SandboxFaultOptions { ServerErrorRate = 1 });

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(Line(), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Unavailable, ex.Kind);
        Assert.Empty(erp.TimeLines);
    }

    [Fact]
    public async Task With_CommitThenTimeoutRate_1_a_post_is_Ambiguous_yet_the_line_exists()
    {
        var erp = CreateErp(new SandboxFaultOptions { CommitThenTimeoutRate = 1 });

        var ex = await Assert.ThrowsAsync<ErpException>(() => erp.PostTimeAsync(Line("PSA-TE-TE-3-V1"), CancellationToken.None));

        Assert.Equal(ErpFailureKind.Ambiguous, ex.Kind);
        var found = await erp.FindTimeByExternalIdAsync("PSA-TE-TE-3-V1", CancellationToken.None);
        Assert.NotNull(found);
        Assert.Equal(Assert.Single(erp.TimeLines).ErpDocumentId, found.ErpDocumentId);
    }

    [Fact]
    public async Task The_same_seed_meets_the_same_faults_for_the_same_calls()
    {
        static SandboxFaultOptions Faults(int seed) => new() { Seed = seed, ThrottleRate = 0.3, ServerErrorRate = 0.2, CommitThenTimeoutRate = 0.2 };

        async Task<List<string>> RunScenarioAsync(SandboxErp erp)
        {
            var outcomes = new List<string>();
            for (var i = 0; i < 40; i++)
            {
                var line = Line($"PSA-TE-TE-{i % 10}-V1");
                outcomes.Add(await OutcomeOfAsync(() => erp.PostTimeAsync(line, CancellationToken.None)));
                outcomes.Add(await OutcomeOfAsync(() => erp.FindTimeByExternalIdAsync(line.ExternalId, CancellationToken.None)));
            }
            return outcomes;
        }

        var first = await RunScenarioAsync(CreateErp(Faults(seed: 7)));
        var second = await RunScenarioAsync(CreateErp(Faults(seed: 7)));
        var otherSeed = await RunScenarioAsync(CreateErp(Faults(seed: 8)));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
        Assert.Contains("ok", first);
        Assert.Contains("Throttled", first);
    }

    [Fact]
    public async Task A_journal_written_by_one_instance_is_replayed_by_the_next()
    {
        var before = CreateErp(journalPath: JournalPath);
        before.SeedProject(new ErpProject("ERP-P-200", "PRJ-200", Active: false));
        before.ClosePeriod("2026-01");
        var posting = await before.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);

        var after = new SandboxErp(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(new ErpProject(TestData.ErpProjectCode, TestData.PsaProjectId, true), await after.FindProjectAsync(TestData.PsaProjectId, CancellationToken.None));
        Assert.Equal(new ErpProject("ERP-P-200", "PRJ-200", false), await after.FindProjectAsync("PRJ-200", CancellationToken.None));
        Assert.Equal(posting, await after.FindTimeByExternalIdAsync("PSA-TE-TE-1-V1", CancellationToken.None));
        Assert.Equal(before.TimeLines, after.TimeLines);
        var ex = await Assert.ThrowsAsync<ErpException>(() => after.PostTimeAsync(Line("PSA-TE-TE-2-V1", workDate: new DateOnly(2026, 1, 15)), CancellationToken.None));
        Assert.Equal(ErpFailureKind.PeriodClosed, ex.Kind);
    }

    [Fact]
    public async Task After_a_replay_a_repeated_post_returns_the_original_document_and_new_ones_do_not_collide()
    {
        var before = CreateErp(journalPath: JournalPath);
        var original = await before.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);

        var after = new SandboxErp(new SandboxFaultOptions(), JournalPath);
        var repeat = await after.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);
        var next = await after.PostTimeAsync(Line("PSA-TE-TE-2-V1"), CancellationToken.None);

        Assert.Equal(original, repeat);
        Assert.NotEqual(original.ErpDocumentId, next.ErpDocumentId);
        Assert.Equal(2, after.TimeLines.Count);
    }

    [Fact]
    public async Task A_torn_last_journal_line_is_skipped()
    {
        var before = CreateErp(journalPath: JournalPath);
        await before.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);
        await File.AppendAllTextAsync(JournalPath, "{\"kind\":\"time-line\",\"rec");

        var after = new SandboxErp(new SandboxFaultOptions(), JournalPath);

        Assert.Single(after.TimeLines);
    }

    [Fact]
    public async Task Without_a_journal_path_a_new_instance_starts_empty()
    {
        var before = CreateErp();
        await before.PostTimeAsync(Line(), CancellationToken.None);

        var after = new SandboxErp(new SandboxFaultOptions());

        Assert.Empty(after.TimeLines);
        Assert.Null(await after.FindProjectAsync(TestData.PsaProjectId, CancellationToken.None));
    }

    [Fact]
    public async Task Requests_are_counted_per_operation()
    {
        var erp = CreateErp();

        await erp.FindProjectAsync(TestData.PsaProjectId, CancellationToken.None);
        await erp.PostTimeAsync(Line(), CancellationToken.None);
        await erp.PostTimeAsync(Line(), CancellationToken.None);

        Assert.Equal(1, erp.Requests["find-project"]);
        Assert.Equal(2, erp.Requests["post-time"]);
    }

    [Fact]
    public async Task A_batch_posts_its_lines_in_one_request_and_refuses_each_bad_line_on_its_own()
    {
        var erp = CreateErp();
        erp.ClosePeriod("2026-01");
        var existing = await erp.PostTimeAsync(Line("PSA-TE-TE-1-V1"), CancellationToken.None);

        var results = await erp.PostTimeLinesAsync(
            [Line("PSA-TE-TE-1-V1"), Line("PSA-TE-TE-2-V1"), Line("PSA-TE-TE-3-V1", new DateOnly(2026, 1, 15)), Line("PSA-TE-TE-4-V1", hours: 2m)],
            CancellationToken.None);

        Assert.Equal(["PSA-TE-TE-1-V1", "PSA-TE-TE-2-V1", "PSA-TE-TE-3-V1", "PSA-TE-TE-4-V1"], results.Select(r => r.ExternalId));
        Assert.Equal(existing.ErpDocumentId, results[0].Posting!.ErpDocumentId);
        Assert.NotNull(results[1].Posting);
        Assert.Equal(ErpFailureKind.PeriodClosed, results[2].Failure!.Kind);
        Assert.Null(results[2].Posting);
        Assert.NotNull(results[3].Posting);
        Assert.Equal(3, erp.TimeLines.Count);
        Assert.Equal(1, erp.Requests[SandboxErp.Operations.PostTimeLines]);
    }
}
