using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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

    private static readonly Lazy<IReadOnlyList<SyntaxNode>> LazySyntax = new(() =>
        [.. AzureSources().Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: f).GetRoot())]);

    /// <summary>The syntax trees of <see cref="AzureSources"/>, parsed once.</summary>
    private static IReadOnlyList<SyntaxNode> Syntax => LazySyntax.Value;

    private static readonly IReadOnlySet<string> LogMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        "LogTrace", "LogDebug", "LogInformation", "LogWarning", "LogError", "LogCritical",
    };

    /// <summary>
    /// Message templates of every log call (<c>logger.LogError(exception, "Dead-lettered {EventType}: {Reason}", ...)</c>:
    /// its first constant string argument) and of every [LoggerMessage(Message = ...)].
    /// </summary>
    public static IReadOnlySet<string> LogTemplates()
    {
        var templates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in Syntax)
        {
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>().Where(c => LogMethods.Contains(MethodName(c))))
            {
                if (call.ArgumentList.Arguments.Select(a => ConstantString(a.Expression)).FirstOrDefault(t => t is not null) is { } template)
                {
                    templates.Add(template);
                }
            }
            foreach (var attribute in root.DescendantNodes().OfType<AttributeSyntax>().Where(a => a.Name.ToString() is "LoggerMessage" or "LoggerMessageAttribute"))
            {
                var message = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == "Message");
                if (message is not null && ConstantString(message.Expression) is { } template)
                {
                    templates.Add(template);
                }
            }
        }
        return templates;
    }

    /// <summary>Keys of the logging scopes the code opens (<c>BeginScope(new Dictionary&lt;string, object&gt; { ["Domain"] = ... })</c>).</summary>
    public static IReadOnlySet<string> ScopeKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var call in Syntax.SelectMany(r => r.DescendantNodes().OfType<InvocationExpressionSyntax>()).Where(c => MethodName(c) == "BeginScope"))
        {
            foreach (var initializer in call.ArgumentList.Arguments.SelectMany(a => a.Expression.DescendantNodesAndSelf().OfType<InitializerExpressionSyntax>()))
            {
                foreach (var element in initializer.Expressions)
                {
                    // ["Domain"] = value, or { "Domain", value }
                    var key = element switch
                    {
                        AssignmentExpressionSyntax { Left: ImplicitElementAccessSyntax access } => access.ArgumentList.Arguments.Count == 1 ? ConstantString(access.ArgumentList.Arguments[0].Expression) : null,
                        InitializerExpressionSyntax { Expressions.Count: 2 } pair => ConstantString(pair.Expressions[0]),
                        _ => null,
                    };
                    if (key is not null)
                    {
                        keys.Add(key);
                    }
                }
            }
        }
        return keys;
    }

    /// <summary>Placeholders of a message template: "Job {Job} finished: {Summary}" → Job, Summary.</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. Placeholder().Matches(template).Select(m => m.Groups[1].Value)];

    /// <summary>Whether the code has the string literal "<paramref name="value"/>".</summary>
    public static bool HasStringLiteral(string value) =>
        Syntax.Any(r => r.DescendantTokens().Any(t => t.IsKind(SyntaxKind.StringLiteralToken) && t.ValueText == value));

    /// <summary>Whether any of the code names <paramref name="member"/> (a type or method name).</summary>
    public static bool Uses(string member) =>
        Syntax.Any(r => r.DescendantTokens().Any(t => t.IsKind(SyntaxKind.IdentifierToken) && t.ValueText == member));

    private static string MethodName(InvocationExpressionSyntax call) => call.Expression switch
    {
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        IdentifierNameSyntax name => name.Identifier.ValueText,
        _ => "",
    };

    /// <summary>A string literal, or a concatenation of them, as the compiler folds it; null for anything else.</summary>
    private static string? ConstantString(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression) => literal.Token.ValueText,
        BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression) && ConstantString(binary.Left) is { } left && ConstantString(binary.Right) is { } right => left + right,
        ParenthesizedExpressionSyntax parenthesized => ConstantString(parenthesized.Expression),
        _ => null,
    };

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)(?:[:,][^}]*)?\}")]
    private static partial Regex Placeholder();
}
