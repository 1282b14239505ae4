using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Erp;

/// <summary>
/// A stateful ERP simulator: projects, posted time lines keyed by external id, closed fiscal periods, and the
/// failures that hurt in production (429 with Retry-After, 5xx, commit-then-timeout, a concurrency cap).
/// </summary>
public sealed class SandboxErp : IErpConnector
{
    private readonly Dictionary<string, ErpProject> _projectsByPsaId = [];
    private readonly Dictionary<string, PostedTimeLine> _timeByExternalId = [];
    private readonly HashSet<string> _closedPeriods = [];
    private readonly Dictionary<string, int> _requests = [];
    private readonly Lock _gate = new();
    private readonly SandboxJournal _journal;
    private readonly FaultPlan _faults;
    private int _inFlight;

    public SandboxErp(SandboxFaultOptions faults, string? journalPath = null)
    {
        _faults = new FaultPlan(faults);
        _journal = new SandboxJournal(journalPath);
        foreach (var (kind, record) in _journal.Replay())
        {
            Apply(kind, record);
        }
    }

    public IReadOnlyDictionary<SandboxFault, int> FaultsInjected => _faults.Injected;

    public IReadOnlyDictionary<string, int> Requests
    {
        get { lock (_gate) { return new Dictionary<string, int>(_requests); } }
    }

    public IReadOnlyList<PostedTimeLine> TimeLines
    {
        get { lock (_gate) { return [.. _timeByExternalId.Values.OrderBy(l => l.ErpDocumentId, StringComparer.Ordinal)]; } }
    }

    /// <summary>Sets up a project as the ERP's own users would (in tests and demos, before project setup sync exists).</summary>
    public void SeedProject(ErpProject project) => Record("project", project);

    /// <summary>Closes a fiscal period, e.g. "2026-10": postings dated in it are refused.</summary>
    public void ClosePeriod(string period) => Record("closed-period", period);

    public async Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync("find-project", psaProjectId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _projectsByPsaId.GetValueOrDefault(psaProjectId);
        }
    }

    public async Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync("find-time", externalId, isWrite: false, cancellationToken);
        lock (_gate)
        {
            return _timeByExternalId.TryGetValue(externalId, out var line) ? new ErpPosting(line.ErpDocumentId, externalId) : null;
        }
    }

    public async Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken)
    {
        using var call = await BeginCallAsync("post-time", line.ExternalId, isWrite: true, cancellationToken);
        PostedTimeLine posted;
        lock (_gate)
        {
            // Like a real ERP with a unique external document number: a repeat returns the existing line.
            if (_timeByExternalId.TryGetValue(line.ExternalId, out var existing))
            {
                return new ErpPosting(existing.ErpDocumentId, line.ExternalId);
            }
            if (_closedPeriods.Contains(line.WorkDate.ToString("yyyy-MM")))
            {
                _faults.Count(SandboxFault.PeriodClosed);
                throw new ErpException(ErpFailureKind.PeriodClosed, $"Fiscal period {line.WorkDate:yyyy-MM} is closed for posting.");
            }
            if (!_projectsByPsaId.Values.Any(p => p.ErpProjectCode == line.ErpProjectCode && p.Active))
            {
                throw new ErpException(ErpFailureKind.Rejected, $"Project {line.ErpProjectCode} does not exist or is not active.");
            }
            posted = new PostedTimeLine($"TL-{_timeByExternalId.Count + 1:D6}", line);
            Record("time-line", posted);
        }
        if (call.Fault == SandboxFault.CommitThenTimeout)
        {
            throw new ErpException(ErpFailureKind.Ambiguous, "The ERP did not answer in time; the posting may have been committed.");
        }
        return new ErpPosting(posted.ErpDocumentId, line.ExternalId);
    }

    private async Task<Call> BeginCallAsync(string operation, string key, bool isWrite, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _requests[operation] = _requests.GetValueOrDefault(operation) + 1;
        }
        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            if (_faults.Options.MaxConcurrency > 0 && inFlight > _faults.Options.MaxConcurrency)
            {
                _faults.Count(SandboxFault.ConcurrencyCap);
                throw new ErpException(ErpFailureKind.Throttled, "Too many concurrent requests.", _faults.Options.RetryAfter);
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
                case "project":
                    var project = record.Deserialize<ErpProject>(PsaSyncJson.Options)!;
                    _projectsByPsaId[project.PsaProjectId] = project;
                    break;
                case "closed-period":
                    _closedPeriods.Add(record.GetString()!);
                    break;
                case "time-line":
                    var line = record.Deserialize<PostedTimeLine>(PsaSyncJson.Options)!;
                    _timeByExternalId[line.Line.ExternalId] = line;
                    break;
            }
        }
    }

    /// <summary>One call in flight; disposing it frees its place under the concurrency cap.</summary>
    private sealed record Call(SandboxErp Owner, SandboxFault Fault) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref Owner._inFlight);
    }
}

public sealed record PostedTimeLine(string ErpDocumentId, ErpTimeLine Line);
