using System.Globalization;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Billing;

/// <summary>
/// Turns ledger entries into invoice lines: time by role and the rate effective on each date (one line per
/// role and rate), expenses passed through with the project's markup already in their amount, milestones as they are.
/// </summary>
public static class InvoiceLines
{
    public static decimal? RateOn(Project project, string? role, DateOnly date) =>
        project.RateCard.Where(r => r.Role == role && r.EffectiveFrom <= date).OrderByDescending(r => r.EffectiveFrom).FirstOrDefault()?.HourlyRate;

    public static IReadOnlyList<ErpInvoiceLine> Build(IEnumerable<LedgerEntry> entries, Project project)
    {
        var list = entries.ToList();
        var time = list.Where(e => e.Kind == LedgerEntryKind.Time)
            .GroupBy(e => (Role: e.Role ?? "Time", Rate: RateOn(project, e.Role, e.Date) ?? 0m))
            .OrderBy(g => g.Key.Role, StringComparer.Ordinal).ThenBy(g => g.Key.Rate)
            .Select(g =>
            {
                var hours = g.Sum(e => e.Quantity);
                return new ErpInvoiceLine(string.Create(CultureInfo.InvariantCulture, $"{g.Key.Role} – {hours:0.##} h at {g.Key.Rate:0.00}"), hours, g.Key.Rate, Math.Round(hours * g.Key.Rate, 2, MidpointRounding.AwayFromZero));
            });
        var others = list.Where(e => e.Kind != LedgerEntryKind.Time)
            .OrderBy(e => e.Date).ThenBy(e => e.EntryKey, StringComparer.Ordinal)
            .Select(e => new ErpInvoiceLine(e.Description, 1m, e.Amount, Math.Round(e.Amount, 2, MidpointRounding.AwayFromZero)));
        return [.. time, .. others];
    }
}
