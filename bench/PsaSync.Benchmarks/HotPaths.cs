using BenchmarkDotNet.Attributes;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.TimeExpense;

namespace PsaSync.Benchmarks;

/// <summary>
/// The in-process work of the batched path, without I/O: forming 2,000 cost lines from 50,000 accepted entries, and
/// the request budget's own cost per call when it is not the limit. In-process toolchain: the benchmark runs in this
/// build (profile included) instead of a generated project.
/// </summary>
[MemoryDiagnoser]
[InProcess]
public class HotPaths
{
    private List<PendingCostPosting> _accepted = [];
    private ErpRequestBudget _budget = null!;

    [GlobalSetup]
    public void Setup()
    {
        _accepted = [.. MonthEndBurst.Entries(50_000).Select(e =>
            new PendingCostPosting(e, "EP-" + e.ProjectId, "corr-" + e.EntryId, "psa:time-entry:" + e.EntryId))];
        _budget = new ErpRequestBudget(new ErpBudgetOptions { RequestsPerWindow = int.MaxValue, Window = TimeSpan.FromSeconds(1) }, TimeProvider.System);
    }

    [Benchmark]
    public int AggregateMonthEnd() => CostAggregation.Form(_accepted).Count;

    [Benchmark]
    public async Task<bool> BudgetedCall() => await _budget.RunAsync(_ => Task.FromResult(true), CancellationToken.None);
}
