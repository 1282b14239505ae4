namespace PsaSync.Core.Ingress;

/// <summary>An RFC 7807 problem (served as application/problem+json) with PsaSync's stable reason code.</summary>
public sealed record Problem(string Type, string Title, int Status, string Detail, string ReasonCode, string? CorrelationId = null)
{
    public const string ContentType = "application/problem+json";

    public static Problem Of(int status, string reasonCode, string title, string detail, string? correlationId = null) =>
        new($"https://psasync.dev/problems/{reasonCode.ToLowerInvariant().Replace('_', '-')}", title, status, detail, reasonCode, correlationId);
}

/// <summary>Reason codes for refused webhook calls. Nothing is enqueued when one of these is returned.</summary>
public static class IngressReasons
{
    public const string UnknownRoute = "WEBHOOK_ROUTE_UNKNOWN";
    public const string Unauthenticated = "WEBHOOK_UNAUTHENTICATED";
    public const string PayloadTooLarge = "WEBHOOK_PAYLOAD_TOO_LARGE";
    public const string NotJson = "WEBHOOK_NOT_JSON";
    public const string SchemaInvalid = "WEBHOOK_SCHEMA_INVALID";
    public const string UnknownEventType = "WEBHOOK_EVENT_UNKNOWN";
    public const string TooManyRecords = "WEBHOOK_TOO_MANY_RECORDS";
    public const string QueueUnavailable = "QUEUE_UNAVAILABLE";
}
