using PsaSync.Core.Billing;
using System.Globalization;
using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Tracing;
using PsaSync.Core.Watermarks;

namespace PsaSync.Core.Tests.Support;

// Small in-memory stores with the semantics of the Table Storage ones, for handler and job tests that read
// better against state than against received calls.

/// <summary>Like TableCrossReferenceMap: every id of an entity is reachable from any of its other ids.</summary>
internal sealed class InMemoryCrossReferenceMap : ICrossReferenceMap
{
    private readonly Dictionary<(string Kind, string System, string Id), Dictionary<string, string>> _rows = [];

    /// <summary>Every link made, in order.</summary>
    public List<(string Kind, string System, string Id, string OtherSystem, string OtherId)> Links { get; } = [];

    public Task LinkAsync(string kind, string system, string id, string otherSystem, string otherId, CancellationToken cancellationToken)
    {
        Links.Add((kind, system, id, otherSystem, otherId));
        var ids = new Dictionary<string, string> { [system] = id, [otherSystem] = otherId };
        foreach (var key in new[] { (kind, system, id), (kind, otherSystem, otherId) })
        {
            foreach (var (knownSystem, knownId) in _rows.GetValueOrDefault(key) ?? [])
            {
                ids.TryAdd(knownSystem, knownId);
            }
        }
        foreach (var (rowSystem, rowId) in ids)
        {
            var row = _rows.TryGetValue((kind, rowSystem, rowId), out var existing) ? existing : _rows[(kind, rowSystem, rowId)] = [];
            foreach (var (idSystem, value) in ids)
            {
                row[idSystem] = value;
            }
        }
        return Task.CompletedTask;
    }

    public Task<CrossReference.CrossReference?> FindAsync(string kind, string system, string id, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.TryGetValue((kind, system, id), out var row) ? new CrossReference.CrossReference(kind, new Dictionary<string, string>(row)) : null);
}

/// <summary>Keeps every raise, and the items as the store would show them (one open item per record and reason).</summary>
internal sealed class InMemoryExceptionStore(TimeProvider clock) : IExceptionStore
{
    private readonly List<ExceptionItem> _items = [];

    public List<NewException> Raised { get; } = [];

    public IReadOnlyList<ExceptionItem> Items => _items;

    public IReadOnlyList<ExceptionItem> Open => [.. _items.Where(i => i.Status == ExceptionStatus.Open)];

    public Task<ExceptionItem> RaiseAsync(NewException exception, CancellationToken cancellationToken)
    {
        Raised.Add(exception);
        var now = clock.GetUtcNow();
        var index = _items.FindIndex(i => i.Status == ExceptionStatus.Open && i.Domain == exception.Domain
            && i.SourceRecord == exception.SourceRecord && i.ReasonCode == exception.Reason.Code);
        var item = index >= 0
            ? _items[index] with { Message = exception.Message, Occurrences = _items[index].Occurrences + 1, LastSeen = now }
            : new ExceptionItem($"EX-{_items.Count + 1}", exception.Reason.Code, exception.Reason.Owner, exception.Reason.Title, exception.Message,
                exception.Reason.HowToFix, exception.Domain, exception.SourceRecord, exception.CorrelationId, exception.IdempotencyKey,
                ExceptionStatus.Open, 1, now, now, null, null) { EnvelopeJson = exception.Envelope?.ToJson() };
        if (index >= 0)
        {
            _items[index] = item;
        }
        else
        {
            _items.Add(item);
        }
        return Task.FromResult(item);
    }

    public Task<ExceptionItem?> GetAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(_items.FirstOrDefault(i => i.Id == id));

    public Task<bool> ResolveAsync(string id, string resolution, CancellationToken cancellationToken)
    {
        var index = _items.FindIndex(i => i.Id == id && i.Status == ExceptionStatus.Open);
        if (index < 0)
        {
            return Task.FromResult(false);
        }
        _items[index] = _items[index] with { Status = ExceptionStatus.Resolved, ResolvedAt = clock.GetUtcNow(), Resolution = resolution };
        return Task.FromResult(true);
    }

