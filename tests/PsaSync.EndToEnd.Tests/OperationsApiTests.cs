using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.TimeExpense;
using PsaSync.Hosting;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>The operations API over real HTTP: find what went wrong, replay it once it is fixed, trace a record's path.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperationsApiTests(AzuriteFixture azurite)
{
    private static readonly TimeEntry Entry = new("TE-90001", 1, "PRJ-900", "EMP-001", new DateOnly(2026, 10, 5), 7.5m, true, "Consultant");

    [Fact]
    public async Task A_rejected_entry_replayed_after_its_cause_is_fixed_posts_once_and_resolves_its_item()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        // The project is on hold in the ERP, so its time is refused (not parked: the project exists).
        runtime.Erp.SeedProject(new ErpProject("EP-0900", "PRJ-900", Active: false));
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([Entry], DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var item = await SingleOpenItemAsync(runtime, "reason=PROJECT_NOT_IN_ERP&owner=pmo&record=psa/time-entry/TE-90001");
        runtime.Erp.SeedProject(new ErpProject("EP-0900", "PRJ-900", Active: true));

        using var replay = await runtime.PostEmptyAsync($"api/ops/exceptions/{item}/replay");
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        await runtime.DrainAsync();

        // Posted by the cost posting job, as a line of its own (the only entry of its project, period and resource).
        Assert.Single(runtime.Erp.TimeLines, l => l.Line.ErpProjectCode == "EP-0900" && l.Line.Hours == Entry.Hours);
        Assert.Empty(await runtime.OpenExceptionsAsync());
        using var again = await runtime.PostEmptyAsync($"api/ops/exceptions/{item}/replay");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_dead_lettered_entry_replayed_after_the_ERP_recovers_succeeds_once_and_resolves_its_item()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Messaging:MaxDeliveryCount"] = "2",
            ["PsaSync:Erp:Faults:ServerErrorRate"] = "1",
        });
        runtime.Erp.SeedProject(new ErpProject("EP-0900", "PRJ-900", Active: true));
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([Entry], DateTimeOffset.UtcNow));
        await runtime.DrainAsync();
        var item = await SingleOpenItemAsync(runtime, "reason=DELIVERY_EXHAUSTED");
        Assert.Empty(runtime.Erp.TimeLines);

        // The ERP is back.
        runtime.App.Services.GetRequiredService<IOptions<PsaSyncOptions>>().Value.Erp.Faults.ServerErrorRate = 0;
        using var replay = await runtime.PostEmptyAsync("api/ops/exceptions/replay?reason=DELIVERY_EXHAUSTED");
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        Assert.Equal(1, (await JsonDocument.ParseAsync(await replay.Content.ReadAsStreamAsync())).RootElement.GetProperty("replayed").GetInt32());
        await runtime.DrainAsync();

        Assert.Single(runtime.Erp.TimeLines);
        Assert.Empty(await runtime.OpenExceptionsAsync());
        Assert.Equal(ExceptionStatus.Resolved, (await runtime.Exceptions.GetAsync(item, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task The_trace_of_a_time_entry_shows_its_path_from_webhook_to_PSA_write_back_in_order()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        runtime.Erp.SeedProject(new ErpProject("EP-0900", "PRJ-900", Active: true));
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([Entry], DateTimeOffset.UtcNow), times: 2);
        await runtime.DrainAsync();

        using var response = await runtime.GetAsync("api/ops/trace?record=psa/time-entry/TE-90001");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var timeline = Assert.Single((await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.GetProperty("timelines").EnumerateArray());
        var steps = timeline.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("step").GetString()).ToList();
        // The second delivery may be accepted while the first is already being processed.
        Assert.Equal("accepted", steps[0]);
        Assert.Equal(2, steps.Count(s => s == "accepted"));
        Assert.True(steps.IndexOf("received") < steps.IndexOf("posted") && steps.IndexOf("posted") < steps.IndexOf("written-back"), string.Join(" → ", steps));
        Assert.Contains("duplicate-absorbed", steps);
    }

    [Fact]
    public async Task A_bad_filter_is_refused_with_a_reason()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);

        using var response = await runtime.GetAsync("api/ops/exceptions?owner=Nobody");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(OperationsHttp.InvalidQuery, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string> SingleOpenItemAsync(LocalRuntimeHarness runtime, string filter)
    {
        using var response = await runtime.GetAsync($"api/ops/exceptions?status=open&{filter}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = Assert.Single((await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync())).RootElement.GetProperty("items").EnumerateArray());
        Assert.True(item.GetProperty("replayable").GetBoolean());
        return item.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_job_stopped_by_the_ERP_answers_a_problem_saying_so_and_runs_once_the_ERP_is_back()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        runtime.Erp.FailNext(SandboxErp.Operations.GetInvoiceChanges, ErpFailureKind.Unavailable);

        using var failed = await runtime.PostEmptyAsync("api/jobs/invoice-feedback");
        using var unknown = await runtime.PostEmptyAsync("api/jobs/no-such-job");
        using var again = await runtime.PostEmptyAsync("api/jobs/invoice-feedback");

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "application/problem+json"), (failed.StatusCode, failed.Content.Headers.ContentType?.MediaType));
        Assert.Contains("JOB_ERP_UNAVAILABLE", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("JOB_UNKNOWN", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}
