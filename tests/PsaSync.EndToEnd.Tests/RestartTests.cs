using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Ports;
using PsaSync.Core.TimeExpense;
using PsaSync.LocalRuntime.Demo;
using PsaSync.LocalRuntime.Queue;
using PsaSync.Storage;

using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// The local runtime as a real process, hard-killed while work is queued and started again: everything it
/// acknowledged must still reach the ERP, once.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RestartTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _sandboxDirectory = Directory.CreateTempSubdirectory("psasync-e2e-").FullName;
    private readonly string _tablePrefix = AzuriteFixture.NewTablePrefix();

    [Fact]
    public async Task A_killed_runtime_resumes_and_loses_nothing_it_acknowledged()
    {
        var scenario = DemoScenario.Create(seed: 11, consultants: 2, new DateOnly(2026, 10, 1));
        var goodEntries = scenario.Entries.Where(e => e.Hours <= 24 && e.ProjectId != scenario.UnknownProject).ToList();
        // Project setup is not what this test is about: the ERP has the projects already, as its users set them up.
        var journal = Path.Combine(_sandboxDirectory, "sandbox-erp.jsonl");
        var seeding = new SandboxErp(new SandboxFaultOptions(), journal);
        foreach (var project in scenario.BillableProjects)
        {
            seeding.SeedProject(new ErpProject($"ERP-{project}", project, Active: true));
        }

        // First life: the ERP throttles most calls, so work is still queued when the process is killed.
        var port = FreePort();
        using (var first = StartRuntime(port, throttleRate: "0.9"))
        {
            using var http = await ConnectAsync(port, first);
            foreach (var timesheet in scenario.Timesheets)
            {
                var body = SandboxPsaWebhookWriter.TimeApproved(timesheet, DateTimeOffset.UtcNow);
                using var request = WebhookSignature.CreateRequest("api/webhooks/psa/time", body, LocalRuntimeHarness.Secret, DateTimeOffset.UtcNow);
                using var response = await http.SendAsync(request);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        var queue = new TableMessageQueue(Tables(), TimeProvider.System);
        Assert.True(await queue.CountAsync(QueueNames.TimeExpense, CancellationToken.None) > 0, "the kill should leave acknowledged work in the queue");

        // Second life: a healthy ERP; the runtime picks up where the first one died.
        using (var second = StartRuntime(port, throttleRate: "0"))
        {
            using var http = await ConnectAsync(port, second);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            var costPostings = new TablePendingCostPostings(Tables());
            while (await queue.CountAsync(QueueNames.TimeExpense, CancellationToken.None) > 0
                || (await costPostings.ListOpenAsync(1, CancellationToken.None)).Count > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the restarted runtime did not drain its queue and post the accepted time");
                await Task.Delay(250);
            }
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }

        var erp = new SandboxErp(new SandboxFaultOptions(), journal);
        var posted = erp.TimeLines.Select(l => l.Line.ExternalId).ToList();
        Assert.Equal(posted.Count, posted.Distinct().Count());
        // The cost posting job posts aggregated lines: every good entry's hours are in the ERP exactly once, and the PSA shows each as transferred.
        Assert.Equal(goodEntries.Sum(e => e.Hours), erp.TimeLines.Sum(l => l.Line.Hours));
        var psa = new SandboxPsa(new SandboxFaultOptions(), Path.Combine(_sandboxDirectory, "sandbox-psa.jsonl"));
        Assert.Equal(goodEntries.Select(e => e.EntryId).Order(), psa.TimeEntryStatus.Keys.Order());
    }

    private Process StartRuntime(int port, string throttleRate)
    {
        var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "psasync-local.dll"), "serve"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Runtime__Port"] = port.ToString();
        info.Environment["Runtime__LockDuration"] = "00:00:03";
        info.Environment["Runtime__Timers__cost-postings"] = "00:00:01";
        info.Environment["PsaSync__Messaging__MaxRetryDelay"] = "00:00:02";
        info.Environment["PsaSync__Messaging__ClaimLease"] = "00:00:03";
        info.Environment["PsaSync__Storage__ConnectionString"] = azurite.ConnectionString;
        info.Environment["PsaSync__Storage__TablePrefix"] = _tablePrefix;
        info.Environment["PsaSync__SandboxDataDirectory"] = _sandboxDirectory;
        info.Environment["PsaSync__Webhooks__Secrets__psa"] = LocalRuntimeHarness.Secret;
        info.Environment["PsaSync__Messaging__FirstRetryDelay"] = "00:00:00.2";
        info.Environment["PsaSync__Erp__Faults__ThrottleRate"] = throttleRate;
        info.Environment["PsaSync__Erp__Faults__RetryAfter"] = "00:00:01";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<HttpClient> ConnectAsync(int port, Process process)
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "the local runtime exited during start-up");
            try
            {
                using var health = await http.GetAsync("api/health");
                if (health.IsSuccessStatusCode)
                {
                    return http;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(200);
        }
    }

    private TableProvider Tables() =>
        new(new TableServiceClient(azurite.ConnectionString), Options.Create(new TableStorageOptions { TablePrefix = _tablePrefix }));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => Directory.Delete(_sandboxDirectory, recursive: true);
}
