namespace PsaSync.Testing;

/// <summary>
/// The instant the tests' fake clocks (<c>FakeTimeProvider</c>) start at unless a test needs another: a fixed Monday
/// morning, so no test depends on the day it runs.
/// </summary>
public static class TestClock
{
    public static readonly DateTimeOffset Start = new(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
}
