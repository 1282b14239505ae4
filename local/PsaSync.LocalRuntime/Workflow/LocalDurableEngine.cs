using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Billing;
using PsaSync.Workflow.Billing;

namespace PsaSync.LocalRuntime.Workflow;

/// <summary>
/// The Durable Task engine inside the local runtime: the billing orchestrator and activities the time and expense
/// function app runs in Azure, on the engine's in-memory backend behind a loopback gRPC sidecar
/// (Microsoft.DurableTask.InProcessTestHost). Replay, durable timers, external events and activity retries are the
/// engine's own. Orchestration state lives as long as this process: after a restart a run is started again (its
/// instance id is deterministic and its activities idempotent, so it cannot invoice twice).
/// Activities are resolved from the runtime's own container, so they share its stores and connectors.
/// </summary>
public sealed class LocalDurableEngine(IServiceProvider services, BillingOptions options, ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private readonly TaskCompletionSource<DurableTaskTestHost> _host = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The engine's client, once it has started.</summary>
    public async Task<DurableTaskClient> ClientAsync(CancellationToken cancellationToken) => (await _host.Task.WaitAsync(cancellationToken)).Client;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var host = await DurableTaskTestHost.StartAsync(
                registry => registry.AddBillingTasks(options, services),
                new DurableTaskTestHostOptions { Port = FreeLoopbackPort(), LoggerFactory = loggerFactory },
                cancellationToken);
            _host.TrySetResult(host);
        }
        catch (Exception ex)
        {
            _host.TrySetException(ex);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_host.Task.IsCompletedSuccessfully)
        {
            await _host.Task.Result.DisposeAsync();
        }
    }

    /// <summary>A port the sidecar can bind (the host's own pick is a random one in 30000-40000 that another process may hold).</summary>
    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}

/// <summary>Billing runs on the local Durable engine, through the same client code the function app uses.</summary>
public sealed class LocalBillingWorkflows(LocalDurableEngine engine) : IBillingWorkflows
{
    public async Task<(bool Started, BillingRunStatus Status)> StartAsync(BillingRequest request, CancellationToken cancellationToken) =>
        await (await Billing(cancellationToken)).StartAsync(request, cancellationToken);

    public async Task<BillingRunStatus?> GetAsync(BillingRequest request, CancellationToken cancellationToken) =>
        await (await Billing(cancellationToken)).GetAsync(request, cancellationToken);

    public async Task<bool> RaiseResolvedAsync(BillingRequest request, CancellationToken cancellationToken) =>
        await (await Billing(cancellationToken)).RaiseResolvedAsync(request, cancellationToken);

    private async Task<DurableBillingWorkflows> Billing(CancellationToken cancellationToken) => new(await engine.ClientAsync(cancellationToken));
}
