using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;

namespace Azure.Data.Tables;

/// <summary>
/// Entity group transactions in the $batch wire format: a multipart/mixed batch holding one
/// multipart/mixed changeset, whose parts are complete HTTP requests (application/http). The answer has
/// the same shape, with one HTTP response per action on success, or the single failing one otherwise.
/// </summary>
internal static partial class TransactionBatch
{
    public const int MaxActions = 100;
    private const string Crlf = "\r\n";

    public static (byte[] Content, string ContentType) Build(TablePipeline pipeline, string tableName, IReadOnlyList<TableTransactionAction> actions)
    {
        var batchBoundary = "batch_" + Guid.NewGuid().ToString("D");
        var changesetBoundary = "changeset_" + Guid.NewGuid().ToString("D");
        var body = new StringBuilder();
        body.Append("--").Append(batchBoundary).Append(Crlf)
            .Append("Content-Type: multipart/mixed; boundary=").Append(changesetBoundary).Append(Crlf)
            .Append(Crlf);

        foreach (var action in actions)
        {
            var entity = action.Entity;
            var (method, uri, ifMatch) = action.ActionType switch
            {
                TableTransactionActionType.Add => ("POST", pipeline.UriFor(TablePipeline.TableSegment(tableName)), null),
                TableTransactionActionType.UpdateMerge => ("MERGE", EntityUri(), IfMatch(action.ETag)),
                TableTransactionActionType.UpdateReplace => ("PUT", EntityUri(), IfMatch(action.ETag)),
                TableTransactionActionType.Delete => ("DELETE", EntityUri(), IfMatch(action.ETag)),
                TableTransactionActionType.UpsertMerge => ("MERGE", EntityUri(), null),
                TableTransactionActionType.UpsertReplace => ("PUT", EntityUri(), null),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.ActionType, "Unknown transaction action type."),
            };

            body.Append("--").Append(changesetBoundary).Append(Crlf)
                .Append("Content-Type: application/http").Append(Crlf)
                .Append("Content-Transfer-Encoding: binary").Append(Crlf)
                .Append(Crlf)
                .Append(method).Append(' ').Append(uri.AbsoluteUri).Append(" HTTP/1.1").Append(Crlf)
                .Append("Accept: ").Append(TablePipeline.JsonMinimalMetadata).Append(Crlf)
                .Append("DataServiceVersion: 3.0").Append(Crlf);
            if (ifMatch is not null)
            {
                body.Append("If-Match: ").Append(ifMatch).Append(Crlf);
            }

            if (action.ActionType == TableTransactionActionType.Delete)
            {
                body.Append(Crlf);
            }
            else
            {
                if (action.ActionType == TableTransactionActionType.Add)
                {
                    body.Append("Prefer: return-no-content").Append(Crlf);
                }

                body.Append("Content-Type: application/json").Append(Crlf)
                    .Append(Crlf)
                    .Append(Encoding.UTF8.GetString(EntitySerializer.Serialize(entity))).Append(Crlf);
            }

            Uri EntityUri() => pipeline.UriFor(TablePipeline.EntityPath(tableName, entity.PartitionKey, entity.RowKey));
        }

        body.Append("--").Append(changesetBoundary).Append("--").Append(Crlf)
            .Append("--").Append(batchBoundary).Append("--").Append(Crlf);
        return (Encoding.UTF8.GetBytes(body.ToString()), $"multipart/mixed; boundary={batchBoundary}");
    }

    /// <summary>An If-Match value: the entity's ETag, or "*" (any version) when none was given.</summary>
    public static string IfMatch(ETag etag) => etag == default || etag == ETag.All ? "*" : etag.ToString("H");

    /// <summary>Cuts the HTTP responses out of a batch response, in the order of the actions.</summary>
    public static List<BatchPartResponse> Parse(Response response)
    {
        var parts = new List<BatchPartResponse>();
        response.Headers.TryGetValue("Content-Type", out var contentType);
        CollectResponses(contentType, response.Content.ToString(), parts);
        return parts;
    }

    /// <summary>
    /// The index of the failed action, which the service puts at the start of its error message ("2:The
    /// specified entity already exists.") when it can tell which action failed.
    /// </summary>
    public static int? FailedActionIndex(string? serviceMessage)
    {
        var match = serviceMessage is null ? null : ActionIndexPrefix().Match(serviceMessage);
        return match is { Success: true } && int.TryParse(match.Groups[1].ValueSpan, out var index) ? index : null;
    }

    private static void CollectResponses(string? contentType, string content, List<BatchPartResponse> responses)
    {
        var boundary = BoundaryOf(contentType)
            ?? throw new InvalidOperationException($"The batch response is not multipart (Content-Type: {contentType}).");
        foreach (var part in SplitMultipart(content, boundary))
        {
            var (headers, body) = ReadHeaders(part);
            var partType = headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value;
            if (partType?.StartsWith("multipart/mixed", StringComparison.OrdinalIgnoreCase) == true)
            {
                CollectResponses(partType, body, responses);
            }
            else
            {
                responses.Add(ReadHttpResponse(body));
            }
        }
    }

    private static BatchPartResponse ReadHttpResponse(string text)
    {
        using var reader = new StringReader(text);
        var statusLine = reader.ReadLine() ?? string.Empty;
        var status = StatusLine().Match(statusLine);
        if (!status.Success)
        {
            throw new InvalidOperationException($"Unexpected status line in a batch response: '{statusLine}'.");
        }

        var (headers, body) = ReadHeaders(reader.ReadToEnd());
        return new BatchPartResponse(int.Parse(status.Groups[1].ValueSpan), status.Groups[2].Value.Trim(), headers, Encoding.UTF8.GetBytes(body.TrimEnd('\r', '\n')));
    }

    /// <summary>Splits a MIME entity into its header lines and the body after the first blank line.</summary>
    private static (List<HttpHeader> Headers, string Body) ReadHeaders(string text)
    {
        var headers = new List<HttpHeader>();
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.Add(new HttpHeader(line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
        }

        return (headers, reader.ReadToEnd());
    }

    private static IEnumerable<string> SplitMultipart(string content, string boundary)
    {
        var delimiter = "--" + boundary;
        var segments = content.Split(delimiter);

        // segments[0] is the preamble; a segment starting with "--" follows the closing delimiter.
        foreach (var segment in segments.Skip(1))
        {
            if (segment.StartsWith("--", StringComparison.Ordinal))
            {
                yield break;
            }

            yield return segment.TrimStart('\r', '\n');
        }
    }

    private static string? BoundaryOf(string? contentType)
    {
        var match = contentType is null ? null : BoundaryParameter().Match(contentType);
        return match is { Success: true } ? match.Groups[1].Value.Trim('"') : null;
    }

    [GeneratedRegex(@"boundary=(""[^""]+""|[^;\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex BoundaryParameter();

    [GeneratedRegex(@"^HTTP/\d\.\d\s+(\d{3})(.*)$")]
    private static partial Regex StatusLine();

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex ActionIndexPrefix();
}
