using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Ingress;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// A run with failures of every sort (mis-signed and unsigned calls, a source without a secret, malformed bodies, ERP
/// throttling and 5xx, business rejections) leaves no webhook secret and no storage key in any log line, exception,
/// problem body or exception item.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SecretHygieneTests(AzuriteFixture azurite)
{
    private const string PsaSecret = "psa-Secret-Value-7f3a91";
    private const string CrmSecret = "crm-Secret-Value-0b8d24";
    private const string PreviousPsaSecret = "psa-Previous-Value-55c1e0";

    [Fact]
    public async Task No_secret_appears_in_logs_exceptions_or_problem_bodies_across_a_run_with_failures()
    {
        var capture = new CapturingLoggerProvider();
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["PsaSync:Webhooks:Secrets:psa"] = PsaSecret,
            ["PsaSync:Webhooks:PreviousSecrets:psa"] = PreviousPsaSecret,
            ["PsaSync:Webhooks:Secrets:crm"] = CrmSecret,
            ["PsaSync:Webhooks:Secrets:erp"] = "", // a source whose secret was never set: refused, and logged as a configuration error
            ["PsaSync:Erp:Faults:ThrottleRate"] = "0.3",
            ["PsaSync:Erp:Faults:ServerErrorRate"] = "0.3",
            ["PsaSync:Erp:Faults:RetryAfter"] = "00:00:00.05",
            ["PsaSync:Erp:Faults:Seed"] = "11",
        }, minimumLogLevel: LogLevel.Debug);
        runtime.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        runtime.Erp.SeedProject(new ErpProject("ERP-PRJ-S1", "PRJ-S1", Active: true));
        var workDate = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1);
        TimeEntry Entry(string id, decimal hours, string project = "PRJ-S1") => new(id, 1, project, "RES-1", workDate, hours, true, "Consultant");
        var problems = new List<string>();

        async Task SendAsync(string route, string body, string? secret, HttpStatusCode expected)
        {
            using var response = await runtime.SendAsync(route, body, secret);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{route}: {(int)response.StatusCode} {text}");
            if (!response.IsSuccessStatusCode)
            {
                problems.Add(text);
            }
        }

        var timesheet = SandboxPsaWebhookWriter.TimeApproved([.. Enumerable.Range(0, 20).Select(i => Entry($"TE-S{i}", 8m))], DateTimeOffset.UtcNow);
        await SendAsync("psa/time", timesheet, PsaSecret, HttpStatusCode.Accepted);
        await SendAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([Entry("TE-S90", 26m), Entry("TE-S91", 8m, "PRJ-NOWHERE")], DateTimeOffset.UtcNow),
            PreviousPsaSecret, HttpStatusCode.Accepted);
        await SendAsync("psa/time", timesheet, PsaSecret + "x", HttpStatusCode.Unauthorized);
        await SendAsync("psa/time", timesheet, CrmSecret, HttpStatusCode.Unauthorized);
        await SendAsync("psa/time", timesheet, null, HttpStatusCode.Unauthorized);
        await SendAsync("erp/customers", "{}", PsaSecret, HttpStatusCode.Unauthorized);
        await SendAsync("crm/accounts", "{\"event\": ", CrmSecret, HttpStatusCode.BadRequest);
        await runtime.DrainAsync();

        var logs = capture.Entries;
        // The run did fail in the ways it was meant to, so the search below had something to search.
        Assert.Contains(logs, l => l.Level == LogLevel.Error && l.Text.Contains("no signing secret", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Level == LogLevel.Warning && l.Text.Contains("WEBHOOK_SIGNATURE_INVALID", StringComparison.Ordinal));
        Assert.NotEmpty(runtime.Erp.FaultsInjected);
        Assert.Equal(5, problems.Count);
        var items = await runtime.OpenExceptionsAsync();
        Assert.Contains(items, i => i.ReasonCode == "TIME_HOURS_OUT_OF_RANGE");

        var accountKey = Regex.Match(azurite.ConnectionString, "AccountKey=([^;]+)").Groups[1].Value;
        string[] secrets = [PsaSecret, PreviousPsaSecret, CrmSecret, accountKey, azurite.ConnectionString];
        Assert.All(secrets, s => Assert.False(string.IsNullOrEmpty(s)));
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(logs, l => l.Text.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(problems, p => p.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(items, i => $"{i.Title} {i.Message} {i.HowToFix}".Contains(secret, StringComparison.Ordinal));
        }
    }
}
