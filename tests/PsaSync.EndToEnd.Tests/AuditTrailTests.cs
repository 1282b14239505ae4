using System.Net;
using System.Text.Json;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>The ERP changes of a record are audited and readable through <c>GET /api/ops/audit?correlationId=</c>.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AuditTrailTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_posted_time_entry_has_one_audit_record_per_ERP_attempt_under_its_correlation_id()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Erp:Faults:ServerErrorRate"] = "0.5",
            ["PsaSync:Erp:Faults:Seed"] = "3",
            // Posted on its own, the entry's line is audited under the entry's correlation id; a batched line under its aggregate's.
            ["PsaSync:CostPostings:Mode"] = "PerRecord",
        });
        runtime.Erp.SeedProject(new ErpProject("ERP-PRJ-A1", "PRJ-A1", Active: true));
        var entry = new TimeEntry("TE-A1", 1, "PRJ-A1", "RES-1", DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1), 6m, true, "Consultant");

        using var accepted = await runtime.SendAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([entry], DateTimeOffset.UtcNow), LocalRuntimeHarness.Secret);
        var correlationId = JsonDocument.Parse(await accepted.Content.ReadAsStringAsync()).RootElement.GetProperty("correlationId").GetString();
        await runtime.DrainAsync();
        using var response = await runtime.GetAsync($"api/ops/audit?correlationId={correlationId}");
        var records = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("records").EnumerateArray().ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var posts = records.Where(r => r.GetProperty("operation").GetString() == "post-time").ToList();
        Assert.NotEmpty(posts);
        Assert.All(posts, r => Assert.Equal("psa/time-entry/TE-A1", r.GetProperty("source").GetString()));
        // Failed attempts (the injected 5xx) are audited too; the last attempt succeeded, exactly one line is in the ERP.
        Assert.Equal("succeeded", posts[^1].GetProperty("outcome").GetString());
        Assert.Equal(posts.Count - 1, posts.Count(r => r.GetProperty("outcome").GetString() == "failed:Unavailable"));
        Assert.Single(runtime.Erp.TimeLines);
    }

    [Fact]
    public async Task Asking_for_the_audit_without_a_correlation_id_is_400_OPS_QUERY_INVALID()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);

        using var response = await runtime.GetAsync("api/ops/audit");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("OPS_QUERY_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
