using System.Text.Json;
using Azure.Data.Tables;
using PsaSync.Core.Events;
using PsaSync.Core.Reconciliation;

namespace PsaSync.Storage;

/// <summary>
/// Reconciliation reports on Table Storage: partition = job, row = inverted ticks so the newest comes first.
/// The drifts are kept as JSON (a report is read whole).
/// </summary>
public sealed class TableReconciliationReports(TableProvider tables) : IReconciliationReports
{
    // A property holds at most 64 KiB: keep the drift list below that (the ones left for a person first) and
    // store the run's own totals beside it.
    private const int MaxDriftJsonChars = 30_000;

    public async Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Reconciliation, cancellationToken);
        IReadOnlyList<Drift> drifts = report.Drifts;
        var json = JsonSerializer.Serialize(drifts, PsaSyncJson.Options);
        if (json.Length > MaxDriftJsonChars)
        {
            drifts = [.. drifts.OrderBy(d => d.Healed)];
        }
        while (json.Length > MaxDriftJsonChars && drifts.Count > 0)
        {
            drifts = drifts.Take(drifts.Count / 2).ToList();
            json = JsonSerializer.Serialize(drifts, PsaSyncJson.Options);
        }
        await table.AddEntityAsync(new TableEntity(report.Job, (DateTimeOffset.MaxValue.UtcTicks - report.RanAt.UtcTicks).ToString("D19"))
        {
            ["RunId"] = report.RunId,
            ["RanAt"] = report.RanAt,
            ["RecordsCompared"] = report.RecordsCompared,
            ["DriftTotal"] = report.DriftTotal,
            ["HealedTotal"] = report.HealedTotal,
            ["Drifts"] = json,
        }, cancellationToken);
    }

    public async Task<ReconciliationReport?> LatestAsync(string job, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Reconciliation, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {job}"), maxPerPage: 1, cancellationToken: cancellationToken))
        {
            var drifts = JsonSerializer.Deserialize<List<Drift>>(row.GetString("Drifts") ?? "[]", PsaSyncJson.Options) ?? [];
            return new ReconciliationReport(job, row.GetString("RunId") ?? "", row.GetDateTimeOffset("RanAt") ?? default, row.GetInt32("RecordsCompared") ?? 0, drifts)
            {
                DriftTotal = row.GetInt32("DriftTotal") ?? drifts.Count,
                HealedTotal = row.GetInt32("HealedTotal") ?? drifts.Count(d => d.Healed),
            };
        }
        return null;
    }
}
