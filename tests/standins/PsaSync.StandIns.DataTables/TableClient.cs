using System.Globalization;
using Azure.Core;
using Azure.Data.Tables.Models;

namespace Azure.Data.Tables;

/// <summary>Operations on one table and its entities.</summary>
public class TableClient
{
    private readonly TablePipeline _pipeline;
    private readonly string _name;

    /// <summary>For mocking.</summary>
    protected TableClient()
    {
        _pipeline = null!;
        _name = null!;
    }

    public TableClient(string connectionString, string tableName)
        : this(connectionString, tableName, null)
    {
    }

    public TableClient(string connectionString, string tableName, TableClientOptions? options = null)
        : this(TablePipeline.FromConnectionString(connectionString, options), tableName)
    {
    }

    public TableClient(Uri endpoint, string tableName, TableSharedKeyCredential credential)
        : this(endpoint, tableName, credential, null)
    {
    }

    public TableClient(Uri endpoint, string tableName, TableSharedKeyCredential credential, TableClientOptions? options)
        : this(TablePipeline.FromSharedKey(endpoint, credential, options), tableName)
    {
    }

    public TableClient(Uri endpoint, string tableName, TokenCredential tokenCredential, TableClientOptions? options = null)
        : this(TablePipeline.FromTokenCredential(endpoint, tokenCredential, options), tableName)
    {
    }

    internal TableClient(TablePipeline pipeline, string tableName)
    {
        ArgumentException.ThrowIfNullOrEmpty(tableName);
        _pipeline = pipeline;
        _name = tableName;
    }

    public virtual string Name => _name;

    public virtual string AccountName => _pipeline.AccountName;

    public virtual Uri Uri => _pipeline.UriFor(TablePipeline.TableSegment(_name));

    /// <summary>Creates the table; if it already exists, returns the service's 409 response instead of throwing.</summary>
    public virtual Task<Response<TableItem>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
        _pipeline.CreateTableIfNotExistsAsync(_name, cancellationToken);

    /// <summary>Deletes the table; if it does not exist, returns the service's 404 response instead of throwing.</summary>
    public virtual Task<Response> DeleteAsync(CancellationToken cancellationToken = default) =>
        _pipeline.DeleteTableAsync(_name, cancellationToken);

