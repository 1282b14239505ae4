using System.Globalization;

namespace PsaSync.Benchmarks;

/// <summary>The two paths side by side, and the issue's targets checked against what was measured.</summary>
public static class Report
{
    public static void Print(MacroResult baseline, MacroResult psaSync, StorageCapacity storage, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine();
        output.WriteLine($"{"",-40}{"per-record baseline",22}{"PsaSync (batched)",22}");
        Row("Entries", baseline.Entries.ToString("N0", inv), psaSync.Entries.ToString("N0", inv));
        Row("Elapsed (s)", baseline.Seconds.ToString("0.0", inv), psaSync.Seconds.ToString("0.0", inv));
        Row("Entries per second", baseline.EntriesPerSecond.ToString("0.0", inv), psaSync.EntriesPerSecond.ToString("0.0", inv));
        Row("ERP requests per 1,000 entries", baseline.ErpRequestsPer1000Entries.ToString("0.0", inv), psaSync.ErpRequestsPer1000Entries.ToString("0.0", inv));
        Row("ERP requests per second (budget " + psaSync.BudgetRequestsPerSecond.ToString("0.#", inv) + ")", baseline.ErpRequestsPerSecond.ToString("0.0", inv), psaSync.ErpRequestsPerSecond.ToString("0.0", inv));
        Row("Table transactions per entry", baseline.TableRequestsPerEntry.ToString("0.00", inv), psaSync.TableRequestsPerEntry.ToString("0.00", inv));
        Row("Table rows read or written per entry", baseline.TableRowsPerEntry.ToString("0.00", inv), psaSync.TableRowsPerEntry.ToString("0.00", inv));
        Row("Approved-to-ERP latency p50 (s)", baseline.LatencyP50Seconds.ToString("0.0", inv), psaSync.LatencyP50Seconds.ToString("0.0", inv));
        Row("Approved-to-ERP latency p95 (s)", baseline.LatencyP95Seconds.ToString("0.0", inv), psaSync.LatencyP95Seconds.ToString("0.0", inv));
        Row("Peak memory (MiB)", (baseline.PeakWorkingSetBytes / 1048576d).ToString("0", inv), (psaSync.PeakWorkingSetBytes / 1048576d).ToString("0", inv));
        Row("ERP time lines", baseline.ErpTimeLines.ToString("N0", inv), psaSync.ErpTimeLines.ToString("N0", inv));
        Row("Hours in the ERP = hours approved", Same(baseline), Same(psaSync));
        Row("Entries written back to the PSA", baseline.EntriesWrittenBackToPsa.ToString("N0", inv), psaSync.EntriesWrittenBackToPsa.ToString("N0", inv));
        Row("Dead-lettered", baseline.DeadLettered.ToString(inv), psaSync.DeadLettered.ToString(inv));

        // The baseline's rate does not depend on how many entries it ran (the ERP budget bounds it), so its time for
        // the PsaSync path's burst is that burst at the baseline's measured rate; said so when it is extrapolated.
        var baselineSeconds = psaSync.Entries / baseline.EntriesPerSecond;
        var speedup = baselineSeconds / psaSync.Seconds;
        output.WriteLine();
        if (baseline.Entries != psaSync.Entries)
        {
            output.WriteLine($"Baseline ran {baseline.Entries:N0} entries; at its measured {baseline.EntriesPerSecond:0.0} entries/s, {psaSync.Entries:N0} would take " +
                $"{baselineSeconds:0} s (EXTRAPOLATED).");
        }
        output.WriteLine("Targets");
        Target("ERP requests per 1,000 entries <= 15", psaSync.ErpRequestsPer1000Entries <= 15, psaSync.ErpRequestsPer1000Entries.ToString("0.0", inv));
        Target("month-end burst >= 50x faster than the baseline", speedup >= 50, speedup.ToString("0.0", inv) + "x" + (baseline.Entries != psaSync.Entries ? " (baseline extrapolated)" : ""));
        // The ERP budget's ceiling for a path: the budget's requests per second times the entries one request carried.
        var ceiling = psaSync.BudgetRequestsPerSecond * psaSync.Entries / Math.Max(1, psaSync.ErpRequests);
        Target($"PsaSync throughput >= 80% of the ERP budget's ceiling ({ceiling:N0} entries/s at {(double)psaSync.Entries / Math.Max(1, psaSync.ErpRequests):0} entries per request)",
            psaSync.EntriesPerSecond >= 0.8 * ceiling, (psaSync.EntriesPerSecond / ceiling).ToString("P1", inv));
        Target("peak memory <= 1 GiB", psaSync.PeakWorkingSetBytes <= 1L << 30, (psaSync.PeakWorkingSetBytes / 1048576d).ToString("0", inv) + " MiB");
        var baselineCeiling = psaSync.BudgetRequestsPerSecond * baseline.Entries / Math.Max(1, baseline.ErpRequests);
        output.WriteLine($"  (the baseline ran at {baseline.EntriesPerSecond / baselineCeiling:P0} of its own ceiling of {baselineCeiling:0.0} entries/s: the ERP budget bounds it)");

        // What bounds PsaSync when the ERP does not: the storage's rows per second over the rows each entry needs.
        var storageCeiling = storage.TransactionRowsPerSecond / psaSync.TableRowsPerEntry;
        output.WriteLine();
        output.WriteLine($"Table Storage under the run (probe on an empty table): {storage.SingleRowsPerSecond:N0} rows/s one per request (64 callers), " +
            $"{storage.TransactionRowsPerSecond:N0} rows/s in transactions of 100.");
        output.WriteLine($"  At {psaSync.TableRowsPerEntry:0.0} rows per entry, this storage allows at most {storageCeiling:N0} entries/s even if every row went in a " +
            $"transaction; PsaSync ran at {psaSync.EntriesPerSecond / storageCeiling:P0} of that.");
        output.WriteLine();
        output.WriteLine("RESULT " + System.Text.Json.JsonSerializer.Serialize(baseline));
        output.WriteLine("RESULT " + System.Text.Json.JsonSerializer.Serialize(psaSync));

        void Row(string name, string a, string b) => output.WriteLine($"{name,-40}{a,22}{b,22}");
        void Target(string name, bool met, string value) => output.WriteLine($"  [{(met ? "met" : "NOT met")}] {name}: {value}");
    }

    private static string Same(MacroResult r) => r.HoursInErp == r.HoursApproved ? $"yes ({r.HoursInErp:0})" : $"NO ({r.HoursInErp:0} of {r.HoursApproved:0})";
}
