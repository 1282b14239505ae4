using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Connectors.Tryton;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Watermarks;
using PsaSync.Hosting;
using PsaSync.LocalRuntime;
using PsaSync.LocalRuntime.Queue;
using PsaSync.Testing;

namespace PsaSync.Tryton.Tests;

/// <summary>
/// The closed loop on a real ERP: PSA and CRM webhooks into the local runtime configured with
/// <c>PsaSync:Erp:Kind=tryton</c>, month-end billing, and what Tryton holds afterwards; then every webhook replayed
/// twice, which must leave Tryton as it was; last, payments entered in Tryton reach the sandbox PSA through the
/// invoice feedback job.
/// </summary>
[Collection(TrytonCollection.Name)]
public sealed class ClosedLoopTests(TrytonServer tryton, AzuriteFixture azurite)
{
    private const string Secret = "tryton-loop-secret";
    private static readonly string Period = LiveCalendar.PreviousPeriod;
    private static readonly DateOnly Start = LiveCalendar.PreviousMonth;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Webhooks_through_the_local_runtime_end_in_Tryton_and_payments_in_Tryton_come_back_to_the_PSA()
    {
        var scenario = new Scenario(_run);
        var client = tryton.NewClient();
        await using var runtime = await StartRuntimeAsync();

        await SendAllAsync(runtime, scenario);
        await runtime.AssertNoExceptionsAsync();
        using (var billing = await runtime.Http.PostAsync($"api/billing/{scenario.Project.ProjectId}/{Period}", content: null))
        {
            Assert.Equal(HttpStatusCode.Accepted, billing.StatusCode);
        }
        var status = await WaitForBillingAsync(runtime, scenario.Project.ProjectId);

        Assert.True(status.Output?.State == BillingState.Invoiced, $"Billing ended {status.RuntimeStatus}: {JsonSerializer.Serialize(status.Output, PsaSyncJson.Options)}");
        var expected = 8m * 150m + 6.5m * 190m + 4m * 150m + 480m * 1.10m + 5_000m;
        var before = await SnapshotAsync(client, scenario);
        Assert.Equal(1, before.Parties);
        Assert.Equal(1, before.Projects);
        // Cost postings are aggregated per resource and role: employee 1's two Consultant entries share one line.
        Assert.Equal(scenario.Time.Select(t => (t.ResourceId, t.Role)).Distinct().Count(), before.TimesheetLines.Length);
        Assert.All(before.TimesheetLines, line => Assert.StartsWith("PSA-TA-", line, StringComparison.Ordinal));
        var invoice = Assert.Single(before.Invoices);
        Assert.Equal(("posted", expected, expected), (invoice.State, invoice.UntaxedAmount, invoice.TotalAmount));
        Assert.Equal(invoice.Number, status.Output!.InvoiceNumber);

        // Sources retry: every webhook arrives twice more. Nothing in Tryton may change.
        for (var replay = 0; replay < 2; replay++)
        {
            await SendAllAsync(runtime, scenario, recordInPsa: false);
        }
        Assert.Equal(before, await SnapshotAsync(client, scenario));
        await runtime.AssertNoExceptionsAsync();

        // Finance records payments in Tryton; the invoice feedback job carries each to the PSA.
        await runtime.RunJobAsync(JobNames.InvoiceFeedback);
        var office = new TrytonBackOffice(client);
        var today = LiveCalendar.Today;
        await office.PayAsync(invoice.Id.ToString(CultureInfo.InvariantCulture), 1_000m, today);
        await runtime.RunJobAsync(JobNames.InvoiceFeedback);
        await office.PayAsync(invoice.Id.ToString(CultureInfo.InvariantCulture), expected - 1_000m, today);
        await runtime.RunJobAsync(JobNames.InvoiceFeedback);
        await runtime.RunJobAsync(JobNames.InvoiceFeedback);

        Assert.Equal(
            [(PsaInvoiceState.Issued, expected, 0m), (PsaInvoiceState.PartiallyPaid, expected - 1_000m, 1_000m), (PsaInvoiceState.Paid, 0m, expected)],
            runtime.Psa.InvoiceHistory.Select(i => (i.State, i.Balance, i.Paid)));
        Assert.Equal(invoice.Number, runtime.Psa.Invoices[invoice.Id.ToString(CultureInfo.InvariantCulture)].Number);
        await runtime.AssertNoExceptionsAsync();
    }

