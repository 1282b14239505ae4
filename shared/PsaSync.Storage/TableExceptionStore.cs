using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Model;

namespace PsaSync.Storage;

/// <summary>
/// Exception items on Table Storage. Partition = domain; row = record + reason code, so "one open item per
/// record and reason" is the table's own uniqueness, and a repeat is an ETag-guarded update of that row.
/// </summary>
public sealed class TableExceptionStore(TableProvider tables, TimeProvider clock) : IExceptionStore
{
    // Raises of one item collide when many deliveries fail the same way at once; each retry re-reads the row.
    private const int MaxConcurrencyRetries = 100;

    public async Task<ExceptionItem> RaiseAsync(NewException exception, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Exceptions, cancellationToken);
        var rowKey = RowKeyOf(exception.SourceRecord, exception.Reason.Code);
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var existing = await table.GetEntityIfExistsAsync<TableEntity>(exception.Domain, rowKey, cancellationToken: cancellationToken);
            try
            {
                if (!existing.HasValue || existing.Value is null)
                {
                    var created = Describe(new TableEntity(exception.Domain, rowKey), exception, now);
                    created["Id"] = IdOf(exception.Domain, rowKey);
                    created["Occurrences"] = 1;
                    created["FirstSeen"] = now;
                    await table.AddEntityAsync(created, cancellationToken);
                    return ToItem(created);
                }
                var entity = existing.Value;
                var reopened = entity.GetString("Status") != nameof(ExceptionStatus.Open);
                Describe(entity, exception, now);
                entity["Occurrences"] = (entity.GetInt32("Occurrences") ?? 0) + 1;
                if (reopened)
                {
                    entity["FirstSeen"] = now;
                    entity.Remove("ResolvedAt");
                    entity.Remove("Resolution");
                }
                await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                return ToItem(entity);
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxConcurrencyRetries)
            {
                // Someone raised the same item at the same moment: read it again and count this occurrence on top.
                await Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), cancellationToken);
            }
        }
    }

    public async Task<int> ResolveForRecordAsync(string domain, RecordRef record, string resolution, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Exceptions, cancellationToken);
        var prefix = TableKeys.Escape(record.ToString()) + "|";
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {domain} and RowKey ge {prefix} and RowKey lt {TableKeys.PrefixUpperBound(prefix)} and Status eq {nameof(ExceptionStatus.Open)}");
        var resolved = 0;
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entity["Status"] = nameof(ExceptionStatus.Resolved);
            entity["ResolvedAt"] = clock.GetUtcNow();
            entity["Resolution"] = resolution;
            try
            {
                await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                resolved++;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                // Raised again meanwhile: it stays open, which is right.
            }
        }
        return resolved;
    }

    public async Task<IReadOnlyList<ExceptionItem>> ListAsync(ExceptionQuery query, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Exceptions, cancellationToken);
        var clauses = new List<string>();
        if (query.Domain is not null) clauses.Add(TableClient.CreateQueryFilter($"PartitionKey eq {query.Domain}"));
        if (query.Status is not null) clauses.Add(TableClient.CreateQueryFilter($"Status eq {query.Status.ToString()}"));
        if (query.ReasonCode is not null) clauses.Add(TableClient.CreateQueryFilter($"ReasonCode eq {query.ReasonCode}"));
        if (query.Owner is not null) clauses.Add(TableClient.CreateQueryFilter($"Owner eq {query.Owner.ToString()}"));
        if (query.SourceRecord is not null) clauses.Add(TableClient.CreateQueryFilter($"SourceRecord eq {query.SourceRecord.ToString()}"));
        var filter = clauses.Count == 0 ? null : string.Join(" and ", clauses);

        var items = new List<ExceptionItem>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            items.Add(ToItem(entity));
        }
        return [.. items.OrderBy(i => i.FirstSeen)];
    }

    public async Task<ExceptionItem?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await FindByIdAsync(id, cancellationToken)) is { } entity ? ToItem(entity) : null;

    public async Task<bool> ResolveAsync(string id, string resolution, CancellationToken cancellationToken)
    {
        var entity = await FindByIdAsync(id, cancellationToken);
        if (entity is null || entity.GetString("Status") != nameof(ExceptionStatus.Open))
        {
            return false;
        }
        var table = await tables.GetAsync(TableSuffixes.Exceptions, cancellationToken);
        entity["Status"] = nameof(ExceptionStatus.Resolved);
        entity["ResolvedAt"] = clock.GetUtcNow();
        entity["Resolution"] = resolution;
        try
        {
            await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Raised again while being resolved: it stays open.
            return false;
        }
    }

    // Ids are for people and URLs; exception items are few, so a look-up by id may scan.
    private async Task<TableEntity?> FindByIdAsync(string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Exceptions, cancellationToken);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Id eq {id}"), cancellationToken: cancellationToken))
        {
            return entity;
        }
        return null;
    }

    private static TableEntity Describe(TableEntity entity, NewException exception, DateTimeOffset now)
    {
        entity["ReasonCode"] = exception.Reason.Code;
        entity["Owner"] = exception.Reason.Owner.ToString();
        entity["Title"] = exception.Reason.Title;
        entity["Message"] = exception.Message;
        entity["HowToFix"] = exception.Reason.HowToFix;
        entity["SourceRecord"] = exception.SourceRecord.ToString();
        entity["CorrelationId"] = exception.CorrelationId;
        if (exception.IdempotencyKey is not null)
        {
            entity["IdempotencyKey"] = exception.IdempotencyKey;
        }
        if (exception.Envelope is not null)
        {
            entity["Envelope"] = exception.Envelope.ToJson();
        }
        entity["Status"] = nameof(ExceptionStatus.Open);
        entity["LastSeen"] = now;
        return entity;
    }

    private static ExceptionItem ToItem(TableEntity e) => new(
        e.GetString("Id") ?? "",
        e.GetString("ReasonCode") ?? "",
        Enum.Parse<ExceptionOwner>(e.GetString("Owner") ?? nameof(ExceptionOwner.IntegrationSupport)),
        e.GetString("Title") ?? "",
        e.GetString("Message") ?? "",
        e.GetString("HowToFix") ?? "",
        e.PartitionKey,
        RecordRef.Parse(e.GetString("SourceRecord") ?? "unknown/unknown/unknown"),
        e.GetString("CorrelationId") ?? "",
        e.GetString("IdempotencyKey"),
        Enum.Parse<ExceptionStatus>(e.GetString("Status") ?? nameof(ExceptionStatus.Open)),
        e.GetInt32("Occurrences") ?? 1,
        e.GetDateTimeOffset("FirstSeen") ?? default,
        e.GetDateTimeOffset("LastSeen") ?? default,
        e.GetDateTimeOffset("ResolvedAt"),
        e.GetString("Resolution"))
    {
        EnvelopeJson = e.GetString("Envelope"),
    };

    private static string RowKeyOf(RecordRef record, string reasonCode) => TableKeys.Escape(record.ToString()) + "|" + reasonCode;

    /// <summary>A short stable id for people and URLs; the same record and reason always get the same id.</summary>
    private static string IdOf(string domain, string rowKey) =>
        "EX-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(domain + "|" + rowKey)).AsSpan(0, 6));
}
