using PsaSync.Core.Ports;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Watermarks;

namespace PsaSync.Core.InvoiceFeedback;

/// <summary>
/// Polls the ERP's invoice changes and carries each to the PSA. The watermark moves past a change only after the
/// change was applied, one change at a time, so a poll cut short (a failure, a kill, a truncated page) resumes at the
/// first change not yet applied: nothing is skipped, and what is seen again is absorbed as a duplicate.
/// </summary>
public sealed class InvoiceFeedbackJob(IErpConnector erp, IWatermarkStore watermarks, InvoiceChangeApplier applier) : IScheduledJob
{
    public const string WatermarkName = "erp-invoice-changes";

    public string Name => JobNames.InvoiceFeedback;

    /// <summary>Changes asked for per ERP call.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>Pages per run at most, so one run cannot hold the timer for ever; the next run carries on.</summary>
    public int MaxPagesPerRun { get; init; } = 20;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var mark = await watermarks.GetAsync(WatermarkName, cancellationToken);
        var outcomes = Enum.GetValues<InvoiceChangeOutcome>().ToDictionary(o => o, _ => 0);
        ErpInvoiceChangePage page;
        var pages = 0;
        do
        {
            page = await erp.GetInvoiceChangesAsync(mark?.Value, PageSize, cancellationToken);
            pages++;
            foreach (var change in page.Changes)
            {
                outcomes[await applier.ApplyAsync(change, cancellationToken)]++;
                if (!await watermarks.TryAdvanceAsync(WatermarkName, change.Watermark, mark, cancellationToken))
                {
                    return $"Stopped: another poller moved the invoice watermark. {Summary(outcomes)}";
                }
                mark = await watermarks.GetAsync(WatermarkName, cancellationToken);
            }
        }
        while (page.HasMore && pages < MaxPagesPerRun);
        return $"{Summary(outcomes)}{(page.HasMore ? " More changes wait for the next run." : "")} Watermark: {mark?.Value ?? "(start)"}.";
    }

    private static string Summary(Dictionary<InvoiceChangeOutcome, int> outcomes) =>
        $"{outcomes[InvoiceChangeOutcome.Applied]} invoice change(s) applied to the PSA, {outcomes[InvoiceChangeOutcome.Duplicate]} duplicate(s), "
        + $"{outcomes[InvoiceChangeOutcome.Draft]} draft(s) skipped, {outcomes[InvoiceChangeOutcome.NeverIssued]} cancelled draft(s) never issued, {outcomes[InvoiceChangeOutcome.Unknown]} unknown ERP document(s) raised.";
}
