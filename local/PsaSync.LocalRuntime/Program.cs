using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PsaSync.Azurite;
using PsaSync.LocalRuntime;
using PsaSync.LocalRuntime.Chaos;
using PsaSync.LocalRuntime.Demo;

// psasync-local demo | serve | chaos [--full]   — see README.md and docs/configuration.md.
var command = args.FirstOrDefault(a => !a.StartsWith('-')) ?? "demo";
if (command is not ("demo" or "serve" or "chaos"))
{
    Console.Error.WriteLine($"Unknown command '{command}'. Use 'demo' (run the demo scenario and print its summary), 'serve' (run until Ctrl+C) or 'chaos [--full]' (the chaos suite).");
    return 2;
}
var switches = args.Where(a => a.StartsWith("--") && a != "--full").ToArray();
if (command == "chaos")
{
    return await RunChaosAsync(args.Contains("--full"), switches);
}
var isDemo = command == "demo";

var configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(LocalDefaults())
    .AddInMemoryCollection(isDemo ? DemoDefaults() : [])
    .AddEnvironmentVariables()
    .AddCommandLine(switches)
    .Build();
if (isDemo && string.Equals(configuration["PsaSync:Erp:Kind"], LocalRuntimeHost.TrytonKind, StringComparison.OrdinalIgnoreCase))
{
    // The demo scenario edits and counts the sandbox ERP's records, which a real ERP does not let it do.
    Console.Error.WriteLine("The demo scenario needs the sandbox ERP. Against Tryton, use 'serve' (see README: Run the demo against Tryton).");
    return 2;
}
var runtimeOptions = configuration.GetSection("Runtime").Get<LocalRuntimeOptions>() ?? new LocalRuntimeOptions();
if (isDemo && configuration["Runtime:Port"] is null)
{
    runtimeOptions.Port = 0;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

await using var azurite = await StartStorageAsync(configuration, isDemo);
var settings = new ConfigurationBuilder().AddConfiguration(configuration)
    .AddInMemoryCollection(azurite is null ? [] : [new("PsaSync:Storage:ConnectionString", azurite.ConnectionString)])
    .Build();

await using var app = LocalRuntimeHost.Build(runtimeOptions, settings, isDemo ? LogLevel.Warning : LogLevel.Information);
await app.StartAsync(stop.Token);
Console.WriteLine($"PsaSync local runtime listening on {app.BaseAddress()} (tables prefix '{settings["PsaSync:Storage:TablePrefix"] ?? "psasync"}').");

if (!isDemo)
{
    await app.WaitForShutdownAsync(stop.Token);
    return 0;
}

var demoOptions = configuration.GetSection("Demo").Get<DemoOptions>() ?? new DemoOptions();
var summary = await new DemoRunner(app, demoOptions, Console.Out).RunAsync(stop.Token);
DemoRunner.Print(summary, Console.Out);
await app.StopAsync();
if (summary.Lost > 0)
{
    Console.Error.WriteLine($"FAILED: {summary.Lost} accepted time entries were neither posted nor raised as an exception.");
    return 1;
}
return 0;

// The chaos suite drives runtimes it starts as separate processes; it only needs the storage they share.
static async Task<int> RunChaosAsync(bool full, string[] switches)
{
    var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(switches).Build();
    var options = configuration.GetSection("Chaos").Get<ChaosOptions>() ?? new ChaosOptions();
    if (!full && configuration.GetSection("Chaos:Size").GetChildren().All(c => c.Value is null))
    {
        options.Size = ChaosSize.Ci;
    }
    await using var azurite = await StartStorageAsync(configuration, isDemo: true);
    var connectionString = azurite?.ConnectionString ?? configuration["PsaSync:Storage:ConnectionString"]
        ?? throw new InvalidOperationException("The chaos suite needs PsaSync:Storage:ConnectionString (or none, to start Azurite).");
    var summary = await new ChaosRunner(options, connectionString, Console.Out).RunAsync(CancellationToken.None);
    ChaosRunner.Print(summary, Console.Out);
    return summary.Passed ? 0 : 1;
}

// Storage: the configured connection string, or an Azurite started for this run (in memory for the demo,
// persistent under .psasync/azurite for 'serve', reusing one already listening on port 10002).
static async Task<AzuriteTableEmulator?> StartStorageAsync(IConfiguration configuration, bool isDemo)
{
    if (!string.IsNullOrWhiteSpace(configuration["PsaSync:Storage:ConnectionString"]) || configuration["PsaSync:Storage:TableServiceUri"] is not null)
    {
        return null;
    }
    var options = isDemo
        ? new AzuriteOptions()
        : new AzuriteOptions { Port = 10002, DataDirectory = Path.GetFullPath(Path.Combine(".psasync", "azurite")) };
    if (options.DataDirectory is not null)
    {
        Directory.CreateDirectory(options.DataDirectory);
    }
    var emulator = await AzuriteTableEmulator.StartAsync(options);
    Console.WriteLine(emulator.StartedByUs
        ? $"Started Azurite (Table Storage emulator) at {emulator.TableEndpoint}."
        : $"Using the Azurite already running at {emulator.TableEndpoint}.");
    return emulator;
}

// Development webhook signing secrets, so that the local runtime works out of the box. It listens on loopback only;
// override them (--PsaSync:Webhooks:Secrets:psa=...) to try the edge as a real source would call it.
static Dictionary<string, string?> LocalDefaults() => new()
{
    ["PsaSync:Webhooks:Secrets:psa"] = "local-dev-secret-psa",
    ["PsaSync:Webhooks:Secrets:crm"] = "local-dev-secret-crm",
    ["PsaSync:Webhooks:Secrets:erp"] = "local-dev-secret-erp",
};

// The demo's embedded defaults: a fresh set of tables per run and a sandbox ERP that misbehaves now and then.
static Dictionary<string, string?> DemoDefaults() => new()
{
    ["PsaSync:Storage:TablePrefix"] = string.Create(CultureInfo.InvariantCulture, $"demo{DateTime.UtcNow:yyyyMMddHHmmss}"),
    ["PsaSync:Messaging:FirstRetryDelay"] = "00:00:00.2",
    ["PsaSync:Messaging:MaxRetryDelay"] = "00:00:05",
    ["PsaSync:Erp:Faults:ThrottleRate"] = "0.05",
    ["PsaSync:Erp:Faults:ServerErrorRate"] = "0.05",
    ["PsaSync:Erp:Faults:CommitThenTimeoutRate"] = "0.02",
    ["PsaSync:Erp:Faults:RetryAfter"] = "00:00:00.2",
};
