using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Core.Exceptions;

public enum ExceptionStatus
{
    Open,
    Resolved,
}

/// <summary>
/// One thing a person has to look at: at most one open item per source record and reason code.
/// A repeat of the same failure bumps <see cref="Occurrences"/> instead of opening a second item.
/// </summary>
public sealed record ExceptionItem(
    string Id,
    string ReasonCode,
    ExceptionOwner Owner,
    string Title,
    string Message,
    string HowToFix,
    string Domain,
    RecordRef SourceRecord,
    string CorrelationId,
    string? IdempotencyKey,
    ExceptionStatus Status,
    int Occurrences,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    DateTimeOffset? ResolvedAt,
    string? Resolution)
{
    /// <summary>The event that failed, as it was queued, when there is one: what a replay sends again.</summary>
    public string? EnvelopeJson { get; init; }
}

/// <summary>What a handler reports; the store fills in identity, status and timestamps.</summary>
public sealed record NewException(
    ReasonCode Reason,
    string Message,
    string Domain,
    RecordRef SourceRecord,
    string CorrelationId,
    string? IdempotencyKey,
    EventEnvelope? Envelope = null);

public sealed record ExceptionQuery(
    string? ReasonCode = null,
    ExceptionOwner? Owner = null,
    ExceptionStatus? Status = null,
    string? Domain = null,
    RecordRef? SourceRecord = null);

public interface IExceptionStore
{
    /// <summary>Opens an item, or counts one more occurrence of the open item for the same record and reason.</summary>
    Task<ExceptionItem> RaiseAsync(NewException exception, CancellationToken cancellationToken);

    /// <summary>Resolves every open item of a record, e.g. when a later attempt for it succeeded.</summary>
    Task<int> ResolveForRecordAsync(string domain, RecordRef record, string resolution, CancellationToken cancellationToken);

    Task<IReadOnlyList<ExceptionItem>> ListAsync(ExceptionQuery query, CancellationToken cancellationToken);

    Task<ExceptionItem?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Resolves one open item by hand. Returns false when there is no such open item.</summary>
    Task<bool> ResolveAsync(string id, string resolution, CancellationToken cancellationToken);
}
