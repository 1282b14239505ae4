using PsaSync.Core.Model;
using PsaSync.Core.Events;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using PsaSync.Core.Ingress;

namespace PsaSync.Connectors.Sandbox;

// Shape checks the sandbox webhook mappers share. A mapper checks shape only: required fields present and of their
// type, dates in the form yyyy-MM-dd, enumerations known. Business rules (a valid currency, a tax id's format, a
// legal name that is not blank) belong to the domain handlers, which raise exception items people can act on.

/// <summary>A webhook body that does not have the vendor's shape; the message names the field's path.</summary>
internal sealed class WebhookShapeException(string message) : Exception(message);

internal static class WebhookShape
{
    /// <summary>Strict schema: a field the vendor's format does not have is refused rather than silently dropped.</summary>
    private static readonly JsonSerializerOptions StrictShape = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>
    /// Deserialises the vendor body and maps it; a body of the wrong JSON shape, or a check in <paramref name="map"/>
    /// that throws <see cref="WebhookShapeException"/>, becomes a schema error.
    /// </summary>
    public static WebhookMapping Read<TBody>(JsonElement payload, string shapeName, Func<TBody, WebhookMapping> map)
        where TBody : class
    {
        TBody? body;
        try
        {
            body = payload.Deserialize<TBody>(StrictShape);
        }
        catch (JsonException ex)
        {
            return WebhookMapping.SchemaError($"The payload does not have the {shapeName}'s shape: {ex.Message}");
        }
        if (body is null)
        {
            return WebhookMapping.SchemaError($"The payload must be a JSON object with the {shapeName}'s shape, not null.");
        }
        try
        {
            return map(body);
        }
        catch (WebhookShapeException ex)
        {
            return WebhookMapping.SchemaError(ex.Message);
        }
    }

    public static WebhookMapping.Invalid UnknownEventType(string? eventType, params IEnumerable<string> expected) =>
        new(IngressReasons.UnknownEventType,
            $"Event type '{eventType}' is not handled on this route; expected {string.Join(" or ", expected.Select(e => $"'{e}'"))}.");

    /// <summary>Formats a date the way every sandbox webhook carries it.</summary>
    /// <summary>
    /// The envelope of one record (version) a webhook carries: idempotency key system:kind:id[:vN], the correlation
    /// id derived from it, the webhook's time and event id (or the edge's, when the vendor sends none). An
    /// <paramref name="action"/> on a record version (e.g. "revoked") gets its own key, :vN:action, but stays on the
    /// version's timeline.
    /// </summary>
    public static EventEnvelope Envelope<TEvent>(TEvent data, RecordRef subject, int? version, DateTimeOffset? occurredAt, string? eventId, WebhookContext context,
        string? action = null)
        where TEvent : ICanonicalEvent
    {
        var recordKey = $"{subject.System}:{subject.Kind}:{subject.Id}" + (version is { } v ? $":v{v}" : "");
        var key = action is null ? recordKey : $"{recordKey}:{action}";
        return EventEnvelope.Create(data, subject.System, subject.ToString(), key, CorrelationIds.ForIdempotencyKey(recordKey),
            occurredAt ?? context.ReceivedAt, eventId ?? context.RequestId);
    }

    public static string FormatDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Checks the fields of one object of a webhook body. <see cref="Path"/> locates the object in error messages: empty at
/// the top, then e.g. <c>account</c>, <c>project.rateCard[1]</c> or <c>timeEntries[0]</c>. Every check throws
/// <see cref="WebhookShapeException"/> when it fails, for <see cref="WebhookShape.Read{TBody}"/> to catch.
/// </summary>
internal readonly record struct WebhookFields(string Path)
{
    public static WebhookFields Root { get; } = new("");

    /// <summary>An identifier: present and not blank.</summary>
    public string Id(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw Fail(field, "is required.") : value;

    /// <summary>A text the business rules judge: present (not null), but it may be blank.</summary>
    public string Text(string? value, string field) =>
        value ?? throw Fail(field, "is required.");

    public int PositiveInt(int? value, string field) =>
        value is > 0 ? value.Value : throw Fail(field, "must be a positive integer.");

    public T Required<T>(T? value, string field) where T : struct =>
        value ?? throw Fail(field, "is required.");

    public DateOnly Date(string? value, string field) =>
        OptionalDate(value ?? "", field) ?? throw Fail(field, "must be a date in the form yyyy-MM-dd.");

    /// <summary>Null or absent, or a date in the form yyyy-MM-dd.</summary>
    public DateOnly? OptionalDate(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Fail(field, "must be a date in the form yyyy-MM-dd.");
    }

    /// <summary>One of the names in <paramref name="known"/> (exact spelling).</summary>
    public TValue OneOf<TValue>(string? value, string field, IReadOnlyDictionary<string, TValue> known) =>
        value is not null && known.TryGetValue(value, out var result)
            ? result
            : throw Fail(field, $"must be one of {string.Join(", ", known.Keys.Select(k => $"'{k}'"))}{(value is null ? "" : $", not '{value}'")}.");

    /// <summary>A nested object, and the checker of its fields.</summary>
    public (T Value, WebhookFields Fields) Object<T>(T? value, string field) where T : class =>
        value is null ? throw Fail(field, "is required and must be an object.") : (value, new WebhookFields(Join(field)));

    /// <summary>
    /// A list of objects, each read by <paramref name="read"/> with the checker of its own fields (path <c>field[i]</c>).
    /// An absent or null list is empty unless <paramref name="required"/>; a null element is an error naming its path.
    /// </summary>
    public IReadOnlyList<TOut> Items<TIn, TOut>(IReadOnlyList<TIn?>? items, string field, Func<TIn, WebhookFields, TOut> read, bool required = false)
        where TIn : class
    {
        if (items is null)
        {
            return required ? throw Fail(field, "is required.") : [];
        }
        var result = new List<TOut>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{Join(field)}[{i}]";
            result.Add(read(items[i] ?? throw new WebhookShapeException($"{path} must be an object, not null."), new WebhookFields(path)));
        }
        return result;
    }

    public WebhookShapeException Fail(string field, string problem) =>
        new(Path.Length == 0 ? $"'{field}' {problem}" : $"{Path}: '{field}' {problem}");

    private string Join(string field) => Path.Length == 0 ? field : $"{Path}.{field}";
}
