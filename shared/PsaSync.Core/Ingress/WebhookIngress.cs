using System.Text.Json;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Ingress;

/// <summary>Limits the edge enforces before anything is parsed or queued.</summary>
public sealed class IngressLimits
{
    public int MaxPayloadBytes { get; init; } = 1024 * 1024;

    public int MaxRecordsPerCall { get; init; } = 1000;
}

/// <summary>The answer to a webhook call: 202 with the correlation ids of what was queued, or a problem.</summary>
public sealed record IngressResult(int StatusCode, string RequestId, IReadOnlyList<string> CorrelationIds, Problem? Problem)
{
    public bool IsAccepted => Problem is null;
}

/// <summary>
/// The webhook edge shared by the function apps and the local runtime: validate, map to canonical envelopes,
/// durably enqueue, and only then acknowledge. A refused call enqueues nothing and says why.
/// </summary>
public sealed class WebhookIngress(
    IEnumerable<IWebhookMapper> mappers,
    IMessagePublisher publisher,
    ICorrelationLog correlationLog,
    IngressLimits limits,
    WebhookSecrets secrets,
    TimeProvider clock,
    ILogger<WebhookIngress> logger)
{
    private readonly Dictionary<string, IWebhookMapper> _mappers = mappers.ToDictionary(m => m.Route, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Routes => _mappers.Keys;

    public async Task<IngressResult> AcceptAsync(string route, ReadOnlyMemory<byte> body, string? requestId, string? presentedSecret, CancellationToken cancellationToken)
    {
        requestId = string.IsNullOrWhiteSpace(requestId) || requestId.Length > 128 ? Guid.NewGuid().ToString("N") : requestId;

        // Authenticate first, so an unauthenticated caller learns nothing about which routes exist.
        if (!secrets.IsAuthentic(WebhookSecrets.SourceOf(route), presentedSecret))
        {
            logger.LogWarning("Refused an unauthenticated call on {Route}", route);
            return Refuse(401, IngressReasons.Unauthenticated, "Not authenticated",
                $"The call did not present this source's shared secret in the {WebhookSecrets.Header} header.", requestId);
        }
        if (!_mappers.TryGetValue(route, out var mapper))
        {
            return Refuse(404, IngressReasons.UnknownRoute, "Unknown webhook route", $"No webhook is served at '{route}'.", requestId);
        }
        if (body.Length > limits.MaxPayloadBytes)
        {
            return Refuse(413, IngressReasons.PayloadTooLarge, "Payload too large",
                $"The payload has {body.Length} bytes; at most {limits.MaxPayloadBytes} are accepted.", requestId);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            return Refuse(400, IngressReasons.NotJson, "Payload is not JSON", $"The payload is not valid JSON: {ex.Message}", requestId);
        }

        WebhookMapping mapping;
        using (document)
        {
            mapping = mapper.Map(document.RootElement, new WebhookContext(clock.GetUtcNow(), requestId));
        }

        if (mapping is WebhookMapping.Invalid invalid)
        {
            var status = invalid.ReasonCode == IngressReasons.UnknownEventType ? 422 : 400;
            return Refuse(status, invalid.ReasonCode, "Payload refused", invalid.Detail, requestId);
        }

        var envelopes = ((WebhookMapping.Accepted)mapping).Envelopes;
        if (envelopes.Count > limits.MaxRecordsPerCall)
        {
            return Refuse(413, IngressReasons.TooManyRecords, "Too many records",
                $"The payload has {envelopes.Count} records; at most {limits.MaxRecordsPerCall} are accepted per call. Split it.", requestId);
        }

        try
        {
            await publisher.PublishAsync(mapper.Queue, envelopes, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not enqueue {Count} envelopes from {Route}", envelopes.Count, route);
            return Refuse(503, IngressReasons.QueueUnavailable, "Not accepted",
                "The queue could not be reached, so nothing was accepted. Send the same payload again; duplicates are absorbed.", requestId);
        }

        var now = clock.GetUtcNow();
        foreach (var envelope in envelopes)
        {
            await correlationLog.AppendAsync(new TraceEntry(envelope.CorrelationId, now, "webhook", TraceSteps.Accepted,
                $"{envelope.Type} accepted on {route} (request {requestId}) and queued to {mapper.Queue}.", Model.RecordRef.Parse(envelope.Subject)), cancellationToken);
        }
        logger.LogInformation("Accepted {Count} envelopes on {Route} for {Queue}", envelopes.Count, route, mapper.Queue);
        return new IngressResult(202, requestId, envelopes.Select(e => e.CorrelationId).Distinct().ToList(), null);
    }

    private static IngressResult Refuse(int status, string reason, string title, string detail, string requestId) =>
        new(status, requestId, [], Problem.Of(status, reason, title, detail));
}
