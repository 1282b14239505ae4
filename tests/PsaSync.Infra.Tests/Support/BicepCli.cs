using System.Diagnostics;
using System.Reflection;

namespace PsaSync.Infra.Tests.Support;

/// <summary>What one run of the Bicep CLI printed.</summary>
internal sealed record BicepRun(int ExitCode, string Output, string Errors)
{
    /// <summary>Diagnostics lines ("file(line,col) : Warning rule: ..." or "... : Error BCP...").</summary>
    public IReadOnlyList<string> Diagnostics =>
        [.. (Output + "\n" + Errors).Split('\n').Select(l => l.Trim()).Where(l => l.Contains(" : Warning ", StringComparison.Ordinal) || l.Contains(" : Error ", StringComparison.Ordinal) || l.Contains(" : Info ", StringComparison.Ordinal))];
}

/// <summary>
/// The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64) and copied next to the test project's
/// intermediate output by its csproj; the path comes in as assembly metadata.
/// </summary>
internal static class BicepCli
{
    public static string Path =>
        BuildInfo.Metadata("BicepCli");

    public static BicepRun Run(params string[] arguments)
    {
        Assert.True(File.Exists(Path), $"The Bicep CLI is not at {Path}; it is restored by tests/PsaSync.Infra.Tests.csproj.");
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repo.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Offline: no telemetry, and the globalization-invariant mode where the machine has no ICU.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "The Bicep CLI did not finish within 3 minutes.");
        return new BicepRun(process.ExitCode, output.Result, errors.Result);
    }
}

/// <summary>Values the build passes to the tests as [AssemblyMetadata].</summary>
internal static class BuildInfo
{
    public static string Metadata(string key) =>
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no [AssemblyMetadata(\"{key}\")]; see PsaSync.Infra.Tests.csproj.");

    /// <summary>The build profile the tests were built in (production or servicebus-standin).</summary>
    public static string Profile => Metadata("PsaSyncProfile");

    public static string Configuration => Metadata("Configuration");
}
