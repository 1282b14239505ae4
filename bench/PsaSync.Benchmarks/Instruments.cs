using System.Collections.Concurrent;
using System.Reflection;
using Azure.Core;
using Azure.Core.Pipeline;
using PsaSync.Core.Ports;

namespace PsaSync.Benchmarks;

/// <summary>Counts Table Storage requests: a single-entity operation and an entity-group transaction are one request each.</summary>
public sealed class TableRequestCounter : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _byTarget = new(StringComparer.Ordinal);
    private long _requests;
    private long _entityOperations;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests by table (without the run's prefix) and HTTP method; transactions count under "$batch".</summary>
    public IReadOnlyDictionary<string, long> ByTarget => _byTarget;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message);
        return ProcessNextAsync(message, pipeline);
    }

    /// <summary>Rows read or written: one per single-entity request, one per operation of a transaction.</summary>
    public long EntityOperations => Interlocked.Read(ref _entityOperations);

    private void Count(HttpMessage message)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _entityOperations, OperationsIn(message.Request));
        var last = message.Request.Uri.Path.TrimEnd('/').Split('/')[^1];
        var table = last.Split('(')[0];
        _byTarget.AddOrUpdate($"{table} {message.Request.Method}", 1, (_, n) => n + 1);
    }

    /// <summary>A transaction's body has one "application/http" part per operation; any other request is one.</summary>
    private static int OperationsIn(Request request)
    {
        if (!request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal) || request.Content is null)
        {
            return 1;
        }
        using var body = new MemoryStream();
        request.Content.WriteTo(body, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length);
        return Math.Max(1, System.Text.RegularExpressions.Regex.Count(text, "Content-Type: application/http", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
    }
}

/// <summary>
/// Wraps the ERP connector and notes when each time line document was confirmed by the ERP, so each entry's
/// approved-to-ERP latency can be read off its PSA write-back (which names the document).
/// </summary>
public class PostingTimes : DispatchProxy
{
    private IErpConnector _inner = null!;
    private ConcurrentDictionary<string, TimeSpan> _confirmed = null!;
    private System.Diagnostics.Stopwatch _clock = null!;

    /// <summary>The connector that notes into <paramref name="confirmed"/> when the ERP confirmed each document, read off <paramref name="clock"/>.</summary>
    public static IErpConnector Wrap(IErpConnector inner, System.Diagnostics.Stopwatch clock, ConcurrentDictionary<string, TimeSpan> confirmed)
    {
        var proxy = Create<IErpConnector, PostingTimes>();
        var times = (PostingTimes)(object)proxy;
        times._inner = inner;
        times._clock = clock;
        times._confirmed = confirmed;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        var result = targetMethod!.Invoke(_inner, args);
        switch (result)
        {
            case Task<ErpPosting> single:
                single.ContinueWith(t => Note(t.Result.ErpDocumentId), TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
                break;
            case Task<IReadOnlyList<ErpLineResult>> batch:
                batch.ContinueWith(t =>
                {
                    foreach (var line in t.Result)
                    {
                        if (line.Posting is { } posting)
                        {
                            Note(posting.ErpDocumentId);
                        }
                    }
                }, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously);
                break;
        }
        return result;
    }

    private void Note(string documentId) => _confirmed.TryAdd(documentId, _clock.Elapsed);
}
