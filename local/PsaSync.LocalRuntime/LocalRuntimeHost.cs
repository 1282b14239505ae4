using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Connectors.Tryton;
using PsaSync.Core.Events;
using PsaSync.Core.Audit;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Operations;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Telemetry;
using PsaSync.Hosting;
using PsaSync.Core.Billing;
using PsaSync.LocalRuntime.Operations;
using PsaSync.LocalRuntime.Queue;
using PsaSync.LocalRuntime.Workflow;
using PsaSync.Workflow.Billing;
using PsaSync.Storage;

namespace PsaSync.LocalRuntime;

/// <summary>
/// Builds the single-process host: the same webhook routes as the function apps (<c>/api/webhooks/...</c>),
/// the core services of all four domains, and the queue pumps in place of the Service Bus triggers.
/// </summary>
public static class LocalRuntimeHost
{
    /// <summary>The value of <c>PsaSync:Erp:Kind</c> that connects the local runtime to Tryton instead of the sandbox ERP.</summary>
    public const string TrytonKind = "tryton";

    public static WebApplication Build(LocalRuntimeOptions options, IConfiguration configuration, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.IncludeScopes = true;
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.WebHost.UseUrls($"http://{options.BindAddress}:{options.Port}");

        builder.Services.AddSingleton(options);
        // PsaSync:Erp:Kind chooses the ERP: the sandbox (default) or a live Tryton (scripts/tryton.sh starts one).
        if (string.Equals(builder.Configuration["PsaSync:Erp:Kind"], TrytonKind, StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddTrytonErp(builder.Configuration);
            builder.Services.AddKeyedSingleton<IErpConnector>(ServiceRegistration.HostErpKey, (sp, _) => sp.GetRequiredService<TrytonErp>());
        }
        builder.Services.AddPsaSync(builder.Configuration);
        builder.Services.AddSingleton<LocalBusinessTelemetry>();
        builder.Services.AddSingleton<IBusinessTelemetry>(sp => sp.GetRequiredService<LocalBusinessTelemetry>());
        builder.Services.AddSingleton<OperationsPage>();
        builder.Services.AddSingleton(sp => new TableMessageQueue(sp.GetRequiredService<TableProvider>(), sp.GetRequiredService<TimeProvider>())
        {
            LockDuration = options.LockDuration,
        });
        builder.Services.AddSingleton<IMessagePublisher>(sp => sp.GetRequiredService<TableMessageQueue>());
        builder.Services.AddSingleton<QueuePump>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<QueuePump>());
        builder.Services.AddHostedService<TimerHost>();
        // Billing runs on the Durable Task engine in this process (in-memory backend behind a loopback gRPC sidecar);
        // its worker resolves the billing activities from this container, and its client serves the billing routes.
        WebApplication? app = null;
        builder.Services.AddInMemoryDurableTask(
            registry => registry.AddBillingTasks(() => app!.Services.GetRequiredService<BillingOptions>()),
            new InMemoryDurableTaskOptions { Port = FreeLoopbackPort() });
        builder.Services.AddSingleton<IBillingWorkflows>(sp => new DurableBillingWorkflows(sp.GetRequiredService<DurableTaskClient>()));
        builder.Services.AddSingleton<IScheduledJob, PeriodCloseJob>();

        app = builder.Build();
        // Every refusal without a body of its own (no route, a method the route does not serve, a request the
        // framework refused to bind) is problem+json with a reason code, like every other refusal.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var (reason, title) = status switch
            {
                404 => ("HTTP_ROUTE_NOT_FOUND", "No such route"),
                405 => ("HTTP_METHOD_NOT_ALLOWED", "Method not allowed"),
                413 => ("HTTP_PAYLOAD_TOO_LARGE", "Payload too large"),
                415 => ("HTTP_CONTENT_TYPE_UNSUPPORTED", "Unsupported content type"),
                _ => ("HTTP_REQUEST_INVALID", "Request refused"),
            };
            var problem = Problem.Of(status, reason, title, $"{http.Request.Method} is not served for this path with this request (status {status}).");
            await Results.Json(problem, PsaSyncJson.Options, Problem.ContentType, status).ExecuteAsync(http);
        });
        app.MapPost("/api/webhooks/{**route}", (string route, HttpRequest request, WebhookIngress ingress, IngressLimits limits, CancellationToken ct) =>
            IngressHttp.AcceptAsync(ingress, limits, request, route, ct));
        app.MapPost("/api/jobs/{name}", (string name, JobRunner jobs, CancellationToken ct) => RunJobAsync(jobs, name, ct));
        app.MapGet("/api/health", () => Results.Ok(new { status = "ok" }));

        // Billing, as the time and expense app serves it in Azure (the same orchestrator on the Durable Task engine, in-process here).
        app.MapPost("/api/billing/{projectId}/{period}", (string projectId, string period, HttpRequest request, IBillingWorkflows billing, TimeProvider clock, CancellationToken ct) => BillingHttp.StartAsync(billing, projectId, period, request, ct, clock));
        app.MapGet("/api/billing/{projectId}/{period}", (string projectId, string period, HttpRequest request, IBillingWorkflows billing, CancellationToken ct) => BillingHttp.GetAsync(billing, projectId, period, request, ct));
        app.MapPost("/api/billing/{projectId}/{period}/resolved", (string projectId, string period, HttpRequest request, IBillingWorkflows billing, CancellationToken ct) => BillingHttp.ResolvedAsync(billing, projectId, period, request, ct));

        // The operations API, as the invoice status app serves it in Azure.
        app.MapGet("/api/ops/exceptions", (OperationsService ops, HttpRequest request, CancellationToken ct) => OperationsHttp.ListExceptionsAsync(ops, request, ct));
        app.MapPost("/api/ops/exceptions/replay", (OperationsService ops, HttpRequest request, CancellationToken ct) => OperationsHttp.ReplayManyAsync(ops, request, ct));
        app.MapPost("/api/ops/exceptions/{id}/resolve", (string id, OperationsService ops, HttpRequest request, CancellationToken ct) => OperationsHttp.ResolveAsync(ops, id, request, ct));
        app.MapPost("/api/ops/exceptions/{id}/replay", (string id, OperationsService ops, CancellationToken ct) => OperationsHttp.ReplayAsync(ops, id, ct));
        app.MapGet("/api/ops/reconciliation/{job}", (string job, IReconciliationReports reports, HttpRequest request, CancellationToken ct) => OperationsHttp.ReconciliationAsync(reports, job, request, ct));
        app.MapGet("/api/ops/trace", (OperationsService ops, HttpRequest request, CancellationToken ct) => OperationsHttp.TraceRecordAsync(ops, request, ct));
        app.MapGet("/api/ops/audit", (IAuditLog audit, HttpRequest request, CancellationToken ct) => OperationsHttp.AuditAsync(audit, request, ct));
        app.MapGet("/api/ops/trace/{correlationId}", (string correlationId, OperationsService ops, CancellationToken ct) => OperationsHttp.TraceAsync(ops, correlationId, ct));

        // Sandbox controls for the chaos suite, which drives this runtime as a separate process: the faults the sandboxes
        // have injected so far, and a PSA outage window. They exist only here (loopback); the function apps have no sandboxes to steer.
        app.MapGet("/api/sandbox/faults", (SandboxErp erp, SandboxPsa psa) => Results.Ok(new { erp = erp.FaultsInjected, psa = psa.FaultsInjected }));
        app.MapPost("/api/sandbox/psa/outage/{state}", (string state, SandboxPsa psa) =>
        {
            if (state is not ("on" or "off"))
            {
                return ProblemResult(Problem.Of(400, "SANDBOX_STATE_INVALID", "Invalid state", "Use on or off."));
            }
            psa.SetOutage(state == "on");
            return Results.Ok(new { psaOutage = state });
        });

        // The sandbox PSA's own API: what its users do, each followed by the webhook the PSA sends (see SandboxPsaApi).
        Sandbox.SandboxPsaApi.Map(app);

        // The operations page: the worklist and the figures the workbook shows in Azure, for a person at this machine.
        app.MapGet("/ops", async (OperationsPage page, CancellationToken ct) => Results.Content(await page.RenderAsync(ct), "text/html; charset=utf-8"));
        return app;
    }

    /// <summary>The address Kestrel actually bound (useful with port 0).</summary>
    public static Uri BaseAddress(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>
    /// Runs a job now. A job stopped by the ERP or the PSA answers problem+json saying which and why, so the caller
    /// knows whether to retry later (503) or to look at what the ERP refused (502).
    /// </summary>
    private static async Task<IResult> RunJobAsync(JobRunner jobs, string name, CancellationToken cancellationToken)
    {
        if (!jobs.Exists(name))
        {
            return ProblemResult(Problem.Of(404, "JOB_UNKNOWN", "Unknown job", $"There is no job named '{name}'. Jobs: {string.Join(", ", jobs.Names)}."));
        }
        try
        {
            return Results.Ok(new { job = name, summary = await jobs.RunAsync(name, cancellationToken) });
        }
        catch (ErpException ex) when (ex.IsTransient)
        {
            return ProblemResult(Problem.Of(503, "JOB_ERP_UNAVAILABLE", "The ERP is unavailable", $"Job '{name}' stopped: {ex.Message} Run it again later."));
        }
        catch (ErpException ex)
        {
            return ProblemResult(Problem.Of(502, "JOB_ERP_REJECTED", "The ERP refused a call", $"Job '{name}' stopped: {ex.Message}"));
        }
        catch (PsaUnavailableException ex)
        {
            return ProblemResult(Problem.Of(503, "JOB_PSA_UNAVAILABLE", "The PSA is unavailable", $"Job '{name}' stopped: {ex.Message} Run it again later."));
        }
    }

    /// <summary>A loopback port free now, for the engine's sidecar (its own pick is a random one that another process may hold).</summary>
    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static IResult ProblemResult(Problem problem) => Results.Json(problem, PsaSyncJson.Options, Problem.ContentType, problem.Status);
}
