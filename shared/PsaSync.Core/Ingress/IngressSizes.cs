using System.Text.Json;
using PsaSync.Core.Events;
using PsaSync.Core.Model;

namespace PsaSync.Core.Ingress;

/// <summary>
/// Size checks on each mapped record, made before anything is queued: a record id, a text field or a whole record
/// too large to store is a permanent problem of the payload (4xx naming the field and its limit), never a 503.
/// </summary>
public static class IngressSizes
{
    public static Problem? Check(EventEnvelope envelope, IngressLimits limits)
    {
        var id = RecordRef.TryParse(envelope.Subject, out var record) ? record.Id : envelope.Subject;
        if (id.Length > limits.MaxRecordIdLength || envelope.Subject.Length > limits.MaxRecordIdLength + 64)
        {
            return Problem.Of(422, IngressReasons.IdTooLong, "Payload refused",
                $"A {RecordKind(envelope)} id has {id.Length} characters; the most accepted is {limits.MaxRecordIdLength}. It starts '{Start(id)}'.");
        }
        if (LongestString(envelope.Data, "") is { } longest && longest.Length > limits.MaxFieldLength)
        {
            return Problem.Of(422, IngressReasons.FieldTooLong, "Payload refused",
                $"{Start(envelope.Subject)}: field '{Start(longest.Path)}' has {longest.Length} characters; the most accepted is {limits.MaxFieldLength}.");
        }
        var size = envelope.ToJson().Length;
        if (size > limits.MaxRecordChars)
        {
            return Problem.Of(413, IngressReasons.RecordTooLarge, "Payload refused",
                $"{Start(envelope.Subject)}: the record has {size} characters as a message; the most accepted is {limits.MaxRecordChars}. Split it or shorten its texts.");
        }
        return null;
    }

    private static string RecordKind(EventEnvelope envelope) =>
        RecordRef.TryParse(envelope.Subject, out var record) ? record.Kind : "record";

    /// <summary>A refused value is echoed only by its start, so an answer never grows with the payload.</summary>
    private static string Start(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private sealed record Longest(string Path, int Length);

    private static Longest? LongestString(JsonElement element, string path)
    {
        Longest? best = null;
        void Consider(Longest? candidate)
        {
            if (candidate is not null && (best is null || candidate.Length > best.Length))
            {
                best = candidate;
            }
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return new Longest(path.Length == 0 ? "(value)" : path, element.GetString()!.Length);
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Consider(new Longest(path.Length == 0 ? property.Name : path + "." + property.Name, property.Name.Length));
                    Consider(LongestString(property.Value, path.Length == 0 ? property.Name : path + "." + property.Name));
                }
                return best;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Consider(LongestString(item, $"{path}[{index++}]"));
                }
                return best;
            default:
                return null;
        }
    }
}
