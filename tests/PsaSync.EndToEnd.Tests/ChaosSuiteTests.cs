using PsaSync.Core.Exceptions;
using PsaSync.LocalRuntime.Chaos;
using PsaSync.Testing;
using Xunit.Abstractions;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// The chaos suite at CI size (<see cref="ChaosSize.Ci"/>): duplicates, out-of-order children, ERP 5xx/429/commit-then-timeout,
/// a closed period, a PSA outage window and a hard kill of the runtime process; every invariant must hold.
/// The figures go to the test output and to chaos-summary.txt in the test's output directory.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ChaosSuiteTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task A_faulty_month_with_a_hard_kill_loses_nothing_and_posts_nothing_twice()
    {
        var log = new StringWriter();
        var summary = await new ChaosRunner(new ChaosOptions { Size = ChaosSize.Ci }, azurite.ConnectionString, log).RunAsync(CancellationToken.None);
        ChaosRunner.Print(summary, log);
        var text = log.ToString();
        output.WriteLine(text);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "chaos-summary.txt"), text);

        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.DoublePosted);
        Assert.Empty(summary.Failures);
        Assert.Equal(8, summary.Invariants.Count);
        // The run must really have met the chaos it promises, or the invariants prove nothing.
        Assert.True(summary.Figures["duplicate deliveries sent"] * 5 >= summary.Figures["webhook calls"] - summary.Figures["duplicate deliveries sent"], "at least 20% duplicate deliveries");
        Assert.True(summary.Figures["children sent before their parent"] * 10 >= summary.Figures["children sent (projects, timesheets)"], "at least 10% out of order");
        Assert.True(summary.Figures["duplicates absorbed"] > 0, "duplicates should have been absorbed");
        Assert.Equal(1, summary.FaultsInjected["process-hard-kill"]);
        foreach (var fault in new[] { "erp ServerError", "erp Throttled", "erp CommitThenTimeout", "erp PeriodClosed", "psa Outage" })
        {
            Assert.True(summary.FaultsInjected.GetValueOrDefault(fault) > 0, $"the run should have injected {fault}");
        }
        Assert.True(summary.OpenExceptionsByReason.ContainsKey(ReasonCodes.FiscalPeriodClosed.Code), "the late time in the closed period should be an open exception");
        Assert.True(summary.OpenExceptionsByReason.ContainsKey(ReasonCodes.HoursOutOfRange.Code), "the 26-hour typo should be an open exception");
    }
}
