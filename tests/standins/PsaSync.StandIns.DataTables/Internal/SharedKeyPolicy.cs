using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Azure.Data.Tables;

/// <summary>
/// Signs each request (each retry too, since the date is part of the signature) with the Table service's
/// SharedKey scheme: HMAC-SHA256, keyed with the decoded account key, over
/// VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedResource, where CanonicalizedResource is
/// "/" + account + the encoded URI path (+ "?comp=..." when present). For path-style endpoints such as
/// Azurite's the path already starts with the account, so it appears twice, as the service expects.
/// </summary>
internal sealed class SharedKeyPolicy : HttpPipelineSynchronousPolicy
{
    private readonly TableSharedKeyCredential _credential;

    public SharedKeyPolicy(TableSharedKeyCredential credential)
    {
        _credential = credential;
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var date = DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture);
        request.Headers.SetValue("x-ms-date", date);
        request.Headers.SetValue("Date", date);

        request.Headers.TryGetValue("Content-MD5", out var contentMd5);
        request.Headers.TryGetValue("Content-Type", out var contentType);
        var stringToSign = string.Join(
            '\n',
            request.Method.Method,
            contentMd5 ?? string.Empty,
            contentType ?? string.Empty,
            date,
            CanonicalizedResource(request.Uri));

        using var hmac = new HMACSHA256(Convert.FromBase64String(_credential.AccountKey));
        var signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(stringToSign)));
        request.Headers.SetValue("Authorization", $"SharedKey {_credential.AccountName}:{signature}");
    }

    private string CanonicalizedResource(RequestUriBuilder uri)
    {
        var resource = "/" + _credential.AccountName + uri.Path;
        foreach (var parameter in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            if (parameter.StartsWith("comp=", StringComparison.OrdinalIgnoreCase))
            {
                return resource + "?comp=" + Uri.UnescapeDataString(parameter["comp=".Length..]);
            }
        }

        return resource;
    }
}
