using System.Collections.Concurrent;
using System.Reflection;
using Azure.Core;
using Azure.Core.Pipeline;
using PsaSync.Core.Ports;

namespace PsaSync.Benchmarks;

/// <summary>Counts Table Storage requests: a single-entity operation and an entity-group transaction are one request each.</summary>
public sealed class TableRequestCounter : HttpPipelinePolicy
{
    private long _requests;

    public long Requests => Interlocked.Read(ref _requests);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _requests);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Interlocked.Increment(ref _requests);
        return ProcessNextAsync(message, pipeline);
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
