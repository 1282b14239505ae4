using System.Globalization;
using PsaSync.Core.Billing;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.TimeExpense;

/// <summary>
/// Takes back what earlier approved versions of a time entry set in motion, when the approval is revoked or a corrected
/// version replaces them. The ERP takes back the hours of each posted version (the connector decides how: a line of the
/// opposite hours, or an adjustment of the line where the ERP refuses negative hours), an unbilled ledger entry is marked reversed (so it is never billed), and hours that were already invoiced
/// become a credit-note candidate for finance. A version still waiting for the cost posting job is reversed once the job
/// has posted it (the caller retries); a version not seen yet is written off in advance, so if it arrives late it is
/// taken as already handled. Every step is idempotent, so a redelivery repeats nothing.
/// </summary>
public sealed class TimeReversals(IErpConnector erp, IUnbilledLedger ledger, IPendingCostPostings pending, HandlerSupport support)
{
    private const string Domain = QueueNames.TimeExpense;

    /// <summary>The ERP-native key of the line that reverses an entry version's line.</summary>
    public static string ReversalExternalId(string entryId, int version) => $"{TimeApprovedHandler.ErpExternalId(entryId, version)}-REV";

    /// <summary>
    /// Reverses versions 1 to <paramref name="upToVersion"/> of the entry. Null when all were reversed; otherwise why the
    /// caller must try again later (one of them is held by a billing run that is making its invoice right now).
    /// </summary>
    /// <param name="entry">
    /// The entry as its newest version (or revocation) describes it. An earlier version found in the store is reversed with
    /// its own project, date and hours; one not seen yet is written off under this entry's data.
    /// </param>
    public async Task<string?> ReverseAsync(EventEnvelope envelope, RecordRef record, TimeEntry entry, int upToVersion, string why, CancellationToken cancellationToken)
    {
        var entryId = entry.EntryId;
        var booked = (await ledger.ListVersionsAsync(LedgerEntryKind.Time, entryId, cancellationToken))
            .Where(e => VersionOf(e) <= upToVersion)
            .ToList();
        if (booked.FirstOrDefault(e => e.State == LedgerEntryState.Reserved) is { } held)
        {
            return $"Version {VersionOf(held)} of time entry {entryId} is held by billing batch {held.BillingBatchId}; reversing it once the invoice is made.";
        }

        // The cost side first: if a version must wait for the cost posting job, nothing of this call is half done.
        for (var version = 1; version <= upToVersion; version++)
        {
            if (await ReverseCostAsync(envelope, record, entry with { Version = version }, why, cancellationToken) is { } wait)
            {
                return wait;
            }
        }

        foreach (var booking in booked)
        {
            switch (booking.State)
            {
                case LedgerEntryState.Unbilled:
                    if (!await ledger.ReverseAsync(booking, cancellationToken))
                    {
                        return $"Version {VersionOf(booking)} of time entry {entryId} changed state while it was being reversed; trying again.";
                    }
                    await support.TraceAsync(Domain, envelope, record, TraceSteps.Ledgered,
                        $"{Hours(booking.Quantity)} h of version {VersionOf(booking)} taken off the unbilled ledger of {booking.ProjectId} for {booking.Period} ({why}).", cancellationToken);
                    break;
                case LedgerEntryState.Billed:
                    await support.RaiseAsync(Domain, envelope, record, ReasonCodes.TimeCreditCandidate,
                        string.Create(CultureInfo.InvariantCulture, $"Time entry {entryId} version {VersionOf(booking)} ({Hours(booking.Quantity)} h {booking.Role ?? "time"} on {booking.Date:yyyy-MM-dd}) was {why} after it was invoiced on {booking.InvoiceId} (batch {booking.BillingBatchId})."),
                        cancellationToken);
                    break;
            }
        }
        return null;
    }

    /// <summary>The ERP side of one version: a reversing line if it was posted, a wait if the job has yet to post it.</summary>
    private async Task<string?> ReverseCostAsync(EventEnvelope envelope, RecordRef record, TimeEntry version, string why, CancellationToken cancellationToken)
    {
        var reversalId = ReversalExternalId(version.EntryId, version.Version);
        var accepted = await pending.GetAsync($"{version.EntryId}:v{version.Version}", cancellationToken);
        switch (accepted?.State)
        {
            case null:
                // Posted on its own (the per-record path), or never seen: then it is written off before it arrives.
                if (await erp.ReverseTimeAsync(TimeApprovedHandler.ErpExternalId(version.EntryId, version.Version), reversalId, cancellationToken) is { } reversed)
                {
                    await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted, $"ERP time line of version {version.Version} reversed by line {reversed.ErpDocumentId} ({why}).", cancellationToken);
                }
                else if (!await pending.AddAsync(new PendingCostPosting(version, "", envelope.CorrelationId, envelope.IdempotencyKey, CostPostingState.Reversed), cancellationToken))
                {
                    return $"Version {version.Version} of time entry {version.EntryId} arrived while it was being reversed; trying again.";
                }
                return null;
            case CostPostingState.Pending or CostPostingState.Assigned:
                return $"Version {version.Version} of time entry {version.EntryId} waits for the cost posting job; it is reversed once the ERP holds it.";
            case CostPostingState.Posted:
                // The version's hours are part of its aggregate's line; the connector decides how its ERP takes them back.
                var line = await erp.ReverseTimeLineAsync(new ErpTimeReversal(reversalId, accepted.AggregateId ?? TimeApprovedHandler.ErpExternalId(version.EntryId, version.Version),
                    accepted.ErpProjectCode, accepted.Entry.ResourceId, accepted.Entry.WorkDate, accepted.Entry.Hours, accepted.Entry.Billable, accepted.Entry.Role,
                    accepted.CorrelationId), cancellationToken);
                await pending.UpdateAsync([accepted with { State = CostPostingState.Reversed }], cancellationToken);
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
                    $"{Hours(accepted.Entry.Hours)} h of version {version.Version} reversed in the ERP by line {line.ErpDocumentId} ({why}).", cancellationToken);
                return null;
            default:
                return null;
        }
    }

    /// <summary>The record version a time ledger entry was made from (its key is time:&lt;id&gt;:v&lt;version&gt;).</summary>
    public static int VersionOf(LedgerEntry entry) =>
        int.Parse(entry.EntryKey[(entry.EntryKey.LastIndexOf(":v", StringComparison.Ordinal) + 2)..], NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Hours(decimal hours) => hours.ToString("0.##", CultureInfo.InvariantCulture);
}
