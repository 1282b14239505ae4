using System.Globalization;
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
    // A string property holds at most 64 KiB (32K UTF-16 characters): keep the drift and position lists below that
    // (the ones left for a person, and the drifted positions, first) and store the run's own totals beside them.
    private const int MaxJsonChars = 30_000;

    public async Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Reconciliation, cancellationToken);
        var json = FittedJson(report.Drifts, drifts => drifts.OrderBy(d => d.Healed));
        // Positions with a drift first, so a shortened list still shows where the money differs.
        var drifted = report.Drifts.Where(d => d.Period is not null).Select(d => (d.Record.Id, d.Period)).ToHashSet();
        var positions = FittedJson(report.Positions, all => all.OrderBy(p => drifted.Contains((p.ProjectId, p.Period)) ? 0 : 1));
        await table.AddEntityAsync(new TableEntity(report.Job, (DateTimeOffset.MaxValue.UtcTicks - report.RanAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture))
        {
            ["RunId"] = report.RunId,
            ["RanAt"] = report.RanAt,
            ["RecordsCompared"] = report.RecordsCompared,
            ["DriftTotal"] = report.DriftTotal,
            ["HealedTotal"] = report.HealedTotal,
            ["Drifts"] = json,
            ["Positions"] = positions,
        }, cancellationToken);
    }

    /// <summary>The list as JSON, halved (after <paramref name="priority"/> ordered it) until it fits in one property.</summary>
    private static string FittedJson<T>(IReadOnlyList<T> items, Func<IEnumerable<T>, IEnumerable<T>> priority)
    {
        var json = JsonSerializer.Serialize(items, PsaSyncJson.Options);
        var kept = json.Length > MaxJsonChars ? priority(items).ToList() : [.. items];
        while (json.Length > MaxJsonChars && kept.Count > 0)
        {
            kept = kept.Take(kept.Count / 2).ToList();
            json = JsonSerializer.Serialize(kept, PsaSyncJson.Options);
        }
        return json;
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
                Positions = JsonSerializer.Deserialize<List<BillingPosition>>(row.GetString("Positions") ?? "[]", PsaSyncJson.Options) ?? [],
            };
        }
        return null;
    }
}
