using PsaSync.Benchmarks;
using PsaSync.Testing;

namespace PsaSync.Benchmarks.Tests;

public sealed class MonthEndBenchmarkTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Both_paths_move_every_hour_into_the_ERP_and_the_batched_one_with_a_fraction_of_the_requests()
    {
        // Ten times Business Central's request rate, so the per-record path finishes in seconds.
        const double Factor = 10;
        var baseline = await new MacroRun(BenchPath.Baseline, 300, Factor, azurite.ConnectionString, workers: 16, TimeSpan.FromSeconds(1)).RunAsync(CancellationToken.None);
        var batched = await new MacroRun(BenchPath.PsaSync, 1_000, Factor, azurite.ConnectionString, workers: 16, TimeSpan.FromSeconds(1)).RunAsync(CancellationToken.None);

        foreach (var run in new[] { baseline, batched })
        {
            Assert.Equal(run.HoursApproved, run.HoursInErp);
            Assert.Equal(run.Entries, run.EntriesWrittenBackToPsa);
            Assert.Equal(0, run.DeadLettered);
            Assert.True(run.TableRows >= run.TableRequests, $"{run.TableRows} rows in {run.TableRequests} requests");
        }
        Assert.Equal(baseline.Entries, baseline.ErpTimeLines);
        // 1,000 entries of 20 consultants on two projects each: 40 cost lines, whatever the job's timing splits.
        Assert.InRange(batched.ErpTimeLines, 40, 80);
        Assert.True(batched.ErpRequestsPer1000Entries * 20 < baseline.ErpRequestsPer1000Entries,
            $"batched {batched.ErpRequestsPer1000Entries} vs per record {baseline.ErpRequestsPer1000Entries} ERP requests per 1,000 entries");
    }
}
