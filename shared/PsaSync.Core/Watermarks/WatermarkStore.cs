namespace PsaSync.Core.Watermarks;

/// <summary>How far a poller has read a source. <see cref="Version"/> guards against two pollers advancing it at once.</summary>
public sealed record Watermark(string Name, string Value, string Version);

public interface IWatermarkStore
{
    Task<Watermark?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Moves the watermark to <paramref name="value"/> only if nobody moved it since <paramref name="expected"/> was read.</summary>
    Task<bool> TryAdvanceAsync(string name, string value, Watermark? expected, CancellationToken cancellationToken);
}
