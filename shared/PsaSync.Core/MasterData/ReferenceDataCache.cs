using PsaSync.Core.Ports;

namespace PsaSync.Core.MasterData;

/// <summary>
/// The ERP's reference data (legal entities, currencies, payment terms, tax codes, dimensions), read at most
/// once per <see cref="TimeToLive"/>: it changes rarely and every customer and project check needs it.
/// </summary>
public sealed class ReferenceDataCache(IErpConnector erp, TimeProvider clock)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (ErpReferenceData Data, DateTimeOffset ReadAt)? _current;

    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromMinutes(10);

    public async Task<ErpReferenceData> GetAsync(CancellationToken cancellationToken)
    {
        if (_current is { } fresh && clock.GetUtcNow() - fresh.ReadAt < TimeToLive)
        {
            return fresh.Data;
        }
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } readMeanwhile && clock.GetUtcNow() - readMeanwhile.ReadAt < TimeToLive)
            {
                return readMeanwhile.Data;
            }
            var data = await erp.GetReferenceDataAsync(cancellationToken);
            _current = (data, clock.GetUtcNow());
            return data;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
