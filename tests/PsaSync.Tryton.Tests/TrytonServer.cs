using System.Diagnostics;
using PsaSync.Connectors.Tryton;
using PsaSync.Testing;

namespace PsaSync.Tryton.Tests;

/// <summary>
/// A live Tryton for the tests, through the project's own script: install (a no-op once the packages are there),
/// init (once per machine, in its own directory), reset (the database as init left it, server started), and stop
/// when the tests are done. When Tryton cannot be installed, the tests fail with the script's message: a connector
/// that was not tested against the real ERP must not look green.
/// </summary>
public sealed class TrytonServer : IAsyncLifetime
{
    /// <summary>The API user's password in the throwaway test database (passed to the script, which creates the user).</summary>
    public const string ApiPassword = "PsaSync-Tests-5q!";

    /// <summary>One Tryton per clone, so two checkouts on one machine do not reset or stop each other's server.</summary>
    private readonly string _home = Path.Combine(Path.GetTempPath(),
        "psasync-tryton-tests-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RepositoryRoot())))[..8].ToLowerInvariant());
    private string? _startupFailure;

    public TrytonOptions Options { get; private set; } = new();

    public async Task InitializeAsync()
    {
        try
        {
            foreach (var command in new[] { "install", "init", "reset" })
            {
                await RunScriptAsync(command);
            }
            var state = File.ReadAllLines(Path.Combine(_home, "state.env"))
                .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            Options = new TrytonOptions
            {
                Url = new Uri(state["TRYTON_URL"]),
                Database = state["TRYTON_DATABASE"],
                User = state["TRYTON_USER"],
                Password = ApiPassword,
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or KeyNotFoundException)
        {
            _startupFailure = ex.Message;
        }
    }

    public async Task DisposeAsync()
    {
        if (_startupFailure is null)
        {
            await RunScriptAsync("stop");
        }
    }

    /// <summary>A client of the live server; fails the test with the reason when Tryton could not be started.</summary>
    public TrytonJsonRpcClient NewClient()
    {
        if (_startupFailure is not null)
        {
            Assert.Fail(_startupFailure);
        }
        return new TrytonJsonRpcClient(new HttpClient(), Options);
    }

    public TrytonErp NewErp() => new(NewClient(), Options);

    private async Task RunScriptAsync(string command)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "tryton.sh");
        var start = new ProcessStartInfo("bash", [script, command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["TRYTON_HOME"] = _home, ["TRYTON_API_PASSWORD"] = ApiPassword },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {script}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/tryton.sh {command} failed (exit {process.ExitCode}), so the live Tryton tests cannot run. " +
                $"Tryton 6.0 comes from Debian packages (apt-get, as root or with sudo).\n{await output}{await errors}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PsaSync.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("PsaSync.sln not found above the test binaries.");
    }
}

[CollectionDefinition(Name)]
public sealed class TrytonCollection : ICollectionFixture<TrytonServer>, ICollectionFixture<AzuriteFixture>
{
    public const string Name = "tryton";
}
