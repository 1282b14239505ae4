using System.Globalization;
using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>
/// A stateful PSA simulator. It owns projects (PSA users add them), and records what PsaSync writes back:
/// customers, ERP references on projects, the sync status of time entries. It knows what its users approved (time
/// entries, expenses) and which expenses still wait for approval, for the ledger check before billing. It can be
/// switched into an outage, during which every call fails as a real PSA's would.
/// </summary>
public sealed class SandboxPsa : IPsaConnector
{
    // Journal kinds. Values are stable: they are in journal files of earlier runs.
    private const string TimeStatusKind = "time-status";
    private const string CustomerKind = "customer";
    private const string CustomerEditedDirectlyKind = "customer-edited-directly";
    private const string ProjectKind = "project";
    private const string ProjectErpReferenceKind = "project-erp-reference";
    private const string ApprovedTimeKind = "approved-time";
    private const string ApprovedExpenseKind = "approved-expense";
    private const string ApprovalRevokedKind = "approval-revoked";
    private const string PendingExpenseApprovalsKind = "pending-expense-approvals";
    private const string InvoiceStatusKind = "invoice-status";
    private const string ExceptionNotesKind = "exception-notes";

    private readonly Dictionary<string, TimeEntrySyncStatus> _timeStatus = [];
    private readonly Dictionary<string, PsaCustomer> _customersByKey = [];
    private readonly Dictionary<string, SandboxPsaProject> _projects = [];
    private readonly Dictionary<string, TimeEntry> _approvedTime = [];
    private readonly Dictionary<string, TimeEntry> _latestTime = [];
    private readonly Dictionary<string, Expense> _approvedExpenses = [];
    private readonly Dictionary<(string ProjectId, string Period), int> _pendingExpenseApprovals = [];
    private readonly Dictionary<string, PsaInvoiceStatus> _invoices = [];
    private readonly List<PsaInvoiceStatus> _invoiceHistory = [];
    private List<PsaExceptionNote> _exceptionNotes = [];
    private readonly Lock _gate = new();
    private readonly SandboxJournal _journal;
    private readonly FaultPlan _faults;
    private volatile bool _outage;

    public SandboxPsa(SandboxFaultOptions faults, string? journalPath = null)
    {
        _faults = new FaultPlan(faults);
        _journal = new SandboxJournal(journalPath);
        foreach (var (kind, record) in _journal.Replay())
        {
            Apply(kind, record);
        }
    }

    public IReadOnlyDictionary<SandboxFault, int> FaultsInjected => _faults.Injected;

    public IReadOnlyDictionary<string, TimeEntrySyncStatus> TimeEntryStatus
    {
        get { lock (_gate) { return new Dictionary<string, TimeEntrySyncStatus>(_timeStatus); } }
    }

    /// <summary>The PSA's customers by customer key.</summary>
    public IReadOnlyDictionary<string, PsaCustomer> Customers
    {
        get { lock (_gate) { return new Dictionary<string, PsaCustomer>(_customersByKey); } }
    }

    /// <summary>The PSA's projects as <see cref="ListProjectsAsync"/> reports them, by project id.</summary>
    public IReadOnlyDictionary<string, PsaProjectState> Projects
    {
        get { lock (_gate) { return _projects.ToDictionary(p => p.Key, p => p.Value.State); } }
    }

    /// <summary>Everything the PSA holds on each project: the project as added and the ERP status PsaSync wrote back.</summary>
    public IReadOnlyDictionary<string, SandboxPsaProject> ProjectDetails
    {
        get { lock (_gate) { return new Dictionary<string, SandboxPsaProject>(_projects); } }
    }

    /// <summary>The approved time entries the PSA holds (the latest approved version of each), by entry id.</summary>
    public IReadOnlyDictionary<string, TimeEntry> ApprovedTimeEntries
    {
        get { lock (_gate) { return new Dictionary<string, TimeEntry>(_approvedTime); } }
    }

