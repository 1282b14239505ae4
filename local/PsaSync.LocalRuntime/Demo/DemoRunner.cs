using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.TimeExpense;
using PsaSync.LocalRuntime.Queue;

namespace PsaSync.LocalRuntime.Demo;

/// <summary>Settings of one demo run; the defaults are the README's demo.</summary>
public sealed class DemoOptions
{
    public int Seed { get; set; } = 7;

    public int Consultants { get; set; } = 12;

    public DateOnly Month { get; set; } = new(2026, 10, 1);

    /// <summary>Share of webhook calls the PSA sends twice, as real PSAs do after a timeout.</summary>
    public double DuplicateDeliveryRate { get; set; } = 0.2;

    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(3);
}

/// <summary>What the demo saw, in business terms; <see cref="Lost"/> must be zero.</summary>
public sealed record DemoSummary(
    int WebhookCalls,
    int DuplicateCalls,
    int RecordsSent,
    int UniqueRecords,
    int TimeLinesInErp,
    int EntriesMarkedSyncedInPsa,
    IReadOnlyDictionary<string, int> OpenExceptionsByReason,
    int DeadLettered,
    IReadOnlyDictionary<SandboxFault, int> ErpFaultsInjected,
    int Lost,
    TimeSpan Elapsed);

/// <summary>Drives the demo scenario through the running local runtime's webhooks and checks that nothing was lost.</summary>
public sealed class DemoRunner(WebApplication app, DemoOptions options, TextWriter output)
{
    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var erp = app.Services.GetRequiredService<SandboxErp>();
        var psa = app.Services.GetRequiredService<SandboxPsa>();
        var queue = app.Services.GetRequiredService<TableMessageQueue>();
        var exceptions = app.Services.GetRequiredService<IExceptionStore>();
        var scenario = DemoScenario.Create(options.Seed, options.Consultants, options.Month);

        // Until project setup sync exists, the demo's projects are set up in the ERP by hand, as finance would.
        foreach (var project in scenario.ErpProjects)
        {
            erp.SeedProject(new ErpProject($"ERP-{project}", project, Active: true));
        }

        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        var random = new Random(options.Seed);
        int calls = 0, duplicates = 0, recordsSent = 0;
        output.WriteLine($"Sending {scenario.Timesheets.Count} approved timesheets ({scenario.Entries.Count()} time entries) to {http.BaseAddress}api/webhooks/psa/time ...");
        foreach (var timesheet in scenario.Timesheets)
        {
            var body = SandboxPsaWebhookWriter.TimeApproved(timesheet, DateTimeOffset.UtcNow);
            var deliveries = random.NextDouble() < options.DuplicateDeliveryRate ? 2 : 1;
            for (var d = 0; d < deliveries; d++)
            {
                using var response = await http.PostAsync("api/webhooks/psa/time", new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"The webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
                calls++;
                duplicates += d;
                recordsSent += timesheet.Count;
            }
        }

        await WaitForDrainAsync(queue, erp, cancellationToken);

        var open = await exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), cancellationToken);
        var lines = erp.TimeLines.Select(l => l.Line.ExternalId).ToHashSet();
        var synced = psa.TimeEntryStatus;
        var lost = scenario.Entries.Count(e =>
            !(lines.Contains(TimeApprovedHandler.ErpExternalId(e)) && synced.ContainsKey(e.EntryId))
            && !open.Any(x => x.SourceRecord == new RecordRef(SystemNames.Psa, EntityKinds.TimeEntry, e.EntryId)));
        var deadLettered = 0;
        foreach (var name in QueueNames.All)
        {
            deadLettered += await queue.CountDeadLettersAsync(name, cancellationToken);
        }

        return new DemoSummary(
            calls, duplicates, recordsSent, scenario.Entries.Count(), lines.Count, synced.Count,
            open.GroupBy(x => x.ReasonCode).ToDictionary(g => g.Key, g => g.Count()),
            deadLettered, erp.FaultsInjected, lost, stopwatch.Elapsed);
    }

    private async Task WaitForDrainAsync(TableMessageQueue queue, SandboxErp erp, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + options.DrainTimeout;
        while (true)
        {
            var waiting = 0;
            foreach (var name in QueueNames.All)
            {
                waiting += await queue.CountAsync(name, cancellationToken);
            }
            output.WriteLine($"  ... {waiting,5} messages in the queues, {erp.TimeLines.Count,5} time lines posted in the ERP");
            if (waiting == 0)
            {
                return;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The queues did not drain within {options.DrainTimeout}; {waiting} messages remain.");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    public static void Print(DemoSummary s, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine("PsaSync demo summary");
        output.WriteLine("--------------------");
        output.WriteLine($"Webhook calls received          {s.WebhookCalls,7}   ({s.DuplicateCalls} were duplicate deliveries)");
        output.WriteLine($"Time entries received           {s.RecordsSent,7}   ({s.UniqueRecords} distinct, {s.RecordsSent - s.UniqueRecords} duplicates absorbed)");
        output.WriteLine($"Time lines posted to the ERP    {s.TimeLinesInErp,7}   (each exactly once)");
        output.WriteLine($"Entries marked synced in PSA    {s.EntriesMarkedSyncedInPsa,7}");
        output.WriteLine($"ERP faults met and recovered    {s.ErpFaultsInjected.Values.Sum(),7}   ({string.Join(", ", s.ErpFaultsInjected.Select(f => $"{f.Key} {f.Value}"))})");
        output.WriteLine($"Dead-lettered messages          {s.DeadLettered,7}");
        output.WriteLine($"Open exceptions                 {s.OpenExceptionsByReason.Values.Sum(),7}");
        foreach (var (reason, count) in s.OpenExceptionsByReason.OrderBy(p => p.Key))
        {
            var code = ReasonCodes.Find(reason);
            output.WriteLine($"  {reason,-28} {count,4}   owner {code?.Owner}: {code?.Title}");
        }
        output.WriteLine($"Lost                            {s.Lost,7}");
        output.WriteLine($"Elapsed                         {s.Elapsed.TotalSeconds,7:0.0} s");
    }
}
