using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.TimeExpense;
using PsaSync.Hosting;
using PsaSync.Storage;
using PsaSync.Core.Telemetry;
using PsaSync.LocalRuntime.Operations;

namespace PsaSync.Benchmarks;

public enum BenchPath
{
    /// <summary>One ERP request per entry, made by the handler (CostPostings:Mode = PerRecord).</summary>
    Baseline,

    /// <summary>PsaSync: the handler accepts, the cost posting job aggregates and batches (CostPostings:Mode = Batched).</summary>
    PsaSync,
}

/// <summary>What one path measured; printed as one JSON line by the child process, read by the parent.</summary>
public sealed record MacroResult(
    BenchPath Path,
    int Entries,
    double Seconds,
    int ErpRequests,
    long TableRequests,
    long TableRows,
    double LatencyP50Seconds,
    double LatencyP95Seconds,
    long PeakWorkingSetBytes,
    double BudgetRequestsPerSecond,
    int ErpTimeLines,
    decimal HoursInErp,
    decimal HoursApproved,
    int EntriesWrittenBackToPsa,
    int DeadLettered)
{
    public double EntriesPerSecond => Entries / Seconds;

    public double ErpRequestsPer1000Entries => ErpRequests * 1000d / Entries;

    public double TableRequestsPerEntry => (double)TableRequests / Entries;

    public double TableRowsPerEntry => (double)TableRows / Entries;

    public double ErpRequestsPerSecond => ErpRequests / Seconds;
}

