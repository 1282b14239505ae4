namespace PsaSync.Core.Ingress;

/// <summary>An RFC 7807 problem (served as application/problem+json) with PsaSync's stable reason code.</summary>
public sealed record Problem(string Type, string Title, int Status, string Detail, string ReasonCode, string? CorrelationId = null)
{
    public const string ContentType = "application/problem+json";

    public static Problem Of(int status, string reasonCode, string title, string detail, string? correlationId = null) =>
        new($"https://psasync.dev/problems/{reasonCode.ToLowerInvariant().Replace('_', '-')}", title, status, detail, reasonCode, correlationId);
}

/// <summary>
/// Reason codes for refused webhook calls. Nothing is enqueued when one of these is returned. docs/operations.md says
/// what each means and who fixes it.
/// </summary>
public static class IngressReasons
{
    public const string UnknownRoute = "WEBHOOK_ROUTE_UNKNOWN";
    public const string PayloadTooLarge = "WEBHOOK_PAYLOAD_TOO_LARGE";
    public const string ContentTypeUnsupported = "WEBHOOK_CONTENT_TYPE_UNSUPPORTED";
    public const string NotJson = "WEBHOOK_NOT_JSON";
    public const string SchemaInvalid = "WEBHOOK_SCHEMA_INVALID";
    public const string UnknownEventType = "WEBHOOK_EVENT_UNKNOWN";
    public const string TooManyRecords = "WEBHOOK_TOO_MANY_RECORDS";
    public const string ValueOutOfRange = "WEBHOOK_VALUE_OUT_OF_RANGE";
    public const string DateOutOfRange = "WEBHOOK_DATE_OUT_OF_RANGE";
    public const string CurrencyUnknown = "WEBHOOK_CURRENCY_UNKNOWN";
    public const string QueueUnavailable = "QUEUE_UNAVAILABLE";

    /// <summary>A record id longer than <see cref="IngressLimits.MaxRecordIdLength"/>: 422, permanent.</summary>
    public const string IdTooLong = "WEBHOOK_ID_TOO_LONG";

    /// <summary>A text field longer than <see cref="IngressLimits.MaxFieldLength"/>: 422, permanent.</summary>
    public const string FieldTooLong = "WEBHOOK_FIELD_TOO_LONG";

    /// <summary>One record larger than <see cref="IngressLimits.MaxRecordChars"/> as a queued message: 413, permanent.</summary>
    public const string RecordTooLarge = "WEBHOOK_RECORD_TOO_LARGE";

    /// <summary>The queue failed after part of the call was queued and it could not be taken back: 503, send it all again.</summary>
    public const string PartiallyQueued = "QUEUE_PARTIALLY_ACCEPTED";

    /// <summary>The same signed request was already accepted inside the signature window: 409, do not resend.</summary>
    public const string Replayed = "WEBHOOK_REPLAYED";

    // Signature checks (401), in the order the edge makes them.
    public const string SignatureMissing = "WEBHOOK_SIGNATURE_MISSING";
    public const string TimestampInvalid = "WEBHOOK_TIMESTAMP_INVALID";
    public const string TimestampStale = "WEBHOOK_TIMESTAMP_STALE";
    public const string TimestampInFuture = "WEBHOOK_TIMESTAMP_IN_FUTURE";
    public const string SignatureMalformed = "WEBHOOK_SIGNATURE_MALFORMED";
    public const string SignatureInvalid = "WEBHOOK_SIGNATURE_INVALID";

    /// <summary>The secret store (Key Vault) could not be read: 503, the sender retries.</summary>
    public const string SecretsUnavailable = "WEBHOOK_SECRETS_UNAVAILABLE";
}
