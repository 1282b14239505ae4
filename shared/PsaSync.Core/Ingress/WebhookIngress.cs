using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Ingress;

/// <summary>Limits the edge enforces before anything is queued (configuration: <c>PsaSync:Webhooks</c>, docs/configuration.md).</summary>
public sealed class IngressLimits
{
    public int MaxPayloadBytes { get; init; } = 1024 * 1024;

    public int MaxRecordsPerCall { get; init; } = 1000;

    /// <summary>How far a signed timestamp may be from the server's clock, either way.</summary>
    public TimeSpan TimestampTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Above this one time entry is absurd (a 31-day month); above 24 it is a business error a person fixes.</summary>
    public decimal MaxHoursPerEntry { get; init; } = 744m;

    /// <summary>The largest amount, rate or ceiling of one record.</summary>
    public decimal MaxAmount { get; init; } = 1_000_000_000m;

    public decimal MaxMarkupPercent { get; init; } = 1000m;

    public int MaxYearsInPast { get; init; } = 10;

    public int MaxYearsInFuture { get; init; } = 5;

    /// <summary>
    /// The longest record id (the last part of an envelope's subject, e.g. a time entry id), in characters. Ids are
    /// storage keys; vendors' ids are far shorter.
    /// </summary>
    public int MaxRecordIdLength { get; init; } = 256;

    /// <summary>The longest text value of a record (a description, a name), in characters.</summary>
    public int MaxFieldLength { get; init; } = 4_000;

    /// <summary>
    /// The largest record as a queued message (its envelope's JSON), in characters: it must fit a Table Storage
    /// property (64 KiB of UTF-16) in the local queue and on its exception item.
    /// </summary>
    public int MaxRecordChars { get; init; } = 30_000;
}

/// <summary>One webhook call as the HTTP layer received it: the body (at most the payload limit plus one byte) and the headers the edge reads.</summary>
public sealed record WebhookRequest(string Route, ReadOnlyMemory<byte> Body, string? ContentType, string? Timestamp, string? Signature, string? RequestId = null);

/// <summary>
/// The answer to a webhook call: 202 with the correlation ids of what was queued, or a problem. <see cref="Replay"/>:
/// the same signed request was accepted before inside the signature window; nothing was queued again.
/// </summary>
public sealed record IngressResult(int StatusCode, string RequestId, IReadOnlyList<string> CorrelationIds, Problem? Problem, bool Replay = false)
{
    public bool IsAccepted => Problem is null;
}

