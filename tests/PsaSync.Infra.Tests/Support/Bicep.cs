using System.Text;
using System.Text.RegularExpressions;

namespace PsaSync.Infra.Tests.Support;

/// <summary>A Bicep expression that is not a literal (a reference, a function call, a number), kept as written.</summary>
internal sealed record BicepExpression(string Text)
{
    public override string ToString() => Text;
}

/// <summary>
/// Reads Bicep literals as text, without a Bicep compiler: objects become dictionaries, arrays lists, strings
/// strings (interpolations kept as written), anything else a <see cref="BicepExpression"/>. It covers the
/// newline-separated (and comma-separated) literals these templates use; it does not evaluate anything.
/// </summary>
internal static partial class Bicep
{
    /// <summary>The value of <c>var name = ...</c>.</summary>
    public static object? Var(string text, string name) => ValueAfter(text, VarOrParam("var", name, ""));

    /// <summary>The default of <c>param name type = ...</c>.</summary>
    public static object? ParamDefault(string text, string name) => ValueAfter(text, VarOrParam("param", name, @"\w+\s*"));

    /// <summary>The object or array that follows the first occurrence of <paramref name="marker"/> (e.g. a module's header).</summary>
    public static object? BodyAfter(string text, string marker)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{marker}' not found.");
        var open = text.IndexOfAny(['{', '['], at + marker.Length);
        return new Reader(text, open).ReadValue();
    }

    /// <summary>Keys of every object literal property written as <c>Key: value</c> in the text.</summary>
    public static IReadOnlySet<string> PropertyKeys(string text) =>
        PropertyLine().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

    /// <summary>The value text of the first <c>Key: value</c> line for <paramref name="key"/>.</summary>
    public static string? PropertyValue(string text, string key)
    {
        var match = Regex.Match(text, @"^[ \t]*'?" + Regex.Escape(key) + @"'?[ \t]*:[ \t]*(?<value>.+?)[ \t]*$", RegexOptions.Multiline);
        return match.Success ? match.Groups["value"].Value : null;
    }

    /// <summary>Text without // comments (outside strings), so patterns are not met in explanations.</summary>
    public static string WithoutComments(string text)
    {
        var result = new StringBuilder(text.Length);
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!inString && c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
                result.Append('\n');
                continue;
            }
            if (c == '\'' && (i == 0 || text[i - 1] != '\\'))
            {
                inString = !inString;
            }
            result.Append(c);
        }
        return result.ToString();
    }

    public static IReadOnlyList<object?> AsList(object? value) =>
        Assert.IsAssignableFrom<IReadOnlyList<object?>>(value);

    public static IReadOnlyDictionary<string, object?> AsObject(object? value) =>
        Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(value);

    public static IReadOnlyList<string> AsStrings(object? value) =>
        [.. AsList(value).Select(v => Assert.IsType<string>(v))];

    private static string VarOrParam(string keyword, string name, string type) =>
        @"^" + keyword + @"\s+" + Regex.Escape(name) + @"\s+" + type + @"=\s*";

    private static object? ValueAfter(string text, string pattern)
    {
        var match = Regex.Match(text, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"No match for {pattern}.");
        return new Reader(text, match.Index + match.Length).ReadValue();
    }

    [GeneratedRegex(@"^[ \t]*'?([A-Za-z_][A-Za-z0-9_\-]*)'?[ \t]*:(?!:)", RegexOptions.Multiline)]
    private static partial Regex PropertyLine();

    private sealed class Reader(string text, int position)
    {
        private int _pos = position;

        public object? ReadValue()
        {
            SkipSpace(newlines: true);
            var c = text[_pos];
            if (c == '{')
            {
                return ReadObject();
            }
            if (c == '[')
            {
                return ReadArray();
            }
            if (c == '\'')
            {
                return ReadString();
            }
            return ReadExpression();
        }

        private Dictionary<string, object?> ReadObject()
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            _pos++;
            while (true)
            {
                SkipSeparators();
                if (text[_pos] == '}')
                {
                    _pos++;
                    return result;
                }
                var key = text[_pos] == '\'' ? ReadString() : ReadIdentifier();
                SkipSpace(newlines: false);
                Assert.True(text[_pos] == ':', $"Expected ':' after '{key}' at {_pos}.");
                _pos++;
                result[key] = ReadValue();
            }
        }

        private List<object?> ReadArray()
        {
            var result = new List<object?>();
            _pos++;
            SkipSeparators();
            if (Peek("for "))
            {
                // [for x in xs: body]: keep the body, which is what the loop declares per item.
                var colon = FindTopLevel(':');
                _pos = colon + 1;
                result.Add(ReadValue());
                SkipSeparators();
                Assert.True(text[_pos] == ']', $"Expected ']' at {_pos}.");
                _pos++;
                return result;
            }
            while (true)
            {
                SkipSeparators();
                if (text[_pos] == ']')
                {
                    _pos++;
                    return result;
                }
                result.Add(ReadValue());
            }
        }

        private string ReadString()
        {
            var result = new StringBuilder();
            _pos++;
            var interpolation = 0;
            while (true)
            {
                var c = text[_pos++];
                if (interpolation == 0 && c == '\\')
                {
                    result.Append(text[_pos++]);
                    continue;
                }
                if (interpolation == 0 && c == '\'')
                {
                    return result.ToString();
                }
                if (c == '$' && text[_pos] == '{')
                {
                    interpolation++;
                }
                else if (c == '}' && interpolation > 0)
                {
                    interpolation--;
                }
                result.Append(c);
            }
        }

        private string ReadIdentifier()
        {
            var start = _pos;
            while (char.IsLetterOrDigit(text[_pos]) || text[_pos] is '_' or '-')
            {
                _pos++;
            }
            return text[start.._pos];
        }

        /// <summary>Up to the end of the line, or a separator or closing bracket outside any nesting.</summary>
        private BicepExpression ReadExpression()
        {
            var start = _pos;
            var depth = 0;
            var inString = false;
            for (; _pos < text.Length; _pos++)
            {
                var c = text[_pos];
                if (c == '\'')
                {
                    inString = !inString;
                }
                if (inString)
                {
                    continue;
                }
                if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' or '}')
                {
                    if (depth == 0)
                    {
                        break;
                    }
                    depth--;
                }
                else if (depth == 0 && (c is '\n' or ',' || (c == '/' && text[_pos + 1] == '/')))
                {
                    break;
                }
            }
            return new BicepExpression(text[start.._pos].Trim());
        }

        private int FindTopLevel(char wanted)
        {
            var depth = 0;
            for (var i = _pos; i < text.Length; i++)
            {
                var c = text[i];
                if (c is '(' or '[' or '{')
                {
                    depth++;
                }
                else if (c is ')' or ']' or '}')
                {
                    depth--;
                }
                else if (c == wanted && depth == 0)
                {
                    return i;
                }
            }
            throw new InvalidOperationException($"'{wanted}' not found after {_pos}.");
        }

        private bool Peek(string s) => string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0;

        private void SkipSeparators()
        {
            while (true)
            {
                SkipSpace(newlines: true);
                if (_pos < text.Length && text[_pos] == ',')
                {
                    _pos++;
                    continue;
                }
                return;
            }
        }

        private void SkipSpace(bool newlines)
        {
            while (_pos < text.Length)
            {
                var c = text[_pos];
                if (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '/')
                {
                    while (_pos < text.Length && text[_pos] != '\n')
                    {
                        _pos++;
                    }
                    continue;
                }
                if (c is ' ' or '\t' or '\r' || (newlines && c == '\n'))
                {
                    _pos++;
                    continue;
                }
                return;
            }
        }
    }
}
