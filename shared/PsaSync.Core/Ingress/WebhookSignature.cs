using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace PsaSync.Core.Ingress;

/// <summary>
/// How a webhook call is signed: HMAC-SHA256, keyed with the source's secret, over the ASCII unix-seconds timestamp,
/// a dot, and the exact body bytes. The timestamp travels in <see cref="TimestampHeader"/> and the signature, as
/// <c>v1=&lt;64 lowercase hex digits&gt;</c>, in <see cref="SignatureHeader"/>. Covering the timestamp is what lets the
/// edge refuse a captured call replayed later. Every sender in this repository (demo, tests) signs through this class,
/// so there is one implementation of the scheme to keep in step with <see cref="WebhookVerifier"/>.
/// </summary>
public static class WebhookSignature
{
    public const string TimestampHeader = "X-PsaSync-Timestamp";
    public const string SignatureHeader = "X-PsaSync-Signature";

    /// <summary>The scheme prefix; a new scheme would get a new prefix so both can be accepted during a change.</summary>
    public const string SchemePrefix = "v1=";

    public const string JsonContentType = "application/json";

    /// <summary>The signature header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Compute(string secret, long unixSeconds, ReadOnlySpan<byte> body) =>
        SchemePrefix + Convert.ToHexStringLower(Mac(secret, unixSeconds, body));

    /// <summary>The two headers a sender adds to a call whose body is <paramref name="body"/>, signed at <paramref name="now"/>.</summary>
    public static IReadOnlyDictionary<string, string> Headers(string secret, DateTimeOffset now, ReadOnlySpan<byte> body)
    {
        var timestamp = now.ToUnixTimeSeconds();
        return new Dictionary<string, string>
        {
            [TimestampHeader] = timestamp.ToString(CultureInfo.InvariantCulture),
            [SignatureHeader] = Compute(secret, timestamp, body),
        };
    }

    /// <summary>A signed JSON POST to <paramref name="path"/> (e.g. <c>api/webhooks/psa/time</c>), as a source would send it.</summary>
    public static HttpRequestMessage CreateRequest(string path, string jsonBody, string secret, DateTimeOffset now)
    {
        var body = Encoding.UTF8.GetBytes(jsonBody);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType) { CharSet = "utf-8" };
        foreach (var (name, value) in Headers(secret, now, body))
        {
            request.Headers.Add(name, value);
        }
        return request;
    }

    internal static byte[] Mac(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
