using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.TimeExpense;
using PsaSync.LocalRuntime.Sandbox;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// A person drives the local runtime as PSA users would, through the sandbox PSA's HTTP API only: set a project up,
/// approve time, revoke one approval and correct an entry after they were posted, approve an expense, complete a
/// milestone. The PSA's own state follows (so billing readiness agrees with it), its webhooks reach PsaSync, the ERP holds
/// the approved hours, and the month is billed, in both cost posting modes.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SandboxPsaApiTests(AzuriteFixture azurite)
{
    private const string ProjectId = "PRJ-820";
    private const string Period = "2026-10";
    private static readonly DateOnly Start = new(2026, 1, 1);

    [Theory]
    [InlineData(CostPostingMode.Batched)]
    [InlineData(CostPostingMode.PerRecord)]
    public async Task Time_approved_revoked_and_corrected_through_the_PSA_API_is_billed_as_the_PSA_now_shows_it(CostPostingMode mode)
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?> { ["PsaSync:CostPostings:Mode"] = mode.ToString() });
        var customer = new Customer("ACC-820", "Api Kunde GmbH", "DE", "EUR", "DE000000820", "NET30", "PSDE", RequiresPurchaseOrder: false);
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow));
        await runtime.DrainAsync();

        var project = new Project(ProjectId, 1, customer.CustomerKey, "API rollout", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
            Start, null, "MSA-820", null, "DE-VAT-19", "Advisory",
            [new RoleRate("Consultant", 150m, Start), new RoleRate("Senior Consultant", 190m, Start)],
            [new PlannedMilestone("MS-820", "Go-live", 2_000m, new DateOnly(2026, 10, 31))], null);
        await ActAsync(runtime, "sandbox/psa/projects", project);
        await runtime.DrainAsync();

        var approved = await ActAsync(runtime, "sandbox/psa/time/approve?deliveries=2", new[]
        {
            new SandboxTimeApproval("TE-8201", ProjectId, "EMP-1", new DateOnly(2026, 10, 5), 8m, true, "Consultant"),
            new SandboxTimeApproval("TE-8202", ProjectId, "EMP-1", new DateOnly(2026, 10, 6), 4m, true, "Consultant"),
            new SandboxTimeApproval("TE-8203", ProjectId, "EMP-2", new DateOnly(2026, 10, 6), 6.5m, true, "Senior Consultant"),
        });
        Assert.Equal((2, 202), (approved.Deliveries, approved.WebhookStatus));
        await runtime.DrainAsync();
        Assert.Equal(18.5m, runtime.Erp.TimeLines.Sum(l => l.Line.Hours));

        // After posting: one approval is revoked, one entry is corrected (6.5 h become 5 h, version 2).
        await ActAsync(runtime, "sandbox/psa/time/TE-8202/revoke", new { });
        var corrected = await ActAsync(runtime, "sandbox/psa/time/TE-8203/correct", new SandboxTimeCorrection(Hours: 5m));
        Assert.Contains("\"version\":2", corrected.Records[0].ToString(), StringComparison.Ordinal);
        await ActAsync(runtime, "sandbox/psa/expenses/approve",
            new[] { new SandboxExpenseApproval("EX-8201", ProjectId, "EMP-1", new DateOnly(2026, 10, 7), "Travel", 300m, "EUR", true, 10m, "R-8201") });
        await ActAsync(runtime, "sandbox/psa/milestones/complete", new Milestone("MS-820", ProjectId, "Go-live", 2_000m, "EUR", new DateOnly(2026, 10, 20)));
        await runtime.DrainAsync();

        Assert.Empty(await runtime.OpenExceptionsAsync());
        Assert.Equal(["TE-8201", "TE-8203"], runtime.Psa.ApprovedTimeEntries.Keys.Order());
        Assert.Equal(8m + 5m, runtime.Erp.TimeLines.Sum(l => l.Line.Hours));
        var totals = await runtime.Psa.GetApprovedTotalsAsync(ProjectId, Period, CancellationToken.None);
        Assert.Equal(13m, totals.BillableHours);

        using var started = await runtime.PostEmptyAsync($"api/billing/{ProjectId}/{Period}");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var status = await WaitForCompletionAsync(runtime);
        Assert.True(status.Output?.State == BillingState.Invoiced, JsonSerializer.Serialize(status, PsaSyncJson.Options));
        var invoice = Assert.Single(runtime.Erp.Invoices);
        Assert.Equal(8m * 150m + 5m * 190m + 300m * 1.1m + 2_000m, invoice.Net);
        Assert.Empty(await runtime.OpenExceptionsAsync());
    }

    [Fact]
    public async Task An_unknown_entry_or_a_malformed_body_is_refused_and_changes_nothing()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);

        using (var revoke = await PostJsonAsync(runtime, "sandbox/psa/time/TE-NONE/revoke", new { }))
        {
            Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        }
        using (var approve = await PostJsonAsync(runtime, "sandbox/psa/time/approve", new { entryId = "TE-1" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, approve.StatusCode);
        }
        Assert.Empty(runtime.Psa.ApprovedTimeEntries);
        Assert.Equal(0, await runtime.QueuedAsync());
    }

    private static async Task<SandboxPsaActionResult> ActAsync<T>(LocalRuntimeHarness runtime, string path, T body)
    {
        using var response = await PostJsonAsync(runtime, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<SandboxPsaActionResult>(text, PsaSyncJson.Options)!;
    }

    private static Task<HttpResponseMessage> PostJsonAsync<T>(LocalRuntimeHarness runtime, string path, T body) =>
        runtime.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: PsaSyncJson.Options) });

    private sealed record SandboxPsaActionResult(string Event, List<JsonElement> Records, int Deliveries, int WebhookStatus, string WebhookAnswer);

    private static async Task<BillingRunStatus> WaitForCompletionAsync(LocalRuntimeHarness runtime)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await runtime.GetAsync($"api/billing/{ProjectId}/{Period}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = (await JsonSerializer.DeserializeAsync<BillingRunStatus>(await response.Content.ReadAsStreamAsync(), PsaSyncJson.Options))!;
            if (status.RuntimeStatus is "Completed" or "Failed" or "Terminated")
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, "the billing run did not get there in time");
            await Task.Delay(100);
        }
    }
}