    /// <summary>Inserts a new entity; throws 409 EntityAlreadyExists if one with the same keys exists.</summary>
    public virtual Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        ArgumentNullException.ThrowIfNull(entity);
        var message = _pipeline.CreateMessage(RequestMethod.Post, TablePipeline.TableSegment(_name));
        message.Request.Headers.SetValue("Prefer", "return-no-content");
        TablePipeline.SetJsonContent(message.Request, EntitySerializer.Serialize(entity));
        return _pipeline.SendAndCheckAsync(message, cancellationToken);
    }

    /// <summary>Inserts the entity, or merges it into / replaces the stored one, whatever its ETag.</summary>
    public virtual Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        ArgumentNullException.ThrowIfNull(entity);
        return WriteEntityAsync(entity, mode, ifMatch: null, cancellationToken);
    }

    /// <summary>
    /// Updates an existing entity if its ETag still matches <paramref name="ifMatch"/> (412 otherwise);
    /// <see cref="ETag.All"/> updates unconditionally. A missing entity gives 404.
    /// </summary>
    public virtual Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
        where T : ITableEntity
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (ifMatch == default)
        {
            throw new ArgumentException("ifMatch must be the entity's ETag or ETag.All.", nameof(ifMatch));
        }

        return WriteEntityAsync(entity, mode, TransactionBatch.IfMatch(ifMatch), cancellationToken);
    }

    /// <summary>Reads one entity; throws <see cref="RequestFailedException"/> with status 404 if there is none.</summary>
    public virtual async Task<Response<T>> GetEntityAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity
    {
        var response = await SendGetEntityAsync(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        return response.IsError ? throw TablePipeline.CreateException(response) : Response.FromValue(ReadEntity<T>(response), response);
    }

    /// <summary>Reads one entity; a missing entity gives a response whose HasValue is false.</summary>
    public virtual async Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity
    {
        var response = await SendGetEntityAsync(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
        {
            return new NoValueResponse<T>(response);
        }

        return response.IsError ? throw TablePipeline.CreateException(response) : Response.FromValue(ReadEntity<T>(response), response);
    }

    /// <summary>
    /// Queries the table with an OData filter (see <see cref="CreateQueryFilter"/>), page by page: the pages
    /// follow the service's continuation tokens, so enumerating yields every match.
    /// </summary>
    public virtual AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
        where T : class, ITableEntity
    {
        var selected = select is null ? null : string.Join(",", select);
        return new ContinuationPageable<T>(
            async (continuation, pageSize, ct) =>
            {
                var message = _pipeline.CreateMessage(RequestMethod.Get, TablePipeline.TableSegment(_name) + "()");
                var uri = message.Request.Uri;
                if (filter is not null)
                {
                    uri.AppendQuery("$filter", filter);
                }

                if (pageSize is not null)
                {
                    uri.AppendQuery("$top", pageSize.Value.ToString(CultureInfo.InvariantCulture));
                }

                if (selected is not null)
                {
                    uri.AppendQuery("$select", selected);
                }

                if (continuation is not null)
                {
                    var (nextPartitionKey, nextRowKey) = SplitContinuation(continuation);
                    uri.AppendQuery("NextPartitionKey", nextPartitionKey);
                    if (nextRowKey is not null)
                    {
                        uri.AppendQuery("NextRowKey", nextRowKey);
                    }
                }

                var response = await _pipeline.SendAndCheckAsync(message, ct).ConfigureAwait(false);
                var entities = TablePipeline.ReadJson(response).GetProperty("value").EnumerateArray()
                    .Select(json => EntitySerializer.Deserialize<T>(json))
                    .ToList();
                return Page<T>.FromValues(entities, JoinContinuation(response), response);
            },
            maxPerPage,
            cancellationToken);
    }

    /// <summary>
    /// Deletes an entity if its ETag matches <paramref name="ifMatch"/> (default: any ETag). A missing entity
    /// returns the service's 404 response instead of throwing, as the real SDK does.
    /// </summary>
    public virtual async Task<Response> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        var message = _pipeline.CreateMessage(RequestMethod.Delete, TablePipeline.EntityPath(_name, partitionKey, rowKey));
        message.Request.Headers.SetValue("If-Match", TransactionBatch.IfMatch(ifMatch));
        var response = await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.IsError && response.Status != 404 ? throw TablePipeline.CreateException(response) : response;
    }

    /// <summary>
    /// Runs up to 100 actions on entities of one partition as a single atomic transaction. The result holds
    /// one response per action, in order. If any action fails nothing is committed, and a
    /// <see cref="TableTransactionFailedException"/> says which action failed.
    /// </summary>
    public virtual async Task<Response<IReadOnlyList<Response>>> SubmitTransactionAsync(IEnumerable<TableTransactionAction> transactionActions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transactionActions);
        var actions = transactionActions.ToList();
        if (actions.Count == 0)
        {
            throw new InvalidOperationException("A transaction needs at least one action.");
        }

        ThrowIfServiceWouldReject(actions);
        var (content, contentType) = TransactionBatch.Build(_pipeline, _name, actions);
        var message = _pipeline.CreateMessage(RequestMethod.Post, "$batch");
        message.Request.Headers.SetValue("Content-Type", contentType);
        message.Request.Content = RequestContent.Create(content);

        var response = await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.IsError)
        {
            throw TransactionFailed(response);
        }

        var results = TransactionBatch.Parse(response);
        var failed = results.FirstOrDefault(r => r.IsError);
        if (failed is not null)
        {
            throw TransactionFailed(failed);
        }

        return Response.FromValue<IReadOnlyList<Response>>(results, response);
    }

    /// <summary>
    /// Builds an OData filter from an interpolated string, formatting each argument as a literal: strings
    /// quoted (inner quotes doubled), long as 1L, DateTimeOffset/DateTime as datetime'...', Guid as
    /// guid'...', byte[] as X'..', bool as true/false, numbers in the invariant culture.
    /// </summary>
    public static string CreateQueryFilter(FormattableString filter) => ODataFilter.Create(filter);

    private async Task<Response> WriteEntityAsync(ITableEntity entity, TableUpdateMode mode, string? ifMatch, CancellationToken cancellationToken)
    {
        // Without If-Match the service inserts a missing entity; with it, it only updates an existing one.
        var method = mode switch
        {
            TableUpdateMode.Merge => RequestMethod.Patch,
            TableUpdateMode.Replace => RequestMethod.Put,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown update mode."),
        };
        var message = _pipeline.CreateMessage(method, TablePipeline.EntityPath(_name, entity.PartitionKey, entity.RowKey));
        if (ifMatch is not null)
        {
            message.Request.Headers.SetValue("If-Match", ifMatch);
        }

        TablePipeline.SetJsonContent(message.Request, EntitySerializer.Serialize(entity));
        return await _pipeline.SendAndCheckAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private Task<Response> SendGetEntityAsync(string partitionKey, string rowKey, IEnumerable<string>? select, CancellationToken cancellationToken)
    {
        var message = _pipeline.CreateMessage(RequestMethod.Get, TablePipeline.EntityPath(_name, partitionKey, rowKey));
        if (select is not null)
        {
            message.Request.Uri.AppendQuery("$select", string.Join(",", select));
        }

        return _pipeline.SendAsync(message, cancellationToken);
    }

    private static T ReadEntity<T>(Response response)
        where T : class, ITableEntity
    {
        response.Headers.TryGetValue("ETag", out var etag);
        return EntitySerializer.Deserialize<T>(TablePipeline.ReadJson(response), etag);
    }

    /// <summary>
    /// Checks the limits the service enforces on a transaction (Azurite does not enforce all of them), so that
    /// offline runs fail where production would: at most 100 actions, one partition, each row once.
    /// </summary>
    private static void ThrowIfServiceWouldReject(List<TableTransactionAction> actions)
    {
        if (actions.Count > TransactionBatch.MaxActions)
        {
            throw Rejected(null, "InvalidInput", $"A transaction can hold at most {TransactionBatch.MaxActions} actions, not {actions.Count}.");
        }

        var partitionKey = actions[0].Entity.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partitionKey, StringComparison.Ordinal))
            {
                throw Rejected(i, "CommandsInBatchActOnDifferentPartitions", "All actions of a transaction must be on the same partition.");
            }

            if (!rows.Add(entity.RowKey))
            {
                throw Rejected(i, "InvalidDuplicateRow", "A transaction can act on each entity only once.");
            }
        }

        static TableTransactionFailedException Rejected(int? index, string code, string message)
        {
            var error = TablePipeline.CreateException(400, "Bad Request", code, message);
            error.Data[TableTransactionFailedException.FailedActionIndexKey] = index;
            return new TableTransactionFailedException(error);
        }
    }

    private static TableTransactionFailedException TransactionFailed(Response response)
    {
        var error = TablePipeline.CreateException(response);
        error.Data[TableTransactionFailedException.FailedActionIndexKey] = TransactionBatch.FailedActionIndex(TablePipeline.ParseError(response).Message);
        return new TableTransactionFailedException(error);
    }

    // The continuation token joins NextPartitionKey and NextRowKey, which are opaque and never hold a space.
    private static string? JoinContinuation(Response response)
    {
        if (!response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPartitionKey) || nextPartitionKey.Length == 0)
        {
            return null;
        }

        return response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRowKey) && nextRowKey.Length > 0
            ? $"{nextPartitionKey} {nextRowKey}"
            : nextPartitionKey;
    }

    private static (string NextPartitionKey, string? NextRowKey) SplitContinuation(string continuation)
    {
        var space = continuation.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? (continuation, null) : (continuation[..space], continuation[(space + 1)..]);
    }
}
