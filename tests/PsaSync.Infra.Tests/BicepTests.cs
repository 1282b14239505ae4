using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>The Bicep compiles and passes the linter, with the Bicep CLI restored from NuGet: no error, no warning.</summary>
public sealed class BicepTests
{
    [Fact]
    public void Main_bicep_builds_without_an_error_or_a_warning()
    {
        var build = Arm.Build;

        Assert.Equal(0, build.ExitCode);
        Assert.True(build.Diagnostics.Count == 0, "bicep build:\n" + string.Join("\n", build.Diagnostics));
        Assert.Equal("Microsoft.Resources/resourceGroups", Arm.Resources(Arm.Main).First().GetProperty("type").GetString());
    }

    [Fact]
    public void Every_bicep_file_passes_the_linter_without_a_warning()
    {
        // The default rule set (no bicepconfig.json relaxes it). lint exits 0 on warnings, so the output is what counts.
        var lint = BicepCli.Run("lint", "--pattern", "infra/**/*.bicep");

        Assert.Equal(0, lint.ExitCode);
        Assert.True(lint.Diagnostics.Count == 0, "bicep lint:\n" + string.Join("\n", lint.Diagnostics) + lint.Errors);
        Assert.False(File.Exists(Repo.PathOf("infra/bicepconfig.json")) || File.Exists(Repo.PathOf("bicepconfig.json")), "A bicepconfig.json would change the linter's rules; the default rules are the bar.");
    }

    [Fact]
    public void The_linter_reports_what_it_should_so_a_silent_run_means_something()
    {
        var probe = Path.Combine(Path.GetTempPath(), $"psasync-lint-probe-{Guid.NewGuid():N}.bicep");
        File.WriteAllText(probe, "param unused string\n");
        try
        {
            var lint = BicepCli.Run("lint", probe);
            Assert.Contains(lint.Diagnostics, d => d.Contains("no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