    /// <summary>The approved expenses the PSA holds (the latest approved version of each), by expense id.</summary>
    public IReadOnlyDictionary<string, Expense> ApprovedExpenses
    {
        get { lock (_gate) { return new Dictionary<string, Expense>(_approvedExpenses); } }
    }

    /// <summary>Starts or ends an outage: while it lasts, every call fails with 503.</summary>
    /// <summary>The latest state of each invoice the PSA was told about, by invoice id.</summary>
    public IReadOnlyDictionary<string, PsaInvoiceStatus> Invoices
    {
        get { lock (_gate) { return new Dictionary<string, PsaInvoiceStatus>(_invoices); } }
    }

    /// <summary>Every invoice version the PSA accepted, in the order it accepted them.</summary>
    public IReadOnlyList<PsaInvoiceStatus> InvoiceHistory
    {
        get { lock (_gate) { return [.. _invoiceHistory]; } }
    }

    /// <summary>The invoice a time entry, expense or milestone is billed on now: not one that was credited or cancelled since.</summary>
    public PsaInvoiceStatus? InvoiceOf(string recordId)
    {
        lock (_gate)
        {
            return _invoices.Values.FirstOrDefault(i => i.State is PsaInvoiceState.Issued or PsaInvoiceState.PartiallyPaid or PsaInvoiceState.Paid
                && i.BilledRecordIds.Contains(recordId));
        }
    }

    /// <summary>The exception notes shown on a record now (kind and id as in <see cref="PsaSync.Core.Model.EntityKinds"/>).</summary>
    public IReadOnlyList<PsaExceptionNote> ExceptionNotesOn(string recordKind, string recordId)
    {
        lock (_gate)
        {
            return [.. _exceptionNotes.Where(n => n.RecordKind == recordKind && n.RecordId == recordId)];
        }
    }

    public void SetOutage(bool down) => _outage = down;

    /// <summary>Adds or changes a project as a PSA user would; what PsaSync wrote back onto it stays.</summary>
    public void AddProject(Project project) => Record(ProjectKind, project);

    /// <summary>Changes a customer as a PSA user would, bypassing PsaSync (for drift tests). The key and the PSA id stay.</summary>
    public void EditCustomerDirectly(string customerKey, Func<PsaCustomer, PsaCustomer> edit)
    {
        lock (_gate)
        {
            if (!_customersByKey.TryGetValue(customerKey, out var current))
            {
                throw new ArgumentException($"The sandbox PSA has no customer {customerKey}.", nameof(customerKey));
            }
            var edited = edit(current);
            if (edited.CustomerKey != current.CustomerKey || edited.PsaCustomerId != current.PsaCustomerId)
            {
                throw new ArgumentException($"A direct edit cannot change customer {customerKey}'s key or PSA id.", nameof(edit));
            }
            Record(CustomerEditedDirectlyKind, edited);
        }
    }

    /// <summary>
    /// Approves a time entry as a PSA user would. A later version of the entry replaces the earlier one; an older
    /// version than the one held is ignored.
    /// </summary>
    public void RecordApprovedTime(TimeEntry entry)
    {
        lock (_gate)
        {
            if (_approvedTime.TryGetValue(entry.EntryId, out var current) && current.Version > entry.Version)
            {
                return;
            }
            Record(ApprovedTimeKind, entry);
        }
    }

    /// <summary>
    /// Approves entries as a PSA user does in its screens: each becomes the next version of its entry (1 for a new one,
    /// one more than the latest known otherwise, whether that was approved or revoked). Returns them as approved.
    /// </summary>
    public IReadOnlyList<TimeEntry> ApproveTime(IEnumerable<TimeEntry> entries)
    {
        lock (_gate)
        {
            var approved = new List<TimeEntry>();
            foreach (var entry in entries)
            {
                var next = entry with { Version = (_latestTime.TryGetValue(entry.EntryId, out var latest) ? latest.Version : 0) + 1 };
                Record(ApprovedTimeKind, next);
                approved.Add(next);
            }
            return approved;
        }
    }