    public Task<int> ResolveForRecordAsync(string domain, RecordRef record, string resolution, CancellationToken cancellationToken)
    {
        var resolved = 0;
        for (var i = 0; i < _items.Count; i++)
        {
            if (_items[i].Status == ExceptionStatus.Open && _items[i].Domain == domain && _items[i].SourceRecord == record)
            {
                _items[i] = _items[i] with { Status = ExceptionStatus.Resolved, ResolvedAt = clock.GetUtcNow(), Resolution = resolution };
                resolved++;
            }
        }
        return Task.FromResult(resolved);
    }

    public Task<IReadOnlyList<ExceptionItem>> ListAsync(ExceptionQuery query, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ExceptionItem>>([.. _items.Where(i =>
            (query.ReasonCode is null || i.ReasonCode == query.ReasonCode)
            && (query.Owner is null || i.Owner == query.Owner)
            && (query.Status is null || i.Status == query.Status)
            && (query.Domain is null || i.Domain == query.Domain)
            && (query.SourceRecord is null || i.SourceRecord == query.SourceRecord))]);
}

/// <summary>One item per parent and idempotency key, as TableParkingLot keys them.</summary>
internal sealed class InMemoryParkingLot : IParkingLot
{
    private readonly Dictionary<(string Parent, string Key), ParkedItem> _items = [];

    public IReadOnlyList<ParkedItem> Items => [.. _items.Values];

    public List<ParkedItem> Removed { get; } = [];

