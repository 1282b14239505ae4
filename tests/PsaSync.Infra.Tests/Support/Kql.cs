using System.Text.Json;
using System.Text.RegularExpressions;

namespace PsaSync.Infra.Tests.Support;

/// <summary>A Kusto query the infrastructure ships, and where it comes from.</summary>
internal sealed record ShippedQuery(string Source, string Text)
{
    public override string ToString() => Source;
}

/// <summary>
/// Reads what a Kusto query relies on, by the conventions the shipped queries follow: a log line is selected by its
/// message template (a string literal with {Placeholders}), structured-log properties are read with
/// dim(customDimensions, "Name"), and numbers are taken from messages with extract(@"regex", ...).
/// </summary>
internal static partial class Kql
{
    /// <summary>The workbook's queries and the alert rules' .kql files.</summary>
    public static IReadOnlyList<ShippedQuery> ShippedQueries()
    {
        var queries = new List<ShippedQuery>();
        using var workbook = JsonDocument.Parse(Repo.Read("infra/workbook/psasync-operations.json"));
        foreach (var item in workbook.RootElement.GetProperty("items").EnumerateArray())
        {
            if (item.TryGetProperty("content", out var content) && content.TryGetProperty("query", out var query))
            {
                queries.Add(new ShippedQuery($"workbook item '{item.GetProperty("name").GetString()}'", query.GetString()!));
            }
        }
        queries.AddRange(Repo.Files("infra/alerts", "*.kql").Select(f => new ShippedQuery(Repo.Relative(f), File.ReadAllText(f))));
        return queries;
    }

    /// <summary>String literals that are message templates: they contain a {Placeholder}. The template keys themselves are not.</summary>
    public static IReadOnlyList<string> MessageTemplates(string query) =>
        [.. StringLiterals(WithoutComments(query)).Where(s => Placeholder().IsMatch(s) && !TemplateKeys.Contains(s))];

    /// <summary>Names read with dim(customDimensions, "Name").</summary>
    public static IReadOnlyList<string> Dimensions(string query) =>
        [.. DimCall().Matches(WithoutComments(query)).Select(m => m.Groups[1].Value)];

    /// <summary>Regular expressions passed to extract(@"...", ...).</summary>
    public static IReadOnlyList<string> ExtractPatterns(string query) =>
        [.. ExtractCall().Matches(WithoutComments(query)).Select(m => m.Groups[1].Value.Replace("\"\"", "\"", StringComparison.Ordinal))];

    /// <summary>String literals in UPPER_SNAKE case (reason codes such as MESSAGE_UNREADABLE).</summary>
    public static IReadOnlyList<string> Codes(string query) =>
        [.. StringLiterals(WithoutComments(query)).Where(s => UpperSnake().IsMatch(s))];

    /// <summary>Names compared with <c>name == "..."</c> (custom events and metrics).</summary>
    public static IReadOnlyList<string> ComparedNames(string query) =>
        [.. NameComparison().Matches(WithoutComments(query)).Select(m => m.Groups[1].Value)];

    /// <summary>Business telemetry names the query uses: string literals such as "PsaSync.Posted".</summary>
    public static IReadOnlyList<string> TelemetryNames(string query) =>
        [.. StringLiterals(WithoutComments(query)).Where(s => s.StartsWith("PsaSync.", StringComparison.Ordinal)).Distinct()];

    /// <summary>Measurements read with measure(customMeasurements, "Name").</summary>
    public static IReadOnlyList<string> Measurements(string query) =>
        [.. MeasureCall().Matches(WithoutComments(query)).Select(m => m.Groups[1].Value)];

    /// <summary>Canonical event types the query names ("psasync.time.approved").</summary>
    public static IReadOnlyList<string> EventTypes(string query) =>
        [.. StringLiterals(WithoutComments(query)).Where(s => EventType().IsMatch(s))];

    /// <summary>Tables the query reads.</summary>
    public static bool Reads(string query, string table) =>
        Regex.IsMatch(WithoutComments(query), $@"(^|[\s,(|]){table}\b", RegexOptions.Multiline);

    /// <summary>How the worker's logger ("OriginalFormat") and the host ("{OriginalFormat}" with prop__) name the template.</summary>
    public static readonly IReadOnlySet<string> TemplateKeys = new HashSet<string>(StringComparer.Ordinal) { "OriginalFormat", "{OriginalFormat}" };

    public static string WithoutComments(string query) => LineComment().Replace(query, "");

    /// <summary>The regular ("...", '...') string literals, in order; verbatim @"..." literals are skipped.</summary>
    private static IEnumerable<string> StringLiterals(string query)
    {
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (c == '@' && i + 1 < query.Length && query[i + 1] is '"' or '\'')
            {
                var quote = query[i + 1];
                i += 2;
                while (i < query.Length && !(query[i] == quote && (i + 1 >= query.Length || query[i + 1] != quote)))
                {
                    i += query[i] == quote ? 2 : 1;
                }
                continue;
            }
            if (c is '"' or '\'')
            {
                var value = new System.Text.StringBuilder();
                for (i++; i < query.Length && query[i] != c; i++)
                {
                    if (query[i] == '\\' && i + 1 < query.Length)
                    {
                        i++;
                    }
                    value.Append(query[i]);
                }
                yield return value.ToString();
            }
        }
    }

    [GeneratedRegex(@"\{[A-Za-z_][A-Za-z0-9_]*\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\bdim\(\s*customDimensions\s*,\s*""([^""]+)""\s*\)")]
    private static partial Regex DimCall();

    [GeneratedRegex(@"\bmeasure\(\s*customMeasurements\s*,\s*""([^""]+)""\s*\)")]
    private static partial Regex MeasureCall();

    [GeneratedRegex(@"^psasync\.[a-z]+(?:\.[a-z]+)+$")]
    private static partial Regex EventType();

    [GeneratedRegex(@"\bextract\(\s*@""((?:[^""]|"""")*)""")]
    private static partial Regex ExtractCall();

    [GeneratedRegex(@"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")]
    private static partial Regex UpperSnake();

    [GeneratedRegex(@"\bname\s*(?:==|=~)\s*""([^""]+)""")]
    private static partial Regex NameComparison();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();
}