    /// <summary>The latest version of a time entry the PSA has seen approved (it may have been revoked since).</summary>
    public TimeEntry? LatestTimeEntry(string entryId)
    {
        lock (_gate)
        {
            return _latestTime.GetValueOrDefault(entryId);
        }
    }

    /// <summary>Approves expenses as a PSA user does: each becomes the next version of its expense. Returns them as approved.</summary>
    public IReadOnlyList<Expense> ApproveExpenses(IEnumerable<Expense> expenses)
    {
        lock (_gate)
        {
            var approved = new List<Expense>();
            foreach (var expense in expenses)
            {
                var next = expense with { Version = (_approvedExpenses.TryGetValue(expense.ExpenseId, out var latest) ? latest.Version : 0) + 1 };
                Record(ApprovedExpenseKind, next);
                approved.Add(next);
            }
            return approved;
        }
    }

    /// <summary>
    /// Approves an expense as a PSA user would. A later version of the expense replaces the earlier one; an older
    /// version than the one held is ignored.
    /// </summary>
    public void RecordApprovedExpense(Expense expense)
    {
        lock (_gate)
        {
            if (_approvedExpenses.TryGetValue(expense.ExpenseId, out var current) && current.Version > expense.Version)
            {
                return;
            }
            Record(ApprovedExpenseKind, expense);
        }
    }

    /// <summary>Takes back the approval of a time entry: it no longer counts as approved. Revoking an unknown entry does nothing.</summary>
    public void RevokeApproval(string entryId)
    {
        lock (_gate)
        {
            if (_approvedTime.ContainsKey(entryId))
            {
                Record(ApprovalRevokedKind, entryId);
            }
        }
    }

    /// <summary>Sets how many expenses of the project and period (yyyy-MM) wait for approval (0 unless set).</summary>
    public void SetPendingExpenseApprovals(string projectId, string period, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Record(PendingExpenseApprovalsKind, new PendingExpenseApprovals(projectId, period, count));
    }

    /// <summary>
    /// Billable hours of the approved time entries dated in the period, billable amounts of the approved expenses
    /// incurred in it (as entered, without markup, whatever their currency), and how many entries and expenses those are.
    /// </summary>
    public Task<PsaApprovedTotals> GetApprovedTotalsAsync(string projectId, string period, CancellationToken cancellationToken)
    {
        Guard("get-approved-totals", $"{projectId}|{period}", isWrite: false, cancellationToken);
        lock (_gate)
        {
            var time = _approvedTime.Values.Where(e => e.Billable && e.ProjectId == projectId && PeriodOf(e.WorkDate) == period).ToList();
            var expenses = _approvedExpenses.Values.Where(e => e.Billable && e.ProjectId == projectId && PeriodOf(e.IncurredOn) == period).ToList();
            return Task.FromResult(new PsaApprovedTotals(time.Sum(e => e.Hours), expenses.Sum(e => e.Amount), time.Count + expenses.Count));
        }
    }

    public Task<int> CountPendingExpenseApprovalsAsync(string projectId, string period, CancellationToken cancellationToken)
    {
        Guard("count-pending-expense-approvals", $"{projectId}|{period}", isWrite: false, cancellationToken);
        lock (_gate)
        {
            return Task.FromResult(_pendingExpenseApprovals.GetValueOrDefault((projectId, period)));
        }
    }

    public Task<string> UpsertCustomerAsync(PsaCustomer customer, CancellationToken cancellationToken)
    {
        Guard("upsert-customer", customer.CustomerKey, isWrite: true, cancellationToken);
        lock (_gate)
        {
            // The PSA assigns its id on the first upsert of a key and keeps it; later upserts replace the data.
            var id = _customersByKey.TryGetValue(customer.CustomerKey, out var existing) && existing.PsaCustomerId is { } known
                ? known
                : $"PC-{_customersByKey.Count + 1:D5}";
            Record(CustomerKind, customer with { PsaCustomerId = id });
            return Task.FromResult(id);
        }
    }

