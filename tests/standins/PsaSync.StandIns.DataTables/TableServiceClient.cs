using System.Globalization;
using Azure.Core;
using Azure.Data.Tables.Models;

namespace Azure.Data.Tables;

/// <summary>Account-level operations: creating, deleting and listing tables, and clients for single tables.</summary>
public class TableServiceClient
{
    private readonly TablePipeline _pipeline;

    /// <summary>For mocking.</summary>
    protected TableServiceClient()
    {
        _pipeline = null!;
    }

    public TableServiceClient(string connectionString)
        : this(connectionString, null)
    {
    }

    public TableServiceClient(string connectionString, TableClientOptions? options = null)
    {
        _pipeline = TablePipeline.FromConnectionString(connectionString, options);
    }

    public TableServiceClient(Uri endpoint, TableSharedKeyCredential credential)
        : this(endpoint, credential, null)
    {
    }

    public TableServiceClient(Uri endpoint, TableSharedKeyCredential credential, TableClientOptions? options = null)
    {
        _pipeline = TablePipeline.FromSharedKey(endpoint, credential, options);
    }

    public TableServiceClient(Uri endpoint, TokenCredential tokenCredential, TableClientOptions? options = null)
    {
        _pipeline = TablePipeline.FromTokenCredential(endpoint, tokenCredential, options);
    }

    public virtual string AccountName => _pipeline.AccountName;

    public virtual Uri Uri => _pipeline.ServiceEndpoint;

    /// <summary>A client for one table, sharing this client's pipeline and credentials.</summary>
    public virtual TableClient GetTableClient(string tableName) => new(_pipeline, tableName);

    /// <summary>Creates the table; if it already exists, returns the service's 409 response instead of throwing.</summary>
    public virtual Task<Response<TableItem>> CreateTableIfNotExistsAsync(string tableName, CancellationToken cancellationToken = default) =>
        _pipeline.CreateTableIfNotExistsAsync(tableName, cancellationToken);

    /// <summary>Deletes the table; if it does not exist, returns the service's 404 response instead of throwing.</summary>
    public virtual Task<Response> DeleteTableAsync(string tableName, CancellationToken cancellationToken = default) =>
        _pipeline.DeleteTableAsync(tableName, cancellationToken);

    /// <summary>Lists the tables that match an OData filter on TableName, following continuation tokens.</summary>
    public virtual AsyncPageable<TableItem> QueryAsync(string? filter = null, int? maxPerPage = null, CancellationToken cancellationToken = default) =>
        new ContinuationPageable<TableItem>(
            async (continuation, pageSize, ct) =>
            {
                var message = _pipeline.CreateMessage(RequestMethod.Get, "Tables");
                var uri = message.Request.Uri;
                if (filter is not null)
                {
                    uri.AppendQuery("$filter", filter);
                }

                if (pageSize is not null)
                {
                    uri.AppendQuery("$top", pageSize.Value.ToString(CultureInfo.InvariantCulture));
                }

                if (continuation is not null)
                {
                    uri.AppendQuery("NextTableName", continuation);
                }

                var response = await _pipeline.SendAndCheckAsync(message, ct).ConfigureAwait(false);
                var tables = TablePipeline.ReadJson(response).GetProperty("value").EnumerateArray()
                    .Select(json => new TableItem(json.GetProperty("TableName").GetString()!))
                    .ToList();
                response.Headers.TryGetValue("x-ms-continuation-NextTableName", out var next);
                return Page<TableItem>.FromValues(tables, string.IsNullOrEmpty(next) ? null : next, response);
            },
            maxPerPage,
            cancellationToken);
}
