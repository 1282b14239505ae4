using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;

namespace PsaSync.Storage;

/// <summary>Parked events on Table Storage: partition = the parent they wait for, row = their idempotency key.</summary>
public sealed class TableParkingLot(TableProvider tables) : IParkingLot
{
    public async Task ParkAsync(ParkedItem item, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Parking, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(TableKeys.Escape(item.ParentKey), TableKeys.Escape(item.Envelope.IdempotencyKey))
        {
            ["ParentKey"] = item.ParentKey,
            ["Queue"] = item.Queue,
            ["Domain"] = item.Domain,
            ["Record"] = item.Record.ToString(),
            ["WaitingFor"] = item.WaitingFor,
            ["TimeoutReasonCode"] = item.TimeoutReasonCode,
            ["ParkedAt"] = item.ParkedAt,
            ["Envelope"] = item.Envelope.ToJson(),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public Task<IReadOnlyList<ParkedItem>> ListWaitingForAsync(string parentKey, CancellationToken cancellationToken) =>
        QueryAsync(TableClient.CreateQueryFilter($"PartitionKey eq {TableKeys.Escape(parentKey)}"), cancellationToken);

    public Task<IReadOnlyList<ParkedItem>> ListParkedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        QueryAsync(TableClient.CreateQueryFilter($"ParkedAt lt {cutoff}"), cancellationToken);

    public async Task RemoveAsync(ParkedItem item, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Parking, cancellationToken);
        await table.DeleteEntityAsync(TableKeys.Escape(item.ParentKey), TableKeys.Escape(item.Envelope.IdempotencyKey), ETag.All, cancellationToken);
    }

    private async Task<IReadOnlyList<ParkedItem>> QueryAsync(string filter, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(TableSuffixes.Parking, cancellationToken);
        var items = new List<ParkedItem>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            items.Add(new ParkedItem(
                row.GetString("ParentKey") ?? "",
                row.GetString("Queue") ?? "",
                row.GetString("Domain") ?? "",
                RecordRef.Parse(row.GetString("Record") ?? ""),
                row.GetString("WaitingFor") ?? "",
                row.GetString("TimeoutReasonCode") ?? "",
                row.GetDateTimeOffset("ParkedAt") ?? default,
                EventEnvelope.FromJson(row.GetString("Envelope") ?? "")));
        }
        return items;
    }
}
