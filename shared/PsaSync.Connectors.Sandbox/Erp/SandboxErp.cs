using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.MasterData;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Erp;

/// <summary>
/// A stateful ERP simulator: reference data, customers and projects keyed by external id, posted time lines,
/// invoices (draft, lines, post, cancel, credit), closed fiscal periods, and the failures that hurt in production
/// (429 with Retry-After, 5xx, commit-then-timeout, a concurrency cap), plus targeted failures of the next calls of
/// one operation (<see cref="FailNext"/>) for compensation tests. ERP users can change its data behind PsaSync's
/// back, for drift tests.
/// </summary>
public sealed class SandboxErp : IErpConnector
{
    // Journal kinds. Values are stable: they are in journal files of earlier runs.
    private const string SeededProjectKind = "project";
    private const string ClosedPeriodKind = "closed-period";
    private const string TimeLineKind = "time-line";
    private const string CustomerCreatedKind = "customer-created";
    private const string CustomerUpdatedKind = "customer-updated";
    private const string CustomerEditedDirectlyKind = "customer-edited-directly";
    private const string ProjectCreatedKind = "project-created";
    private const string ProjectStatusKind = "project-status";
    private const string ProjectDeletedDirectlyKind = "project-deleted-directly";
    private const string InvoiceDraftedKind = "invoice-drafted";
    private const string InvoiceLinesSetKind = "invoice-lines-set";
    private const string InvoicePostedKind = "invoice-posted";
    private const string InvoiceCancelledKind = "invoice-cancelled";
    private const string InvoiceCreditedKind = "invoice-credited";
    private const string InvoiceSettledKind = "invoice-settled";
    private const string InvoiceEditedDirectlyKind = "invoice-edited-directly";
    private const string CreateRepeatedKind = "create-repeated";

