using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Sandbox.Psa;

/// <summary>
/// A stateful PSA simulator: it records what PsaSync writes back (sync status of time entries) and can be
/// switched into an outage, during which every call fails as a real PSA's would.
/// </summary>
public sealed class SandboxPsa : IPsaConnector
{
    private readonly Dictionary<string, TimeEntrySyncStatus> _timeStatus = [];
    private readonly Lock _gate = new();
    private readonly SandboxJournal _journal;
    private readonly FaultPlan _faults;
    private volatile bool _outage;

    public SandboxPsa(SandboxFaultOptions faults, string? journalPath = null)
    {
        _faults = new FaultPlan(faults);
        _journal = new SandboxJournal(journalPath);
        foreach (var (_, record) in _journal.Replay())
        {
            var status = record.Deserialize<TimeEntrySyncStatus>(PsaSyncJson.Options)!;
            _timeStatus[status.EntryId] = status;
        }
    }

    public IReadOnlyDictionary<SandboxFault, int> FaultsInjected => _faults.Injected;

    public IReadOnlyDictionary<string, TimeEntrySyncStatus> TimeEntryStatus
    {
        get { lock (_gate) { return new Dictionary<string, TimeEntrySyncStatus>(_timeStatus); } }
    }

    /// <summary>Starts or ends an outage: while it lasts, every call fails with 503.</summary>
    public void SetOutage(bool down) => _outage = down;

    public Task MarkTimeEntrySyncedAsync(string entryId, int version, string erpDocumentId, string correlationId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_outage)
        {
            _faults.Count(SandboxFault.Outage);
            throw new PsaUnavailableException("The PSA answered 503: it is down for maintenance.");
        }
        switch (_faults.Decide("mark-time-synced", $"{entryId}:{version}", isWrite: true))
        {
            case SandboxFault.Throttled:
                throw new PsaUnavailableException("The PSA answered 429.", _faults.Options.RetryAfter);
            case SandboxFault.ServerError:
                throw new PsaUnavailableException("The PSA answered 502.");
        }
        var status = new TimeEntrySyncStatus(entryId, version, erpDocumentId, correlationId);
        lock (_gate)
        {
            // A stale write-back (an older version arriving late) never overwrites a newer one.
            if (_timeStatus.TryGetValue(entryId, out var current) && current.Version > version)
            {
                return Task.CompletedTask;
            }
            _timeStatus[entryId] = status;
            _journal.Append("time-status", status);
        }
        return Task.CompletedTask;
    }
}

/// <summary>What the PSA shows on a time entry after PsaSync transferred it.</summary>
public sealed record TimeEntrySyncStatus(string EntryId, int Version, string ErpDocumentId, string CorrelationId);
