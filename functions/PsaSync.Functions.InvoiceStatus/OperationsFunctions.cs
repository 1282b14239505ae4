using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PsaSync.Core.Audit;
using PsaSync.Core.Operations;
using PsaSync.Core.Reconciliation;
using PsaSync.Hosting;

namespace PsaSync.Functions.InvoiceStatus;

/// <summary>The operations API (exception items, replay, traces, reconciliation reports, the ERP audit trail) over all four domains; protected by function keys.</summary>
public sealed class OperationsFunctions(OperationsService operations, IReconciliationReports reports, IAuditLog audit)
{
    [Function("OpsReconciliation")]
    public async Task<IActionResult> Reconciliation(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/reconciliation/{job}")] HttpRequest request, string job, CancellationToken cancellationToken) =>
        await OperationsHttp.ReconciliationAsync(reports, job, request, cancellationToken);

    [Function("OpsListExceptions")]
    public async Task<IActionResult> ListExceptions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/exceptions")] HttpRequest request, CancellationToken cancellationToken) =>
        await OperationsHttp.ListExceptionsAsync(operations, request, cancellationToken);

    [Function("OpsResolveException")]
    public async Task<IActionResult> Resolve(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "ops/exceptions/{id}/resolve")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        await OperationsHttp.ResolveAsync(operations, id, request, cancellationToken);

    [Function("OpsReplayException")]
    public async Task<IActionResult> Replay(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "ops/exceptions/{id}/replay")] HttpRequest request, string id, CancellationToken cancellationToken) =>
        await OperationsHttp.ReplayAsync(operations, id, cancellationToken);

    [Function("OpsReplayExceptions")]
    public async Task<IActionResult> ReplayMany(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "ops/exceptions/replay")] HttpRequest request, CancellationToken cancellationToken) =>
        await OperationsHttp.ReplayManyAsync(operations, request, cancellationToken);

    [Function("OpsTraceRecord")]
    public async Task<IActionResult> TraceRecord(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/trace")] HttpRequest request, CancellationToken cancellationToken) =>
        await OperationsHttp.TraceRecordAsync(operations, request, cancellationToken);

    [Function("OpsTrace")]
    public async Task<IActionResult> Trace(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/trace/{correlationId}")] HttpRequest request, string correlationId, CancellationToken cancellationToken) =>
        await OperationsHttp.TraceAsync(operations, correlationId, cancellationToken);

    [Function("OpsAudit")]
    public async Task<IActionResult> Audit(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "ops/audit")] HttpRequest request, CancellationToken cancellationToken) =>
        await OperationsHttp.AuditAsync(audit, request, cancellationToken);
}
