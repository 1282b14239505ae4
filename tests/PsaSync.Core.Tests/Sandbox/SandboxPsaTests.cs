using PsaSync.Connectors.Sandbox;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Ports;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxPsaTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "psasync-tests-" + Guid.NewGuid().ToString("N"));

    public SandboxPsaTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string JournalPath => Path.Combine(_directory, "sandbox-psa.jsonl");

    private static Task MarkAsync(SandboxPsa psa, string entryId, int version, string documentId) =>
        psa.MarkTimeEntrySyncedAsync(entryId, version, documentId, $"corr-{entryId}-{version}", CancellationToken.None);

    [Fact]
    public async Task Marking_an_entry_synced_records_its_status()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());

        await MarkAsync(psa, "TE-1", 1, "TL-000001");

        Assert.Equal(new TimeEntrySyncStatus("TE-1", 1, "TL-000001", "corr-TE-1-1"), psa.TimeEntryStatus["TE-1"]);
    }

    [Fact]
    public async Task During_an_outage_every_call_throws_PsaUnavailableException()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.SetOutage(true);

        await Assert.ThrowsAsync<PsaUnavailableException>(() => MarkAsync(psa, "TE-1", 1, "TL-000001"));

        Assert.Empty(psa.TimeEntryStatus);
        Assert.Equal(1, psa.FaultsInjected[SandboxFault.Outage]);
    }

    [Fact]
    public async Task After_an_outage_ends_calls_succeed_again()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        psa.SetOutage(true);
        psa.SetOutage(false);

        await MarkAsync(psa, "TE-1", 1, "TL-000001");

        Assert.True(psa.TimeEntryStatus.ContainsKey("TE-1"));
    }

    [Fact]
    public async Task Throttling_is_PsaUnavailableException_with_RetryAfter()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions { ThrottleRate = 1, RetryAfter = TimeSpan.FromSeconds(9) });

        var ex = await Assert.ThrowsAsync<PsaUnavailableException>(() => MarkAsync(psa, "TE-1", 1, "TL-000001"));

        Assert.Equal(TimeSpan.FromSeconds(9), ex.RetryAfter);
    }

    [Fact]
    public async Task An_older_version_never_overwrites_a_newer_sync_status()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        await MarkAsync(psa, "TE-1", 3, "TL-000003");

        await MarkAsync(psa, "TE-1", 2, "TL-000002");

        var status = psa.TimeEntryStatus["TE-1"];
        Assert.Equal(3, status.Version);
        Assert.Equal("TL-000003", status.ErpDocumentId);
    }

    [Fact]
    public async Task A_newer_version_replaces_the_sync_status()
    {
        var psa = new SandboxPsa(new SandboxFaultOptions());
        await MarkAsync(psa, "TE-1", 1, "TL-000001");

        await MarkAsync(psa, "TE-1", 2, "TL-000002");

        Assert.Equal(new TimeEntrySyncStatus("TE-1", 2, "TL-000002", "corr-TE-1-2"), psa.TimeEntryStatus["TE-1"]);
    }

    [Fact]
    public async Task The_sync_status_survives_a_restart_through_the_journal_and_a_stale_write_does_not()
    {
        var before = new SandboxPsa(new SandboxFaultOptions(), JournalPath);
        await MarkAsync(before, "TE-1", 2, "TL-000002");
        await MarkAsync(before, "TE-1", 1, "TL-000001");
        await MarkAsync(before, "TE-2", 1, "TL-000005");

        var after = new SandboxPsa(new SandboxFaultOptions(), JournalPath);

        Assert.Equal(before.TimeEntryStatus.OrderBy(kv => kv.Key), after.TimeEntryStatus.OrderBy(kv => kv.Key));
        Assert.Equal(2, after.TimeEntryStatus["TE-1"].Version);
    }
}
