using System.Diagnostics.CodeAnalysis;
using Azure.Core;

namespace Azure.Data.Tables;

/// <summary>The answer to one action of a transaction, cut out of the multipart batch response.</summary>
internal sealed class BatchPartResponse : Response
{
    private readonly List<HttpHeader> _headers;

    public BatchPartResponse(int status, string reasonPhrase, List<HttpHeader> headers, byte[] content)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        _headers = headers;
        ContentStream = new MemoryStream(content, writable: false);
        ClientRequestId = TryGetHeader("x-ms-client-request-id", out var id) ? id : string.Empty;
    }

    public override int Status { get; }

    public override string ReasonPhrase { get; }

    public override bool IsError => Status >= 400;

    public override Stream? ContentStream { get; set; }

    public override string ClientRequestId { get; set; }

    public override void Dispose() => ContentStream?.Dispose();

    protected override bool ContainsHeader(string name) => TryGetHeader(name, out _);

    protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers;

    protected override bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        var values = _headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        value = values.Count > 0 ? string.Join(",", values) : null;
        return value is not null;
    }

    protected override bool TryGetHeaderValues(string name, [NotNullWhen(true)] out IEnumerable<string>? values)
    {
        var found = TryGetHeader(name, out var joined);
        values = found ? joined!.Split(',') : null;
        return found;
    }
}

/// <summary>A 404 answered by an "if exists" operation: no value, but the raw response is kept.</summary>
internal sealed class NoValueResponse<T> : NullableResponse<T>
{
    private readonly Response _response;

    public NoValueResponse(Response response)
    {
        _response = response;
    }

    public override bool HasValue => false;

    public override T Value => throw new InvalidOperationException($"The service has no such entity (status {_response.Status}).");

    public override Response GetRawResponse() => _response;
}