    /// <summary>Tax rates of the tax codes the sandbox knows, as fractions.</summary>
    private static readonly IReadOnlyDictionary<string, decimal> TaxRates = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["DE-VAT-19"] = 0.19m,
        ["GB-VAT-20"] = 0.20m,
        ["US-EXEMPT"] = 0m,
    }.AsReadOnly();

    private readonly Dictionary<string, ErpProject> _projectsByPsaId = [];
    private readonly Dictionary<string, ErpProjectDraft> _projectDrafts = [];
    private readonly Dictionary<string, ErpCustomer> _customersByNumber = [];
    private readonly Dictionary<string, string> _customerNumbersByExternalId = [];
    private readonly Dictionary<string, PostedTimeLine> _timeByExternalId = [];
    private readonly HashSet<string> _closedPeriods = [];
    private readonly Dictionary<string, StoredInvoice> _invoicesById = [];
    private readonly Dictionary<string, string> _invoiceIdsByBatch = [];
    private readonly List<ErpInvoiceChange> _invoiceChanges = [];
    private readonly Dictionary<string, Queue<ErpFailureKind>> _failNext = [];
    private readonly Dictionary<string, int> _requests = [];
    private readonly Dictionary<(string Operation, string Key), int> _createdByKey = [];
    private readonly List<SandboxCreateRequest> _repeatedCreates = [];
    private readonly Lock _gate = new();
    private readonly SandboxJournal _journal;
    private readonly FaultPlan _faults;
    private readonly RequestRateLimit _rateLimit;
    private int _projectsCreated;
    private int _inFlight;

    public SandboxErp(SandboxFaultOptions faults, string? journalPath = null)
    {
        _faults = new FaultPlan(faults);
        _rateLimit = new RequestRateLimit(faults, TimeProvider.System);
        _journal = new SandboxJournal(journalPath);
        foreach (var (kind, record) in _journal.Replay())
        {
            Apply(kind, record);
        }
    }

    /// <summary>The legal entities, payment terms, tax codes and dimensions of a small consultancy with three entities.</summary>
    public static ErpReferenceData DefaultReferenceData { get; } = new(
        LegalEntities:
        [
            new ErpLegalEntity("PSUS", "US", ["USD"]),
            new ErpLegalEntity("PSDE", "DE", ["EUR"]),
            new ErpLegalEntity("PSGB", "GB", ["GBP", "EUR"]),
        ],
        PaymentTerms: ["NET15", "NET30", "NET45", "NET60"],
        TaxCodes:
        [
            new ErpTaxCode("US-EXEMPT", "US"),
            new ErpTaxCode("DE-VAT-19", "DE"),
            new ErpTaxCode("GB-VAT-20", "GB"),
        ],
        DimensionsByPractice: new Dictionary<string, ErpDimensions>(StringComparer.OrdinalIgnoreCase)
        {
            ["Advisory"] = new("CC-100", "DEP-ADV", "REV-SERVICES"),
            ["Engineering"] = new("CC-200", "DEP-ENG", "REV-SERVICES"),
            ["Managed"] = new("CC-300", "DEP-MS", "REV-RECURRING"),
        }.AsReadOnly())
    {
        PaymentTermDues = new Dictionary<string, ErpPaymentTermDue>(StringComparer.Ordinal)
        {
            ["NET15"] = new(0, 15),
            ["NET30"] = new(0, 30),
            ["NET45"] = new(0, 45),
            ["NET60"] = new(0, 60),
        }.AsReadOnly(),
    };

    /// <summary>What <see cref="GetReferenceDataAsync"/> answers and project creation checks against.</summary>
    public ErpReferenceData ReferenceData { get; init; } = DefaultReferenceData;

    public IReadOnlyDictionary<SandboxFault, int> FaultsInjected => _faults.Injected;

    public IReadOnlyDictionary<string, int> Requests
    {
        get { lock (_gate) { return new Dictionary<string, int>(_requests); } }
    }

    /// <summary>
    /// From the journal: how many records each create stored under one key (operation and external id, PSA project id
    /// or billing batch). The collections are keyed, so a second record under a key could not show there; here it does.
    /// </summary>
    public IReadOnlyDictionary<(string Operation, string Key), int> CreatedByKey
    {
        get { lock (_gate) { return new Dictionary<(string, string), int>(_createdByKey); } }
    }

    /// <summary>
    /// From the journal: every create request for a key the sandbox already held, which its unique external ids turned
    /// into "return the existing one". An ERP without that uniqueness would have stored a second record.
    /// </summary>
    public IReadOnlyList<SandboxCreateRequest> RepeatedCreates
    {
        get { lock (_gate) { return [.. _repeatedCreates]; } }
    }

    public IReadOnlyList<PostedTimeLine> TimeLines
    {
        get { lock (_gate) { return [.. _timeByExternalId.Values.OrderBy(l => l.ErpDocumentId, StringComparer.Ordinal)]; } }
    }

    public IReadOnlyList<ErpCustomer> Customers
    {
        get { lock (_gate) { return SortedCustomers(); } }
    }

    public IReadOnlyList<ErpProject> Projects
    {
        get { lock (_gate) { return SortedProjects(); } }
    }

    /// <summary>What PsaSync sent to create each project (name, dimensions, tax code...), by ERP project code.</summary>
    public IReadOnlyDictionary<string, ErpProjectDraft> ProjectDrafts
    {
        get { lock (_gate) { return new Dictionary<string, ErpProjectDraft>(_projectDrafts); } }
    }

    /// <summary>The ERP's invoices in every status, by invoice id.</summary>
    public IReadOnlyList<ErpInvoice> Invoices
    {
        get { lock (_gate) { return [.. _invoicesById.Values.Select(i => i.Invoice).OrderBy(i => i.InvoiceId, StringComparer.Ordinal)]; } }
    }

    /// <summary>What PsaSync sent to create each invoice (customer, project, period, tax code...), by invoice id.</summary>
    public IReadOnlyDictionary<string, ErpInvoiceDraft> InvoiceDrafts
    {
        get { lock (_gate) { return _invoicesById.ToDictionary(i => i.Key, i => i.Value.Draft); } }
    }

    /// <summary>The reason given for each credited invoice, by invoice id.</summary>
    public IReadOnlyDictionary<string, string> CreditReasons
    {
        get
        {
            lock (_gate)
            {
                return _invoicesById.Where(i => i.Value.CreditReason is not null).ToDictionary(i => i.Key, i => i.Value.CreditReason!);
            }
        }
    }

    /// <summary>
    /// Makes the next <paramref name="times"/> calls of <paramref name="operation"/> (one of <see cref="Operations"/>) fail
    /// with <paramref name="kind"/> before they do anything, whatever the fault options say; other operations are not
    /// affected. Calls queue up: failing an operation again adds to what is still pending for it.
    /// Counted as <see cref="SandboxFault.Targeted"/> in <see cref="FaultsInjected"/>.
    /// </summary>
    public void FailNext(string operation, ErpFailureKind kind = ErpFailureKind.Unavailable, int times = 1)
    {
        if (!Operations.All.Contains(operation))
        {
            throw new ArgumentException($"The sandbox ERP has no operation '{operation}'. Known: {string.Join(", ", Operations.All.Order(StringComparer.Ordinal))}.", nameof(operation));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            if (!_failNext.TryGetValue(operation, out var pending))
            {
                _failNext[operation] = pending = new Queue<ErpFailureKind>();
            }
            for (var i = 0; i < times; i++)
            {
                pending.Enqueue(kind);
            }
        }
    }

    /// <summary>Sets up a project as the ERP's own users would (in tests and demos, before project setup sync exists).</summary>
    public void SeedProject(ErpProject project) => Record(SeededProjectKind, project);

    /// <summary>Closes a fiscal period, e.g. "2026-10": postings dated in it are refused.</summary>
    public void ClosePeriod(string period) => Record(ClosedPeriodKind, period);

    /// <summary>Changes a customer as a finance user would in the ERP's own screens, bypassing PsaSync (for drift tests).</summary>
    public void EditCustomerDirectly(string customerNumber, Func<ErpCustomer, ErpCustomer> edit)
    {
        lock (_gate)
        {
            if (!_customersByNumber.TryGetValue(customerNumber, out var current))
            {
                throw new ArgumentException($"The sandbox ERP has no customer {customerNumber}.", nameof(customerNumber));
            }
            var edited = edit(current);
            if (edited.CustomerNumber != customerNumber)
            {
                throw new ArgumentException($"A direct edit cannot change the customer number ({customerNumber} to {edited.CustomerNumber}).", nameof(edit));
            }
            EnsureExternalIdFree(edited.ExternalId, customerNumber);
            Record(CustomerEditedDirectlyKind, edited);
        }
    }

    /// <summary>
    /// Changes an invoice's amounts as someone with database access would, bypassing the API and the change feed (for
    /// drift tests): the net becomes <paramref name="net"/> and the gross follows with the tax unchanged.
    /// </summary>
    public void EditInvoiceAmountDirectly(string invoiceId, decimal net)
    {
        lock (_gate)
        {
            var stored = InvoiceById(invoiceId);
            Record(InvoiceEditedDirectlyKind, stored with { Invoice = stored.Invoice with { Net = net, Gross = net + stored.Invoice.Tax } });
        }
    }

    /// <summary>Deletes a project as an ERP user would, bypassing PsaSync (for drift tests).</summary>
    public void DeleteProjectDirectly(string erpProjectCode)
    {
        lock (_gate)
        {
            if (ProjectByCode(erpProjectCode) is null)
            {
                throw new ArgumentException($"The sandbox ERP has no project {erpProjectCode}.", nameof(erpProjectCode));
            }
            Record(ProjectDeletedDirectlyKind, erpProjectCode);
        }
    }

    public async Task<ErpReferenceData> GetReferenceDataAsync(CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.GetReferenceData, "", isWrite: false, cancellationToken);
        return ReferenceData;
    }

    public async Task<ErpCustomer?> FindCustomerByExternalIdAsync(string externalId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.FindCustomer, externalId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return CustomerByExternalId(externalId);
        }
    }

    public async Task<ErpCustomer?> GetCustomerAsync(string customerNumber, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.GetCustomer, customerNumber, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _customersByNumber.GetValueOrDefault(customerNumber);
        }
    }

    /// <summary>
    /// Customers with the same tax id (ignoring case, spaces and punctuation), or the same normalised legal name in the
    /// same country. <paramref name="normalizedName"/> is normalised once more the sandbox's way, which leaves an
    /// already normalised name as it is; an empty name matches nothing.
    /// </summary>
    public async Task<IReadOnlyList<ErpCustomer>> FindSimilarCustomersAsync(string? taxId, string normalizedName, string country, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.FindSimilarCustomers, $"{taxId}|{normalizedName}|{country}", isWrite: false, cancellationToken);
        var wantedTaxId = CompactTaxId(taxId);
        var wantedName = CustomerRules.NormalizeName(normalizedName);
        lock (_gate)
        {
            return [.. SortedCustomers().Where(c =>
                (wantedTaxId.Length > 0 && CompactTaxId(c.TaxId) == wantedTaxId)
                || (wantedName.Length > 0
                    && string.Equals(c.BillingCountry.Trim(), country.Trim(), StringComparison.OrdinalIgnoreCase)
                    && CustomerRules.NormalizeName(c.LegalName) == wantedName))];
        }
    }

    public async Task<ErpCustomer> CreateCustomerAsync(ErpCustomerDraft draft, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.CreateCustomer, draft.ExternalId, isWrite: true, cancellationToken);
        ErpCustomer created;
        lock (_gate)
        {
            if (string.IsNullOrWhiteSpace(draft.ExternalId))
            {
                throw new ErpException(ErpFailureKind.Rejected, "A customer created through the API needs an external id.");
            }
            // A unique external id, as a real ERP enforces with an external reference field: a repeat returns the existing customer.
            if (CustomerByExternalId(draft.ExternalId) is { } existing)
            {
                Record(CreateRepeatedKind, new SandboxCreateRequest(Operations.CreateCustomer, draft.ExternalId));
                return existing;
            }
            created = ToCustomer($"CUST-{_customersByNumber.Count + 1:D5}", draft);
            Record(CustomerCreatedKind, created);
        }
        ThrowIfCommittedThenTimedOut(call, "customer");
        return created;
    }

    public async Task<ErpCustomer> UpdateCustomerAsync(string customerNumber, ErpCustomerDraft draft, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.UpdateCustomer, customerNumber, isWrite: true, cancellationToken);
        ErpCustomer updated;
        lock (_gate)
        {
            if (!_customersByNumber.ContainsKey(customerNumber))
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Customer {customerNumber} does not exist.");
            }
            try
            {
                EnsureExternalIdFree(draft.ExternalId, customerNumber);
            }
            catch (ArgumentException ex)
            {
                throw new ErpException(ErpFailureKind.Rejected, ex.Message);
            }
            updated = ToCustomer(customerNumber, draft);
            Record(CustomerUpdatedKind, updated);
        }
        ThrowIfCommittedThenTimedOut(call, "customer update");
        return updated;
    }

    public async Task<IReadOnlyList<ErpCustomer>> ListCustomersAsync(CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.ListCustomers, "", isWrite: false, cancellationToken);
        lock (_gate)
        {
            return SortedCustomers();
        }
    }

    public async Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.FindProject, psaProjectId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _projectsByPsaId.GetValueOrDefault(psaProjectId);
        }
    }

    public async Task<ErpProject> CreateProjectAsync(ErpProjectDraft draft, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.CreateProject, draft.PsaProjectId, isWrite: true, cancellationToken);
        ErpProject created;
        lock (_gate)
        {
            if (_projectsByPsaId.TryGetValue(draft.PsaProjectId, out var existing))
            {
                Record(CreateRepeatedKind, new SandboxCreateRequest(Operations.CreateProject, draft.PsaProjectId));
                return existing;
            }
            if (!_customersByNumber.ContainsKey(draft.CustomerNumber))
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Project {draft.PsaProjectId} cannot be created: customer {draft.CustomerNumber} does not exist.");
            }
            if (!ReferenceData.LegalEntities.Any(e => e.Code == draft.LegalEntity))
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Project {draft.PsaProjectId} cannot be created: legal entity '{draft.LegalEntity}' does not exist. Known: {string.Join(", ", ReferenceData.LegalEntities.Select(e => e.Code))}.");
            }
            var number = NextProjectNumber();
            created = new ErpProject($"EP-{number:D5}", draft.PsaProjectId, Active: true)
            {
                Status = ProjectStatus.Active,
                CustomerNumber = draft.CustomerNumber,
                ContractNumber = $"CTR-{number:D5}",
            };
            Record(ProjectCreatedKind, new CreatedProject(created, draft));
        }
        ThrowIfCommittedThenTimedOut(call, "project");
        return created;
    }

    public async Task<ErpProject> SetProjectStatusAsync(string erpProjectCode, ProjectStatus status, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.SetProjectStatus, erpProjectCode, isWrite: true, cancellationToken);
        ErpProject changed;
        lock (_gate)
        {
            var project = ProjectByCode(erpProjectCode)
                ?? throw new ErpException(ErpFailureKind.Rejected, $"Project {erpProjectCode} does not exist.");
            changed = project with { Status = status, Active = status == ProjectStatus.Active };
            Record(ProjectStatusKind, changed);
        }
        ThrowIfCommittedThenTimedOut(call, "project status change");
        return changed;
    }

    public async Task<IReadOnlyList<ErpProject>> ListProjectsAsync(CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.ListProjects, "", isWrite: false, cancellationToken);
        lock (_gate)
        {
            return SortedProjects();
        }
    }

    public async Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.FindTime, externalId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _timeByExternalId.TryGetValue(externalId, out var line) ? new ErpPosting(line.ErpDocumentId, externalId) : null;
        }
    }

    public async Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.PostTime, line.ExternalId, isWrite: true, cancellationToken);
        var posting = PostTimeLine(line);
        ThrowIfCommittedThenTimedOut(call, "posting");
        return posting;
    }

    public async Task<ErpPosting?> ReverseTimeAsync(string externalId, string reversalExternalId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.ReverseTime, externalId, isWrite: true, cancellationToken);
        ErpPosting reversal;
        lock (_gate)
        {
            if (!_timeByExternalId.TryGetValue(externalId, out var original))
            {
                return null;
            }
            if (_timeByExternalId.TryGetValue(reversalExternalId, out var existing))
            {
                return new ErpPosting(existing.ErpDocumentId, reversalExternalId);
            }
            // Dated like the original; a closed period refuses it as it would refuse any posting into it.
            var posted = new PostedTimeLine($"TL-{_timeByExternalId.Count + 1:D6}", original.Line with { ExternalId = reversalExternalId, Hours = -original.Line.Hours });
            if (_closedPeriods.Contains(PeriodOf(original.Line.WorkDate)))
            {
                _faults.Count(SandboxFault.PeriodClosed);
                throw new ErpException(ErpFailureKind.PeriodClosed, string.Create(CultureInfo.InvariantCulture, $"Fiscal period {original.Line.WorkDate:yyyy-MM} is closed: time line {original.ErpDocumentId} cannot be reversed in it."));
            }
            Record(TimeLineKind, posted);
            reversal = new ErpPosting(posted.ErpDocumentId, reversalExternalId);
        }
        ThrowIfCommittedThenTimedOut(call, "reversal");
        return reversal;
    }

    /// <summary>
    /// The sandbox takes negative hours, as Business Central's journals do: the reversal is a line of the opposite hours,
    /// for the same project, resource and date as the part of the original it takes back.
    /// </summary>
    public async Task<ErpPosting> ReverseTimeLineAsync(ErpTimeReversal reversal, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.ReverseTime, reversal.ReversedExternalId, isWrite: true, cancellationToken);
        ErpPosting posting;
        lock (_gate)
        {
            if (_timeByExternalId.TryGetValue(reversal.ExternalId, out var existing))
            {
                return new ErpPosting(existing.ErpDocumentId, reversal.ExternalId);
            }
            if (!_timeByExternalId.TryGetValue(reversal.ReversedExternalId, out var original))
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Time line {reversal.ReversedExternalId} does not exist: {reversal.ExternalId} has nothing to reverse.");
            }
            if (reversal.Hours <= 0 || reversal.Hours > original.Line.Hours)
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Time line {original.ErpDocumentId} holds {original.Line.Hours} h; {reversal.Hours} h cannot be taken back from it.");
            }
            if (_closedPeriods.Contains(PeriodOf(original.Line.WorkDate)))
            {
                _faults.Count(SandboxFault.PeriodClosed);
                throw new ErpException(ErpFailureKind.PeriodClosed, $"Fiscal period {original.Line.WorkDate:yyyy-MM} is closed: time line {original.ErpDocumentId} cannot be reversed in it.");
            }
            var posted = new PostedTimeLine($"TL-{_timeByExternalId.Count + 1:D6}", new ErpTimeLine(reversal.ExternalId, reversal.ErpProjectCode, reversal.ResourceId,
                reversal.WorkDate, -reversal.Hours, reversal.Billable, reversal.Role, reversal.CorrelationId));
            Record(TimeLineKind, posted);
            posting = new ErpPosting(posted.ErpDocumentId, reversal.ExternalId);
        }
        ThrowIfCommittedThenTimedOut(call, "reversal");
        return posting;
    }

    /// <summary>One request for the whole batch, as with an OData $batch: each line is accepted or refused on its own.</summary>
    public async Task<IReadOnlyList<ErpLineResult>> PostTimeLinesAsync(IReadOnlyList<ErpTimeLine> lines, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.PostTimeLines, lines.Count > 0 ? lines[0].ExternalId : "", isWrite: true, cancellationToken);
        var results = new List<ErpLineResult>(lines.Count);
        foreach (var line in lines)
        {
            try
            {
                results.Add(new ErpLineResult(line.ExternalId, PostTimeLine(line), Failure: null));
            }
            catch (ErpException failure)
            {
                results.Add(new ErpLineResult(line.ExternalId, Posting: null, failure));
            }
        }
        ThrowIfCommittedThenTimedOut(call, "batch of time lines");
        return results;
    }

    private ErpPosting PostTimeLine(ErpTimeLine line)
    {
        lock (_gate)
        {
            // Like a real ERP with a unique external document number: a repeat returns the existing line.
            if (_timeByExternalId.TryGetValue(line.ExternalId, out var existing))
            {
                Record(CreateRepeatedKind, new SandboxCreateRequest(Operations.PostTimeLines, line.ExternalId));
                return new ErpPosting(existing.ErpDocumentId, line.ExternalId);
            }
            if (_closedPeriods.Contains(PeriodOf(line.WorkDate)))
            {
                _faults.Count(SandboxFault.PeriodClosed);
                throw new ErpException(ErpFailureKind.PeriodClosed, string.Create(CultureInfo.InvariantCulture, $"Fiscal period {line.WorkDate:yyyy-MM} is closed for posting."));
            }
            if (!_projectsByPsaId.Values.Any(p => p.ErpProjectCode == line.ErpProjectCode && p.Active))
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Project {line.ErpProjectCode} does not exist or is not active.");
            }
            var posted = new PostedTimeLine($"TL-{_timeByExternalId.Count + 1:D6}", line);
            Record(TimeLineKind, posted);
            return new ErpPosting(posted.ErpDocumentId, line.ExternalId);
        }
    }

    /// <summary>Closed periods are global in the sandbox: the legal entity only has to exist.</summary>
    public async Task<bool> IsFiscalPeriodOpenAsync(string legalEntity, string period, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.IsFiscalPeriodOpen, $"{legalEntity}|{period}", isWrite: false, cancellationToken);
        if (!ReferenceData.LegalEntities.Any(e => e.Code == legalEntity))
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Legal entity '{legalEntity}' does not exist.");
        }
        lock (_gate)
        {
            return !_closedPeriods.Contains(period);
        }
    }

    public async Task<ErpInvoice?> FindInvoiceByBatchAsync(string billingBatchId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.FindInvoiceByBatch, billingBatchId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _invoiceIdsByBatch.TryGetValue(billingBatchId, out var id) ? _invoicesById[id].Invoice : null;
        }
    }

    public async Task<ErpInvoice> CreateDraftInvoiceAsync(ErpInvoiceDraft draft, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.CreateDraftInvoice, draft.BillingBatchId, isWrite: true, cancellationToken);
        ErpInvoice created;
        lock (_gate)
        {
            if (string.IsNullOrWhiteSpace(draft.BillingBatchId))
            {
                throw new ErpException(ErpFailureKind.Rejected, "An invoice created through the API needs a billing batch id as its external id.");
            }
            // The batch id is the invoice's unique external id: a repeat returns the invoice it created, whatever its status now.
            if (_invoiceIdsByBatch.TryGetValue(draft.BillingBatchId, out var existingId))
            {
                Record(CreateRepeatedKind, new SandboxCreateRequest(Operations.CreateDraftInvoice, draft.BillingBatchId));
                return _invoicesById[existingId].Invoice;
            }
            if (!_customersByNumber.ContainsKey(draft.CustomerNumber))
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Invoice for batch {draft.BillingBatchId} cannot be created: customer {draft.CustomerNumber} does not exist.");
            }
            if (ProjectByCode(draft.ErpProjectCode) is null)
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Invoice for batch {draft.BillingBatchId} cannot be created: project {draft.ErpProjectCode} does not exist.");
            }
            if (!TaxRates.ContainsKey(draft.TaxCode))
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Invoice for batch {draft.BillingBatchId} cannot be created: tax code '{draft.TaxCode}' does not exist. Known: {string.Join(", ", TaxRates.Keys.Order(StringComparer.Ordinal))}.");
            }
            if (YearOf(draft.Period) is null)
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Invoice for batch {draft.BillingBatchId} cannot be created: period '{draft.Period}' is not a yyyy-MM period.");
            }
            // The invoice is booked on the date it carries: that period must be open, whatever the service period.
            ThrowIfPeriodClosed(PeriodOf(draft.InvoiceDate));
            created = new ErpInvoice($"INV-D-{_invoicesById.Count + 1:D5}", draft.BillingBatchId, ErpInvoiceStatus.Draft, Number: null,
                Lines: [], Net: 0m, Tax: 0m, Gross: 0m, draft.Currency, CreditMemoId: null);
            Record(InvoiceDraftedKind, new StoredInvoice(created, draft, CreditReason: null));
        }
        ThrowIfCommittedThenTimedOut(call, "draft invoice");
        return created;
    }

    /// <summary>Replaces the draft's lines; the net is their sum. Tax is only determined when the invoice is posted.</summary>
    public async Task<ErpInvoice> SetInvoiceLinesAsync(string invoiceId, IReadOnlyList<ErpInvoiceLine> lines, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.SetInvoiceLines, invoiceId, isWrite: true, cancellationToken);
        ErpInvoice changed;
        lock (_gate)
        {
            var stored = InvoiceById(invoiceId);
            if (stored.Invoice.Status != ErpInvoiceStatus.Draft)
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} is {stored.Invoice.Status}: only a draft's lines can be set.");
            }
            var net = Money(lines.Sum(l => l.Amount));
            changed = stored.Invoice with { Lines = [.. lines], Net = net, Tax = 0m, Gross = net };
            Record(InvoiceLinesSetKind, stored with { Invoice = changed });
        }
        ThrowIfCommittedThenTimedOut(call, "invoice lines");
        return changed;
    }

    public async Task<ErpInvoice> PostInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.PostInvoice, invoiceId, isWrite: true, cancellationToken);
        ErpInvoice posted;
        lock (_gate)
        {
            var stored = InvoiceById(invoiceId);
            switch (stored.Invoice.Status)
            {
                case ErpInvoiceStatus.Posted:
                case ErpInvoiceStatus.Credited:
                    return stored.Invoice;
                case ErpInvoiceStatus.Cancelled:
                    throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} was cancelled and cannot be posted.");
            }
            ThrowIfPeriodClosed(PeriodOf(stored.Draft.InvoiceDate));
            if (stored.Invoice.Lines.Count == 0)
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} has no lines and cannot be posted.");
            }
            var prefix = string.Create(CultureInfo.InvariantCulture, $"INV-{stored.Draft.InvoiceDate.Year}-");
            var sequence = _invoicesById.Values.Count(i => i.Invoice.Number?.StartsWith(prefix, StringComparison.Ordinal) == true) + 1;
            var tax = Money(stored.Invoice.Net * TaxRates[stored.Draft.TaxCode]);
            posted = stored.Invoice with
            {
                Status = ErpInvoiceStatus.Posted,
                Number = $"{prefix}{sequence:D5}",
                Tax = tax,
                Gross = stored.Invoice.Net + tax,
            };
            Record(InvoicePostedKind, stored with { Invoice = posted });
        }
        ThrowIfCommittedThenTimedOut(call, "invoice posting");
        return posted;
    }

    public async Task CancelDraftInvoiceAsync(string invoiceId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.CancelDraftInvoice, invoiceId, isWrite: true, cancellationToken);
        lock (_gate)
        {
            if (!_invoicesById.TryGetValue(invoiceId, out var stored) || stored.Invoice.Status == ErpInvoiceStatus.Cancelled)
            {
                return;
            }
            if (stored.Invoice.Status != ErpInvoiceStatus.Draft)
            {
                throw new ErpException(ErpFailureKind.Rejected,
                    $"Invoice {invoiceId} is {stored.Invoice.Status} as {stored.Invoice.Number}: a posted invoice cannot be cancelled; credit it instead.");
            }
            Record(InvoiceCancelledKind, stored with { Invoice = stored.Invoice with { Status = ErpInvoiceStatus.Cancelled } });
        }
        ThrowIfCommittedThenTimedOut(call, "draft cancellation");
    }

    /// <summary>Credits a posted invoice in full. The credit memo is dated now, so a closed period of the invoice does not stop it.</summary>
    public async Task<ErpInvoice> CreditInvoiceAsync(string invoiceId, string reason, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync(Operations.CreditInvoice, invoiceId, isWrite: true, cancellationToken);
        ErpInvoice credited;
        lock (_gate)
        {
            var stored = InvoiceById(invoiceId);
            switch (stored.Invoice.Status)
            {
                case ErpInvoiceStatus.Credited:
                    return stored.Invoice;
                case ErpInvoiceStatus.Draft:
                case ErpInvoiceStatus.Cancelled:
                    throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} is {stored.Invoice.Status}: only a posted invoice can be credited.");
            }
            var memo = _invoicesById.Values.Count(i => i.Invoice.CreditMemoId is not null) + 1;
            credited = stored.Invoice with { Status = ErpInvoiceStatus.Credited, CreditMemoId = $"CM-{memo:D5}" };
            Record(InvoiceCreditedKind, stored with { Invoice = credited, CreditReason = reason });
        }
        ThrowIfCommittedThenTimedOut(call, "credit memo");
        return credited;
    }

    /// <summary>
    /// Records a payment received against a posted invoice, as finance would in the ERP (tests and demos), and optionally
    /// writes off part of the remaining balance. The invoice changes; the change feed shows it.
    /// </summary>
    public void SettleInvoice(string invoiceId, decimal paid, decimal writtenOff = 0m)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(paid);
        ArgumentOutOfRangeException.ThrowIfNegative(writtenOff);
        lock (_gate)
        {
            var stored = InvoiceById(invoiceId);
            if (stored.Invoice.Status != ErpInvoiceStatus.Posted)
            {
                throw new InvalidOperationException($"Invoice {invoiceId} is {stored.Invoice.Status}: only a posted invoice takes payments.");
            }
            var balance = stored.Invoice.Gross - stored.AmountPaid - stored.WrittenOff;
            if (paid + writtenOff > balance)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Invoice {invoiceId} has {balance} open; {paid + writtenOff} is more than that."));
            }
            Record(InvoiceSettledKind, stored with { AmountPaid = stored.AmountPaid + paid, WrittenOff = stored.WrittenOff + writtenOff });
        }
    }

    /// <summary>The change feed: one entry per posting, credit, payment or write-off, in the order they happened.</summary>
    public async Task<ErpInvoiceChangePage> GetInvoiceChangesAsync(string? afterWatermark, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        using var call = await BeginCallAsync(Operations.GetInvoiceChanges, afterWatermark ?? "", isWrite: false, cancellationToken);
        var after = afterWatermark is null ? 0 : int.Parse(afterWatermark, NumberStyles.None, CultureInfo.InvariantCulture);
        lock (_gate)
        {
            var changes = _invoiceChanges.Skip(after).Take(maxCount).ToList();
            return new ErpInvoiceChangePage(changes, after + changes.Count < _invoiceChanges.Count);
        }
    }

    /// <summary>Appends to the change feed what a journal record of a posted, credited or settled invoice means to its readers.</summary>
    private void AppendInvoiceChanges(StoredInvoice stored)
    {
        var invoice = stored.Invoice;
        var invoiceDate = stored.Draft.InvoiceDate;
        var dueDate = DueDateOf(stored.Draft.CustomerNumber, invoiceDate);
        var version = _invoiceChanges.Count(c => c.InvoiceId == invoice.InvoiceId) + 1;
        var balance = invoice.Status == ErpInvoiceStatus.Posted ? invoice.Gross - stored.AmountPaid - stored.WrittenOff : 0m;
        _invoiceChanges.Add(new ErpInvoiceChange(invoice.InvoiceId, version, NextWatermark(), ErpDocumentKind.Invoice, invoice.BillingBatchId,
            invoice.Number, invoice.Status, invoiceDate, dueDate, invoice.Net, invoice.Tax, invoice.Gross, stored.AmountPaid,
            stored.WrittenOff, balance, invoice.Currency, CreditedInvoiceId: null));
        if (invoice.Status == ErpInvoiceStatus.Credited && invoice.CreditMemoId is { } memo)
        {
            _invoiceChanges.Add(new ErpInvoiceChange(memo, 1, NextWatermark(), ErpDocumentKind.CreditMemo, invoice.BillingBatchId, memo,
                ErpInvoiceStatus.Posted, invoiceDate, invoiceDate, -invoice.Net, -invoice.Tax, -invoice.Gross, 0m, 0m, 0m,
                invoice.Currency, invoice.InvoiceId));
        }
    }

    private string NextWatermark() => (_invoiceChanges.Count + 1).ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Due by the customer's payment terms (NET30 when the customer or its terms are unknown).</summary>
    private DateOnly DueDateOf(string customerNumber, DateOnly invoiceDate)
    {
        var terms = _customersByNumber.GetValueOrDefault(customerNumber)?.PaymentTerms ?? "NET30";
        return ReferenceData.PaymentTermDues.GetValueOrDefault(terms, new ErpPaymentTermDue(0, 30)).DueDateFor(invoiceDate);
    }

    private static string PeriodOf(DateOnly day) => day.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private StoredInvoice InvoiceById(string invoiceId) =>
        _invoicesById.GetValueOrDefault(invoiceId) ?? throw new ErpException(ErpFailureKind.Rejected, $"Invoice {invoiceId} does not exist.");

    private void ThrowIfPeriodClosed(string period)
    {
        if (_closedPeriods.Contains(period))
        {
            _faults.Count(SandboxFault.PeriodClosed);
            throw new ErpException(ErpFailureKind.PeriodClosed, $"Fiscal period {period} is closed for posting.");
        }
    }

    /// <summary>The year of a yyyy-MM period, or null when it is not one.</summary>
    private static int? YearOf(string period) =>
        DateOnly.TryParseExact(period, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) ? month.Year : null;

    /// <summary>An amount as the ERP books it: two decimals, halves away from zero (commercial rounding).</summary>
    private static decimal Money(decimal amount) => Math.Round(amount, 2, MidpointRounding.AwayFromZero);

    private static ErpCustomer ToCustomer(string customerNumber, ErpCustomerDraft draft) =>
        new(customerNumber, draft.ExternalId, draft.LegalName, draft.BillingCountry, draft.Currency, draft.TaxId,
            draft.PaymentTerms, draft.LegalEntity, draft.RequiresPurchaseOrder);

    /// <summary>A write that met commit-then-timeout has been committed; the caller only learns that it timed out.</summary>
    private static void ThrowIfCommittedThenTimedOut(Call call, string what)
    {
        if (call.Fault == SandboxFault.CommitThenTimeout)
        {
            throw new ErpException(ErpFailureKind.Ambiguous, $"The ERP did not answer in time; the {what} may have been committed.");
        }
    }

    private ErpCustomer? CustomerByExternalId(string externalId) =>
        _customerNumbersByExternalId.TryGetValue(externalId, out var number) ? _customersByNumber[number] : null;

    private ErpProject? ProjectByCode(string erpProjectCode) =>
        _projectsByPsaId.Values.FirstOrDefault(p => p.ErpProjectCode == erpProjectCode);

    private void EnsureExternalIdFree(string externalId, string customerNumber)
    {
        if (CustomerByExternalId(externalId) is { } other && other.CustomerNumber != customerNumber)
        {
            throw new ArgumentException($"External id '{externalId}' already belongs to customer {other.CustomerNumber}.");
        }
    }

    /// <summary>The next project number; deleted projects keep theirs, and seeded projects that happen to use one are skipped.</summary>
    private int NextProjectNumber()
    {
        var number = _projectsCreated + 1;
        while (ProjectByCode($"EP-{number:D5}") is not null)
        {
            number++;
        }
        return number;
    }

    private List<ErpCustomer> SortedCustomers() =>
        [.. _customersByNumber.Values.OrderBy(c => c.CustomerNumber, StringComparer.Ordinal)];

    private List<ErpProject> SortedProjects() =>
        [.. _projectsByPsaId.Values.OrderBy(p => p.ErpProjectCode, StringComparer.Ordinal)];

    /// <summary>A tax id as a duplicate check compares it: letters and digits only, upper case.</summary>
    private static string CompactTaxId(string? taxId) =>
        taxId is null ? "" : new string([.. taxId.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant)]);

    private async Task<Call> BeginCallAsync(string operation, string key, bool isWrite, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ErpFailureKind? targeted = null;
        lock (_gate)
        {
            _requests[operation] = _requests.GetValueOrDefault(operation) + 1;
            if (_failNext.TryGetValue(operation, out var pending) && pending.TryDequeue(out var kind))
            {
                targeted = kind;
            }
        }
        if (targeted is { } failure)
        {
            // Before the concurrency cap and the fault plan: a targeted failure neither takes a place nor uses up a planned attempt.
            _faults.Count(SandboxFault.Targeted);
            throw TargetedFailure(operation, failure);
        }
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            if (_faults.Options.MaxConcurrency > 0 && inFlight > _faults.Options.MaxConcurrency)
            {
                _faults.Count(SandboxFault.ConcurrencyCap);
                throw new ErpException(ErpFailureKind.Throttled, "Too many concurrent requests.", _faults.Options.RetryAfter);
            }
            if (!_rateLimit.TryTake(out var retryAfter))
            {
                _faults.Count(SandboxFault.RateLimit);
                throw new ErpException(ErpFailureKind.Throttled, "Request budget exceeded (429).", retryAfter);
            }
            var fault = _faults.Decide(operation, key, isWrite);
            switch (fault)
            {
                case SandboxFault.Throttled:
                    throw new ErpException(ErpFailureKind.Throttled, "Rate limit exceeded (429).", _faults.Options.RetryAfter);
                case SandboxFault.ServerError:
                    throw new ErpException(ErpFailureKind.Unavailable, "The ERP answered 503 Service Unavailable.");
            }
            await Task.Yield();
            return new Call(this, fault);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
    }

    private ErpException TargetedFailure(string operation, ErpFailureKind kind) => kind switch
    {
        ErpFailureKind.Throttled => new ErpException(kind, $"Rate limit exceeded (429) on {operation} (FailNext).", _faults.Options.RetryAfter),
        ErpFailureKind.Unavailable => new ErpException(kind, $"The ERP answered 503 Service Unavailable on {operation} (FailNext)."),
        ErpFailureKind.Ambiguous => new ErpException(kind, $"The ERP did not answer {operation} in time (FailNext; nothing was committed)."),
        ErpFailureKind.PeriodClosed => new ErpException(kind, $"The fiscal period is closed for posting ({operation}, FailNext)."),
        _ => new ErpException(kind, $"The ERP refused {operation} (FailNext)."),
    };

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
                case SeededProjectKind:
                case ProjectStatusKind:
                    var project = record.Deserialize<ErpProject>(PsaSyncJson.Options)!;
                    _projectsByPsaId[project.PsaProjectId] = project;
                    break;
                case ProjectCreatedKind:
                    var created = record.Deserialize<CreatedProject>(PsaSyncJson.Options)!;
                    _projectsByPsaId[created.Project.PsaProjectId] = created.Project;
                    _projectDrafts[created.Project.ErpProjectCode] = created.Draft;
                    _projectsCreated++;
                    CountCreated(Operations.CreateProject, created.Project.PsaProjectId);
                    break;
                case CreateRepeatedKind:
                    _repeatedCreates.Add(record.Deserialize<SandboxCreateRequest>(PsaSyncJson.Options)!);
                    break;
                case ProjectDeletedDirectlyKind:
                    var code = record.GetString()!;
                    if (ProjectByCode(code) is { } deleted)
                    {
                        _projectsByPsaId.Remove(deleted.PsaProjectId);
                        _projectDrafts.Remove(code);
                    }
                    break;
                case CustomerCreatedKind:
                case CustomerUpdatedKind:
                case CustomerEditedDirectlyKind:
                    var customer = record.Deserialize<ErpCustomer>(PsaSyncJson.Options)!;
                    if (kind == CustomerCreatedKind)
                    {
                        CountCreated(Operations.CreateCustomer, customer.ExternalId);
                    }
                    if (_customersByNumber.TryGetValue(customer.CustomerNumber, out var previous)
                        && _customerNumbersByExternalId.GetValueOrDefault(previous.ExternalId) == customer.CustomerNumber)
                    {
                        _customerNumbersByExternalId.Remove(previous.ExternalId);
                    }
                    _customersByNumber[customer.CustomerNumber] = customer;
                    if (!string.IsNullOrEmpty(customer.ExternalId))
                    {
                        _customerNumbersByExternalId[customer.ExternalId] = customer.CustomerNumber;
                    }
                    break;
                case ClosedPeriodKind:
                    _closedPeriods.Add(record.GetString()!);
                    break;
                case TimeLineKind:
                    var line = record.Deserialize<PostedTimeLine>(PsaSyncJson.Options)!;
                    _timeByExternalId[line.Line.ExternalId] = line;
                    CountCreated(Operations.PostTimeLines, line.Line.ExternalId);
                    break;
                case InvoiceDraftedKind:
                case InvoiceLinesSetKind:
                case InvoicePostedKind:
                case InvoiceCancelledKind:
                case InvoiceCreditedKind:
                case InvoiceSettledKind:
                case InvoiceEditedDirectlyKind:
                    // Every invoice record is the whole invoice after the change, so applying it replaces what was there.
                    var invoice = record.Deserialize<StoredInvoice>(PsaSyncJson.Options)!;
                    _invoicesById[invoice.Invoice.InvoiceId] = invoice;
                    _invoiceIdsByBatch[invoice.Invoice.BillingBatchId] = invoice.Invoice.InvoiceId;
                    if (kind == InvoiceDraftedKind)
                    {
                        CountCreated(Operations.CreateDraftInvoice, invoice.Invoice.BillingBatchId);
                    }
                    if (kind is InvoicePostedKind or InvoiceCreditedKind or InvoiceSettledKind)
                    {
                        AppendInvoiceChanges(invoice);
                    }
                    break;
            }
        }
    }

    private void CountCreated(string operation, string? key) =>
        _createdByKey[(operation, key ?? "")] = _createdByKey.GetValueOrDefault((operation, key ?? "")) + 1;

    /// <summary>A created project with the draft it was created from, as one journal record.</summary>
    private sealed record CreatedProject(ErpProject Project, ErpProjectDraft Draft);

    /// <summary>An invoice with the draft it was created from, once credited the reason, and what has been paid or written off: one journal record.</summary>
    private sealed record StoredInvoice(ErpInvoice Invoice, ErpInvoiceDraft Draft, string? CreditReason)
    {
        public decimal AmountPaid { get; init; }

        public decimal WrittenOff { get; init; }
    }

    /// <summary>The names of the ERP's operations, as <see cref="Requests"/> counts them and <see cref="FailNext"/> takes them.</summary>
    public static class Operations
    {
        public const string GetReferenceData = "get-reference-data";
        public const string FindCustomer = "find-customer";
        public const string GetCustomer = "get-customer";
        public const string FindSimilarCustomers = "find-similar-customers";
        public const string CreateCustomer = "create-customer";
        public const string UpdateCustomer = "update-customer";
        public const string ListCustomers = "list-customers";
        public const string FindProject = "find-project";
        public const string CreateProject = "create-project";
        public const string SetProjectStatus = "set-project-status";
        public const string ListProjects = "list-projects";
        public const string FindTime = "find-time";
        public const string PostTime = "post-time";
        public const string PostTimeLines = "post-time-lines";
        public const string ReverseTime = "reverse-time";
        public const string GetInvoiceChanges = "get-invoice-changes";
        public const string IsFiscalPeriodOpen = "is-fiscal-period-open";
        public const string FindInvoiceByBatch = "find-invoice-by-batch";
        public const string CreateDraftInvoice = "create-draft-invoice";
        public const string SetInvoiceLines = "set-invoice-lines";
        public const string PostInvoice = "post-invoice";
        public const string CancelDraftInvoice = "cancel-draft-invoice";
        public const string CreditInvoice = "credit-invoice";

        public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
        {
            GetReferenceData, FindCustomer, GetCustomer, FindSimilarCustomers, CreateCustomer, UpdateCustomer, ListCustomers,
            FindProject, CreateProject, SetProjectStatus, ListProjects, FindTime, PostTime, PostTimeLines, ReverseTime, IsFiscalPeriodOpen, FindInvoiceByBatch,
            CreateDraftInvoice, SetInvoiceLines, PostInvoice, CancelDraftInvoice, CreditInvoice, GetInvoiceChanges,
        };
    }

    /// <summary>One call in flight; disposing it frees its place under the concurrency cap.</summary>
    private sealed record Call(SandboxErp Owner, SandboxFault Fault) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref Owner._inFlight);
    }
}

public sealed record PostedTimeLine(string ErpDocumentId, ErpTimeLine Line);

/// <summary>A create request the sandbox ERP journaled: the operation and the key it was made under.</summary>
public sealed record SandboxCreateRequest(string Operation, string Key);
