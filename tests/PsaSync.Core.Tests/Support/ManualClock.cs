namespace PsaSync.Core.Tests.Support;

/// <summary>A clock the test sets by hand (Microsoft.Extensions.Time.Testing is not available here).</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset UtcNow { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => UtcNow;
}
