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
/// version replaces them. Nothing posted is edited: the ERP gets a reversing line per posted version, an unbilled ledger
/// entry is marked reversed (so it is never billed), and hours that were already invoiced become a credit-note
/// candidate for finance. Every step is idempotent, so a redelivery repeats nothing.
/// </summary>
public sealed class TimeReversals(IErpConnector erp, IUnbilledLedger ledger, HandlerSupport support)
{
    private const string Domain = QueueNames.TimeExpense;

    /// <summary>The ERP-native key of the line that reverses an entry version's line.</summary>
    public static string ReversalExternalId(string entryId, int version) => $"{TimeApprovedHandler.ErpExternalId(entryId, version)}-REV";

    /// <summary>
    /// Reverses versions 1 to <paramref name="upToVersion"/> of the entry. Null when all were reversed; otherwise why the
    /// caller must try again later (one of them is held by a billing run that is making its invoice right now).
    /// </summary>
    public async Task<string?> ReverseAsync(EventEnvelope envelope, RecordRef record, string entryId, int upToVersion, string why, CancellationToken cancellationToken)
    {
        var booked = (await ledger.ListVersionsAsync(LedgerEntryKind.Time, entryId, cancellationToken))
            .Where(e => VersionOf(e) <= upToVersion)
            .ToList();
        if (booked.FirstOrDefault(e => e.State == LedgerEntryState.Reserved) is { } held)
        {
            return $"Version {VersionOf(held)} of time entry {entryId} is held by billing batch {held.BillingBatchId}; reversing it once the invoice is made.";
        }

        foreach (var entry in booked)
        {
            switch (entry.State)
            {
                case LedgerEntryState.Unbilled:
                    if (!await ledger.ReverseAsync(entry, cancellationToken))
                    {
                        return $"Version {VersionOf(entry)} of time entry {entryId} changed state while it was being reversed; trying again.";
                    }
                    await support.TraceAsync(Domain, envelope, record, TraceSteps.Ledgered,
                        $"{Hours(entry.Quantity)} h of version {VersionOf(entry)} taken off the unbilled ledger of {entry.ProjectId} for {entry.Period} ({why}).", cancellationToken);
                    break;
                case LedgerEntryState.Billed:
                    await support.RaiseAsync(Domain, envelope, record, ReasonCodes.TimeCreditCandidate,
                        $"Time entry {entryId} version {VersionOf(entry)} ({Hours(entry.Quantity)} h {entry.Role ?? "time"} on {entry.Date:yyyy-MM-dd}) was {why} after it was invoiced on {entry.InvoiceId} (batch {entry.BillingBatchId}).",
                        cancellationToken);
                    break;
            }
        }

        for (var version = 1; version <= upToVersion; version++)
        {
            if (await erp.ReverseTimeAsync(TimeApprovedHandler.ErpExternalId(entryId, version), ReversalExternalId(entryId, version), cancellationToken) is { } reversal)
            {
                await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
                    $"ERP time line of version {version} reversed by line {reversal.ErpDocumentId} ({why}).", cancellationToken);
            }
        }
        return null;
    }

    /// <summary>The record version a time ledger entry was made from (its key is time:&lt;id&gt;:v&lt;version&gt;).</summary>
    public static int VersionOf(LedgerEntry entry) =>
        int.Parse(entry.EntryKey[(entry.EntryKey.LastIndexOf(":v", StringComparison.Ordinal) + 2)..], NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Hours(decimal hours) => hours.ToString("0.##", CultureInfo.InvariantCulture);
}