/// <summary>
/// One path of the macro benchmark in this process: the local runtime's in-process composition (AddPsaSync, the
/// time-expense EnvelopeProcessor, the cost posting job) on Azurite and the sandbox ERP, with the ERP's limits enforced
/// both by PsaSync's request budget and by the sandbox itself (429 above the rate or concurrency).
/// </summary>
public sealed class MacroRun(BenchPath path, int entries, double factor, string connectionString, int workers, TimeSpan jobInterval)
{
    public async Task<MacroResult> RunAsync(CancellationToken cancellationToken)
    {
        var clock = new Stopwatch();
        var counter = new TableRequestCounter();
        var confirmed = new System.Collections.Concurrent.ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        await using var provider = Compose(counter, clock, confirmed);
        var erp = provider.GetRequiredService<SandboxErp>();
        var psa = provider.GetRequiredService<SandboxPsa>();
        // Set up earlier by the project setup domain (another function app in Azure, hence straight into the store).
        var setups = new TableProjectProfiles(provider.GetRequiredService<TableProvider>());
        for (var p = 0; p < MonthEndBurst.Projects; p++)
        {
            erp.SeedProject(new ErpProject(MonthEndBurst.ErpProjectCode(p), MonthEndBurst.ProjectId(p), Active: true));
            await setups.SaveAsync(MonthEndBurst.Setup(p), cancellationToken);
        }
        var burst = MonthEndBurst.Entries(entries).ToList();
        var approvedAt = DateTimeOffset.UtcNow;
        var queue = Channel.CreateUnbounded<(string Body, string Id, int Delivery)>();
        foreach (var entry in burst)
        {
            var envelope = MonthEndBurst.Envelope(entry, approvedAt);
            queue.Writer.TryWrite((envelope.ToJson(), envelope.Id, 1));
        }
        var tableRequestsBefore = counter.Requests;
        var tableRowsBefore = counter.EntityOperations;

        // The burst is approved now: every entry is waiting from here on.
        clock.Start();
        var processor = provider.GetRequiredKeyedService<EnvelopeProcessor>(QueueNames.TimeExpense);
        var remaining = burst.Count;
        var deadLettered = 0;
        var consumers = Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            await foreach (var message in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var settlement = await processor.ProcessAsync(message.Body, new DeliveryInfo(message.Id, message.Delivery), cancellationToken);
                if (settlement.Action == SettlementAction.Abandon)
                {
                    // As the queue would: the message comes back after its retry delay.
                    _ = Task.Delay(settlement.RetryAfter, cancellationToken).ContinueWith(_ => queue.Writer.TryWrite(message with { Delivery = message.Delivery + 1 }), cancellationToken);
                    continue;
                }
                if (settlement.Action == SettlementAction.DeadLetter)
                {
                    Interlocked.Increment(ref deadLettered);
                }
                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    queue.Writer.TryComplete();
                }
            }
        }, cancellationToken)).ToList();
        var processing = Task.WhenAll(consumers);

        if (path == BenchPath.PsaSync)
        {
            await RunCostPostingsAsync(provider, processing, clock, cancellationToken);
        }
        await processing;
        clock.Stop();

        var synced = psa.TimeEntryStatus;
        var latencies = burst
            .Select(e => synced.TryGetValue(e.EntryId, out var status) && confirmed.TryGetValue(status.ErpDocumentId, out var at) ? at.TotalSeconds : double.NaN)
            .Where(s => !double.IsNaN(s)).Order().ToList();
        foreach (var (target, count) in counter.ByTarget.OrderByDescending(t => t.Value))
        {
            Console.Error.WriteLine($"    table requests {System.Text.RegularExpressions.Regex.Replace(target, "^bench[a-z]+[0-9]+", ""),-32} {count,9:N0}  {(double)count / burst.Count,6:0.00} per entry");
        }
        var requests = erp.Requests.Values.Sum();
        var lines = erp.TimeLines;
        return new MacroResult(
            path, burst.Count, clock.Elapsed.TotalSeconds, requests, counter.Requests - tableRequestsBefore, counter.EntityOperations - tableRowsBefore,
            Percentile(latencies, 0.50), Percentile(latencies, 0.95),
            Process.GetCurrentProcess().PeakWorkingSet64,
            provider.GetRequiredService<ErpBudgetOptions>().RequestsPerSecond,
            lines.Count, lines.Sum(l => l.Line.Hours), burst.Sum(e => e.Hours), synced.Count, deadLettered);
    }

    /// <summary>The cost posting job on its timer while the burst is accepted, then until nothing is left open.</summary>
    private async Task RunCostPostingsAsync(ServiceProvider provider, Task processing, Stopwatch clock, CancellationToken cancellationToken)
    {
        var jobs = provider.GetRequiredService<JobRunner>();
        var pending = provider.GetRequiredService<IPendingCostPostings>();
        while (true)
        {
            var accepting = !processing.IsCompleted;
            var started = clock.Elapsed;
            var summary = await jobs.RunAsync(JobNames.CostPostings, cancellationToken);
            Console.Error.WriteLine($"    [{started.TotalSeconds,6:0.0} s - {clock.Elapsed.TotalSeconds,6:0.0} s] cost posting job: {summary}");
            if (!accepting && (await pending.ListOpenAsync(1, cancellationToken)).Count == 0)
            {
                return;
            }
            if (accepting)
            {
                await Task.WhenAny(processing, Task.Delay(jobInterval, cancellationToken));
            }
        }
    }

    private ServiceProvider Compose(TableRequestCounter counter, Stopwatch clock, System.Collections.Concurrent.ConcurrentDictionary<string, TimeSpan> confirmed)
    {
        var inv = CultureInfo.InvariantCulture;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PsaSync:Storage:ConnectionString"] = connectionString,
            ["PsaSync:Storage:TablePrefix"] = $"bench{path.ToString().ToLowerInvariant()}{DateTime.UtcNow:HHmmssfff}",
            ["PsaSync:CostPostings:Mode"] = path == BenchPath.Baseline ? nameof(CostPostingMode.PerRecord) : nameof(CostPostingMode.Batched),
            // Business Central's limits (6,000 requests per 5 minutes, 5 concurrent, batches of 100) scaled by the factor,
            // kept by PsaSync's budget and enforced by the sandbox ERP, which answers 429 above them.
            ["PsaSync:ErpBudget:RequestsPerWindow"] = (6_000 * factor).ToString(inv),
            ["PsaSync:ErpBudget:Window"] = "00:05:00",
            ["PsaSync:ErpBudget:MaxConcurrency"] = "5",
            ["PsaSync:ErpBudget:BatchSize"] = "100",
            ["PsaSync:Erp:Faults:MaxRequestsPerSecond"] = (6_000 * factor / 300).ToString(inv),
            ["PsaSync:Erp:Faults:MaxConcurrency"] = "5",
            ["PsaSync:Erp:Faults:RetryAfter"] = "00:00:01",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPsaSync(configuration);
        // As in the local runtime: business telemetry aggregated in memory.
        services.AddSingleton<LocalBusinessTelemetry>();
        services.AddSingleton<IBusinessTelemetry>(sp => sp.GetRequiredService<LocalBusinessTelemetry>());
        services.AddSingleton(_ =>
        {
            var options = new TableClientOptions();
            options.AddPolicy(counter, HttpPipelinePosition.PerCall);
            return new TableServiceClient(connectionString, options);
        });
        services.AddSingleton<IMessagePublisher, NothingPublishedAgain>();
        // Replaces the registration AddPsaSync made: the same budget around the sandbox ERP, with confirmation times noted.
        services.AddSingleton<IErpConnector>(sp =>
            new BudgetedErpConnector(PostingTimes.Wrap(sp.GetRequiredService<SandboxErp>(), clock, confirmed), sp.GetRequiredService<ErpRequestBudget>()));
        return services.BuildServiceProvider();
    }

    private static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(share * sorted.Count) - 1)];
}

/// <summary>
/// The burst's queue is the run's own channel, and every project is seeded, so nothing waits in the parking lot to be
/// published again. A publication would mean the measured path is not month-end's, so it stops the run.
/// </summary>
internal sealed class NothingPublishedAgain : IMessagePublisher
{
    public Task PublishAsync(string queueName, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"The month-end benchmark published {envelopes.Count} event(s) to {queueName}: a time entry waited for a project that should have been seeded.");
}
