using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging.Abstractions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Tracing;

namespace PsaSync.Functions.Tests.Support;

/// <summary>The webhook secrets the function tests configure, and a way to call an HTTP trigger against a DefaultHttpContext.</summary>
internal static class WebhookHttp
{
    public const string PsaSecret = "psa-test-secret";
    public const string CrmSecret = "crm-test-secret";
    public const string ErpSecret = "erp-test-secret";

    /// <summary>The webhook edge with a secret for each of the three webhook sources.</summary>
    public static WebhookIngress Ingress(IEnumerable<IWebhookMapper> mappers, IMessagePublisher publisher, ICorrelationLog correlationLog, IngressLimits limits)
    {
        var secrets = new SettingsWebhookSecretSource(new Dictionary<string, string> { ["psa"] = PsaSecret, ["crm"] = CrmSecret, ["erp"] = ErpSecret });
        return new WebhookIngress(mappers, publisher, correlationLog, limits,
            new WebhookVerifier(secrets, limits, TimeProvider.System, NullLogger<WebhookVerifier>.Instance), TimeProvider.System, NullLogger<WebhookIngress>.Instance);
    }

    /// <summary>The signature headers of <paramref name="body"/> signed with <paramref name="secret"/> now.</summary>
    public static IReadOnlyDictionary<string, string> Signed(string secret, string body) =>
        WebhookSignature.Headers(secret, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(body));

    public sealed record HttpAnswer(int StatusCode, string? ContentType, IHeaderDictionary Headers, JsonElement Body);

    /// <summary>Posts <paramref name="body"/> to <paramref name="trigger"/> with <paramref name="headers"/> and executes its answer.</summary>
    public static async Task<HttpAnswer> PostAsync(Func<HttpRequest, Task<IActionResult>> trigger, string body, IReadOnlyDictionary<string, string>? headers = null)
    {
        var httpContext = new DefaultHttpContext();
        httpContext.Request.Method = "POST";
        httpContext.Request.ContentType = "application/json";
        httpContext.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            httpContext.Request.Headers[name] = value;
        }
        var responseBody = new MemoryStream();
        httpContext.Response.Body = responseBody;

        var result = await trigger(httpContext.Request);
        await ((IResult)result).ExecuteAsync(httpContext);

        using var document = JsonDocument.Parse(responseBody.ToArray());
        return new HttpAnswer(httpContext.Response.StatusCode, httpContext.Response.ContentType, httpContext.Response.Headers, document.RootElement.Clone());
    }
}
