using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Running;
using PsaSync.Azurite;
using PsaSync.Benchmarks;

// psasync-bench [macro] [--entries 50000] [--baseline-entries 50000] [--factor 1] [--workers 16] [--job-interval 15]
// psasync-bench micro          BenchmarkDotNet on the hot in-process paths
// psasync-bench path <Baseline|PsaSync> --entries N --factor F --connection <Azurite> ...   one path (the macro run's child)
var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "macro";
var settings = Settings(args);
var entries = (int)settings.GetValueOrDefault("entries", 50_000);
var factor = settings.GetValueOrDefault("factor", 1);
var workers = (int)settings.GetValueOrDefault("workers", 256);
var jobInterval = TimeSpan.FromSeconds(settings.GetValueOrDefault("job-interval", 15));
var jsonOptions = new JsonSerializerOptions { WriteIndented = false };

switch (command)
{
    case "micro":
        BenchmarkRunner.Run<HotPaths>(args: [.. args.Where(a => a != "micro")]);
        return 0;

    case "path":
    {
        var path = Enum.Parse<BenchPath>(args[1], ignoreCase: true);
        var connection = Environment.GetEnvironmentVariable("PSASYNC_BENCH_CONNECTION") ?? throw new InvalidOperationException("PSASYNC_BENCH_CONNECTION is not set.");
        var result = await new MacroRun(path, entries, factor, connection, workers, jobInterval).RunAsync(CancellationToken.None);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(result, jsonOptions));
        return 0;
    }

    case "macro":
    {
        var baselineEntries = (int)settings.GetValueOrDefault("baseline-entries", entries);
        Console.WriteLine($"Month-end macro benchmark: {entries:N0} approved entries (baseline: {baselineEntries:N0}), ERP limits = Business Central x {factor.ToString(CultureInfo.InvariantCulture)} " +
            $"({6_000 * factor:N0} requests / 5 min = {20 * factor:0.##}/s, 5 concurrent, batches of 100), {workers} queue workers, cost posting job every {jobInterval.TotalSeconds:0.#} s.");
        await using var azurite = await AzuriteTableEmulator.StartAsync(new AzuriteOptions());
        Console.WriteLine("  measuring what the Table Storage itself can take ...");
        var capacity = await StorageProbe.MeasureAsync(azurite.ConnectionString, CancellationToken.None);
        // Each path in its own process, so that each one's peak memory is its own.
        var baseline = await RunChildAsync(BenchPath.Baseline, baselineEntries, azurite.ConnectionString);
        var psaSync = await RunChildAsync(BenchPath.PsaSync, entries, azurite.ConnectionString);
        Report.Print(baseline, psaSync, capacity, Console.Out);
        return 0;
    }

    default:
        Console.Error.WriteLine("Usage: psasync-bench [macro|micro] [--entries N] [--baseline-entries N] [--factor F] [--workers N] [--job-interval S]");
        return 2;
}

async Task<MacroResult> RunChildAsync(BenchPath path, int count, string connection)
{
    Console.WriteLine($"  running the {path} path with {count:N0} entries ...");
    var info = new ProcessStartInfo(Environment.ProcessPath!, [typeof(MacroRun).Assembly.Location, "path", path.ToString(),
        "--entries", count.ToString(CultureInfo.InvariantCulture), "--factor", factor.ToString(CultureInfo.InvariantCulture),
        "--workers", workers.ToString(CultureInfo.InvariantCulture), "--job-interval", jobInterval.TotalSeconds.ToString(CultureInfo.InvariantCulture)])
    {
        RedirectStandardOutput = true,
    };
    info.Environment["PSASYNC_BENCH_CONNECTION"] = connection;
    using var child = Process.Start(info)!;
    var output = await child.StandardOutput.ReadToEndAsync();
    await child.WaitForExitAsync();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"The {path} run (exit code {child.ExitCode}) printed no result:\n{output}");
    return JsonSerializer.Deserialize<MacroResult>(line["RESULT ".Length..], jsonOptions)!;
}

static Dictionary<string, double> Settings(string[] args)
{
    var values = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
    for (var i = 0; i < args.Length - 1; i++)
    {
        if (args[i].StartsWith("--", StringComparison.Ordinal))
        {
            values[args[i][2..]] = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
    }
    return values;
}
