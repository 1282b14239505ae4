using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Ingress;
using PsaSync.Hosting;

namespace PsaSync.Infra.Tests.Support;

/// <summary>Facts about the code the infrastructure has to match, read from the sources and by reflection.</summary>
internal static partial class CodeFacts
{
    /// <summary>Webhook route (below /api/webhooks/) → the queue its mapper publishes to, from the connectors' mappers.</summary>
    public static IReadOnlyDictionary<string, string> WebhookQueues() =>
        typeof(SandboxPsa).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IWebhookMapper).IsAssignableFrom(t))
            .Select(t => (IWebhookMapper)Activator.CreateInstance(t)!)
            .ToDictionary(m => m.Route, m => m.Queue, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Every leaf configuration key of <see cref="PsaSyncOptions"/> as an app setting name
    /// (<c>PsaSync__Storage__TableServiceUri</c>); a dictionary is <c>...__*</c>.
    /// </summary>
    public static IReadOnlyList<string> OptionSettings()
    {
        var keys = new List<string>();
        Walk(typeof(PsaSyncOptions), PsaSyncOptions.SectionName, keys);
        return keys;

        static void Walk(Type type, string prefix, List<string> keys)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var key = prefix + "__" + property.Name;
                var t = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                if (IsLeaf(t))
                {
                    keys.Add(key);
                }
                else if (typeof(IDictionary).IsAssignableFrom(t))
                {
                    keys.Add(key + "__*");
                }
                else
                {
                    Walk(t, key, keys);
                }
            }
        }

        static bool IsLeaf(Type t) =>
            t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(Uri) || t == typeof(TimeSpan) || t == typeof(DateTimeOffset);
    }

    /// <summary>The C# files whose logs reach Application Insights in Azure: the shared code and the function apps.</summary>
    public static IReadOnlyList<string> AzureSources() =>
        [.. Repo.Files("shared", "*.cs").Concat(Repo.Files("functions", "*.cs"))];

    /// <summary>Message templates of every log call (<c>logger.LogError("Dead-lettered {EventType}: {Reason}", ...)</c> and [LoggerMessage]).</summary>
    public static IReadOnlySet<string> LogTemplates() =>
        AzureSources().Select(File.ReadAllText)
            .SelectMany(s => LogCall().Matches(s).Concat(LoggerMessageAttribute().Matches(s)))
            .Select(m => Regex.Unescape(m.Groups["template"].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Keys of the logging scopes the code opens (<c>BeginScope(new Dictionary&lt;string, object&gt; { ["Domain"] = ... })</c>).</summary>
    public static IReadOnlySet<string> ScopeKeys() =>
        AzureSources().Select(File.ReadAllText)
            .SelectMany(s => ScopeDictionary().Matches(s))
            .SelectMany(m => IndexerKey().Matches(m.Groups["body"].Value).Select(k => k.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Placeholders of a message template: "Job {Job} finished: {Summary}" → Job, Summary.</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value)];

    /// <summary>Whether the code has the string literal "<paramref name="value"/>".</summary>
    public static bool HasStringLiteral(string value) =>
        AzureSources().Any(f => File.ReadAllText(f).Contains('"' + value + '"', StringComparison.Ordinal));

    /// <summary>Whether any of the code calls <paramref name="member"/> (a type or method name).</summary>
    public static bool Uses(string member) =>
        AzureSources().Any(f => Regex.IsMatch(File.ReadAllText(f), $@"\b{Regex.Escape(member)}\b"));

    [GeneratedRegex(@"\bLog(?:Trace|Debug|Information|Warning|Error|Critical)\s*\((?:[^"";]*?,\s*)?""(?<template>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LogCall();

    [GeneratedRegex(@"\[LoggerMessage\([^\]]*?Message\s*=\s*""(?<template>(?:[^""\\]|\\.)*)""")]
    private static partial Regex LoggerMessageAttribute();

    [GeneratedRegex(@"BeginScope\(\s*new\s+Dictionary<string,\s*object\??>\s*\{(?<body>[^}]*)\}", RegexOptions.Singleline)]
    private static partial Regex ScopeDictionary();

    [GeneratedRegex(@"\[""([A-Za-z_][A-Za-z0-9_]*)""\]\s*=")]
    private static partial Regex IndexerKey();

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)(?:[:,][^}]*)?\}")]
    private static partial Regex Placeholder();
}
