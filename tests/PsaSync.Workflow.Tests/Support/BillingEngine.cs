using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Exceptions;
using PsaSync.Core.MasterData;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Sandbox;
using PsaSync.Core.Tests.Support;
using PsaSync.Core.Tracing;
using PsaSync.Workflow.Billing;

namespace PsaSync.Workflow.Tests.Support;

/// <summary>
/// The billing orchestration on the real Durable Task engine (in-memory backend, loopback gRPC), with the sandbox
/// ERP and PSA and in-memory stores behind its activities. The engine's clock is the real one, so the billed period is
/// last month and the options use seconds where production uses hours and days.
/// </summary>
internal sealed class BillingEngine : IAsyncDisposable
{
    public const string ProjectId = "PRJ-1";

    private DurableTaskTestHost? _host;

    public BillingEngine(BillingOptions? options = null, string? period = null)
    {
        Period = period ?? LastMonth;
        Options = options ?? new BillingOptions { ResolutionDeadline = TimeSpan.FromSeconds(30), RecheckInterval = TimeSpan.FromSeconds(10) };
        Exceptions = new InMemoryExceptionStore(TimeProvider.System);
        Ledger = new FaultyLedger(InnerLedger);
        var services = new ServiceCollection();
        services.AddSingleton<IErpConnector>(Erp);
        services.AddSingleton<IPsaConnector>(Psa);
        services.AddSingleton<ICrossReferenceMap>(CrossReferences);
        services.AddSingleton<IUnbilledLedger>(Ledger);
        services.AddSingleton<IProjectProfiles>(Profiles);
        services.AddSingleton<IExceptionStore>(Exceptions);
        services.AddSingleton<ICorrelationLog>(new InMemoryCorrelationLog());
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(Options);
        services.AddSingleton(sp => new ReferenceDataCache(sp.GetRequiredService<IErpConnector>(), TimeProvider.System));
        services.AddSingleton<BillingChecks>();
        services.AddBillingActivities();
        Services = services.BuildServiceProvider();
    }

    public static string LastMonth => LedgerEntry.PeriodOf(Today.AddMonths(-1));

    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>The period billed: last month unless the test says otherwise.</summary>
    public string Period { get; }

    public BillingOptions Options { get; }

    public SandboxErp Erp { get; } = new(new SandboxFaultOptions());

    public SandboxPsa Psa { get; } = new(new SandboxFaultOptions());

    public InMemoryLedger InnerLedger { get; } = new();

    public FaultyLedger Ledger { get; }

    public InMemoryProjectProfiles Profiles { get; } = new();

    public InMemoryCrossReferenceMap CrossReferences { get; } = new();

    public InMemoryExceptionStore Exceptions { get; }

    public ServiceProvider Services { get; }

    public DurableTaskClient Client => (_host ?? throw new InvalidOperationException("Start the engine first.")).Client;

    public IBillingWorkflows Workflows => new DurableBillingWorkflows(Client);

    public async Task<BillingEngine> StartAsync()
    {
        _host = await DurableTaskTestHost.StartAsync(registry => registry.AddBillingTasks(Options, Services));
        return this;
    }

    /// <summary>
    /// Stops the engine's worker (as a crash or a deployment would) and starts it again on the same backend: the
    /// orchestrations' history stays in the sidecar, so a run in flight resumes by replaying it.
    /// </summary>
    public async Task RestartWorkerAsync()
    {
        var workers = _host!.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Microsoft.DurableTask.Worker.Hosting.DurableTaskWorker>().ToList();
        Assert.NotEmpty(workers);
        foreach (var worker in workers)
        {
            await worker.StopAsync(CancellationToken.None);
        }
        foreach (var worker in workers)
        {
            await worker.StartAsync(CancellationToken.None);
        }
    }

