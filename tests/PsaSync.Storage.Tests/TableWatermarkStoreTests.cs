using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableWatermarkStoreTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    [Fact]
    public async Task An_unknown_watermark_is_null()
    {
        Assert.Null(await new TableWatermarkStore(Tables).GetAsync("psa-time-poller", Ct));
    }

    [Fact]
    public async Task Only_the_first_advance_from_nothing_succeeds()
    {
        var store = new TableWatermarkStore(Tables);

        Assert.True(await store.TryAdvanceAsync("psa/time#poller", "2025-03-01T00:00:00Z", null, Ct));
        Assert.False(await store.TryAdvanceAsync("psa/time#poller", "2025-03-02T00:00:00Z", null, Ct));

        var current = await store.GetAsync("psa/time#poller", Ct);
        Assert.NotNull(current);
        Assert.Equal("psa/time#poller", current.Name);
        Assert.Equal("2025-03-01T00:00:00Z", current.Value);
    }

    [Fact]
    public async Task Advancing_needs_the_current_watermark_not_a_stale_one()
    {
        var store = new TableWatermarkStore(Tables);
        var otherPoller = new TableWatermarkStore(NewTableProvider());
        await store.TryAdvanceAsync("poller", "v1", null, Ct);
        var v1 = await store.GetAsync("poller", Ct);
        var v1SeenByOther = await otherPoller.GetAsync("poller", Ct);
        Assert.NotNull(v1);
        Assert.NotNull(v1SeenByOther);

        Assert.True(await store.TryAdvanceAsync("poller", "v2", v1, Ct));
        Assert.False(await otherPoller.TryAdvanceAsync("poller", "v2-from-other", v1SeenByOther, Ct));
        Assert.Equal("v2", (await store.GetAsync("poller", Ct))?.Value);

        var v2 = await otherPoller.GetAsync("poller", Ct);
        Assert.NotNull(v2);
        Assert.True(await otherPoller.TryAdvanceAsync("poller", "v3", v2, Ct));
        Assert.False(await store.TryAdvanceAsync("poller", "v3-late", v2, Ct));
        Assert.Equal("v3", (await store.GetAsync("poller", Ct))?.Value);
    }

    [Fact]
    public async Task Watermarks_are_independent()
    {
        var store = new TableWatermarkStore(Tables);
        Assert.True(await store.TryAdvanceAsync("a", "1", null, Ct));
        Assert.True(await store.TryAdvanceAsync("b", "1", null, Ct));
        var a = await store.GetAsync("a", Ct);

        Assert.True(await store.TryAdvanceAsync("a", "2", a, Ct));
        Assert.Equal("1", (await store.GetAsync("b", Ct))?.Value);
    }
}
