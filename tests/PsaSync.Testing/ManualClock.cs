namespace PsaSync.Testing;

/// <summary>A clock the test sets by hand (Microsoft.Extensions.Time.Testing is not referenced here).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public static readonly DateTimeOffset DefaultStart = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);

    public ManualClock()
        : this(DefaultStart)
    {
    }

    public DateTimeOffset UtcNow { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => UtcNow;

    public void Advance(TimeSpan by) => UtcNow += by;
}