    /// <summary>Stops the engine's worker and sidecar (the in-memory history goes with them).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        await Services.DisposeAsync();
    }

    /// <summary>A customer (NET30) in the ERP, its project with a Consultant rate, and 12 approved hours of the period in the PSA and the ledger.</summary>
    public async Task<BillingEngine> WithApprovedTimeAsync(bool projectInErp = true)
    {
        var customer = await Erp.CreateCustomerAsync(SandboxMasterData.CustomerDraft(), CancellationToken.None);
        await CrossReferences.LinkAsync(EntityKinds.Customer, SystemNames.CustomerKey, "ACC-1", SystemNames.Erp, customer.CustomerNumber, CancellationToken.None);
        await Profiles.SaveAsync(SandboxMasterData.Project(ProjectId, contractCeiling: null), CancellationToken.None);
        if (projectInErp)
        {
            SeedProject();
        }
        var first = DateOnly.ParseExact(Period + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (id, day, hours) in new[] { ("TE-1", 5, 8m), ("TE-2", 6, 4m) })
        {
            var entry = TestData.TimeEntry(entryId: id, projectId: ProjectId, hours: hours, workDate: first.AddDays(day - 1));
            Psa.RecordApprovedTime(entry);
            await InnerLedger.AddAsync(LedgerEntry.ForTime(entry, $"corr-{id}"), CancellationToken.None);
        }
        return this;
    }

    public void SeedProject() => Erp.SeedProject(new ErpProject($"EP-{ProjectId}", ProjectId, Active: true));

    public BillingRequest Request(int attempt = 1) => new(ProjectId, Period, attempt);

    /// <summary>Waits until the run has ended (completed or failed) and returns its status.</summary>
    public async Task<BillingRunStatus> CompletionAsync(BillingRequest request, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await Client.WaitForInstanceCompletionAsync(request.BatchId, getInputsAndOutputs: true, cancellation.Token);
        return (await Workflows.GetAsync(request, CancellationToken.None))!;
    }

    /// <summary>Waits until the run shows <paramref name="state"/> in its custom status.</summary>
    public async Task<BillingRunStatus> StatusAsync(BillingRequest request, BillingState state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var status = await Workflows.GetAsync(request, CancellationToken.None);
            if (status?.CustomStatus?.State == state)
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The run never showed {state}; last: {status?.RuntimeStatus} {status?.CustomStatus?.State}.");
            await Task.Delay(100);
        }
    }
}

/// <summary>The in-memory ledger, whose reserve can be made to fail (as a Table Storage outage would).</summary>
internal sealed class FaultyLedger(InMemoryLedger inner) : IUnbilledLedger
{
    public int ReserveFailures { get; set; }

    public int ReserveCalls { get; private set; }

    /// <summary>A failing reserve has reserved before its answer was lost (the ambiguous case), rather than done nothing.</summary>
    public bool ReserveBeforeFailing { get; set; }

    public Task<bool> AddAsync(LedgerEntry entry, CancellationToken cancellationToken) => inner.AddAsync(entry, cancellationToken);

    public Task<IReadOnlyList<LedgerEntry>> ListAsync(string projectId, string period, CancellationToken cancellationToken) => inner.ListAsync(projectId, period, cancellationToken);

    public Task<IReadOnlyList<LedgerEntry>> ListVersionsAsync(LedgerEntryKind kind, string sourceId, CancellationToken cancellationToken) => inner.ListVersionsAsync(kind, sourceId, cancellationToken);

    public Task<bool> ReverseAsync(LedgerEntry entry, CancellationToken cancellationToken) => inner.ReverseAsync(entry, cancellationToken);

    public async Task<int> ReserveAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken)
    {
        ReserveCalls++;
        if (ReserveFailures > 0)
        {
            ReserveFailures--;
            if (ReserveBeforeFailing)
            {
                await inner.ReserveAsync(projectId, period, billingBatchId, cancellationToken);
            }
            throw new InvalidOperationException("The ledger store did not answer.");
        }
        return await inner.ReserveAsync(projectId, period, billingBatchId, cancellationToken);
    }

    public Task<int> ReleaseAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) => inner.ReleaseAsync(projectId, period, billingBatchId, cancellationToken);

    public Task<int> MarkBilledAsync(string projectId, string period, string billingBatchId, string invoiceId, CancellationToken cancellationToken) =>
        inner.MarkBilledAsync(projectId, period, billingBatchId, invoiceId, cancellationToken);
}
