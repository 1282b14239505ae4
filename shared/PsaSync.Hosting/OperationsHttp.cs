using Microsoft.AspNetCore.Http;
using PsaSync.Core.Audit;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Billing;
using PsaSync.Core.Operations;
using PsaSync.Core.Reconciliation;

namespace PsaSync.Hosting;

/// <summary>
/// The operations API over HTTP, the same in the function apps (function keys) and the local runtime (loopback):
/// <c>GET ops/exceptions</c>, <c>POST ops/exceptions/{id}/resolve</c>, <c>POST ops/exceptions/{id}/replay</c>,
/// <c>POST ops/exceptions/replay</c> (filtered set), <c>GET ops/trace/{correlationId}</c>, <c>GET ops/trace?record=</c>,
/// <c>GET ops/reconciliation/{job}?project=&amp;period=</c>, <c>GET ops/audit?correlationId=</c>.
/// Filters: reason, owner, status, domain, record, olderThanHours.
/// </summary>
public static class OperationsHttp
{
    public const string InvalidQuery = "OPS_QUERY_INVALID";
    public const string NotFound = "OPS_NOT_FOUND";
    public const string NotReplayable = "OPS_NOT_REPLAYABLE";
    public const string ReplayFilterRequired = "OPS_REPLAY_FILTER_REQUIRED";

    /// <summary>The oldest age filter accepted, in hours (ten years).</summary>
    public const double MaxOlderThanHours = 87_600;

    public static async Task<JsonHttpResult> ListExceptionsAsync(OperationsService operations, HttpRequest request, CancellationToken cancellationToken)
    {
        if (ReadFilter(request, out var query, out var olderThan) is { } invalid)
        {
            return invalid;
        }
        var items = await operations.ListAsync(query, olderThan, cancellationToken);
        return JsonHttpResult.Ok(new { count = items.Count, items = items.Select(View) });
    }

    public static async Task<JsonHttpResult> ResolveAsync(OperationsService operations, string id, HttpRequest request, CancellationToken cancellationToken)
    {
        var resolution = request.Query["resolution"].FirstOrDefault() ?? "Resolved by hand through the operations API.";
        return await operations.ResolveAsync(id, resolution, cancellationToken)
            ? JsonHttpResult.Ok(new { id, status = ExceptionStatus.Resolved })
            : JsonHttpResult.Problem(404, NotFound, "No open exception item", $"There is no open exception item '{id}'.");
    }

    public static async Task<JsonHttpResult> ReplayAsync(OperationsService operations, string id, CancellationToken cancellationToken) =>
        await operations.ReplayAsync(id, cancellationToken) switch
        {
            ReplayOutcome.Replayed => new JsonHttpResult(202, new { id, replayed = 1 }),
            ReplayOutcome.NotFound => JsonHttpResult.Problem(404, NotFound, "No exception item", $"There is no exception item '{id}'."),
            ReplayOutcome.NotOpen => JsonHttpResult.Problem(409, NotReplayable, "Already resolved", $"Exception item '{id}' is resolved; there is nothing to replay."),
            _ => JsonHttpResult.Problem(409, NotReplayable, "Nothing to replay",
                $"Exception item '{id}' did not come from a queued event (for example a reconciliation drift); fix the data at its source instead."),
        };

    public static async Task<JsonHttpResult> ReplayManyAsync(OperationsService operations, HttpRequest request, CancellationToken cancellationToken)
    {
        if (ReadFilter(request, out var query, out var olderThan) is { } invalid)
        {
            return invalid;
        }
        var all = request.Query["all"].FirstOrDefault();
        if (all is not null && !string.Equals(all, "true", StringComparison.OrdinalIgnoreCase))
        {
            return JsonHttpResult.Problem(400, InvalidQuery, "Invalid filter", "all must be 'true' when given.");
        }
        var filtered = query.ReasonCode is not null || query.Owner is not null || query.Domain is not null || query.SourceRecord is not null || olderThan is not null;
        if (!filtered && all is null)
        {
            // Replaying every open item at once is rarely what an operator means; it must be asked for.
            return JsonHttpResult.Problem(400, ReplayFilterRequired, "Filter required",
                "Give at least one of reason, owner, domain, record or olderThanHours, or all=true to replay every open replayable item.");
        }
        return new JsonHttpResult(202, new { replayed = await operations.ReplayManyAsync(query, cancellationToken, olderThan) });
    }

