namespace PsaSync.Infra.Tests.Support;

/// <summary>One entry under <c>services:</c> in azure.yaml.</summary>
internal sealed record AzdService(string Name, IReadOnlyDictionary<string, string> Properties)
{
    public string Project => Properties.TryGetValue("project", out var p) ? p : "";

    /// <summary>The project folder relative to the repository root, without ./ and the trailing slash.</summary>
    public string ProjectFolder => Project.Trim().TrimStart('.', '/').TrimEnd('/');
}

/// <summary>
/// Reads the parts of azure.yaml the tests need with a line-based reader (no YAML package is available): the
/// services and their scalar properties, and the hooks' run commands. Enough for azure.yaml's simple block style.
/// </summary>
internal static class AzureYaml
{
    public static IReadOnlyList<AzdService> Services(string text)
    {
        var services = new List<AzdService>();
        string? current = null;
        Dictionary<string, string>? properties = null;
        var inServices = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = StripComment(raw).TrimEnd('\r', ' ');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            var indent = line.Length - line.TrimStart().Length;
            if (indent == 0)
            {
                Flush();
                inServices = line == "services:";
                continue;
            }
            if (!inServices)
            {
                continue;
            }
            var (key, value) = Split(line.Trim());
            if (indent == 2)
            {
                Flush();
                current = key;
                properties = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            else if (indent == 4 && properties is not null && value.Length > 0)
            {
                properties[key] = Unquote(value);
            }
        }
        Flush();
        return services;

        void Flush()
        {
            if (current is not null && properties is not null)
            {
                services.Add(new AzdService(current, properties));
            }
            current = null;
            properties = null;
        }
    }

    /// <summary>Every <c>run:</c> value anywhere in the file (the hooks' scripts).</summary>
    public static IReadOnlyList<string> RunCommands(string text) =>
        [.. text.Split('\n').Select(l => StripComment(l).Trim()).Where(l => l.StartsWith("run:", StringComparison.Ordinal))
            .Select(l => Unquote(l["run:".Length..].Trim()))];

    public static string? TopLevelBlockValue(string text, string block, string key)
    {
        var inBlock = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = StripComment(raw).TrimEnd('\r', ' ');
            if (line.Trim().Length == 0)
            {
                continue;
            }
            if (!line.StartsWith(' '))
            {
                inBlock = line == block + ":";
                continue;
            }
            var (k, v) = Split(line.Trim());
            if (inBlock && k == key)
            {
                return Unquote(v);
            }
        }
        return null;
    }

    private static (string Key, string Value) Split(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (line, "") : (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        return hash >= 0 && (hash == 0 || line[hash - 1] == ' ') ? line[..hash] : line;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;
}