    public Task<IReadOnlyList<PsaCustomer>> ListCustomersAsync(CancellationToken cancellationToken)
    {
        Guard("list-customers", "", isWrite: false, cancellationToken);
        lock (_gate)
        {
            IReadOnlyList<PsaCustomer> customers = [.. _customersByKey.Values.OrderBy(c => c.PsaCustomerId, StringComparer.Ordinal)];
            return Task.FromResult(customers);
        }
    }

    public Task SetProjectErpReferenceAsync(string projectId, string erpProjectCode, ProjectStatus erpStatus, CancellationToken cancellationToken)
    {
        Guard("set-project-erp-reference", projectId, isWrite: true, cancellationToken);
        Record(ProjectErpReferenceKind, new ProjectErpReference(projectId, erpProjectCode, erpStatus));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PsaProjectState>> ListProjectsAsync(CancellationToken cancellationToken)
    {
        Guard("list-projects", "", isWrite: false, cancellationToken);
        lock (_gate)
        {
            IReadOnlyList<PsaProjectState> projects = [.. _projects.Values.Select(p => p.State).OrderBy(p => p.ProjectId, StringComparer.Ordinal)];
            return Task.FromResult(projects);
        }
    }

    public Task MarkTimeEntrySyncedAsync(string entryId, int version, string erpDocumentId, string correlationId, CancellationToken cancellationToken)
    {
        Guard("mark-time-synced", $"{entryId}:{version}", isWrite: true, cancellationToken);
        var status = new TimeEntrySyncStatus(entryId, version, erpDocumentId, correlationId);
        lock (_gate)
        {
            // A stale write-back (an older version arriving late) never overwrites a newer one.
            if (_timeStatus.TryGetValue(entryId, out var current) && current.Version > version)
            {
                return Task.CompletedTask;
            }
            Record(TimeStatusKind, status);
        }
        return Task.CompletedTask;
    }

    public Task ApplyInvoiceStatusAsync(PsaInvoiceStatus status, CancellationToken cancellationToken)
    {
        Guard("apply-invoice-status", $"{status.InvoiceId}:{status.Version}", isWrite: true, cancellationToken);
        lock (_gate)
        {
            // The same version again changes nothing; an older one arriving late never overwrites a newer one.
            if (_invoices.TryGetValue(status.InvoiceId, out var current) && current.Version >= status.Version)
            {
                return Task.CompletedTask;
            }
            Record(InvoiceStatusKind, status);
        }
        return Task.CompletedTask;
    }

    public Task ShowOpenExceptionsAsync(IReadOnlyList<PsaExceptionNote> open, CancellationToken cancellationToken)
    {
        Guard("show-open-exceptions", "", isWrite: true, cancellationToken);
        Record(ExceptionNotesKind, open);
        return Task.CompletedTask;
    }

    /// <summary>What every call meets before it does anything: cancellation, the outage, and the planned faults.</summary>
    private void Guard(string operation, string key, bool isWrite, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_outage)
        {
            _faults.Count(SandboxFault.Outage);
            throw new PsaUnavailableException("The PSA answered 503: it is down for maintenance.");
        }
        switch (_faults.Decide(operation, key, isWrite))
        {
            case SandboxFault.Throttled:
                throw new PsaUnavailableException("The PSA answered 429.", _faults.Options.RetryAfter);
            case SandboxFault.ServerError:
                throw new PsaUnavailableException("The PSA answered 502.");
        }
    }

    /// <summary>Journals and applies a change; callers that check-then-write hold the (re-entrant) lock around both.</summary>
    private void Record<T>(string kind, T record)
    {
        lock (_gate)
        {
            _journal.Append(kind, record);
            Apply(kind, JsonSerializer.SerializeToElement(record, PsaSyncJson.Options));
        }
    }