    /// <summary>The latest report of a reconciliation job; for billing reconciliation optionally narrowed to a project and/or period.</summary>
    public static async Task<JsonHttpResult> ReconciliationAsync(IReconciliationReports reports, string job, HttpRequest request, CancellationToken cancellationToken)
    {
        var project = request.Query["project"].FirstOrDefault();
        var period = request.Query["period"].FirstOrDefault();
        if (period is not null && !LedgerEntry.IsPeriod(period))
        {
            return JsonHttpResult.Problem(400, InvalidQuery, "Invalid filter", $"period '{period}' is not a yyyy-MM month.");
        }
        if (await reports.LatestAsync(job, cancellationToken) is not { } report)
        {
            return JsonHttpResult.Problem(404, NotFound, "No reconciliation report", $"Job '{job}' has not stored a report yet; run it with POST jobs/{job} or wait for its timer.");
        }
        bool Selected(string? projectId, string? ofPeriod) => (project is null || projectId == project) && (period is null || ofPeriod == period);
        return JsonHttpResult.Ok(new
        {
            report.Job,
            report.RunId,
            report.RanAt,
            report.Summary,
            report.RecordsCompared,
            report.DriftTotal,
            report.HealedTotal,
            drifts = report.Drifts.Where(d => Selected(d.Record.Id, d.Period ?? period)),
            positions = report.Positions.Where(p => Selected(p.ProjectId, p.Period)),
        });
    }

    public static async Task<JsonHttpResult> TraceAsync(OperationsService operations, string correlationId, CancellationToken cancellationToken)
    {
        var timeline = await operations.TraceAsync(correlationId, cancellationToken);
        return timeline.Entries.Count > 0
            ? JsonHttpResult.Ok(timeline)
            : JsonHttpResult.Problem(404, NotFound, "No timeline", $"Nothing has been recorded under correlation id '{correlationId}'.");
    }

    public static async Task<JsonHttpResult> TraceRecordAsync(OperationsService operations, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!RecordRef.TryParse(request.Query["record"].FirstOrDefault(), out var record))
        {
            return JsonHttpResult.Problem(400, InvalidQuery, "Record required", "Give the source record as ?record=system/kind/id, for example psa/time-entry/TE-00042.");
        }
        return JsonHttpResult.Ok(new { record = record.ToString(), timelines = await operations.TraceRecordAsync(record, cancellationToken) });
    }

    /// <summary><c>GET ops/audit?correlationId=</c>: the ERP changes made for one correlation id, oldest first (read-only).</summary>
    public static async Task<JsonHttpResult> AuditAsync(IAuditLog audit, HttpRequest request, CancellationToken cancellationToken)
    {
        var correlationId = request.Query["correlationId"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(correlationId))
        {
            return JsonHttpResult.Problem(400, InvalidQuery, "Correlation id required",
                "Give the correlation id as ?correlationId=..., from a webhook's 202 answer, an exception item or a timeline.");
        }
        var records = await audit.ListAsync(correlationId, cancellationToken);
        return JsonHttpResult.Ok(new { correlationId, count = records.Count, records });
    }

    private static object View(ExceptionItem item) => new
    {
        item.Id,
        item.ReasonCode,
        item.Owner,
        item.Title,
        item.Message,
        item.HowToFix,
        item.Domain,
        SourceRecord = item.SourceRecord.ToString(),
        item.CorrelationId,
        item.Status,
        item.Occurrences,
        item.FirstSeen,
        item.LastSeen,
        item.ResolvedAt,
        item.Resolution,
        Replayable = item.EnvelopeJson is not null,
    };

    private static JsonHttpResult? ReadFilter(HttpRequest request, out ExceptionQuery query, out TimeSpan? olderThan)
    {
        var q = request.Query;
        query = new ExceptionQuery();
        olderThan = null;
        if (q["owner"].FirstOrDefault() is { } owner)
        {
            if (!Enum.TryParse<ExceptionOwner>(owner, ignoreCase: true, out var parsed))
            {
                return Invalid($"owner '{owner}' is not one of {string.Join(", ", Enum.GetNames<ExceptionOwner>())}.");
            }
            query = query with { Owner = parsed };
        }
        if (q["status"].FirstOrDefault() is { } status)
        {
            if (!Enum.TryParse<ExceptionStatus>(status, ignoreCase: true, out var parsed))
            {
                return Invalid($"status '{status}' is not one of {string.Join(", ", Enum.GetNames<ExceptionStatus>())}.");
            }
            query = query with { Status = parsed };
        }
        if (q["record"].FirstOrDefault() is { } recordText)
        {
            if (!RecordRef.TryParse(recordText, out var record))
            {
                return Invalid($"record '{recordText}' is not of the form system/kind/id.");
            }
            query = query with { SourceRecord = record };
        }
        if (q["olderThanHours"].FirstOrDefault() is { } hours)
        {
            if (!double.TryParse(hours, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var h)
                || !double.IsFinite(h) || h < 0 || h > MaxOlderThanHours)
            {
                return Invalid($"olderThanHours '{(hours.Length <= 40 ? hours : hours[..40] + "…")}' is not a number from 0 to {MaxOlderThanHours}.");
            }
            olderThan = TimeSpan.FromHours(h);
        }
        query = query with { ReasonCode = q["reason"].FirstOrDefault(), Domain = q["domain"].FirstOrDefault() };
        return null;

        static JsonHttpResult Invalid(string detail) => JsonHttpResult.Problem(400, InvalidQuery, "Invalid filter", detail);
    }
}
