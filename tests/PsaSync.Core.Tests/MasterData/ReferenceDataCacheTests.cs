using NSubstitute;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Core.MasterData;
using PsaSync.Core.Ports;
using PsaSync.Core.Tests.Support;

namespace PsaSync.Core.Tests.MasterData;

public class ReferenceDataCacheTests
{
    private readonly IErpConnector _erp = Substitute.For<IErpConnector>();
    private readonly FakeTimeProvider _clock = new(TestData.Now);

    public ReferenceDataCacheTests() =>
        _erp.GetReferenceDataAsync(Arg.Any<CancellationToken>()).Returns(SandboxErp.DefaultReferenceData);

    [Fact]
    public async Task Reference_data_is_read_once_within_its_time_to_live()
    {
        var cache = new ReferenceDataCache(_erp, _clock) { TimeToLive = TimeSpan.FromMinutes(10) };

        var first = await cache.GetAsync(CancellationToken.None);
        _clock.SetUtcNow(TestData.Now.AddMinutes(9));
        var second = await cache.GetAsync(CancellationToken.None);

        Assert.Same(first, second);
        await _erp.Received(1).GetReferenceDataAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Reference_data_is_read_again_once_its_time_to_live_has_passed()
    {
        var cache = new ReferenceDataCache(_erp, _clock) { TimeToLive = TimeSpan.FromMinutes(10) };
        await cache.GetAsync(CancellationToken.None);
        var changed = SandboxErp.DefaultReferenceData with { PaymentTerms = ["NET90"] };
        _erp.GetReferenceDataAsync(Arg.Any<CancellationToken>()).Returns(changed);

        _clock.SetUtcNow(TestData.Now.AddMinutes(10));
        var refreshed = await cache.GetAsync(CancellationToken.None);

        Assert.Equal(["NET90"], refreshed.PaymentTerms);
        await _erp.Received(2).GetReferenceDataAsync(Arg.Any<CancellationToken>());
    }
}
