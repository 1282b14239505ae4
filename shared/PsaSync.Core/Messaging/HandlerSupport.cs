using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Telemetry;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Messaging;

/// <summary>A business problem found while handling an event: one exception item each.</summary>
public sealed record BusinessProblem(ReasonCode Reason, string Message);

/// <summary>
/// What every domain handler does the same way: raise exception items, write timeline steps, and turn the
/// ERP's and PSA's failures into handler results (transient → retry later, business rule → exception item).
/// </summary>
public sealed class HandlerSupport(IExceptionStore exceptions, ICorrelationLog correlationLog, TimeProvider clock, IBusinessTelemetry telemetry)
{
    public TimeProvider Clock => clock;

    public Task RaiseAsync(string domain, EventEnvelope envelope, RecordRef record, ReasonCode reason, string message, CancellationToken cancellationToken) =>
        exceptions.RaiseAsync(new NewException(reason, message, domain, record, envelope.CorrelationId, envelope.IdempotencyKey, envelope), cancellationToken);

    /// <summary>
    /// Raises one exception item per problem and rejects the event with the first one's code. Items the record's
    /// earlier events left open for other reasons are resolved: the record got past them (e.g. a replay after its
    /// project synced now meets a closed period), so only the current problems remain for someone to act on.
    /// </summary>
    public async Task<HandlerResult> RejectAsync(string domain, EventEnvelope envelope, RecordRef record, IReadOnlyList<BusinessProblem> problems, CancellationToken cancellationToken)
    {
        var current = problems.Select(p => p.Reason.Code).ToHashSet(StringComparer.Ordinal);
        await SupersedeAsync(domain, record, current, $"the record was processed again and now fails with {string.Join(", ", current)}", cancellationToken);
        foreach (var problem in problems)
        {
            await RaiseAsync(domain, envelope, record, problem.Reason, problem.Message, cancellationToken);
        }
        return new HandlerResult.Rejected(problems[0].Reason.Code);
    }

    public Task<HandlerResult> RejectAsync(string domain, EventEnvelope envelope, RecordRef record, ReasonCode reason, string message, CancellationToken cancellationToken) =>
        RejectAsync(domain, envelope, record, [new BusinessProblem(reason, message)], cancellationToken);

    /// <summary>Resolves the record's open items of an event (they carry one) whose reason is not in <paramref name="current"/>.</summary>
    public async Task SupersedeAsync(string domain, RecordRef record, IReadOnlySet<string> current, string why, CancellationToken cancellationToken)
    {
        var superseded = (await exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open, Domain: domain, SourceRecord: record), cancellationToken))
            .Where(item => item.EnvelopeJson is not null && !current.Contains(item.ReasonCode));
        foreach (var item in superseded)
        {
            await exceptions.ResolveAsync(item.Id, $"Superseded: {why}.", cancellationToken);
        }
    }

    /// <summary>
    /// Resolves the record's open items after a success. The processor does this for redeliveries; master-data
    /// handlers also call it because a fix usually arrives as a new version (a new idempotency key) of the record.
    /// </summary>
    public Task ResolveAsync(string domain, RecordRef record, CancellationToken cancellationToken) =>
        exceptions.ResolveForRecordAsync(domain, record, "A later version of the record went through.", cancellationToken);

    public Task TraceAsync(string domain, EventEnvelope envelope, RecordRef record, string step, string detail, CancellationToken cancellationToken) =>
        TraceAsync(domain, envelope.CorrelationId, record, step, detail, cancellationToken);

    /// <summary>A timeline step for work done outside a handler (a scheduled job) under the record's own correlation id.</summary>
    public Task TraceAsync(string domain, string correlationId, RecordRef record, string step, string detail, CancellationToken cancellationToken) =>
        correlationLog.AppendAsync(new TraceEntry(correlationId, clock.GetUtcNow(), domain, step, detail, record), cancellationToken);

    /// <summary>The same step for many records at once (a job's batch), written together.</summary>
    public Task TraceAllAsync(string domain, string step, IEnumerable<(string CorrelationId, RecordRef Record, string Detail)> records, CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow();
        return correlationLog.AppendRangeAsync([.. records.Select(r => new TraceEntry(r.CorrelationId, at, domain, step, r.Detail, r.Record))], cancellationToken);
    }

    /// <summary>Runs the handler's work and maps the connectors' failures to results the processor understands.</summary>
    public async Task<HandlerResult> GuardAsync(string domain, EventEnvelope envelope, RecordRef record, Func<Task<HandlerResult>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work();
        }
        catch (ErpException ex) when (ex.IsTransient)
        {
            if (ex.Kind == ErpFailureKind.Throttled)
            {
                // Counted apart from other transient failures: a 429 storm means the ERP budget is too small for the load.
                telemetry.ErpThrottled(domain, envelope.Type, ex.RetryAfter, envelope.CorrelationId);
            }
            return new HandlerResult.RetryLater($"ERP {ex.Kind}: {ex.Message}", ex.RetryAfter);
        }
        catch (ErpException ex) when (ex.Kind == ErpFailureKind.PeriodClosed)
        {
            return await RejectAsync(domain, envelope, record, ReasonCodes.FiscalPeriodClosed, $"The ERP refused {record}: {ex.Message}", cancellationToken);
        }
        catch (ErpException ex)
        {
            return await RejectAsync(domain, envelope, record, ReasonCodes.ErpRejected, $"The ERP refused {record}: {ex.Message}", cancellationToken);
        }
        catch (PsaUnavailableException ex)
        {
            return new HandlerResult.RetryLater($"PSA unavailable: {ex.Message}", ex.RetryAfter);
        }
    }
}
