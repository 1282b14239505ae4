using PsaSync.Connectors.Tryton;

namespace PsaSync.Tryton.Tests;

/// <summary>The invoice change feed as tests need it: the live Tryton is shared, so each test starts after what is there.</summary>
public static class TrytonFeed
{
    /// <summary>The watermark after every change so far.</summary>
    public static async Task<string?> EndAsync(TrytonErp erp)
    {
        string? watermark = null;
        while (true)
        {
            var page = await erp.GetInvoiceChangesAsync(watermark, 100, CancellationToken.None);
            watermark = page.Changes.Count > 0 ? page.Changes[^1].Watermark : watermark;
            if (!page.HasMore)
            {
                return watermark;
            }
        }
    }
}
