using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using System.Net.Http.Json;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.TimeExpense;
using PsaSync.Hosting;
using PsaSync.LocalRuntime.Queue;
using PsaSync.LocalRuntime.Sandbox;

namespace PsaSync.LocalRuntime.Demo;

/// <summary>Settings of one demo run; the defaults are the README's demo.</summary>
public sealed class DemoOptions
{
    public int Seed { get; set; } = 7;

    public int Consultants { get; set; } = 12;

    public DateOnly Month { get; set; } = new(2026, 10, 1);

    /// <summary>Share of webhook calls the source systems send twice, as real ones do after a timeout.</summary>
    public double DuplicateDeliveryRate { get; set; } = 0.2;

    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>What the demo saw, in business terms; <see cref="Lost"/> must be zero.</summary>
public sealed record DemoSummary(
    int WebhookCalls,
    int DuplicateCalls,
    int CustomersInErp,
    int CustomersInPsa,
    int ProjectsInErp,
    int ProjectsThatWaitedForTheirCustomer,
    int TimeEntriesSent,
    int UniqueTimeEntries,
    int EntriesPostedToErp,
    int TimeLinesInErp,
    int ErpPostingRequests,
    bool HoursInErpMatchPostedEntries,
    int EntriesMarkedSyncedInPsa,
    IReadOnlyDictionary<string, int> OpenExceptionsByReason,
    int DeadLettered,
    IReadOnlyDictionary<SandboxFault, int> ErpFaultsInjected,
    IReadOnlyList<string> Billing,
    int InvoicesIssued,
    int BillingRunsBlocked,
    IReadOnlyList<string> Reconciliation,
    int Lost,
    TimeSpan Elapsed);

/// <summary>
/// Drives the demo scenario through the running local runtime's webhooks, phase by phase, waits for the
/// queues to drain after each, and checks that every record it sent was either synced or raised as an
/// exception item.
/// </summary>
public sealed class DemoRunner(WebApplication app, DemoOptions options, TextWriter output)
{
    private readonly SandboxErp _erp = app.Services.GetRequiredService<SandboxErp>();
    private readonly SandboxPsa _psa = app.Services.GetRequiredService<SandboxPsa>();
    private readonly TableMessageQueue _queue = app.Services.GetRequiredService<TableMessageQueue>();
    private readonly IExceptionStore _exceptions = app.Services.GetRequiredService<IExceptionStore>();
    private readonly Random _random = new(options.Seed);
    private int _calls;
    private int _duplicates;

    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var scenario = DemoScenario.Create(options.Seed, options.Consultants, options.Month);
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        // The demo plays the senders, so it signs with the secrets the runtime was configured with.
        var secrets = app.Services.GetRequiredService<IOptions<PsaSyncOptions>>().Value.Webhooks.Secrets;

        output.WriteLine($"1. {scenario.Customers.Count} deals close in the CRM ...");
        foreach (var customer in scenario.Customers)
        {
            await SendAsync(http, secrets, "crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow), cancellationToken);
        }
        await DrainAsync(cancellationToken);
        output.WriteLine($"   Another sales rep enters {scenario.DuplicateCustomer.LegalName} again as a new account ...");
        await SendAsync(http, secrets, "crm/accounts", SandboxCrmWebhookWriter.ClosedWon(scenario.DuplicateCustomer, 1, DateTimeOffset.UtcNow), cancellationToken);
        await DrainAsync(cancellationToken);

        output.WriteLine($"2. {scenario.Projects.Count} projects are activated in the PSA (one before its customer's deal has closed) ...");
        // PSA users act through the sandbox PSA's API, which records what they did and sends PsaSync the webhook.
        foreach (var project in scenario.Projects)
        {
            await ActInPsaAsync(http, "sandbox/psa/projects", project, cancellationToken);
        }
        await DrainAsync(cancellationToken);

        output.WriteLine($"3. The late deal ({scenario.LateCustomer.LegalName}) closes; its waiting project should continue by itself ...");
        await SendAsync(http, secrets, "crm/accounts", SandboxCrmWebhookWriter.ClosedWon(scenario.LateCustomer, 1, DateTimeOffset.UtcNow), cancellationToken);
        await DrainAsync(cancellationToken);

        output.WriteLine($"4. {scenario.Timesheets.Count} approved timesheets ({scenario.Entries.Count()} time entries) arrive from the PSA ...");
        var entriesSent = 0;
        foreach (var timesheet in scenario.Timesheets)
        {
            var approvals = timesheet.Select(e => new SandboxTimeApproval(e.EntryId, e.ProjectId, e.ResourceId, e.WorkDate, e.Hours, e.Billable, e.Role));
            entriesSent += timesheet.Count * await ActInPsaAsync(http, "sandbox/psa/time/approve", approvals.ToList(), cancellationToken);
        }
        await DrainAsync(cancellationToken);
        output.WriteLine("   The cost posting job posts the accepted time to the ERP, aggregated and in batches ...");
        await PostCostsAsync(cancellationToken);

        var open = await _exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), cancellationToken);
        var lost = CountLost(scenario, open);
        var waited = (await _exceptions.ListAsync(new ExceptionQuery(ReasonCode: ReasonCodes.ProjectWaitingForCustomer.Code, Status: ExceptionStatus.Resolved), cancellationToken)).Count;
        var customersInErp = _erp.Customers.Count;
        var projectsInErp = _erp.Projects.Count;

