using System.Globalization;

namespace PsaSync.Testing;

/// <summary>
/// Runs (part of) a test under another culture, as on a machine set up for it: sets <see cref="CultureInfo.CurrentCulture"/>
/// and <see cref="CultureInfo.CurrentUICulture"/> and puts the previous ones back on dispose. In an async test the
/// culture flows into the awaited calls of the method that set it.
/// <code>using var culture = CultureScope.Use("th-TH");</code>
/// th-TH and de-DE are the telling ones: th-TH counts years in the Buddhist era (2026 is 2569), de-DE writes decimals
/// with a comma (7,5).
/// </summary>
public sealed class CultureScope : IDisposable
{
    private readonly CultureInfo _previous;
    private readonly CultureInfo _previousUi;

    private CultureScope(CultureInfo culture)
    {
        _previous = CultureInfo.CurrentCulture;
        _previousUi = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
    }

    /// <summary>
    /// Switches to <paramref name="name"/>. Fails rather than pass vacuously when the runtime cannot tell cultures apart
    /// (globalization-invariant mode, no ICU): then every culture would format like the invariant one.
    /// </summary>
    public static CultureScope Use(string name)
    {
        var culture = CultureInfo.GetCultureInfo(name);
        var sample = string.Create(culture, $"{new DateOnly(2026, 3, 31):yyyy-MM-dd} {7.5m}");
        if (sample == "2026-03-31 7.5")
        {
            throw new InvalidOperationException(
                $"Culture {name} formats like the invariant culture here (is the runtime in globalization-invariant mode?); a test under it would prove nothing.");
        }
        return new CultureScope(culture);
    }

    public void Dispose()
    {
        CultureInfo.CurrentCulture = _previous;
        CultureInfo.CurrentUICulture = _previousUi;
    }
}
