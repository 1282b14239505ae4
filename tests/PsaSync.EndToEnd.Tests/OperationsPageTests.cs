using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Billing;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.LocalRuntime;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// The operations page (GET /ops) of a running local runtime, rendered by headless Chromium after a few webhooks:
/// two entries posted (one delivered twice), one refused for its hours, and a reconciliation that finds drift.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class OperationsPageTests(AzuriteFixture azurite)
{
    private const string ProjectId = "PRJ-901";
    private static readonly DateOnly Day = new(2026, 10, 5);
    private static readonly TimeEntry First = new("TE-91001", 1, ProjectId, "EMP-001", Day, 7.5m, true, "Consultant");
    private static readonly TimeEntry Second = new("TE-91002", 1, ProjectId, "EMP-002", Day, 8m, true, "Consultant");

    // Its id is markup: the page must show it as text, not let it become an element.
    private static readonly TimeEntry Typo = new("TE-<img src=x onerror=alert(1)>", 1, ProjectId, "EMP-003", Day, 26m, true, "Consultant");

    [Fact]
    public async Task The_page_shows_the_worklist_throughput_backlog_and_drift_in_a_browser()
    {
        await using var runtime = await LocalRuntimeHarness.StartAsync(azurite);
        await SeedProjectAsync(runtime);
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([First], DateTimeOffset.UtcNow.AddMinutes(-30)), times: 2);
        await runtime.PostAsync("psa/time", SandboxPsaWebhookWriter.TimeApproved([Second, Typo], DateTimeOffset.UtcNow.AddMinutes(-30)));
        await runtime.DrainAsync();
        // The ERP project has no PSA project (the test seeded only the ERP): drift left for a person.
        await runtime.Jobs.RunAsync(JobNames.ProjectReconciliation, CancellationToken.None);

        using var response = await runtime.GetAsync("ops");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = new Uri(runtime.App.BaseAddress(), "ops");

        var dom = await HeadlessChromium.DumpDomAsync(page);

        var worklist = Rows(dom, "worklist");
        var typo = Assert.Single(worklist, r => r[0] == ReasonCodes.HoursOutOfRange.Code);
        Assert.Equal(["Pmo", "psa/time-entry/" + Typo.EntryId, "time-expense"], [typo[1], typo[3], typo[4]]);
        Assert.Matches(@"^\d+ (s|min)$", typo[2]);
        Assert.Contains("26 hours", typo[6], StringComparison.Ordinal);
        Assert.Contains(ReasonCodes.HoursOutOfRange.HowToFix, typo[7], StringComparison.Ordinal);
        Assert.Contains(worklist, r => r[0] == ReasonCodes.ReconciliationDrift.Code && r[1] == "IntegrationSupport");
        Assert.DoesNotContain("<img", dom, StringComparison.OrdinalIgnoreCase);

        // Received 3 (the duplicate delivery is absorbed, not received), posted 2, rejected 1, 1 duplicate, nothing dead-lettered.
        Assert.Equal(["time-expense", "3", "2", "1", "1", "0", "0"], Assert.Single(Rows(dom, "throughput")));
        // 15.5 approved hours at the rate card's 100.00 EUR, nothing invoiced yet.
        Assert.Equal([ProjectId, "2026-10", "15.5", "1,550", "EUR"], Assert.Single(Rows(dom, "backlog")));
        var latency = Assert.Single(Rows(dom, "latency"));
        Assert.Equal(["psasync.time.approved", "2"], latency[..2]);
        Assert.Matches(@"^3\d min$", latency[2]);
        var reconciliation = Assert.Single(Rows(dom, "reconciliation"));
        Assert.Equal([JobNames.ProjectReconciliation, "0", "1", "0", "1"], [reconciliation[0], .. reconciliation[2..6]]);
        Assert.Contains("EP-0901", reconciliation[6], StringComparison.Ordinal);

        var png = Path.Combine(AppContext.BaseDirectory, "ops-page.png");
        File.Delete(png);
        await HeadlessChromium.ScreenshotAsync(page, png, 1280, 900);
        AssertIsPng(png, 1280, 900);
    }

    private static async Task SeedProjectAsync(LocalRuntimeHarness runtime)
    {
        runtime.Erp.SeedProject(new ErpProject("EP-0901", ProjectId, Active: true));
        var profile = new Project(ProjectId, 1, "ACC-901", "Ops page project", ProjectStatus.Active, "PSDE", "EUR", BillingModel.TimeAndMaterials,
            new DateOnly(2026, 1, 1), null, "MSA-901", null, "DE-VAT-19", "Advisory", [new RoleRate("Consultant", 100m, new DateOnly(2026, 1, 1))], [], null);
        await runtime.App.Services.GetRequiredService<IProjectProfiles>().SaveAsync(profile, CancellationToken.None);
    }

    /// <summary>The text of each body row's cells of the table with <paramref name="id"/>, HTML entities decoded.</summary>
    private static List<string[]> Rows(string dom, string id)
    {
        var table = Regex.Match(dom, $"<table id=\"{id}\">.*?<tbody>(?<body>.*?)</tbody>", RegexOptions.Singleline);
        Assert.True(table.Success, $"The page has no table '{id}'.");
        return [.. RowPattern().Matches(table.Groups["body"].Value)
            .Select(r => CellPattern().Matches(r.Groups[1].Value).Select(c => WebUtility.HtmlDecode(c.Groups[1].Value)).ToArray())];
    }

    /// <summary>A PNG of the window's size that is more than a blank page.</summary>
    private static void AssertIsPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "The screenshot is not a PNG.");
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
        // A blank 1280x900 page compresses to a few kilobytes; tables of text do not.
        Assert.True(bytes.Length > 20_000, $"The screenshot has only {bytes.Length} bytes; the page looks empty.");
    }

    [GeneratedRegex("<tr>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex RowPattern();

    [GeneratedRegex("<td[^>]*>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex CellPattern();
}
