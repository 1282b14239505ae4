using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Crm;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Operations;
using PsaSync.Core.Ports;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Scheduling;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using PsaSync.LocalRuntime.Queue;
using PsaSync.Storage;

namespace PsaSync.LocalRuntime.Chaos;

/// <summary>Settings of a chaos run. Fault rates are shares of calls; see docs/operations.md "Chaos suite".</summary>
public sealed class ChaosOptions
{
    public int Seed { get; set; } = 7;

    public DateOnly Month { get; set; } = new(2026, 10, 1);

    public ChaosSize Size { get; set; } = new();

    public double DuplicateDeliveryRate { get; set; } = 0.2;

    /// <summary>Share of child records (projects, timesheets) sent before their parent (customer, project).</summary>
    public double OutOfOrderRate { get; set; } = 0.1;

    public double ErpServerErrorRate { get; set; } = 0.1;

    public double ErpThrottleRate { get; set; } = 0.05;

    public double ErpCommitThenTimeoutRate { get; set; } = 0.02;

    /// <summary>How long the PSA is down in the second life, while timesheets keep arriving.</summary>
    public TimeSpan PsaOutage { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>Time entries whose correlation trace is checked end to end (accepted, posted, written back).</summary>
    public int TraceSample { get; set; } = 20;
}

/// <summary>What the chaos run measured; <see cref="Failures"/> lists every invariant that did not hold.</summary>
public sealed record ChaosSummary(
    IReadOnlyDictionary<string, long> Figures,
    IReadOnlyDictionary<string, int> FaultsInjected,
    IReadOnlyDictionary<string, int> OpenExceptionsByReason,
    IReadOnlyList<string> Invariants,
    IReadOnlyList<string> Failures,
    int Lost,
    int DoublePosted,
    TimeSpan Elapsed)
{
    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// The chaos suite: a month of a mid-size firm sent through the webhooks of a local runtime that runs as a separate
/// process, with duplicate and out-of-order deliveries, a faulty ERP, a closed period, a PSA outage window and a hard
/// kill and restart mid-run; then billing, invoice feedback and billing reconciliation, and the invariants.
/// </summary>
public sealed class ChaosRunner(ChaosOptions options, string storageConnectionString, TextWriter output)
{
    private const string Secret = "chaos-secret";
    private static readonly string[] Terminal = [TraceSteps.Posted, TraceSteps.WrittenBack, TraceSteps.Ledgered, TraceSteps.Rejected, TraceSteps.Parked, TraceSteps.DeadLettered, TraceSteps.DuplicateAbsorbed, TraceSteps.Ignored];

    private readonly string _tablePrefix = string.Create(CultureInfo.InvariantCulture, $"chaos{DateTime.UtcNow:yyyyMMddHHmmss}{Random.Shared.Next(100, 999)}");
    private readonly string _sandboxDirectory = Directory.CreateTempSubdirectory("psasync-chaos-").FullName;
    private readonly Random _random = new(options.Seed);
    private readonly HashSet<string> _correlationIds = [];
    private readonly Dictionary<string, int> _faults = [];
    private readonly HashSet<string> _sentParents = [];
    private long _calls;
    private long _duplicates;
    private long _outOfOrder;
    private long _children;
    private long _sends;
    private int _replayed;

    private string ErpJournal => Path.Combine(_sandboxDirectory, "sandbox-erp.jsonl");

    private string PsaJournal => Path.Combine(_sandboxDirectory, "sandbox-psa.jsonl");

    public async Task<ChaosSummary> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var scenario = ChaosScenario.Create(options.Seed, options.Size, options.Month);
        output.WriteLine($"Chaos month {scenario.Period}: {scenario.Customers.Count} customers, {scenario.Projects.Count} projects, {options.Size.Consultants} consultants, " +
            $"{scenario.Entries.Count()} time entries, {scenario.Expenses.Count} expenses, {scenario.Milestones.Count} milestones (tables '{_tablePrefix}', sandboxes {_sandboxDirectory}).");
        SeedSourceSystems(scenario);

        // Children sent ahead of their parents: some projects before all customers, some timesheets before all projects.
        // Twice the rate is drawn, because a timesheet drawn early may still find some of its projects sent.
        var earlyProjects = scenario.Projects.Where(_ => _random.NextDouble() < options.OutOfOrderRate * 2).ToList();
        var earlyTimesheets = scenario.Timesheets.Where(_ => _random.NextDouble() < options.OutOfOrderRate * 2).ToList();
        var laterTimesheets = scenario.Timesheets.Except(earlyTimesheets).ToList();
        var half = laterTimesheets.Count / 2;

        output.WriteLine("1. First life: customers, projects and half the timesheets, with out-of-order children; then a hard kill ...");
        var runtime = await StartRuntimeAsync(cancellationToken);
        try
        {
            await SendProjectsAsync(runtime, earlyProjects, cancellationToken);
            await SendEntriesAsync(runtime, earlyTimesheets, cancellationToken);
            foreach (var customer in scenario.Customers)
            {
                await SendAsync(runtime, "crm/accounts", SandboxCrmWebhookWriter.ClosedWon(customer, 1, DateTimeOffset.UtcNow), cancellationToken);
                _sentParents.Add(customer.CustomerKey);
            }
            await SendProjectsAsync(runtime, scenario.Projects.Except(earlyProjects).ToList(), cancellationToken);
            await SendEntriesAsync(runtime, laterTimesheets.Take(half).ToList(), cancellationToken);
            await CollectFaultsAsync(runtime, cancellationToken);
            output.WriteLine($"   killing the runtime with {await QueuedAsync(cancellationToken)} messages queued ...");
            await runtime.KillAsync();
            Count("process-hard-kill");
        }
        finally
        {
            runtime.Dispose();
        }

        output.WriteLine("2. Second life: the rest of the timesheets during a PSA outage window, expenses and milestones; drain ...");
        runtime = await StartRuntimeAsync(cancellationToken);
        try
        {
            using (await runtime.Http.PostAsync("api/sandbox/psa/outage/on", null, cancellationToken)) { }
            Count("psa-outage-window");
            // The window has a fixed length whatever the size, so the sending goes on while it ends.
            var outageEnds = EndPsaOutageAsync(runtime, cancellationToken);
            await SendEntriesAsync(runtime, laterTimesheets.Skip(half).ToList(), cancellationToken);
            await outageEnds;
            foreach (var batch in scenario.Expenses.Chunk(20))
            {
                await SendAsync(runtime, "psa/expenses", SandboxPsaWebhookWriter.ExpensesApproved(batch, DateTimeOffset.UtcNow), cancellationToken);
            }
            foreach (var milestone in scenario.Milestones)
            {
                await SendAsync(runtime, "psa/milestones", SandboxPsaWebhookWriter.MilestoneCompleted(milestone, DateTimeOffset.UtcNow), cancellationToken);
            }
            await DrainAsync(cancellationToken);

            // What an operator does after such a month (docs/operations.md "Replaying"): replay what exhausted its
            // deliveries during the outage. What arrived before its parent needs nothing: it waited and continued.
            output.WriteLine("3. Operator replays DELIVERY_EXHAUSTED; drain ...");
            using (var replay = await runtime.Http.PostAsync($"api/ops/exceptions/replay?reason={ReasonCodes.DeliveryExhausted.Code}", null, cancellationToken))
            {
                _replayed += (await replay.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("replayed").GetInt32();
            }
            await DrainAsync(cancellationToken);

            output.WriteLine("4. Month end: billing for every project and period with approved work, invoice feedback, billing reconciliation ...");
            var billing = await BillEverythingAsync(runtime, scenario, cancellationToken);
            await RunJobAsync(runtime, JobNames.InvoiceFeedback, cancellationToken);
            await RunJobAsync(runtime, JobNames.BillingReconciliation, cancellationToken);
            await DrainAsync(cancellationToken);

            output.WriteLine("5. Checking the invariants ...");
            var checks = new InvariantChecks(output);
            var timelines = await CheckAcceptedEventsAsync(runtime, checks, cancellationToken);
            var open = await OpenExceptionsAsync(runtime, cancellationToken);
            CheckRejections(checks, timelines, open);
            await CheckTotalsAsync(runtime, checks, scenario, open, cancellationToken);
            await CheckSampleTracesAsync(runtime, checks, scenario, open, cancellationToken);
            await CollectFaultsAsync(runtime, cancellationToken);
            await runtime.KillAsync();
            CheckExactlyOnce(checks, scenario, open);
            await CheckNoOrphansAsync(checks, scenario, cancellationToken);

            var figures = new Dictionary<string, long>
            {
                ["webhook calls"] = _calls,
                ["duplicate deliveries sent"] = _duplicates,
                ["children sent before their parent"] = _outOfOrder,
                ["children sent (projects, timesheets)"] = _children,
                ["exceptions replayed by the operator"] = _replayed,
                ["accepted events (correlation ids)"] = _correlationIds.Count,
                ["duplicates absorbed"] = timelines.Sum(t => t.Entries.Count(e => e.Step == TraceSteps.DuplicateAbsorbed)),
                ["retries scheduled"] = timelines.Sum(t => t.Entries.Count(e => e.Step == TraceSteps.RetryScheduled)),
                ["invoices issued"] = billing.Invoiced,
                ["billing runs blocked"] = billing.Blocked,
                ["billing runs failed (runtime status Failed, no output)"] = billing.Failed,
                ["billing runs restarted after compensation"] = billing.Restarted,
                ["lost"] = checks.Lost,
                ["double-posted"] = checks.DoublePosted,
            };
            var summary = new ChaosSummary(figures, new Dictionary<string, int>(_faults),
                open.GroupBy(x => x.ReasonCode).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
                checks.Passed, checks.Failures, checks.Lost, checks.DoublePosted, stopwatch.Elapsed);
            // A failed run keeps its sandbox journals and the runtime's log for the post-mortem.
            if (summary.Passed)
            {
                Directory.Delete(_sandboxDirectory, recursive: true);
            }
            else
            {
                output.WriteLine($"   sandbox journals and runtime.log kept in {_sandboxDirectory}");
            }
            return summary;
        }
        finally
        {
            runtime.Dispose();
        }
    }

    /// <summary>What the PSA holds before anything is sent (approved time, expenses, projects) and the ERP's closed period.</summary>
    private void SeedSourceSystems(ChaosScenario scenario)
    {
        var psa = new SandboxPsa(new SandboxFaultOptions(), PsaJournal);
        foreach (var project in scenario.Projects)
        {
            psa.AddProject(project);
        }
        foreach (var entry in scenario.Entries)
        {
            psa.RecordApprovedTime(entry);
        }
        foreach (var expense in scenario.Expenses)
        {
            psa.RecordApprovedExpense(expense);
        }
        new SandboxErp(new SandboxFaultOptions(), ErpJournal).ClosePeriod(scenario.ClosedPeriod);
    }

    private Task<RuntimeProcess> StartRuntimeAsync(CancellationToken cancellationToken) => RuntimeProcess.StartAsync(new Dictionary<string, string>
    {
        ["PsaSync__Storage__ConnectionString"] = storageConnectionString,
        ["PsaSync__Storage__TablePrefix"] = _tablePrefix,
        ["PsaSync__SandboxDataDirectory"] = _sandboxDirectory,
        ["PsaSync__Webhooks__Secrets__psa"] = Secret,
        ["PsaSync__Webhooks__Secrets__crm"] = Secret,
        ["PsaSync__Messaging__FirstRetryDelay"] = "00:00:00.2",
        ["PsaSync__Messaging__MaxRetryDelay"] = "00:00:02",
        ["PsaSync__Messaging__ClaimLease"] = "00:00:03",
        ["Runtime__LockDuration"] = "00:00:03",
        ["Runtime__Timers__cost-postings"] = "00:00:01",
        ["PsaSync__Erp__Faults__Seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
        ["PsaSync__Erp__Faults__ServerErrorRate"] = options.ErpServerErrorRate.ToString(CultureInfo.InvariantCulture),
        ["PsaSync__Erp__Faults__ThrottleRate"] = options.ErpThrottleRate.ToString(CultureInfo.InvariantCulture),
        ["PsaSync__Erp__Faults__CommitThenTimeoutRate"] = options.ErpCommitThenTimeoutRate.ToString(CultureInfo.InvariantCulture),
        ["PsaSync__Erp__Faults__RetryAfter"] = "00:00:00.2",
    }, Path.Combine(_sandboxDirectory, "runtime.log"), cancellationToken);

    private async Task EndPsaOutageAsync(RuntimeProcess runtime, CancellationToken cancellationToken)
    {
        await Task.Delay(options.PsaOutage, cancellationToken);
        using var response = await runtime.Http.PostAsync("api/sandbox/psa/outage/off", null, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private async Task SendProjectsAsync(RuntimeProcess runtime, IReadOnlyList<Project> projects, CancellationToken cancellationToken)
    {
        foreach (var project in projects)
        {
            CountChild(project.CustomerKey);
            await SendAsync(runtime, "psa/projects", SandboxPsaWebhookWriter.ProjectChanged(project, DateTimeOffset.UtcNow), cancellationToken);
            _sentParents.Add(project.ProjectId);
        }
    }

    private async Task SendEntriesAsync(RuntimeProcess runtime, IReadOnlyList<IReadOnlyList<TimeEntry>> timesheets, CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var timesheet in timesheets)
        {
            // At full size the sending takes minutes: say how far it got.
            if (++sent % 250 == 0)
            {
                output.WriteLine($"   ... {sent} of {timesheets.Count} timesheets sent");
            }
            foreach (var projectId in timesheet.Select(e => e.ProjectId).Distinct())
            {
                CountChild(projectId);
            }
            await SendAsync(runtime, "psa/time", SandboxPsaWebhookWriter.TimeApproved(timesheet, DateTimeOffset.UtcNow), cancellationToken);
        }
    }

    private void CountChild(string parentId)
    {
        _children++;
        if (!_sentParents.Contains(parentId))
        {
            _outOfOrder++;
        }
    }

    /// <summary>Posts one webhook, sometimes twice as real senders do, and remembers the correlation ids of its 202.</summary>
    private async Task SendAsync(RuntimeProcess runtime, string route, string body, CancellationToken cancellationToken)
    {
        // Every call whose running share crosses the rate is delivered twice, so the share is the rate at any size.
        _sends++;
        var deliveries = Math.Floor(_sends * options.DuplicateDeliveryRate) > Math.Floor((_sends - 1) * options.DuplicateDeliveryRate) ? 2 : 1;
        for (var d = 0; d < deliveries; d++)
        {
            using var request = WebhookSignature.CreateRequest($"api/webhooks/{route}", body, Secret, DateTimeOffset.UtcNow);
            using var response = await runtime.Http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"The {route} webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            foreach (var id in accepted.GetProperty("correlationIds").EnumerateArray())
            {
                _correlationIds.Add(id.GetString()!);
            }
            _calls++;
            _duplicates += d;
        }
    }

    private async Task CollectFaultsAsync(RuntimeProcess runtime, CancellationToken cancellationToken)
    {
        var faults = await runtime.Http.GetFromJsonAsync<JsonElement>("api/sandbox/faults", cancellationToken);
        foreach (var system in new[] { "erp", "psa" })
        {
            foreach (var fault in faults.GetProperty(system).EnumerateObject())
            {
                Count($"{system} {fault.Name}", fault.Value.GetInt32());
            }
        }
    }

    private void Count(string kind, int by = 1) => _faults[kind] = _faults.GetValueOrDefault(kind) + by;

    private TableProvider Tables() =>
        new(new TableServiceClient(storageConnectionString), Options.Create(new TableStorageOptions { TablePrefix = _tablePrefix }));

    private async Task<int> QueuedAsync(CancellationToken cancellationToken)
    {
        var queue = new TableMessageQueue(Tables(), TimeProvider.System);
        var waiting = 0;
        foreach (var name in QueueNames.All)
        {
            waiting += await queue.CountAsync(name, cancellationToken);
        }
        return waiting;
    }

    /// <summary>Waits until the queues are empty and the cost posting job has posted every accepted time entry.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        var costPostings = new TablePendingCostPostings(Tables());
        for (var waiting = await QueuedAsync(cancellationToken); ; waiting = await QueuedAsync(cancellationToken))
        {
            var unposted = (await costPostings.ListOpenAsync(1000, cancellationToken)).Count;
            if (waiting == 0 && unposted == 0)
            {
                return;
            }
            output.WriteLine($"   ... {waiting,6} messages in the queues, {unposted,6} time entries awaiting the cost posting job");
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The queues did not drain within {options.DrainTimeout}; {waiting} messages remain.");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private sealed record BillingOutcome(int Invoiced, int Blocked, int Restarted, int Failed);

    /// <summary>
    /// Starts billing for every project and period that has approved work, then waits for each to settle. A run that
    /// ended compensated or failed (an ERP call kept failing) is started again as its next attempt, as its BILLING_COMPENSATED
    /// or BILLING_RUN_FAILED item tells the operator to, so the totals are checked on invoices rather than excused by that item.
    /// </summary>
    private async Task<BillingOutcome> BillEverythingAsync(RuntimeProcess runtime, ChaosScenario scenario, CancellationToken cancellationToken)
    {
        const int maxAttempts = 3;
        var runs = scenario.Entries.Select(e => (e.ProjectId, Period: LedgerEntry.PeriodOf(e.WorkDate)))
            .Concat(scenario.Expenses.Select(e => (e.ProjectId, Period: LedgerEntry.PeriodOf(e.IncurredOn))))
            .Distinct().OrderBy(r => r.ProjectId, StringComparer.Ordinal).ToList();
        foreach (var (projectId, period) in runs)
        {
            using var started = await runtime.Http.PostAsync($"api/billing/{projectId}/{period}", null, cancellationToken);
        }
        int invoiced = 0, blocked = 0, restarted = 0, failed = 0;
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        foreach (var (projectId, period) in runs)
        {
            for (var attempt = 1; ; attempt++)
            {
                var state = await SettleAsync(runtime, $"api/billing/{projectId}/{period}?attempt={attempt}", deadline, cancellationToken);
                if (state is not (BillingState.Compensated or BillingState.Failed) || attempt == maxAttempts)
                {
                    if (state is BillingState.Invoiced) { invoiced++; } else if (state is null) { failed++; } else { blocked++; }
                    break;
                }
                using var again = await runtime.Http.PostAsync($"api/billing/{projectId}/{period}?attempt={attempt + 1}", null, cancellationToken);
                restarted++;
            }
        }
        return new BillingOutcome(invoiced, blocked, restarted, failed);
    }

    /// <summary>Waits until the billing run at <paramref name="route"/> has ended, blocked or invoiced; its final state (null: the orchestration itself failed).</summary>
    private static async Task<BillingState?> SettleAsync(RuntimeProcess runtime, string route, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await runtime.Http.GetFromJsonAsync<BillingRunStatus>(route, PsaSyncJson.Options, cancellationToken);
            var state = (status?.Output ?? status?.CustomStatus)?.State;
            if (state is BillingState.Invoiced or BillingState.Blocked or BillingState.Compensated or BillingState.Failed or BillingState.NothingToBill
                || status?.Output is not null || status?.RuntimeStatus is "Failed" or "Terminated")
            {
                return state;
            }
            // A run that failed has ended too, without an outcome: counted as failed rather than waited on until the
            // deadline, so the invariants are still checked and printed (the totals check then shows the gap).
            if (status?.RuntimeStatus is "Failed" or "Terminated")
            {
                return null;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Billing at {route} did not settle in time.");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    private static async Task RunJobAsync(RuntimeProcess runtime, string job, CancellationToken cancellationToken)
    {
        // A throttled or failing ERP makes a job run fail; the timer would try again at its next tick, so do we.
        for (var attempt = 1; ; attempt++)
        {
            using var response = await runtime.Http.PostAsync($"api/jobs/{job}", null, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }
            if (attempt == 20)
            {
                throw new InvalidOperationException($"Job {job} answered {(int)response.StatusCode} 20 times: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            await Task.Delay(500, cancellationToken);
        }
    }

    /// <summary>No accepted event lost: every correlation id of a 202 has reached a terminal step in its trace.</summary>
    private async Task<List<Timeline>> CheckAcceptedEventsAsync(RuntimeProcess runtime, InvariantChecks checks, CancellationToken cancellationToken)
    {
        var timelines = new List<Timeline>();
        var lost = new List<string>();
        foreach (var id in _correlationIds)
        {
            using var response = await runtime.Http.GetAsync($"api/ops/trace/{Uri.EscapeDataString(id)}", cancellationToken);
            var timeline = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<Timeline>(PsaSyncJson.Options, cancellationToken) : null;
            if (timeline is null || !timeline.Entries.Any(e => Terminal.Contains(e.Step)))
            {
                lost.Add(id);
            }
            if (timeline is not null)
            {
                timelines.Add(timeline);
            }
        }
        checks.Lost = lost.Count;
        checks.Check(lost.Count == 0, $"no accepted event lost: {_correlationIds.Count} correlation ids, {lost.Count} without a terminal step{Examples(lost)}");
        return timelines;
    }

    /// <summary>Every record whose last outcome is a rejection or a parking has exactly one open exception with a reason code.</summary>
    private static void CheckRejections(InvariantChecks checks, List<Timeline> timelines, IReadOnlyList<OpenException> open)
    {
        var outcomes = new[] { TraceSteps.Posted, TraceSteps.WrittenBack, TraceSteps.Ledgered, TraceSteps.Rejected, TraceSteps.Parked, TraceSteps.DeadLettered };
        var lastOutcome = timelines.SelectMany(t => t.Entries)
            .Where(e => e.Record is not null && outcomes.Contains(e.Step))
            .GroupBy(e => e.Record!.ToString())
            .ToDictionary(g => g.Key, g => g.MaxBy(e => e.At)!.Step);
        var rejected = lastOutcome.Where(p => p.Value is TraceSteps.Rejected or TraceSteps.Parked or TraceSteps.DeadLettered).Select(p => p.Key).ToList();
        var openByRecord = open.GroupBy(x => x.SourceRecord).ToDictionary(g => g.Key, g => g.ToList());
        var wrong = rejected.Where(r => !openByRecord.TryGetValue(r, out var items) || items.Count != 1 || string.IsNullOrWhiteSpace(items[0].ReasonCode))
            .Select(r => $"{r} has {(openByRecord.TryGetValue(r, out var items) ? string.Join("+", items.Select(i => i.ReasonCode)) : "no open item")}")
            .ToList();
        checks.Check(wrong.Count == 0, $"every rejected item has exactly one open exception with a reason code: {rejected.Count} rejected, {wrong.Count} without{Examples(wrong)}");
    }

    /// <summary>ERP invoiced totals equal PSA approved billable totals per project and period, unless an open exception explains why not.</summary>
    private static async Task CheckTotalsAsync(RuntimeProcess runtime, InvariantChecks checks, ChaosScenario scenario, IReadOnlyList<OpenException> open, CancellationToken cancellationToken)
    {
        var report = await runtime.Http.GetFromJsonAsync<ReconciliationView>($"api/ops/reconciliation/{JobNames.BillingReconciliation}", PsaSyncJson.Options, cancellationToken)
            ?? throw new InvalidOperationException("No billing reconciliation report.");
        var unexplained = report.Positions
            .Where(p => p.PsaApprovedHours != p.LedgerHours || p.LedgerUnbilledHours != 0 || p.ErpInvoicedNet != p.BilledNet)
            .Where(p => !open.Any(x => x.SourceRecord.Contains(p.ProjectId, StringComparison.Ordinal) || x.Message.Contains(p.ProjectId, StringComparison.Ordinal)))
            .Select(p => $"{p.ProjectId} {p.Period}: PSA {p.PsaApprovedHours} h, ledger {p.LedgerHours} h ({p.LedgerUnbilledHours} unbilled), billed {p.BilledNet}, ERP {p.ErpInvoicedNet}")
            .ToList();
        var covered = report.Positions.Select(p => p.ProjectId).Distinct().Count();
        checks.Check(unexplained.Count == 0 && covered >= scenario.Projects.Count(p => scenario.Entries.Any(e => e.ProjectId == p.ProjectId)),
            $"ERP invoiced == PSA approved per project and period or explained by an open exception: {report.Positions.Count} positions over {covered} projects, {unexplained.Count} unexplained{Examples(unexplained)}");
    }

    /// <summary>The trace of a sample of valid time entries that no open exception holds runs accepted -> posted -> written back.</summary>
    private async Task CheckSampleTracesAsync(RuntimeProcess runtime, InvariantChecks checks, ChaosScenario scenario, IReadOnlyList<OpenException> open, CancellationToken cancellationToken)
    {
        var held = open.Select(x => x.SourceRecord).ToHashSet();
        var sample = ValidEntries(scenario).Where(e => !held.Contains(TimeEntryRecord(e)))
            .OrderBy(_ => _random.Next()).Take(options.TraceSample).ToList();
        var incomplete = new List<string>();
        foreach (var entry in sample)
        {
            var trace = await runtime.Http.GetFromJsonAsync<RecordTraceView>($"api/ops/trace?record={Uri.EscapeDataString(TimeEntryRecord(entry))}", PsaSyncJson.Options, cancellationToken);
            var steps = trace?.Timelines.SelectMany(t => t.Entries).Select(e => e.Step).ToHashSet() ?? [];
            if (!(steps.Contains(TraceSteps.Accepted) && steps.Contains(TraceSteps.Posted) && steps.Contains(TraceSteps.WrittenBack)))
            {
                incomplete.Add($"{entry.EntryId} ({string.Join(",", steps)})");
            }
        }
        checks.Check(incomplete.Count == 0, $"trace complete (accepted -> posted -> written-back) for a sample of {sample.Count} time entries, {incomplete.Count} incomplete{Examples(incomplete)}");
    }

    /// <summary>Every ERP effect exactly once, read from the ERP sandbox's journal after the runtime has gone.</summary>
    private void CheckExactlyOnce(InvariantChecks checks, ChaosScenario scenario, IReadOnlyList<OpenException> open)
    {
        var erp = new SandboxErp(new SandboxFaultOptions(), ErpJournal);
        var doubles = ExactlyOnce.Doubles(erp);
        var absorbedRepeats = erp.RepeatedCreates.Count(r => r.Operation == SandboxErp.Operations.PostTimeLines);
        checks.DoublePosted = doubles.Count;
        checks.Check(doubles.Count == 0,
            $"every ERP effect exactly once: {erp.Customers.Count} customers, {erp.Projects.Count} projects, {erp.TimeLines.Count} time lines, {erp.Invoices.Count} invoices, {doubles.Count} doubled " +
            $"(from the ERP journal; {absorbedRepeats} re-sent time lines returned by their unique external id, as designed){Examples(doubles)}");

        // Time reaches the ERP as aggregated cost lines: per ERP project, the hours on its lines must be the hours of the
        // entries the PSA shows as transferred, so an entry posted twice (or lost after posting) shows as a difference.
        var transferred = new SandboxPsa(new SandboxFaultOptions(), PsaJournal).TimeEntryStatus;
        var entries = scenario.Entries.ToDictionary(e => e.EntryId);
        var codes = erp.Projects.ToDictionary(p => p.PsaProjectId, p => p.ErpProjectCode);
        var expectedHours = transferred.Keys.Select(id => entries[id]).GroupBy(e => codes.GetValueOrDefault(e.ProjectId) ?? e.ProjectId).ToDictionary(g => g.Key, g => g.Sum(e => e.Hours));
        var postedHours = erp.TimeLines.GroupBy(l => l.Line.ErpProjectCode).ToDictionary(g => g.Key, g => g.Sum(l => l.Line.Hours));
        var hourDiffs = expectedHours.Keys.Union(postedHours.Keys)
            .Where(code => expectedHours.GetValueOrDefault(code) != postedHours.GetValueOrDefault(code))
            .Select(code => $"{code}: {postedHours.GetValueOrDefault(code)} h posted, {expectedHours.GetValueOrDefault(code)} h transferred").ToList();
        checks.DoublePosted += hourDiffs.Count;
        checks.Check(hourDiffs.Count == 0, $"time hours in the ERP == hours of the entries transferred, per ERP project: {postedHours.Count} projects, {hourDiffs.Count} differ{Examples(hourDiffs)}");

        var held = open.Select(x => x.SourceRecord).ToHashSet();
        var valid = ValidEntries(scenario).ToList();
        var missing = valid.Where(e => !transferred.ContainsKey(e.EntryId) && !held.Contains(TimeEntryRecord(e))).Select(e => e.EntryId).ToList();
        checks.Check(missing.Count == 0,
            $"every valid time entry of the month is posted and written back, or held by an open exception: {valid.Count} valid, {valid.Count(e => held.Contains(TimeEntryRecord(e)))} held, {missing.Count} missing{Examples(missing)}");
    }

    /// <summary>No invoice left as a draft in the ERP and no ledger entry left reserved by a billing run.</summary>
    private async Task CheckNoOrphansAsync(InvariantChecks checks, ChaosScenario scenario, CancellationToken cancellationToken)
    {
        var erp = new SandboxErp(new SandboxFaultOptions(), ErpJournal);
        var drafts = erp.Invoices.Where(i => i.Status == ErpInvoiceStatus.Draft).Select(i => i.InvoiceId).ToList();
        var ledger = new TableUnbilledLedger(Tables());
        var reserved = new List<string>();
        foreach (var period in new[] { scenario.Period, scenario.ClosedPeriod })
        {
            foreach (var project in scenario.Projects)
            {
                reserved.AddRange((await ledger.ListAsync(project.ProjectId, period, cancellationToken))
                    .Where(e => e.State == LedgerEntryState.Reserved).Select(e => e.EntryKey));
            }
        }
        checks.Check(drafts.Count == 0 && reserved.Count == 0,
            $"no orphan drafts or reservations: {drafts.Count} draft invoices, {reserved.Count} reserved ledger entries{Examples(drafts.Concat(reserved).ToList())}");
    }

    private static async Task<IReadOnlyList<OpenException>> OpenExceptionsAsync(RuntimeProcess runtime, CancellationToken cancellationToken)
    {
        var list = await runtime.Http.GetFromJsonAsync<ExceptionListView>($"api/ops/exceptions?status={nameof(ExceptionStatus.Open)}", PsaSyncJson.Options, cancellationToken);
        return list?.Items ?? [];
    }

    /// <summary>The month's entries without the planted mistakes (the 26-hour typo, the late time in the closed period).</summary>
    private static IEnumerable<TimeEntry> ValidEntries(ChaosScenario scenario) =>
        scenario.Entries.Where(e => e.Hours <= 24 && e.WorkDate.Month == scenario.Month.Month);

    private static string TimeEntryRecord(TimeEntry entry) => new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, entry.EntryId).ToString();

    private static string Examples(IReadOnlyList<string> items) => items.Count == 0 ? "" : $" (e.g. {string.Join("; ", items.Take(5))})";

    private sealed record OpenException(string Id, string ReasonCode, string SourceRecord, string Message);

    private sealed record ExceptionListView(int Count, IReadOnlyList<OpenException> Items);

    private sealed record ReconciliationView(IReadOnlyList<BillingPosition> Positions);

    private sealed record RecordTraceView(string Record, IReadOnlyList<Timeline> Timelines);

    /// <summary>Collects invariant results as lines to print; any failed one fails the run.</summary>
    private sealed class InvariantChecks(TextWriter output)
    {
        public List<string> Passed { get; } = [];

        public List<string> Failures { get; } = [];

        public int Lost { get; set; }

        public int DoublePosted { get; set; }

        public void Check(bool holds, string description)
        {
            (holds ? Passed : Failures).Add(description);
            output.WriteLine($"   [{(holds ? "ok" : "FAILED")}] {description}");
        }
    }

    public static void Print(ChaosSummary s, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("PsaSync chaos summary");
        output.WriteLine("---------------------");
        foreach (var (name, value) in s.Figures)
        {
            output.WriteLine($"{name,-40} {value,8}");
        }
        output.WriteLine("Faults injected by kind");
        foreach (var (kind, count) in s.FaultsInjected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {kind,-38} {count,8}");
        }
        output.WriteLine($"Open exceptions by reason ({s.OpenExceptionsByReason.Values.Sum()})");
        foreach (var (reason, count) in s.OpenExceptionsByReason)
        {
            output.WriteLine($"  {reason,-38} {count,8}");
        }
        output.WriteLine("Invariants");
        foreach (var line in s.Invariants)
        {
            output.WriteLine($"  ok      {line}");
        }
        foreach (var line in s.Failures)
        {
            output.WriteLine($"  FAILED  {line}");
        }
        output.WriteLine($"lost = {s.Lost}, double-posted = {s.DoublePosted}, elapsed {s.Elapsed.TotalSeconds:0.0} s: {(s.Passed ? "PASSED" : "FAILED")}");
    }
}

/// <summary>
/// The exactly-once check on the sandbox ERP's journal. Its collections are keyed by external id, PSA project id and
/// batch, so a second record under one key could never show there; the journal shows every record each create
/// stored, and every create request the sandbox's unique keys turned into "return the existing one". Customers,
/// projects and invoices are looked up before they are created, so such a request is a double an ERP without unique
/// external ids would have stored. Time lines are re-sent under the same external ids on purpose (the cost posting
/// job's retry relies on the ERP returning what it has), so only a second stored line counts for them.
/// </summary>
public static class ExactlyOnce
{
    public static List<string> Doubles(SandboxErp erp)
    {
        var doubles = erp.CreatedByKey.Where(c => c.Value > 1).Select(c => $"{c.Key.Operation} {c.Key.Key} stored x{c.Value}").ToList();
        doubles.AddRange(erp.RepeatedCreates
            .Where(r => r.Operation != SandboxErp.Operations.PostTimeLines)
            .GroupBy(r => (r.Operation, r.Key))
            .Select(g => $"{g.Key.Operation} {g.Key.Key} requested again x{g.Count()}"));
        return doubles;
    }
}
