using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables.Models;

namespace Azure.Data.Tables;

/// <summary>
/// What the table clients share: the account's service endpoint, the Azure.Core pipeline (retries and
/// transport from <see cref="ClientOptions"/>, plus authentication), request building and error mapping.
/// </summary>
internal sealed class TablePipeline
{
    public const string JsonMinimalMetadata = "application/json;odata=minimalmetadata";
    public const string JsonNoMetadata = "application/json;odata=nometadata";

    // Every operation implemented here is defined by this REST version; Azure and Azurite both accept it.
    private const string RestVersion = "2019-02-02";
    private const string StorageScope = "https://storage.azure.com/.default";

    private readonly string _serviceUri;

    private TablePipeline(Uri serviceEndpoint, string accountName, HttpPipelinePolicy authentication, TableClientOptions? options)
    {
        if (!serviceEndpoint.IsAbsoluteUri || serviceEndpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("The Table service endpoint must be an absolute http or https URI.", nameof(serviceEndpoint));
        }

        _serviceUri = serviceEndpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        ServiceEndpoint = new Uri(_serviceUri);
        AccountName = accountName;
        Pipeline = HttpPipelineBuilder.Build(options ?? new TableClientOptions(), [], [authentication], new ResponseClassifier());
    }

    public Uri ServiceEndpoint { get; }

    public string AccountName { get; }

    public HttpPipeline Pipeline { get; }

    public static TablePipeline FromConnectionString(string connectionString, TableClientOptions? options)
    {
        var parsed = StorageConnectionString.Parse(connectionString);
        return FromSharedKey(parsed.TableEndpoint, parsed.Credential, options);
    }

    public static TablePipeline FromSharedKey(Uri endpoint, TableSharedKeyCredential credential, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        return new TablePipeline(endpoint, credential.AccountName, new SharedKeyPolicy(credential), options);
    }

    public static TablePipeline FromTokenCredential(Uri endpoint, TokenCredential tokenCredential, TableClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(tokenCredential);
        return new TablePipeline(endpoint, AccountNameFromUri(endpoint), new BearerTokenAuthenticationPolicy(tokenCredential, StorageScope), options);
    }

    /// <summary>A URI under the service endpoint; <paramref name="relativePath"/> must already be escaped.</summary>
    public Uri UriFor(string relativePath) => new($"{_serviceUri}/{relativePath}");

    /// <summary>Escapes a key for an entity address: Table(PartitionKey='...',RowKey='...').</summary>
    public static string EntityPath(string tableName, string partitionKey, string rowKey)
    {
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(rowKey);
        return $"{TableSegment(tableName)}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

        // OData doubles quotes inside string literals; the result is then percent-encoded for the path.
        static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
    }

    public HttpMessage CreateMessage(RequestMethod method, string relativePath, string accept = JsonMinimalMetadata)
    {
        var message = Pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(UriFor(relativePath));
        request.Headers.SetValue("x-ms-version", RestVersion);
        request.Headers.SetValue("DataServiceVersion", "3.0");
        request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        request.Headers.SetValue("Accept", accept);
        return message;
    }

    public static void SetJsonContent(Request request, byte[] json)
    {
        request.Headers.SetValue("Content-Type", JsonNoMetadata);
        request.Content = RequestContent.Create(json);
    }

    /// <summary>
    /// Sends the request and returns the response, which stays readable after the call: the pipeline buffers
    /// response bodies, so no connection is held. Error statuses are returned too; callers decide.
    /// </summary>
    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await Pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.Response;
    }

    public async Task<Response> SendAndCheckAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.IsError ? throw CreateException(response) : response;
    }

    public static JsonElement ReadJson(Response response)
    {
        using var document = JsonDocument.Parse(response.Content.ToMemory());
        return document.RootElement.Clone();
    }

    public async Task<Response<TableItem>> CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        var message = CreateMessage(RequestMethod.Post, "Tables");
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        SetJsonContent(message.Request, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = tableName }));
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.IsError && !(response.Status == 409 && ParseError(response).Code == "TableAlreadyExists"))
        {
            throw CreateException(response);
        }

        return Response.FromValue(new TableItem(tableName), response);
    }

    /// <summary>Deleting a table that does not exist returns its 404 response, as the real SDK does.</summary>
    public async Task<Response> DeleteTableAsync(string tableName, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        var message = CreateMessage(RequestMethod.Delete, $"Tables('{TableSegment(tableName.Replace("'", "''", StringComparison.Ordinal))}')");
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.IsError && response.Status != 404 ? throw CreateException(response) : response;
    }

    /// <summary>
    /// A table name as a path segment. Valid names are alphanumeric; others are escaped and sent anyway, so
    /// that the service rejects them (400) just as it would for the real SDK.
    /// </summary>
    public static string TableSegment(string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        return Uri.EscapeDataString(tableName);
    }

    public static RequestFailedException CreateException(Response response)
    {
        var (code, serviceMessage) = ParseError(response);
        return CreateException(response.Status, response.ReasonPhrase, code, serviceMessage);
    }

    /// <summary>The exception for a service error. Only the status line and the service's own words go into the message.</summary>
    public static RequestFailedException CreateException(int status, string reasonPhrase, string? code, string? serviceMessage)
    {
        var text = $"Service request failed.\nStatus: {status} ({reasonPhrase})\nErrorCode: {code}";
        if (!string.IsNullOrWhiteSpace(serviceMessage))
        {
            text += $"\n\n{serviceMessage}";
        }

        return new RequestFailedException(status, text, code, null);
    }

    /// <summary>
    /// Reads the OData error body, {"odata.error":{"code":..., "message":{"value":...}}}; failing that, the
    /// x-ms-error-code header. Either part may be missing (HEAD-like responses have no body).
    /// </summary>
    public static (string? Code, string? Message) ParseError(Response response)
    {
        string? code = null;
        string? message = null;
        try
        {
            if (response.Content.ToMemory().Length > 0)
            {
                using var document = JsonDocument.Parse(response.Content.ToMemory());
                if (document.RootElement.TryGetProperty("odata.error", out var error))
                {
                    code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        message = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var value) ? value.GetString() : m.ToString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (e.g. an XML error from a proxy or an authentication failure): fall back to the header.
        }

        if (code is null && response.Headers.TryGetValue("x-ms-error-code", out var headerCode))
        {
            code = headerCode;
        }

        return (code, message);
    }

    /// <summary>
    /// The account a token-credential client talks to: the first path segment for path-style endpoints
    /// (an IP address or localhost, as with Azurite), else the first label of the host name.
    /// </summary>
    private static string AccountNameFromUri(Uri endpoint)
    {
        var pathStyle = endpoint.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 || endpoint.IsLoopback;
        return pathStyle
            ? endpoint.AbsolutePath.Trim('/').Split('/')[0]
            : endpoint.Host.Split('.')[0];
    }
}
