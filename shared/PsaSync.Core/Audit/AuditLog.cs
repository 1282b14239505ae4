namespace PsaSync.Core.Audit;

/// <summary>
/// One change PsaSync asked the ERP to make: what (<see cref="Operation"/> on <see cref="Target"/>), when, on behalf of
/// which record timeline (<see cref="CorrelationId"/>) and which event, workflow or job (<see cref="Source"/>), and how it
/// ended (<see cref="Outcome"/>: <c>succeeded</c>, or <c>failed:&lt;kind&gt;</c>). Reads are not audited.
/// </summary>
public sealed record AuditRecord(string CorrelationId, DateTimeOffset At, string Operation, string Target, string Source, string Outcome);

/// <summary>The audit trail of ERP changes (table <c>&lt;prefix&gt;audit</c>), append-only.</summary>
public interface IAuditLog
{
    Task AppendAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken);

    /// <summary>Every change made for one correlation id, oldest first.</summary>
    Task<IReadOnlyList<AuditRecord>> ListAsync(string correlationId, CancellationToken cancellationToken);
}

/// <summary>
/// What the code on this call path is doing on whose behalf: set by the envelope processor (the event's correlation id
/// and subject), the billing activities (the billing batch) and the job runner, read by <see cref="AuditingErpConnector"/>
/// for the ERP calls made below it. It flows with the async call (AsyncLocal), so concurrent messages do not mix.
/// </summary>
public static class AuditContext
{
    private static readonly AsyncLocal<(string CorrelationId, string Source)?> Ambient = new();

    public static (string CorrelationId, string Source)? Current => Ambient.Value;

    /// <summary>Sets the context until the returned scope is disposed; the outer context comes back then.</summary>
    public static IDisposable Begin(string correlationId, string source)
    {
        var outer = Ambient.Value;
        Ambient.Value = (correlationId, source);
        return new Scope(outer);
    }

    private sealed class Scope((string CorrelationId, string Source)? outer) : IDisposable
    {
        public void Dispose() => Ambient.Value = outer;
    }
}
