namespace PsaSync.Core.CrossReference;

/// <summary>The ids one entity has in each system (PSA, ERP, CRM), as PsaSync learned them.</summary>
public sealed record CrossReference(string Kind, IReadOnlyDictionary<string, string> IdsBySystem)
{
    public string? IdIn(string system) => IdsBySystem.TryGetValue(system, out var id) ? id : null;
}

public interface ICrossReferenceMap
{
    /// <summary>Records that <paramref name="id"/> in <paramref name="system"/> and <paramref name="otherId"/> in <paramref name="otherSystem"/> are the same entity.</summary>
    Task LinkAsync(string kind, string system, string id, string otherSystem, string otherId, CancellationToken cancellationToken);

    Task<CrossReference?> FindAsync(string kind, string system, string id, CancellationToken cancellationToken);
}
