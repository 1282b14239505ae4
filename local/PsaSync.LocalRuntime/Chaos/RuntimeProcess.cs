using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PsaSync.LocalRuntime.Chaos;

/// <summary>
/// The local runtime as a separate process ('psasync-local serve'), so that the chaos run can kill it hard (no
/// shutdown, no flush) and start it again on the same tables and sandbox journals.
/// </summary>
public sealed class RuntimeProcess : IDisposable
{
    private readonly Process _process;

    private RuntimeProcess(Process process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    /// <param name="logPath">Where the process's console output goes, for the post-mortem of a failed run.</param>
    public static async Task<RuntimeProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string logPath, CancellationToken cancellationToken)
    {
        var port = FreePort();
        // This assembly is psasync-local.dll; the child runs it with the dotnet host that runs us.
        var info = new ProcessStartInfo("dotnet", [typeof(RuntimeProcess).Assembly.Location, "serve"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        info.Environment["Runtime__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the local runtime process.");
        var log = TextWriter.Synchronized(new StreamWriter(logPath, append: true) { AutoFlush = true });
        process.OutputDataReceived += (_, e) => log.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => log.WriteLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(100) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The local runtime exited during start-up with code {process.ExitCode}.");
            }
            try
            {
                using var health = await http.GetAsync("api/health", cancellationToken);
                if (health.IsSuccessStatusCode)
                {
                    return new RuntimeProcess(process, http);
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Kills the process and its children at once, as a crash or an evicted host would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        Http.Dispose();
    }
}