    /// <summary>
    /// A revoked approval and a correction after the time reached Tryton, in both cost posting modes: Tryton (which refuses
    /// negative durations) ends up holding the approved hours, nothing is refused, and billing posts the invoice of what is
    /// still approved.
    /// </summary>
    [Theory]
    [InlineData(CostPostingMode.Batched)]
    [InlineData(CostPostingMode.PerRecord)]
    public async Task A_revocation_and_a_correction_after_posting_leave_Tryton_with_the_approved_hours_and_billing_goes_through(CostPostingMode mode)
    {
        var scenario = new Scenario(_run);
        var client = tryton.NewClient();
        await using var runtime = await StartRuntimeAsync(new() { ["PsaSync:CostPostings:Mode"] = mode.ToString() });
        await SendAllAsync(runtime, scenario);
        await runtime.AssertNoExceptionsAsync();
        Assert.Equal(8m + 6.5m + 4m, await TrytonHoursAsync(client, scenario));

        // Employee 1's 4 h are revoked (batched: they share a line with the 8 h); employee 2's 6.5 h become 5 h.
        var revoked = scenario.Time[2];
        var corrected = scenario.Time[1] with { Version = 2, Hours = 5m };
        var now = DateTimeOffset.UtcNow;
        runtime.Psa.RevokeApproval(revoked.EntryId);
        runtime.Psa.RecordApprovedTime(corrected);
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApprovalRevoked([revoked], now));
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([corrected], now));
        await runtime.DrainAsync();
        await runtime.AssertNoExceptionsAsync();
        Assert.Equal(8m + 5m, await TrytonHoursAsync(client, scenario));

        // Replayed webhooks change nothing.
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApprovalRevoked([revoked], now));
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([corrected], now));
        await runtime.DrainAsync();
        await runtime.AssertNoExceptionsAsync();
        Assert.Equal(8m + 5m, await TrytonHoursAsync(client, scenario));

        using (var billing = await runtime.Http.PostAsync($"api/billing/{scenario.Project.ProjectId}/{Period}", content: null))
        {
            Assert.Equal(HttpStatusCode.Accepted, billing.StatusCode);
        }
        var status = await WaitForBillingAsync(runtime, scenario.Project.ProjectId);
        Assert.True(status.Output?.State == BillingState.Invoiced, $"Billing ended {status.RuntimeStatus}: {JsonSerializer.Serialize(status.Output, PsaSyncJson.Options)}");
        var expected = 8m * 150m + 5m * 190m + 480m * 1.10m + 5_000m;
        var invoice = Assert.Single((await SnapshotAsync(client, scenario)).Invoices);
        Assert.Equal(("posted", expected), (invoice.State, invoice.UntaxedAmount));
        await runtime.AssertNoExceptionsAsync();
    }

    /// <summary>The hours Tryton holds on the scenario's project, read straight from Tryton.</summary>
    private static async Task<decimal> TrytonHoursAsync(TrytonJsonRpcClient client, Scenario scenario)
    {
        var projects = await client.SearchAsync("project.work", new object[] { new object[] { "comment", "=", TrytonErp.Marker + scenario.Project.ProjectId } }, CancellationToken.None);
        var lines = await client.SearchReadAsync<DurationRow>("timesheet.line",
            new object[] { new object[] { "work.origin", "=", $"project.work,{projects.Single()}" } }, ["duration"], CancellationToken.None);
        return Math.Round(lines.Sum(l => (decimal)l.Duration.TotalHours), 4);
    }

    private sealed record DurationRow(int Id, TimeSpan Duration);

    /// <summary>A US customer, a T&amp;M project with two roles and a milestone, time from two consultants, a billable expense with 10 % markup.</summary>
    private sealed class Scenario(string run)
    {
        public Customer Customer { get; } = new($"ACC-{run}", $"Closed Loop {run} Inc", "US", "USD", UniqueEin(), "NET30", "PSUS", RequiresPurchaseOrder: false);

        /// <summary>A well-formed EIN of its own: a tax id shared with an earlier run's customer would be flagged as a duplicate.</summary>
        private static string UniqueEin() => $"{Random.Shared.Next(10, 99)}-{Random.Shared.Next(0, 9_999_999):D7}";

        public Project Project => new($"PRJ-{run}", 1, Customer.CustomerKey, $"Loop rollout {run}", ProjectStatus.Active, "PSUS", "USD", BillingModel.TimeAndMaterials,
            Start, null, $"MSA-{run}", null, "US-EXEMPT", "Advisory",
            [new RoleRate("Consultant", 150m, Start), new RoleRate("Senior Consultant", 190m, Start)],
            [new PlannedMilestone(Milestone.MilestoneId, Milestone.Name, Milestone.Amount, LiveCalendar.PreviousMonth.AddMonths(1).AddDays(-1))], null);

        public TimeEntry[] Time { get; } =
        [
            new($"TE-{run}-1", 1, $"PRJ-{run}", $"EMP-{run}-1", LiveCalendar.DayOfPreviousMonth(5), 8m, true, "Consultant"),
            new($"TE-{run}-2", 1, $"PRJ-{run}", $"EMP-{run}-2", LiveCalendar.DayOfPreviousMonth(6), 6.5m, true, "Senior Consultant"),
            new($"TE-{run}-3", 1, $"PRJ-{run}", $"EMP-{run}-1", LiveCalendar.DayOfPreviousMonth(7), 4m, true, "Consultant"),
        ];

        public Expense Travel { get; } = new($"EX-{run}", 1, $"PRJ-{run}", $"EMP-{run}-1", LiveCalendar.DayOfPreviousMonth(7), "Travel", 480m, "USD", true, 10m, $"R-{run}");

        public Milestone Milestone { get; } = new($"MS-{run}", $"PRJ-{run}", "Acceptance", 5_000m, "USD", LiveCalendar.DayOfPreviousMonth(20));
    }

    /// <summary>The customer first (the project waits for it otherwise), then the project, then time, expense and milestone.</summary>
    private static async Task SendAllAsync(Runtime runtime, Scenario scenario, bool recordInPsa = true)
    {
        var now = DateTimeOffset.UtcNow;
        await runtime.PostAsync("crm/accounts", SandboxCrmWebhookWriter.ClosedWon(scenario.Customer, 1, now));
        await runtime.DrainAsync();
        if (recordInPsa)
        {
            runtime.Psa.AddProject(scenario.Project);
            foreach (var entry in scenario.Time)
            {
                runtime.Psa.RecordApprovedTime(entry);
            }
            runtime.Psa.RecordApprovedExpense(scenario.Travel);
        }
        await runtime.PostAsync("psa/projects", SandboxPsaWebhookWriter.ProjectChanged(scenario.Project, now));
        await runtime.DrainAsync();
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved(scenario.Time, now));
        await runtime.PostAsync("psa/expenses", SandboxPsaWebhookWriter.ExpensesApproved([scenario.Travel], now));
        await runtime.PostAsync("psa/milestones", SandboxPsaWebhookWriter.MilestoneCompleted(scenario.Milestone, now));
        await runtime.DrainAsync();
    }

    /// <summary>What Tryton holds for the scenario, read straight from Tryton (not through the connector under test).</summary>
    private sealed record Snapshot(int Parties, int Projects, string[] TimesheetLines, InvoiceRow[] Invoices)
    {
        public bool Equals(Snapshot? other) => other is not null && (Parties, Projects) == (other.Parties, other.Projects)
            && TimesheetLines.SequenceEqual(other.TimesheetLines) && Invoices.SequenceEqual(other.Invoices);

        public override int GetHashCode() => HashCode.Combine(Parties, Projects);
    }

    private static async Task<Snapshot> SnapshotAsync(TrytonJsonRpcClient client, Scenario scenario)
    {
        var parties = await client.SearchAsync("party.party", new object[] { new object[] { "identifiers.code", "=", TrytonErp.Marker + scenario.Customer.CustomerKey } }, CancellationToken.None);
        var party = Assert.Single(parties);
        var projects = await client.SearchAsync("project.work", new object[] { new object[] { "comment", "=", TrytonErp.Marker + scenario.Project.ProjectId } }, CancellationToken.None);
        var lines = await client.SearchReadAsync<TimesheetLineRow>("timesheet.line",
            new object[] { new object[] { "work.origin", "=", $"project.work,{projects.Single()}" } }, ["description"], CancellationToken.None);
        var invoices = await client.SearchReadAsync<InvoiceRow>("account.invoice", new object[] { new object[] { "party", "=", party } },
            InvoiceRow.Fields.Split(','), CancellationToken.None, order: new object[] { new object[] { "id", "ASC" } });
        return new Snapshot(parties.Count, projects.Count,
            [.. lines.Select(l => l.Description![TrytonErp.Marker.Length..]).Order(StringComparer.Ordinal)], [.. invoices]);
    }

    private async Task<Runtime> StartRuntimeAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(extra ?? [])
        {
            ["PsaSync:Storage:ConnectionString"] = azurite.ConnectionString,
            ["PsaSync:Storage:TablePrefix"] = AzuriteFixture.NewTablePrefix(),
            ["PsaSync:Messaging:FirstRetryDelay"] = "00:00:00.1",
            ["PsaSync:Messaging:MaxRetryDelay"] = "00:00:01",
            ["PsaSync:Webhooks:Secrets:psa"] = Secret,
            ["PsaSync:Webhooks:Secrets:crm"] = Secret,
            ["PsaSync:Erp:Kind"] = LocalRuntimeHost.TrytonKind,
            ["PsaSync:Erp:Tryton:Url"] = tryton.Options.Url?.ToString(),
            ["PsaSync:Erp:Tryton:Database"] = tryton.Options.Database,
            ["PsaSync:Erp:Tryton:User"] = tryton.Options.User,
            ["PsaSync:Erp:Tryton:Password"] = tryton.Options.Password,
        };
        // One worker per queue: Tryton on SQLite serves one request at a time anyway. No timers: the test runs the jobs.
        var options = new LocalRuntimeOptions { Port = 0, WorkersPerQueue = 1 };
        options.Timers.Clear();
        var app = LocalRuntimeHost.Build(options, new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await app.StartAsync();
        Assert.IsType<TrytonErp>(app.Services.GetRequiredKeyedService<IErpConnector>(ServiceRegistration.HostErpKey));
        // The shared test Tryton holds other tests' invoices: start the feed after them, as a deployment starts "from now".
        var end = await TrytonFeed.EndAsync(tryton.NewErp());
        if (end is not null)
        {
            Assert.True(await app.Services.GetRequiredService<IWatermarkStore>().TryAdvanceAsync(InvoiceFeedbackJob.WatermarkName, end, null, CancellationToken.None));
        }
        return new Runtime(app);
    }

    private static async Task<BillingRunStatus> WaitForBillingAsync(Runtime runtime, string projectId)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await runtime.Http.GetAsync($"api/billing/{projectId}/{Period}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = (await JsonSerializer.DeserializeAsync<BillingRunStatus>(await response.Content.ReadAsStreamAsync(), PsaSyncJson.Options))!;
            if (status.RuntimeStatus is "Completed" or "Failed" or "Terminated")
            {
                return status;
            }
            // A blocked run waits (days) for its problems to be resolved: stop at once and say why.
            Assert.True(status.CustomStatus?.State != BillingState.Blocked && DateTime.UtcNow < deadline,
                $"the billing run did not finish: {JsonSerializer.Serialize(status, PsaSyncJson.Options)}");
            await Task.Delay(200);
        }
    }

    /// <summary>The local runtime on a free port, and what this test does with it.</summary>
    private sealed class Runtime(WebApplication app) : IAsyncDisposable
    {
        public HttpClient Http { get; } = new() { BaseAddress = app.BaseAddress() };

        public SandboxPsa Psa => app.Services.GetRequiredService<SandboxPsa>();

        public async Task PostAsync(string route, string body)
        {
            using var request = WebhookSignature.CreateRequest($"api/webhooks/{route}", body, Secret, DateTimeOffset.UtcNow);
            using var response = await Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{route} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        /// <summary>
        /// Waits until every queue is empty, then runs the cost posting job (accepted time reaches Tryton through it)
        /// instead of waiting for its timer. Tryton calls are slower than the sandbox's, so allow minutes.
        /// </summary>
        public async Task DrainAsync()
        {
            await WaitForEmptyQueuesAsync();
            await RunJobAsync(JobNames.CostPostings);
        }

        private async Task WaitForEmptyQueuesAsync()
        {
            var queue = app.Services.GetRequiredService<TableMessageQueue>();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                var waiting = 0;
                foreach (var name in QueueNames.All)
                {
                    waiting += await queue.CountAsync(name, CancellationToken.None);
                }
                if (waiting == 0)
                {
                    return;
                }
                Assert.True(DateTime.UtcNow < deadline, $"{waiting} messages did not drain");
                await Task.Delay(100);
            }
        }

        public async Task RunJobAsync(string job)
        {
            using var response = await Http.PostAsync($"api/jobs/{job}", content: null);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"job {job} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        /// <summary>Fails with the open exceptions' own words, which say what Tryton refused.</summary>
        public async Task AssertNoExceptionsAsync()
        {
            var open = await app.Services.GetRequiredService<IExceptionStore>().ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), CancellationToken.None);
            Assert.True(open.Count == 0, string.Join(Environment.NewLine, open.Select(e => JsonSerializer.Serialize(e, PsaSyncJson.Options))));
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
