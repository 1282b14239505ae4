using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Operations;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Scheduling;

namespace PsaSync.LocalRuntime.Operations;

/// <summary>
/// GET /ops: one self-contained HTML page (inline style, no script, nothing fetched from elsewhere) with the open
/// exception worklist, throughput per domain, sync latency, the unbilled backlog and the latest reconciliation
/// drift. Rendered on the server at each request, so reloading the page refreshes it. Every value is HTML-encoded:
/// exception messages and record ids come from webhooks, which anyone with a secret can shape.
/// </summary>
public sealed class OperationsPage(OperationsService operations, IReconciliationReports reports, LocalBusinessTelemetry telemetry, TimeProvider clock)
{
    private static readonly string[] ReconciliationJobs = [JobNames.CustomerReconciliation, JobNames.ProjectReconciliation];
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public async Task<string> RenderAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var open = (await operations.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), null, cancellationToken))
            .OrderBy(i => i.FirstSeen).ToList();
        var latest = new List<ReconciliationReport>();
        foreach (var job in ReconciliationJobs)
        {
            if (await reports.LatestAsync(job, cancellationToken) is { } report)
            {
                latest.Add(report);
            }
        }
        var figures = telemetry.Snapshot();

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>PsaSync operations</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#1b1b1b}h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px}")
            .Append("table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}")
            .Append("th{background:#eef2f6}td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#555;font-size:13px}.bad{color:#a40000;font-weight:600}")
            .Append("</style></head><body>");
        html.Append("<h1>PsaSync operations</h1><p class=\"note\">Rendered ").Append(E(Time(now)))
            .Append(". Throughput, latency and backlog count since the runtime started (").Append(E(Time(figures.Since)))
            .Append("); the worklist and reconciliation come from the stores. <a href=\"/ops\">Reload</a> to refresh.</p>");

        html.Append("<h2>Exception worklist (").Append(open.Count).Append(" open)</h2>");
        Table(html, "worklist", ["Reason", "Owner", "Age", "Record", "Domain", "Seen", "What happened", "How to fix"],
            open.Select(i => Row(Cell(i.ReasonCode, "reason"), Cell(i.Owner.ToString()), Cell(Age(now - i.FirstSeen)), Cell(i.SourceRecord.ToString(), "record"),
                Cell(i.Domain), Number(i.Occurrences), Cell(i.Message), Cell(i.HowToFix))),
            "No open exception items.");

        html.Append("<h2>Throughput per domain</h2>");
        Table(html, "throughput", ["Domain", "Received", "Posted", "Rejected", "Duplicates absorbed", "Dead-lettered", "ERP 429s"],
            figures.Throughput.Select(t => Row(Cell(t.Domain), Number(t.Received), Number(t.Posted), Number(t.Rejected, t.Rejected > 0),
                Number(t.DuplicatesAbsorbed), Number(t.DeadLettered, t.DeadLettered > 0), Number(t.ErpThrottled))),
            "Nothing processed yet.");
        if (figures.RejectedByReason.Count > 0)
        {
            html.Append("<p class=\"note\">Rejected by reason: ")
                .AppendJoin(", ", figures.RejectedByReason.Select(r => $"{E(r.Key)} {r.Value.ToString(Invariant)}")).Append("</p>");
        }

        html.Append("<h2>Sync latency (source event to applied)</h2>");
        Table(html, "latency", ["Event type", "Applied", "Average", "Slowest"],
            figures.Latency.Select(l => Row(Cell(l.EventType), Number(l.Count), Cell(Age(TimeSpan.FromSeconds(l.AverageSeconds))), Cell(Age(TimeSpan.FromSeconds(l.MaxSeconds))))),
            "Nothing applied yet.");

        html.Append("<h2>Unbilled backlog (approved, not yet invoiced)</h2>");
        Table(html, "backlog", ["Project", "Period", "Hours", "Value", "Currency"],
            figures.Backlog.Select(b => Row(Cell(b.ProjectId), Cell(b.Period), Number(b.Hours), Number(b.Value), Cell(b.Currency))),
            "No unbilled approved work.");

        html.Append("<h2>Latest reconciliation</h2>");
        Table(html, "reconciliation", ["Job", "Ran", "Compared", "Drifts", "Healed", "Left for a person", "Drifts left for a person"],
            latest.Select(r => Row(Cell(r.Job), Cell(Time(r.RanAt)), Number(r.RecordsCompared), Number(r.DriftTotal), Number(r.HealedTotal),
                Number(r.DriftTotal - r.HealedTotal, r.DriftTotal > r.HealedTotal),
                Cell(string.Join(" | ", r.Drifts.Where(d => !d.Healed).Select(d => $"{d.Record} {d.Kind}: {d.Detail}"))))),
            "No reconciliation has run yet.");

        return html.Append("</body></html>").ToString();
    }

    private static void Table(StringBuilder html, string id, string[] headers, IEnumerable<string> rows, string whenEmpty)
    {
        var body = string.Concat(rows);
        if (body.Length == 0)
        {
            html.Append("<p class=\"note\" id=\"").Append(id).Append("-empty\">").Append(E(whenEmpty)).Append("</p>");
            return;
        }
        html.Append("<table id=\"").Append(id).Append("\"><thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th>").Append(E(header)).Append("</th>");
        }
        html.Append("</tr></thead><tbody>").Append(body).Append("</tbody></table>");
    }

    private static string Row(params string[] cells) => "<tr>" + string.Concat(cells) + "</tr>";

    private static string Cell(string value, string? cssClass = null) =>
        cssClass is null ? $"<td>{E(value)}</td>" : $"<td class=\"{cssClass}\">{E(value)}</td>";

    private static string Number(decimal value, bool bad = false) =>
        $"<td class=\"n{(bad ? " bad" : "")}\">{E(value.ToString("#,0.##", Invariant))}</td>";

    private static string Age(TimeSpan age) => age switch
    {
        { TotalMinutes: < 1 } => $"{Math.Max(0, age.TotalSeconds).ToString("0", Invariant)} s",
        { TotalHours: < 1 } => $"{age.TotalMinutes.ToString("0", Invariant)} min",
        { TotalDays: < 2 } => $"{age.TotalHours.ToString("0.#", Invariant)} h",
        _ => $"{age.TotalDays.ToString("0.#", Invariant)} d",
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Invariant);

    private static string E(string value) => HtmlEncoder.Default.Encode(value);
}
