using System.Runtime.CompilerServices;

namespace Azure.Data.Tables;

/// <summary>
/// An <see cref="AsyncPageable{T}"/> over a query that the service answers one page at a time: each page
/// carries the continuation token for the next, and the last page has none.
/// </summary>
internal sealed class ContinuationPageable<T> : AsyncPageable<T>
    where T : notnull
{
    private readonly Func<string?, int?, CancellationToken, Task<Page<T>>> _fetchPage;
    private readonly int? _maxPerPage;

    /// <param name="fetchPage">Gets one page from a continuation token (null: the first) and a page size.</param>
    public ContinuationPageable(Func<string?, int?, CancellationToken, Task<Page<T>>> fetchPage, int? maxPerPage, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _fetchPage = fetchPage;
        _maxPerPage = maxPerPage;
    }

    public override IAsyncEnumerable<Page<T>> AsPages(string? continuationToken = null, int? pageSizeHint = null) =>
        EnumeratePages(continuationToken, pageSizeHint ?? _maxPerPage, CancellationToken);

    private async IAsyncEnumerable<Page<T>> EnumeratePages(string? continuationToken, int? pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        do
        {
            var page = await _fetchPage(continuationToken, pageSize, cancellationToken).ConfigureAwait(false);
            yield return page;
            continuationToken = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuationToken));
    }
}
