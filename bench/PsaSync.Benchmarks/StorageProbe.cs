using System.Diagnostics;
using Azure.Data.Tables;

namespace PsaSync.Benchmarks;

/// <summary>What the Table Storage under the benchmark can take, measured on an empty table before the paths run.</summary>
public sealed record StorageCapacity(double SingleRowsPerSecond, double TransactionRowsPerSecond);

/// <summary>
/// Measures the storage's own capacity, so the report can say how close PsaSync came to it: rows written one per
/// request by many callers at once (as handlers do), and rows written in entity-group transactions of 100.
/// </summary>
public static class StorageProbe
{
    private const int Rows = 20_000;

    public static async Task<StorageCapacity> MeasureAsync(string connectionString, CancellationToken cancellationToken)
    {
        var service = new TableServiceClient(connectionString);
        var table = service.GetTableClient($"probe{DateTime.UtcNow:HHmmssfff}");
        await table.CreateIfNotExistsAsync(cancellationToken);
        try
        {
            var single = await RateAsync(Rows, async () =>
                await Parallel.ForEachAsync(Enumerable.Range(0, Rows), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken },
                    async (i, ct) => await table.AddEntityAsync(Row($"single-{i % 256:D3}", i), ct)));
            var batched = await RateAsync(Rows, async () =>
                await Parallel.ForEachAsync(Enumerable.Range(0, Rows / 100), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
                    async (chunk, ct) => await table.SubmitTransactionAsync(
                        Enumerable.Range(chunk * 100, 100).Select(i => new TableTransactionAction(TableTransactionActionType.Add, Row($"batch-{chunk % 256:D3}", i))), ct)));
            return new StorageCapacity(single, batched);
        }
        finally
        {
            await table.DeleteAsync(CancellationToken.None);
        }
    }

    // About the size of a timeline step: a few short strings.
    private static TableEntity Row(string partition, int i) => new(partition, $"row-{i:D6}")
    {
        ["Step"] = "received",
        ["Detail"] = "Processing attempt 1 (delivery 1) of a time entry approved at month end.",
        ["At"] = DateTimeOffset.UtcNow,
    };

    private static async Task<double> RateAsync(int rows, Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return rows / clock.Elapsed.TotalSeconds;
    }
}