    public Task ParkAsync(ParkedItem item, CancellationToken cancellationToken)
    {
        _items[(item.ParentKey, item.Envelope.IdempotencyKey)] = item;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ParkedItem>> ListWaitingForAsync(string parentKey, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ParkedItem>>([.. _items.Values.Where(i => i.ParentKey == parentKey)]);

    public Task<IReadOnlyList<ParkedItem>> ListParkedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ParkedItem>>([.. _items.Values.Where(i => i.ParkedAt < cutoff)]);

    public Task RemoveAsync(ParkedItem item, CancellationToken cancellationToken)
    {
        if (_items.Remove((item.ParentKey, item.Envelope.IdempotencyKey)))
        {
            Removed.Add(item);
        }
        return Task.CompletedTask;
    }
}

/// <summary>Optimistic concurrency on a version counter, as TableWatermarkStore does with ETags.</summary>
internal sealed class InMemoryWatermarkStore : IWatermarkStore
{
    private readonly Dictionary<string, Watermark> _marks = [];

    public Task<Watermark?> GetAsync(string name, CancellationToken cancellationToken) => Task.FromResult(_marks.GetValueOrDefault(name));

    public Task<bool> TryAdvanceAsync(string name, string value, Watermark? expected, CancellationToken cancellationToken)
    {
        var current = _marks.GetValueOrDefault(name);
        if (current?.Version != expected?.Version)
        {
            return Task.FromResult(false);
        }
        var version = (int.Parse(current?.Version ?? "0", CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        _marks[name] = new Watermark(name, value, version);
        return Task.FromResult(true);
    }
}

/// <summary>Records what was published, queue by queue, in order.</summary>
internal sealed class RecordingPublisher : IMessagePublisher
{
    public List<(string Queue, EventEnvelope Envelope)> Published { get; } = [];

    public Task PublishAsync(string queueName, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        Published.AddRange(envelopes.Select(e => (queueName, e)));
        return Task.CompletedTask;
    }
}

internal sealed class InMemoryReconciliationReports : IReconciliationReports
{
    public List<ReconciliationReport> Saved { get; } = [];

    public Task SaveAsync(ReconciliationReport report, CancellationToken cancellationToken)
    {
        Saved.Add(report);
        return Task.CompletedTask;
    }

    public Task<ReconciliationReport?> LatestAsync(string job, CancellationToken cancellationToken) =>
        Task.FromResult(Saved.Where(r => r.Job == job).OrderByDescending(r => r.RanAt).FirstOrDefault());
}

/// <summary>The ledger's claim rules without leases: completed keys are duplicates, rejected or released keys can be claimed again.</summary>
internal sealed class InMemoryDedupeLedger : IDedupeLedger
{
    private readonly Dictionary<string, (string Status, int Attempts, string? Outcome)> _rows = [];

    public Task<DedupeClaim> TryClaimAsync(string idempotencyKey, string correlationId, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (!_rows.TryGetValue(idempotencyKey, out var row))
        {
            _rows[idempotencyKey] = ("Claimed", 1, null);
            return Task.FromResult(new DedupeClaim(idempotencyKey, ClaimStatus.Claimed, "1", 1, null));
        }
        var status = row.Status switch
        {
            nameof(DedupeOutcome.Completed) => ClaimStatus.AlreadyCompleted,
            "Claimed" => ClaimStatus.HeldByAnother,
            _ => ClaimStatus.Claimed,
        };
        var attempts = status == ClaimStatus.Claimed ? row.Attempts + 1 : row.Attempts;
        if (status == ClaimStatus.Claimed)
        {
            _rows[idempotencyKey] = ("Claimed", attempts, row.Outcome);
        }
        return Task.FromResult(new DedupeClaim(idempotencyKey, status, attempts.ToString(CultureInfo.InvariantCulture), attempts, row.Outcome));
    }

    public Task<bool> RecordOutcomeAsync(DedupeClaim claim, DedupeOutcome outcome, string detail, CancellationToken cancellationToken)
    {
        _rows[claim.IdempotencyKey] = (outcome.ToString(), claim.Attempts, detail);
        return Task.FromResult(true);
    }

    public Task ReleaseAsync(DedupeClaim claim, string lastError, CancellationToken cancellationToken)
    {
        _rows[claim.IdempotencyKey] = ("Released", claim.Attempts, lastError);
        return Task.CompletedTask;
    }

    public Task<DedupeClaim?> GetAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(_rows.TryGetValue(idempotencyKey, out var row)
            ? new DedupeClaim(idempotencyKey, row.Status == nameof(DedupeOutcome.Completed) ? ClaimStatus.AlreadyCompleted : ClaimStatus.Claimed,
                row.Attempts.ToString(CultureInfo.InvariantCulture), row.Attempts, row.Outcome)
            : null);
}

/// <summary>The unbilled ledger in memory, with the same state rules as the table one.</summary>
internal sealed class InMemoryLedger : IUnbilledLedger
{
    private readonly Dictionary<(string Project, string Period, string Key), LedgerEntry> _entries = [];

    public IReadOnlyCollection<LedgerEntry> Entries => _entries.Values;

    public Task<bool> AddAsync(LedgerEntry entry, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryAdd((entry.ProjectId, entry.Period, entry.EntryKey), entry));

    public Task<IReadOnlyList<LedgerEntry>> ListAsync(string projectId, string period, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _entries.Values.Where(e => e.ProjectId == projectId && e.Period == period)]);

    public Task<IReadOnlyList<LedgerEntry>> ListVersionsAsync(LedgerEntryKind kind, string sourceId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LedgerEntry>>([.. _entries.Values.Where(e => e.Kind == kind && e.SourceId == sourceId)]);

    public Task<bool> ReverseAsync(LedgerEntry entry, CancellationToken cancellationToken) =>
        Task.FromResult(Change(entry.ProjectId, entry.Period, e => e.EntryKey == entry.EntryKey && e.State == LedgerEntryState.Unbilled,
            e => e with { State = LedgerEntryState.Reversed }) == 1);

    public Task<int> ReserveAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        Task.FromResult(Change(projectId, period, e => e.State == LedgerEntryState.Unbilled || e.BillingBatchId == billingBatchId && e.State == LedgerEntryState.Reserved,
            e => e with { State = LedgerEntryState.Reserved, BillingBatchId = billingBatchId }));

    public Task<int> ReleaseAsync(string projectId, string period, string billingBatchId, CancellationToken cancellationToken) =>
        Task.FromResult(Change(projectId, period, e => e.State == LedgerEntryState.Reserved && e.BillingBatchId == billingBatchId,
            e => e with { State = LedgerEntryState.Unbilled, BillingBatchId = null }));

    public Task<int> MarkBilledAsync(string projectId, string period, string billingBatchId, string invoiceId, CancellationToken cancellationToken) =>
        Task.FromResult(Change(projectId, period, e => e.BillingBatchId == billingBatchId && e.State != LedgerEntryState.Unbilled,
            e => e with { State = LedgerEntryState.Billed, InvoiceId = invoiceId }));

    private int Change(string projectId, string period, Func<LedgerEntry, bool> applies, Func<LedgerEntry, LedgerEntry> change)
    {
        var keys = _entries.Where(p => p.Key.Project == projectId && p.Key.Period == period && applies(p.Value)).Select(p => p.Key).ToList();
        foreach (var key in keys)
        {
            _entries[key] = change(_entries[key]);
        }
        return keys.Count;
    }
}

internal sealed class InMemoryProjectProfiles : IProjectProfiles
{
    public Dictionary<string, Project> Projects { get; } = [];

    public Task SaveAsync(Project project, CancellationToken cancellationToken)
    {
        Projects[project.ProjectId] = project;
        return Task.CompletedTask;
    }

    public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) =>
        Task.FromResult(Projects.GetValueOrDefault(projectId));
}

internal sealed class InMemoryInvoiceRegister : IInvoiceRegister
{
    public Dictionary<string, RegisteredInvoice> Invoices { get; } = [];

    public Task<RegisteredInvoice?> GetAsync(string invoiceId, CancellationToken cancellationToken) =>
        Task.FromResult(Invoices.GetValueOrDefault(invoiceId));

    public Task SaveAsync(RegisteredInvoice invoice, CancellationToken cancellationToken)
    {
        Invoices[invoice.InvoiceId] = invoice;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RegisteredInvoice>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RegisteredInvoice>>([.. Invoices.Values]);
}

/// <summary>Like TablePendingCostPostings: keyed by entry version, counting the transactions a table would need.</summary>
internal sealed class InMemoryPendingCostPostings : PsaSync.Core.TimeExpense.IPendingCostPostings
{
    private readonly Dictionary<string, PsaSync.Core.TimeExpense.PendingCostPosting> _rows = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<PsaSync.Core.TimeExpense.PendingCostPosting> Rows
    {
        get { lock (_gate) { return [.. _rows.Values]; } }
    }

    public Task<bool> AddAsync(PsaSync.Core.TimeExpense.PendingCostPosting posting, CancellationToken cancellationToken)
    {
        lock (_gate) { return Task.FromResult(_rows.TryAdd(posting.Key, posting)); }
    }

    public Task<PsaSync.Core.TimeExpense.PendingCostPosting?> GetAsync(string key, CancellationToken cancellationToken)
    {
        lock (_gate) { return Task.FromResult(_rows.GetValueOrDefault(key)); }
    }

    public Task<IReadOnlyList<PsaSync.Core.TimeExpense.PendingCostPosting>> ListOpenAsync(int maxCount, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<PsaSync.Core.TimeExpense.PendingCostPosting>>([.. _rows.Values
                .Where(p => p.State is PsaSync.Core.TimeExpense.CostPostingState.Pending or PsaSync.Core.TimeExpense.CostPostingState.Assigned)
                .Take(maxCount)]);
        }
    }

    public Task<int> UpdateAsync(IReadOnlyList<PsaSync.Core.TimeExpense.PendingCostPosting> postings, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var posting in postings)
            {
                _rows[posting.Key] = posting;
            }
        }
        return Task.FromResult(postings.Count == 0 ? 0 : (postings.Count + 99) / 100);
    }
}
