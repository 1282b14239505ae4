using Microsoft.Extensions.Logging.Abstractions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Tests.Support;

/// <summary>A webhook edge with settings-based secrets, and calls signed the way a source signs them.</summary>
internal static class SignedCalls
{
    public static WebhookIngress Ingress(IEnumerable<IWebhookMapper> mappers, IMessagePublisher publisher, ICorrelationLog correlationLog, TimeProvider clock,
        IReadOnlyDictionary<string, string> secrets, IngressLimits? limits = null)
    {
        limits ??= new IngressLimits();
        var verifier = new WebhookVerifier(new SettingsWebhookSecretSource(secrets), limits, clock, NullLogger<WebhookVerifier>.Instance);
        return new WebhookIngress(mappers, publisher, correlationLog, limits, verifier, clock, NullLogger<WebhookIngress>.Instance);
    }

    /// <summary>A call of <paramref name="body"/> on <paramref name="route"/>, signed with <paramref name="secret"/> at <paramref name="signedAt"/> (unsigned when null).</summary>
    public static WebhookRequest Request(string route, string body, string? secret, DateTimeOffset signedAt, string? requestId = "req-1",
        string? contentType = WebhookSignature.JsonContentType)
    {
        var bytes = WebhookBodies.Utf8(body);
        var headers = secret is null ? null : WebhookSignature.Headers(secret, signedAt, bytes.Span);
        return new WebhookRequest(route, bytes, contentType, headers?[WebhookSignature.TimestampHeader], headers?[WebhookSignature.SignatureHeader], requestId);
    }
}
