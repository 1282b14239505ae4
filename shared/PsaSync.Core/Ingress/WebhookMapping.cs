using System.Text.Json;
using PsaSync.Core.Events;

namespace PsaSync.Core.Ingress;

/// <summary>
/// Maps one vendor's webhook payload to canonical envelopes. One mapper per inbound route; the mapper is the
/// only code that knows the vendor's shape.
/// </summary>
public interface IWebhookMapper
{
    /// <summary>The route below <c>/api/webhooks/</c>, e.g. <c>psa/time</c>.</summary>
    string Route { get; }

    /// <summary>The queue (and so the domain) that processes what this route accepts.</summary>
    string Queue { get; }

    WebhookMapping Map(JsonElement payload, WebhookContext context);
}

/// <summary>What the edge knows about the call: when it arrived and the caller's request id, if any.</summary>
public sealed record WebhookContext(DateTimeOffset ReceivedAt, string RequestId);

public abstract record WebhookMapping
{
    private WebhookMapping() { }

    public sealed record Accepted(IReadOnlyList<EventEnvelope> Envelopes) : WebhookMapping;

    public sealed record Invalid(string ReasonCode, string Detail) : WebhookMapping;

    public static Invalid SchemaError(string detail) => new(IngressReasons.SchemaInvalid, detail);
}
