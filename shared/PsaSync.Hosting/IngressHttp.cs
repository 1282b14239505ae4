using Microsoft.AspNetCore.Http;
using PsaSync.Core.Ingress;

namespace PsaSync.Hosting;

/// <summary>The HTTP face of <see cref="WebhookIngress"/>, the same for the function apps and the local runtime.</summary>
public static class IngressHttp
{
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Reads the body (never more than the limit plus one byte) and passes it to the ingress.</summary>
    public static async Task<IngressHttpResult> AcceptAsync(WebhookIngress ingress, IngressLimits limits, HttpRequest request, string route, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limits.MaxPayloadBytes)
            {
                break;
            }
        }
        var result = await ingress.AcceptAsync(new WebhookRequest(
            route,
            buffer.GetBuffer().AsMemory(0, (int)buffer.Length),
            request.ContentType,
            request.Headers[WebhookSignature.TimestampHeader].FirstOrDefault(),
            request.Headers[WebhookSignature.SignatureHeader].FirstOrDefault(),
            request.Headers[RequestIdHeader].FirstOrDefault()), cancellationToken);
        return new IngressHttpResult(result);
    }
}

/// <summary>202 with the correlation ids, or the problem; usable as a minimal-API result and as a function's IActionResult.</summary>
public sealed class IngressHttpResult(IngressResult result) : JsonHttpResult(
    result.StatusCode,
    result.Problem is { } problem
        ? problem with { CorrelationId = result.RequestId }
        : new
        {
            requestId = result.RequestId,
            correlationId = result.CorrelationIds.FirstOrDefault(),
            correlationIds = result.CorrelationIds,
            accepted = result.CorrelationIds.Count,
            replay = result.Replay,
        },
    result.Problem is null ? "application/json" : Core.Ingress.Problem.ContentType,
    new Dictionary<string, string> { [IngressHttp.RequestIdHeader] = result.RequestId })
{
    public IngressResult Result => result;
}
