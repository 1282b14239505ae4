using System.Text.Json;

namespace PsaSync.Infra.Tests.Support;

/// <summary>A resource of the compiled template, with the (nested) template that declares it.</summary>
internal sealed record ArmResource(JsonElement Resource, JsonElement Template)
{
    public string Type => Resource.GetProperty("type").GetString()!;

    public JsonElement Properties => Resource.GetProperty("properties");

    /// <summary>A variable of the declaring template.</summary>
    public JsonElement Variable(string name) => Template.GetProperty("variables").GetProperty(name);
}

/// <summary>
/// infra/main.bicep compiled to ARM JSON by the real Bicep CLI, once per test run. Modules become nested
/// deployments whose templates are inline, so every resource of every module is in this one document.
/// </summary>
internal static class Arm
{
    private static readonly Lazy<(BicepRun Run, JsonDocument Document)> LazyMain = new(Compile);

    public static BicepRun Build => LazyMain.Value.Run;

    /// <summary>The compiled main template.</summary>
    public static JsonElement Main => LazyMain.Value.Document.RootElement;

    /// <summary>The compiled template as text, for searches over everything it deploys.</summary>
    public static string Text => LazyMain.Value.Document.RootElement.GetRawText();

    /// <summary>Every resource of main.bicep and of every module it deploys, however deeply nested.</summary>
    public static IReadOnlyList<ArmResource> AllResources()
    {
        var all = new List<ArmResource>();
        Collect(Main, all);
        return all;

        static void Collect(JsonElement template, List<ArmResource> all)
        {
            foreach (var resource in Resources(template))
            {
                all.Add(new ArmResource(resource, template));
                if (resource.GetProperty("type").GetString() == "Microsoft.Resources/deployments")
                {
                    Collect(resource.GetProperty("properties").GetProperty("template"), all);
                }
            }
        }
    }

    public static IReadOnlyList<ArmResource> OfType(string type) =>
        [.. AllResources().Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase))];

    public static ArmResource Single(string type) => Assert.Single(OfType(type));

    /// <summary>The module deployment of main.bicep whose template declares a resource of <paramref name="type"/>.</summary>
    public static JsonElement ModuleDeclaring(string type) =>
        Assert.Single(Resources(Main), r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments"
            && Resources(r.GetProperty("properties").GetProperty("template")).Any(x => string.Equals(x.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A module of main.bicep by its symbolic name when it is a loop (functionApps), else by its deployment name (storage).</summary>
    public static JsonElement Module(string name) =>
        Assert.Single(Resources(Main), r => r.GetProperty("type").GetString() == "Microsoft.Resources/deployments"
            && ((r.TryGetProperty("copy", out var copy) && copy.GetProperty("name").GetString() == name) || r.GetProperty("name").GetString() == name));

    /// <summary>The resources a module's template declares.</summary>
    public static IReadOnlyList<ArmResource> ResourcesOf(JsonElement deployment)
    {
        var template = deployment.GetProperty("properties").GetProperty("template");
        return [.. Resources(template).Select(r => new ArmResource(r, template))];
    }

    /// <summary>The expression a module deployment passes for one of its parameters ("[variables('x')]" → "variables('x')").</summary>
    public static string ModuleParameter(JsonElement deployment, string parameter) =>
        ArmExpression.Normalize(deployment.GetProperty("properties").GetProperty("parameters").GetProperty(parameter).GetProperty("value"));

    /// <summary>A template's resources, whether an array (classic) or an object of symbolic names (languageVersion 2.0).</summary>
    public static IEnumerable<JsonElement> Resources(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            return [];
        }
        return resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToList() : resources.EnumerateObject().Select(p => p.Value).ToList();
    }

    /// <summary>A variable of main.bicep.</summary>
    public static JsonElement Variable(string name) => Main.GetProperty("variables").GetProperty(name);

    /// <summary>A variable of main.bicep, followed through "[variables('other')]" (Bicep keeps loaded file content in variables of its own).</summary>
    public static JsonElement ResolvedVariable(string name)
    {
        var value = Variable(name);
        return value.ValueKind == JsonValueKind.String && ArmExpression.CallArguments(ArmExpression.Normalize(value), "variables") is [var other]
            ? ResolvedVariable(ArmExpression.Literal(other)!)
            : value;
    }

    /// <summary>The default value of a parameter of main.bicep.</summary>
    public static JsonElement ParameterDefault(string name) => Main.GetProperty("parameters").GetProperty(name).GetProperty("defaultValue");

    private static (BicepRun, JsonDocument) Compile()
    {
        var output = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"psasync-infra-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        try
        {
            var run = BicepCli.Run("build", Repo.PathOf(Templates.MainPath), "--outfile", output);
            Assert.True(run.ExitCode == 0 && File.Exists(output), $"bicep build failed ({run.ExitCode}):\n{run.Output}\n{run.Errors}");
            return (run, JsonDocument.Parse(File.ReadAllText(output)));
        }
        finally
        {
            File.Delete(output);
        }
    }
}

/// <summary>Just enough of the ARM template expression language to read the app settings Bicep compiles into <c>union(...)</c>.</summary>
internal static class ArmExpression
{
    /// <summary>A JSON value as an expression: "[x]" → x, "text" → 'text', numbers and booleans as written.</summary>
    public static string Normalize(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String when value.GetString() is { } s && s.StartsWith('[') && s.EndsWith(']') && !s.StartsWith("[[", StringComparison.Ordinal) => s[1..^1],
        JsonValueKind.String => $"'{value.GetString()!.Replace("'", "''", StringComparison.Ordinal)}'",
        _ => value.GetRawText(),
    };

    /// <summary>The arguments of <c>name(a, b, ...)</c>, split at the top level; null when the expression is not that call.</summary>
    public static IReadOnlyList<string>? CallArguments(string expression, string name)
    {
        var text = expression.Trim();
        if (!text.StartsWith(name + "(", StringComparison.Ordinal) || !text.EndsWith(')'))
        {
            return null;
        }
        var inner = text[(name.Length + 1)..^1];
        if (Close(text, name.Length) != text.Length - 1)
        {
            return null;
        }
        var arguments = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (quoted)
            {
                if (c == '\'')
                {
                    if (i + 1 < inner.Length && inner[i + 1] == '\'')
                    {
                        i++;
                    }
                    else
                    {
                        quoted = false;
                    }
                }
            }
            else if (c == '\'')
            {
                quoted = true;
            }
            else if (c is '(' or '[')
            {
                depth++;
            }
            else if (c is ')' or ']')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                arguments.Add(inner[start..i].Trim());
                start = i + 1;
            }
        }
        arguments.Add(inner[start..].Trim());
        return arguments;
    }

    /// <summary>The value of a string literal expression ('text'), or null.</summary>
    public static string? Literal(string expression) =>
        expression.Length >= 2 && expression[0] == '\'' && expression[^1] == '\'' ? expression[1..^1].Replace("''", "'", StringComparison.Ordinal) : null;

    /// <summary>Index of the parenthesis closing the one at <paramref name="open"/>.</summary>
    private static int Close(string text, int open)
    {
        var depth = 0;
        var quoted = false;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && --depth == 0)
            {
                return i;
            }
        }
        return -1;
    }
}
