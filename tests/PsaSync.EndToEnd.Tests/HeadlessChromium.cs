using System.Diagnostics;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// Debian's headless Chromium, run once per call with a fresh profile folder: --dump-dom prints the page's DOM after
/// it loaded, --screenshot saves a PNG. Missing Chromium fails the test (it is part of the CI machine, see .ci/run).
/// </summary>
internal static class HeadlessChromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>PSASYNC_CHROMIUM overrides the path, for machines that install it elsewhere.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("PSASYNC_CHROMIUM") is { Length: > 0 } path ? path : DefaultPath;

    public static async Task<string> DumpDomAsync(Uri page) =>
        (await RunAsync("--dump-dom", page.ToString())).Output;

    public static async Task ScreenshotAsync(Uri page, string pngPath, int width, int height)
    {
        await RunAsync($"--screenshot={pngPath}", $"--window-size={width},{height}", "--hide-scrollbars", page.ToString());
        Assert.True(File.Exists(pngPath), $"Chromium wrote no screenshot to {pngPath}.");
    }

    private static async Task<(string Output, string Errors)> RunAsync(params string[] arguments)
    {
        Assert.True(File.Exists(ExecutablePath),
            $"Chromium is not installed at {ExecutablePath}: install it with 'apt-get install -y --no-install-recommends chromium' (.ci/run does), or set PSASYNC_CHROMIUM.");
        var profile = Directory.CreateTempSubdirectory("psasync-chromium-");
        try
        {
            var start = new ProcessStartInfo(ExecutablePath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // No sandbox (CI runs as root in a container), no GPU, and nothing that reaches out to the internet.
            foreach (var flag in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.FullName}",
            }.Concat(arguments))
            {
                start.ArgumentList.Add(flag);
            }
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"Chromium did not finish within {Timeout.TotalSeconds} s: {await errors}");
            }
            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}: {await errors}");
            return (await output, await errors);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
