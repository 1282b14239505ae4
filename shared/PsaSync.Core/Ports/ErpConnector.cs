namespace PsaSync.Core.Ports;

/// <summary>
/// The ERP as PsaSync needs it, in canonical terms. Implementations (sandbox, Tryton, Business Central...)
/// map to their own API and translate their failures to <see cref="ErpException"/>.
/// Every create carries an ERP-native external id, so that a create can be looked up before it is repeated.
/// </summary>
public interface IErpConnector
{
    Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken);

    /// <summary>Posts one approved time line. Posting an external id that already exists returns the existing document.</summary>
    Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken);

    Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken);
}

public sealed record ErpProject(string ErpProjectCode, string PsaProjectId, bool Active);

public sealed record ErpTimeLine(
    string ExternalId,
    string ErpProjectCode,
    string ResourceId,
    DateOnly WorkDate,
    decimal Hours,
    bool Billable,
    string? Role,
    string CorrelationId);

public sealed record ErpPosting(string ErpDocumentId, string ExternalId);

public enum ErpFailureKind
{
    /// <summary>429: over the request budget. Retry after <see cref="ErpException.RetryAfter"/>.</summary>
    Throttled,

    /// <summary>5xx or unreachable: nothing happened. Retry.</summary>
    Unavailable,

    /// <summary>The call timed out: it may or may not have committed. Look up before retrying the create.</summary>
    Ambiguous,

    /// <summary>The fiscal period of the document's date is closed. A person must act.</summary>
    PeriodClosed,

    /// <summary>Any other business rule the ERP enforces. A person must act.</summary>
    Rejected,
}

public sealed class ErpException(ErpFailureKind kind, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public ErpFailureKind Kind { get; } = kind;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public bool IsTransient => Kind is ErpFailureKind.Throttled or ErpFailureKind.Unavailable or ErpFailureKind.Ambiguous;
}
