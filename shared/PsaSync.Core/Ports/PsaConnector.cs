namespace PsaSync.Core.Ports;

/// <summary>The PSA as PsaSync needs it: where sync results are written back for delivery teams to see.</summary>
public interface IPsaConnector
{
    /// <summary>Marks an approved time entry as transferred, with its ERP document id. Repeating it is harmless.</summary>
    Task MarkTimeEntrySyncedAsync(string entryId, int version, string erpDocumentId, string correlationId, CancellationToken cancellationToken);
}

/// <summary>The PSA could not be reached or refused the call for a transient reason.</summary>
public sealed class PsaUnavailableException(string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