        output.WriteLine($"5. Month-end: billing readiness runs for {string.Join(", ", scenario.BillableProjects)} ({Period(scenario)}) ...");
        var billing = new List<BillingRunStatus>();
        foreach (var project in scenario.BillableProjects)
        {
            billing.Add(await BillAsync(http, project, Period(scenario), cancellationToken));
        }

        output.WriteLine("6. Someone edits the ERP by hand (renames a customer, deletes a project); reconciliation runs ...");
        var fabrikam = _erp.Customers.Single(c => c.ExternalId == "ACC-002");
        _erp.EditCustomerDirectly(fabrikam.CustomerNumber, c => c with { LegalName = c.LegalName + " (renamed in the ERP)" });
        _erp.DeleteProjectDirectly(_erp.Projects.Single(p => p.PsaProjectId == scenario.BillableProjects[1]).ErpProjectCode);
        var reconciliation = new List<string>();
        foreach (var job in new[] { JobNames.CustomerReconciliation, JobNames.ProjectReconciliation })
        {
            reconciliation.Add(await RunJobAsync(job, cancellationToken));
        }

        open = await _exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), cancellationToken);
        var deadLettered = 0;
        foreach (var name in QueueNames.All)
        {
            deadLettered += await _queue.CountDeadLettersAsync(name, cancellationToken);
        }
        var posted = PostedEntries(scenario);
        var lines = _erp.TimeLines;
        var requests = _erp.Requests;
        return new DemoSummary(
            _calls, _duplicates, customersInErp, _psa.Customers.Count, projectsInErp, waited,
            entriesSent, scenario.Entries.Count(), posted.Count, lines.Count,
            requests.GetValueOrDefault(SandboxErp.Operations.PostTime) + requests.GetValueOrDefault(SandboxErp.Operations.PostTimeLines),
            lines.Sum(l => l.Line.Hours) == posted.Sum(e => e.Hours),
            _psa.TimeEntryStatus.Count,
            open.GroupBy(x => x.ReasonCode).ToDictionary(g => g.Key, g => g.Count()),
            deadLettered, _erp.FaultsInjected,
            [.. billing.Select(Describe)],
            billing.Count(b => b.CustomStatus?.State == BillingState.Invoiced),
            billing.Count(b => b.CustomStatus?.State == BillingState.Blocked),
            reconciliation, lost, stopwatch.Elapsed);
    }

    /// <summary>Scenario entries the PSA shows as transferred, to an ERP line that exists.</summary>
    private List<TimeEntry> PostedEntries(DemoScenario scenario)
    {
        var documents = _erp.TimeLines.Select(l => l.ErpDocumentId).ToHashSet();
        var synced = _psa.TimeEntryStatus;
        return [.. scenario.Entries.DistinctBy(e => e.EntryId).Where(e => synced.TryGetValue(e.EntryId, out var status) && documents.Contains(status.ErpDocumentId))];
    }

    /// <summary>Runs the cost posting job as its timer would, until no accepted time is left open.</summary>
    private async Task PostCostsAsync(CancellationToken cancellationToken)
    {
        var pending = app.Services.GetRequiredService<IPendingCostPostings>();
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        while ((await pending.ListOpenAsync(1, cancellationToken)).Count > 0)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The cost postings were not all posted within {options.DrainTimeout}.");
            }
            output.WriteLine($"   ... {await RunJobAsync(JobNames.CostPostings, cancellationToken)}");
        }
    }

    private static string Period(DemoScenario scenario) => LedgerEntry.PeriodOf(scenario.Entries.First().WorkDate);

    /// <summary>Starts billing for one project and waits until it is invoiced, blocked or otherwise settled.</summary>
    private async Task<BillingRunStatus> BillAsync(HttpClient http, string projectId, string period, CancellationToken cancellationToken)
    {
        using var started = await http.PostAsync($"api/billing/{projectId}/{period}", content: null, cancellationToken);
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        while (true)
        {
            var status = await http.GetFromJsonAsync<BillingRunStatus>($"api/billing/{projectId}/{period}", PsaSyncJson.Options, cancellationToken)
                ?? throw new InvalidOperationException($"No billing status for {projectId}.");
            if (status.CustomStatus?.State is BillingState.Invoiced or BillingState.Blocked or BillingState.Compensated or BillingState.Failed or BillingState.NothingToBill
                || status.Output is not null || status.RuntimeStatus is "Failed" or "Terminated")
            {
                return status;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Billing of {projectId} did not settle within {options.DrainTimeout}.");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    private static string Describe(BillingRunStatus run)
    {
        var status = run.Output ?? run.CustomStatus;
        return status?.State switch
        {
            BillingState.Invoiced => $"{run.InstanceId}: invoice {status.InvoiceNumber}, {status.Gross:0.00} {status.Currency} gross",
            { } state => $"{run.InstanceId}: {state}{(status.Reasons.Count > 0 ? " – " + string.Join("; ", status.Reasons) : "")}",
            _ => $"{run.InstanceId}: {run.RuntimeStatus}",
        };
    }

    /// <summary>Records that were sent but neither reached their target nor became an exception item.</summary>
    private int CountLost(DemoScenario scenario, IReadOnlyList<ExceptionItem> open)
    {
        var withException = open.Select(x => x.SourceRecord.ToString()).ToHashSet();
        var erpCustomers = _erp.Customers.Select(c => c.ExternalId).ToHashSet();
        var erpProjects = _erp.Projects.Select(p => p.PsaProjectId).ToHashSet();
        var posted = PostedEntries(scenario).Select(e => e.EntryId).ToHashSet();

        var lostCustomers = scenario.AllCustomers.Count(c =>
            !erpCustomers.Contains(c.CustomerKey) && !withException.Contains(new RecordRef(SystemNames.Crm, EntityKinds.Customer, c.CustomerKey).ToString()));
        var lostProjects = scenario.Projects.Count(p =>
            !erpProjects.Contains(p.ProjectId) && !withException.Contains(new RecordRef(SystemNames.Psa, EntityKinds.Project, p.ProjectId).ToString()));
        var lostEntries = scenario.Entries.Count(e =>
            !posted.Contains(e.EntryId)
            && !withException.Contains(new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, e.EntryId).ToString()));
        return lostCustomers + lostProjects + lostEntries;
    }

    /// <summary>Posts one webhook, sometimes twice as real senders do; returns how many times it was sent.</summary>
    private async Task<int> SendAsync(HttpClient http, IReadOnlyDictionary<string, string> secrets, string route, string body, CancellationToken cancellationToken)
    {
        var deliveries = _random.NextDouble() < options.DuplicateDeliveryRate ? 2 : 1;
        for (var d = 0; d < deliveries; d++)
        {
            using var request = WebhookSignature.CreateRequest($"api/webhooks/{route}", body, secrets[WebhookIngress.SourceOf(route)], DateTimeOffset.UtcNow);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"The {route} webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            _calls++;
            _duplicates += d;
        }
        return deliveries;
    }

    /// <summary>
    /// A PSA user's action through the sandbox PSA's API; the PSA's webhook is sometimes delivered twice, as real senders
    /// do after a timeout. Returns how many times the webhook was sent.
    /// </summary>
    private async Task<int> ActInPsaAsync<T>(HttpClient http, string path, T body, CancellationToken cancellationToken)
    {
        var deliveries = _random.NextDouble() < options.DuplicateDeliveryRate ? 2 : 1;
        using var response = await http.PostAsJsonAsync($"{path}?deliveries={deliveries}", body, PsaSyncJson.Options, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The sandbox PSA's {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        _calls += deliveries;
        _duplicates += deliveries - 1;
        return deliveries;
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        while (true)
        {
            var waiting = 0;
            foreach (var name in QueueNames.All)
            {
                waiting += await _queue.CountAsync(name, cancellationToken);
            }
            if (waiting == 0)
            {
                return;
            }
            output.WriteLine($"   ... {waiting,5} messages in the queues, {_erp.TimeLines.Count,5} time lines in the ERP");
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The queues did not drain within {options.DrainTimeout}; {waiting} messages remain.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    /// <summary>Runs a job as the timer would; a throttled or failing ERP call means "try again", as the next tick would.</summary>
    private async Task<string> RunJobAsync(string job, CancellationToken cancellationToken)
    {
        var jobs = app.Services.GetRequiredService<JobRunner>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await jobs.RunAsync(job, cancellationToken);
            }
            catch (ErpException ex) when (ex.IsTransient && attempt < 10)
            {
                await Task.Delay(ex.RetryAfter ?? TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }
    }

    public static void Print(DemoSummary s, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("PsaSync demo summary");
        output.WriteLine("--------------------");
        output.WriteLine($"Webhook calls received          {s.WebhookCalls,7}   ({s.DuplicateCalls} were duplicate deliveries, all absorbed)");
        output.WriteLine($"Customers in the ERP            {s.CustomersInErp,7}   (in the PSA with their ERP number: {s.CustomersInPsa})");
        output.WriteLine($"Projects in the ERP             {s.ProjectsInErp,7}   ({s.ProjectsThatWaitedForTheirCustomer} waited for its customer and continued by itself)");
        output.WriteLine($"Time entries received           {s.TimeEntriesSent,7}   ({s.UniqueTimeEntries} distinct)");
        output.WriteLine($"Entries posted to the ERP       {s.EntriesPostedToErp,7}   (each exactly once: ERP hours {(s.HoursInErpMatchPostedEntries ? "match" : "DO NOT match")} the entries)");
        output.WriteLine($"  as ERP cost lines             {s.TimeLinesInErp,7}   (by project, period, resource and role, in {s.ErpPostingRequests} ERP request(s))");
        output.WriteLine($"Entries marked synced in PSA    {s.EntriesMarkedSyncedInPsa,7}");
        output.WriteLine($"ERP faults met and recovered    {s.ErpFaultsInjected.Values.Sum(),7}   ({string.Join(", ", s.ErpFaultsInjected.Select(f => $"{f.Key} {f.Value}"))})");
        output.WriteLine($"Dead-lettered messages          {s.DeadLettered,7}");
        output.WriteLine($"Invoices issued                 {s.InvoicesIssued,7}   ({s.BillingRunsBlocked} billing run(s) blocked, see below)");
        foreach (var line in s.Billing)
        {
            output.WriteLine($"  {line}");
        }
        foreach (var line in s.Reconciliation)
        {
            output.WriteLine($"Reconciliation  {line}");
        }
        output.WriteLine($"Open exceptions                 {s.OpenExceptionsByReason.Values.Sum(),7}");
        foreach (var (reason, count) in s.OpenExceptionsByReason.OrderBy(p => p.Key))
        {
            var code = ReasonCodes.Find(reason);
            output.WriteLine($"  {reason,-30} {count,3}   owner {code?.Owner}: {code?.Title}");
        }
        output.WriteLine($"Lost                            {s.Lost,7}");
        output.WriteLine($"Elapsed                         {s.Elapsed.TotalSeconds,7:0.0} s");
    }
}