    private void Apply(string kind, JsonElement record)
    {
        lock (_gate)
        {
            switch (kind)
            {
                case TimeStatusKind:
                    var status = record.Deserialize<TimeEntrySyncStatus>(PsaSyncJson.Options)!;
                    _timeStatus[status.EntryId] = status;
                    break;
                case CustomerKind:
                case CustomerEditedDirectlyKind:
                    var customer = record.Deserialize<PsaCustomer>(PsaSyncJson.Options)!;
                    _customersByKey[customer.CustomerKey] = customer;
                    break;
                case ProjectKind:
                    var project = record.Deserialize<Project>(PsaSyncJson.Options)!;
                    _projects[project.ProjectId] = _projects.TryGetValue(project.ProjectId, out var known)
                        ? known with { Project = project, Status = project.Status }
                        : new SandboxPsaProject(project.ProjectId, project, project.Status, ErpProjectCode: null, ErpStatus: null);
                    break;
                case ApprovedTimeKind:
                    var entry = record.Deserialize<TimeEntry>(PsaSyncJson.Options)!;
                    _approvedTime[entry.EntryId] = entry;
                    if (!_latestTime.TryGetValue(entry.EntryId, out var seen) || seen.Version < entry.Version)
                    {
                        _latestTime[entry.EntryId] = entry;
                    }
                    break;
                case ApprovedExpenseKind:
                    var expense = record.Deserialize<Expense>(PsaSyncJson.Options)!;
                    _approvedExpenses[expense.ExpenseId] = expense;
                    break;
                case ApprovalRevokedKind:
                    _approvedTime.Remove(record.GetString()!);
                    break;
                case InvoiceStatusKind:
                    var invoice = record.Deserialize<PsaInvoiceStatus>(PsaSyncJson.Options)!;
                    _invoices[invoice.InvoiceId] = invoice;
                    _invoiceHistory.Add(invoice);
                    break;
                case ExceptionNotesKind:
                    _exceptionNotes = record.Deserialize<List<PsaExceptionNote>>(PsaSyncJson.Options)!;
                    break;
                case PendingExpenseApprovalsKind:
                    var pending = record.Deserialize<PendingExpenseApprovals>(PsaSyncJson.Options)!;
                    _pendingExpenseApprovals[(pending.ProjectId, pending.Period)] = pending.Count;
                    break;
                case ProjectErpReferenceKind:
                    var reference = record.Deserialize<ProjectErpReference>(PsaSyncJson.Options)!;
                    _projects[reference.ProjectId] = _projects.TryGetValue(reference.ProjectId, out var current)
                        ? current with { ErpProjectCode = reference.ErpProjectCode, ErpStatus = reference.ErpStatus }
                        : new SandboxPsaProject(reference.ProjectId, Project: null, ProjectStatus.Active, reference.ErpProjectCode, reference.ErpStatus);
                    break;
            }
        }
    }

    private static string PeriodOf(DateOnly date) => date.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private sealed record ProjectErpReference(string ProjectId, string ErpProjectCode, ProjectStatus ErpStatus);

    private sealed record PendingExpenseApprovals(string ProjectId, string Period, int Count);
}

/// <summary>What the PSA shows on a time entry after PsaSync transferred it.</summary>
public sealed record TimeEntrySyncStatus(string EntryId, int Version, string ErpDocumentId, string CorrelationId);

/// <summary>
/// One PSA project: the project as PSA users set it up (null if PsaSync wrote a reference onto a project the sandbox
/// was never given), the PSA's own status, and the ERP code and ERP status PsaSync wrote back.
/// </summary>
public sealed record SandboxPsaProject(string ProjectId, Project? Project, ProjectStatus Status, string? ErpProjectCode, ProjectStatus? ErpStatus)
{
    public PsaProjectState State => new(ProjectId, Status, ErpProjectCode);
}
