using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace PsaSync.Azurite;

/// <summary>
/// A Table Storage endpoint for development and tests: Azurite's Table service, either one already listening
/// on the requested port or a process started here and stopped again on dispose.
/// </summary>
public sealed partial class AzuriteTableEmulator : IAsyncDisposable
{
    /// <summary>Overrides where azurite-table is looked for, when <see cref="AzuriteOptions.ExecutablePath"/> is not set.</summary>
    public const string ExecutablePathVariable = "PSASYNC_AZURITE_PATH";

    // The published development storage account, which Azurite always accepts.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const int OutputLinesKept = 40;

    private readonly Process? _process;
    private readonly string? _temporaryLocation;
    private readonly ILogger? _logger;
    private int _disposed;

    private AzuriteTableEmulator(int port, Process? process, string? temporaryLocation, ILogger? logger)
    {
        TableEndpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={TableEndpoint};";
        _process = process;
        _temporaryLocation = temporaryLocation;
        _logger = logger;
    }

    /// <summary>A storage connection string for the development account on this endpoint.</summary>
    public string ConnectionString { get; }

    /// <summary>The Table service endpoint, path-style: http://127.0.0.1:{port}/devstoreaccount1.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>Whether this instance started Azurite (and so stops it on dispose) rather than reusing one.</summary>
    public bool StartedByUs => _process is not null;

    public static async Task<AzuriteTableEmulator> StartAsync(AzuriteOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, IPEndPoint.MaxPort);

        if (options.Port != 0 && await AcceptsConnectionsAsync(options.Port, ct).ConfigureAwait(false))
        {
            if (logger is not null)
            {
                LogReusing(logger, options.Port);
            }

            return new AzuriteTableEmulator(options.Port, process: null, temporaryLocation: null, logger);
        }

        var executable = FindExecutable(options.ExecutablePath);
        var port = options.Port != 0 ? options.Port : FreeLoopbackPort();
        var inMemory = options.DataDirectory is null;
        var location = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "psasync-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);

        var output = new ConcurrentQueue<string>();
        var process = StartProcess(executable, port, location, inMemory, output, logger);
        var emulator = new AzuriteTableEmulator(port, process, inMemory ? location : null, logger);
        try
        {
            await WaitUntilListeningAsync(process, port, options.StartTimeout, output, ct).ConfigureAwait(false);
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (logger is not null)
        {
            LogStarted(logger, port, inMemory ? "in memory" : location);
        }

        return emulator;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                // azurite-table may be a launcher script (e.g. the .cmd shim on Windows): stop its children too.
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The process ended on its own between the check and the kill.
        }
        finally
        {
            _process.Dispose();
        }

        if (_temporaryLocation is not null)
        {
            try
            {
                Directory.Delete(_temporaryLocation, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (_logger is not null)
                {
                    LogCleanupFailed(_logger, _temporaryLocation, ex);
                }
            }
        }

        if (_logger is not null)
        {
            LogStopped(_logger, TableEndpoint.Port);
        }
    }

    private static Process StartProcess(string executable, int port, string location, bool inMemory, ConcurrentQueue<string> output, ILogger? logger)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in new[]
        {
            "--tableHost", "127.0.0.1",
            "--tablePort", port.ToString(CultureInfo.InvariantCulture),
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--disableTelemetry",
            "--silent",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Azurite refuses --location together with --inMemoryPersistence. In memory it writes nothing it
        // keeps, but it runs in the (temporary) location so that nothing lands in the caller's directory.
        startInfo.WorkingDirectory = location;
        startInfo.ArgumentList.Add(inMemory ? "--inMemoryPersistence" : "--location");
        if (!inMemory)
        {
            startInfo.ArgumentList.Add(location);
        }

        var process = new Process { StartInfo = startInfo };
        DataReceivedEventHandler capture = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (output.Count > OutputLinesKept)
            {
                output.TryDequeue(out string? _);
            }

            if (logger is not null)
            {
                LogOutput(logger, e.Data);
            }
        };
        process.OutputDataReceived += capture;
        process.ErrorDataReceived += capture;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilListeningAsync(Process process, int port, TimeSpan timeout, ConcurrentQueue<string> output, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await AcceptsConnectionsAsync(port, ct).ConfigureAwait(false))
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false); // let the output readers drain
                throw new InvalidOperationException(
                    $"Azurite exited with code {process.ExitCode} before listening on port {port}.{Describe(output)}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"Azurite did not accept connections on port {port} within {timeout.TotalSeconds:0.#} s.{Describe(output)}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static string Describe(ConcurrentQueue<string> output) =>
        output.IsEmpty ? " It printed nothing." : $" Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, output)}";

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken ct)
    {
        using var client = new TcpClient();
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static int FreeLoopbackPort()
    {
        // The port is free when we ask; Azurite binds it moments later.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string FindExecutable(string? configuredPath)
    {
        var explicitPath = configuredPath ?? Environment.GetEnvironmentVariable(ExecutablePathVariable);
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return File.Exists(explicitPath)
                ? Path.GetFullPath(explicitPath)
                : throw new FileNotFoundException(
                    $"azurite-table was not found at '{explicitPath}' (from {(configuredPath is not null ? nameof(AzuriteOptions.ExecutablePath) : ExecutablePathVariable)}).",
                    explicitPath);
        }

        var name = OperatingSystem.IsWindows() ? "azurite-table.cmd" : "azurite-table";
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "node_modules", ".bin", name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException(
            $"azurite-table was not found in node_modules/.bin above '{AppContext.BaseDirectory}' or '{Directory.GetCurrentDirectory()}'. "
            + $"Run `npm ci` in the repository root to install Azurite, or set {ExecutablePathVariable} to the azurite-table executable.",
            name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reusing the Table Storage endpoint already listening on 127.0.0.1:{Port}")]
    private static partial void LogReusing(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Started Azurite's Table service on 127.0.0.1:{Port} ({Storage})")]
    private static partial void LogStarted(ILogger logger, int port, string storage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped Azurite on port {Port}")]
    private static partial void LogStopped(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Debug, Message = "azurite: {Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete Azurite's temporary folder {Location}")]
    private static partial void LogCleanupFailed(ILogger logger, string location, Exception exception);
}