/// <summary>
/// The webhook edge shared by the function apps and the local runtime: verify the signature, validate, map to
/// canonical envelopes, check their sanity, durably enqueue, and only then acknowledge. A refused call enqueues
/// nothing and says why with a reason code.
/// </summary>
public sealed class WebhookIngress(
    IEnumerable<IWebhookMapper> mappers,
    IMessagePublisher publisher,
    ICorrelationLog correlationLog,
    IngressLimits limits,
    WebhookVerifier verifier,
    TimeProvider clock,
    ILogger<WebhookIngress> logger,
    ISeenSignatures? seenSignatures = null)
{
    private readonly Dictionary<string, IWebhookMapper> _mappers = mappers.ToDictionary(m => m.Route, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Routes => _mappers.Keys;

    /// <summary>The source of a route: its first segment (psa, crm, erp), whose secrets sign it.</summary>
    public static string SourceOf(string route) => route.Split('/', 2)[0];

    public async Task<IngressResult> AcceptAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var (route, body) = (request.Route, request.Body);
        var requestId = IsUsableRequestId(request.RequestId) ? request.RequestId! : Guid.NewGuid().ToString("N");

        // Size first: the HTTP layer stops reading after the limit, so an oversized body could not be verified anyway.
        if (body.Length > limits.MaxPayloadBytes)
        {
            return Refuse(413, IngressReasons.PayloadTooLarge, "Payload too large",
                $"The payload has more than {limits.MaxPayloadBytes} bytes, the most accepted.", requestId);
        }

        // Authenticate before anything else, so an unauthenticated caller learns nothing about which routes exist.
        var source = SourceOf(route);
        Problem? unauthenticated;
        try
        {
            unauthenticated = await verifier.VerifyAsync(source, _mappers.Keys.Any(r => SourceOf(r).Equals(source, StringComparison.OrdinalIgnoreCase)),
                request.Timestamp, request.Signature, body, cancellationToken);
        }
        catch (WebhookSecretsUnavailableException ex)
        {
            logger.LogError(ex, "Could not read the signing secrets of webhook source {Source}", source);
            return Refuse(503, IngressReasons.SecretsUnavailable, "Not accepted",
                "The signature could not be checked right now, so nothing was accepted. Send the same payload again.", requestId);
        }
        if (unauthenticated is not null)
        {
            logger.LogWarning("Refused a webhook call on {Route}: {ReasonCode}", route, unauthenticated.ReasonCode);
            return new IngressResult(unauthenticated.Status, requestId, [], unauthenticated);
        }

        if (!_mappers.TryGetValue(route, out var mapper))
        {
            return Refuse(404, IngressReasons.UnknownRoute, "Unknown webhook route", $"No webhook is served at '{route}'.", requestId);
        }
        if (!IsJson(request.ContentType))
        {
            return Refuse(415, IngressReasons.ContentTypeUnsupported, "Unsupported content type",
                $"Webhook payloads must be sent as {WebhookSignature.JsonContentType}.", requestId);
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

        var now = clock.GetUtcNow();
        WebhookMapping mapping;
        using (document)
        {
            mapping = mapper.Map(document.RootElement, new WebhookContext(now, requestId));
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
        foreach (var envelope in envelopes)
        {
            if ((IngressSizes.Check(envelope, limits) ?? IngressSanity.Check(envelope, DateOnly.FromDateTime(now.UtcDateTime), limits)) is { } insane)
            {
                return new IngressResult(insane.Status, requestId, [], insane);
            }
        }

        // A replay inside the signature window: the same signed request (same timestamp and body) seen before.
        var correlationIds = envelopes.Select(e => e.CorrelationId).Distinct().ToList();
        var signature = request.Signature!;
        if (seenSignatures is not null)
        {
            SignatureSighting sighting;
            try
            {
                sighting = await seenSignatures.ClaimAsync(source, signature, now + 2 * limits.TimestampTolerance, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not check the signature of a call on {Route} against those seen", route);
                return Refuse(503, IngressReasons.QueueUnavailable, "Not accepted",
                    "The call could not be checked against the calls already accepted, so nothing was accepted. Send the same payload again.", requestId);
            }
            if (sighting == SignatureSighting.SeenAccepted)
            {
                logger.LogInformation("A replay of an accepted call on {Route} was answered without queueing anything", route);
                return new IngressResult(202, requestId, correlationIds, null, Replay: true);
            }
            if (sighting == SignatureSighting.SeenPending)
            {
                return Refuse(409, IngressReasons.Replayed, "Replay of a call in progress",
                    "The same signed request is being accepted right now. Its own answer says whether it was; if that answer is lost, " +
                    "send the same request again in a few seconds.", requestId);
            }
        }

        try
        {
            try
            {
                await publisher.PublishAsync(mapper.Queue, envelopes, cancellationToken);
            }
            catch
            {
                // Not accepted (or not wholly): the sender may send the same signed request again.
                await ForgetAsync(source, signature);
                throw;
            }
        }
        catch (PartiallyPublishedException ex)
        {
            logger.LogError(ex, "Enqueued only part of {Count} envelopes from {Route}", envelopes.Count, route);
            return Refuse(503, IngressReasons.PartiallyQueued, "Partly accepted",
                $"The queue failed after up to {ex.Published} of the {ex.Total} records were queued; those will be processed. Send the same payload " +
                "again to complete it: the records already queued are absorbed as duplicates.", requestId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not enqueue {Count} envelopes from {Route}", envelopes.Count, route);
            return Refuse(503, IngressReasons.QueueUnavailable, "Not accepted",
                "The queue could not be reached, so nothing was accepted. Send the same payload again; duplicates are absorbed.", requestId);
        }

        if (seenSignatures is not null)
        {
            try
            {
                await seenSignatures.MarkAcceptedAsync(source, signature, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The call is accepted; a replay of it meets a pending claim and answers 409 instead of 202.
                logger.LogWarning(ex, "Could not mark an accepted call on {Route} as accepted among the seen signatures", route);
            }
        }

        try
        {
            foreach (var envelope in envelopes)
            {
                await correlationLog.AppendAsync(new TraceEntry(envelope.CorrelationId, now, "webhook", TraceSteps.Accepted,
                    $"{envelope.Type} accepted on {route} (request {requestId}) and queued to {mapper.Queue}.", Model.RecordRef.Parse(envelope.Subject)), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Everything is queued: the answer is 202 whatever happens to the timeline's first step.
            logger.LogWarning(ex, "Could not write the accepted steps of a call on {Route}", route);
        }
        logger.LogInformation("Accepted {Count} envelopes on {Route} for {Queue}", envelopes.Count, route, mapper.Queue);
        return new IngressResult(202, requestId, correlationIds, null);
    }

    /// <summary>Takes a claimed signature back after the call was not accepted; a failure leaves it to expire.</summary>
    private async Task ForgetAsync(string source, string signature)
    {
        if (seenSignatures is null)
        {
            return;
        }
        try
        {
            await seenSignatures.ForgetAsync(source, signature, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not take back the signature of a call from {Source} that was not accepted", source);
        }
    }

    /// <summary>
    /// A caller's X-Request-Id is echoed in a response header and in the log, so it is used only if it is 1 to 128
    /// printable ASCII characters (no space, no DEL, nothing a header cannot carry); otherwise a new one is made.
    /// </summary>
    public static bool IsUsableRequestId(string? requestId) =>
        !string.IsNullOrEmpty(requestId) && requestId.Length <= 128 && requestId.All(c => c is > ' ' and < (char)0x7F);

    /// <summary>application/json, with or without parameters such as charset=utf-8.</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && string.Equals(parsed.MediaType, WebhookSignature.JsonContentType, StringComparison.OrdinalIgnoreCase)
        && (parsed.CharSet is null || string.Equals(parsed.CharSet.Trim('"'), "utf-8", StringComparison.OrdinalIgnoreCase));

    private static IngressResult Refuse(int status, string reason, string title, string detail, string requestId) =>
        new(status, requestId, [], Problem.Of(status, reason, title, detail));
}
