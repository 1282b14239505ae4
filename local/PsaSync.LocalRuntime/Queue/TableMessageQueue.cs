using System.Globalization;
using Azure;
using Azure.Data.Tables;
using PsaSync.Core.Events;
using PsaSync.Core.Messaging;
using PsaSync.Storage;

namespace PsaSync.LocalRuntime.Queue;

/// <summary>A message received under a lock; <see cref="LockVersion"/> proves the lock at settlement.</summary>
public sealed record LockedMessage(string Queue, string RowKey, string MessageId, string Body, int DeliveryCount, ETag LockVersion);

/// <summary>
/// Service Bus peek-lock semantics on Azurite tables, for the local runtime: a received message is hidden for
/// the lock duration and counted as a delivery; complete deletes it, abandon makes it visible again (after a
/// delay), dead-letter moves it to the dead-letter table with a reason. Everything is in storage, so a killed
/// and restarted runtime loses nothing it acknowledged: an unsettled message simply reappears.
/// </summary>
public sealed class TableMessageQueue(TableProvider tables, TimeProvider clock) : IMessagePublisher
{
    public const string QueueSuffix = "queue";
    public const string DeadLetterSuffix = "deadletter";

    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long staged messages of a large publication stay hidden if the publisher dies before it shows them.</summary>
    public TimeSpan StagingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Stores the envelopes all or none. Up to 100 are one entity-group transaction. More are first stored hidden
    /// (staged), then shown together; if staging fails, what was staged is deleted, so nothing of the call is
    /// processed. Once everything is staged the call is accepted: if showing fails part-way, the rest shows itself
    /// after <see cref="StagingTimeout"/>. Only when a failed staging cannot be taken back does it throw
    /// <see cref="PartiallyPublishedException"/>.
    /// </summary>
    public async Task PublishAsync(string queueName, IReadOnlyList<EventEnvelope> envelopes, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(QueueSuffix, cancellationToken);
        var now = clock.GetUtcNow();
        var staged = envelopes.Count > TableBatches.MaxRows;
        var rows = envelopes.Select((envelope, i) => new TableEntity(queueName, string.Create(CultureInfo.InvariantCulture, $"{now.UtcTicks:D19}-{i:D5}-{Guid.NewGuid():N}"))
        {
            ["MessageId"] = envelope.Id,
            ["Body"] = envelope.ToJson(),
            ["VisibleAt"] = staged ? now + StagingTimeout : now,
            ["DeliveryCount"] = 0,
            ["EnqueuedAt"] = now,
        }).ToList();
        if (!staged)
        {
            // One partition per queue, so up to 100 messages are stored atomically in one transaction.
            await table.SubmitTransactionAsync(rows.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
            return;
        }

        var stored = new List<TableEntity[]>();
        try
        {
            foreach (var chunk in rows.Chunk(TableBatches.MaxRows))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
                stored.Add(chunk);
            }
        }
        catch (Exception ex) when (stored.Count > 0)
        {
            try
            {
                foreach (var chunk in stored)
                {
                    await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), CancellationToken.None);
                }
            }
            catch (Exception rollback) when (rollback is not OperationCanceledException)
            {
                throw new PartiallyPublishedException(queueName, stored.Sum(c => c.Length), rows.Count, ex);
            }
            throw;
        }

        try
        {
            foreach (var chunk in stored)
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateMerge,
                    new TableEntity(r.PartitionKey, r.RowKey) { ["VisibleAt"] = now }, ETag.All)), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Every message is stored; those not shown yet show themselves after the staging timeout.
        }
    }

    public async Task<IReadOnlyList<LockedMessage>> ReceiveAsync(string queueName, int maxMessages, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(QueueSuffix, cancellationToken);
        var now = clock.GetUtcNow();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {queueName} and VisibleAt le {now}");
        var received = new List<LockedMessage>();
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: maxMessages, cancellationToken: cancellationToken).AsPages())
        {
            foreach (var row in page.Values.Take(maxMessages))
            {
                var deliveryCount = (row.GetInt32("DeliveryCount") ?? 0) + 1;
                row["DeliveryCount"] = deliveryCount;
                row["VisibleAt"] = now + LockDuration;
                try
                {
                    var locked = await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellationToken);
                    received.Add(new LockedMessage(queueName, row.RowKey, row.GetString("MessageId") ?? row.RowKey,
                        row.GetString("Body") ?? "", deliveryCount, locked.Headers.ETag ?? default));
                }
                catch (RequestFailedException ex) when (ex.Status is 412 or 404)
                {
                    // Another worker locked or settled it first.
                }
            }
            break;
        }
        return received;
    }

    public async Task CompleteAsync(LockedMessage message, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(QueueSuffix, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(message.Queue, message.RowKey, message.LockVersion, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // The lock expired and another worker has the message now; that delivery will be absorbed as a duplicate.
        }
    }

    public async Task AbandonAsync(LockedMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(QueueSuffix, cancellationToken);
        var row = new TableEntity(message.Queue, message.RowKey) { ["VisibleAt"] = clock.GetUtcNow() + delay };
        try
        {
            await table.UpdateEntityAsync(row, message.LockVersion, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            // The lock expired meanwhile; the message is visible again anyway.
        }
    }

    public async Task DeadLetterAsync(LockedMessage message, string reason, string description, CancellationToken cancellationToken)
    {
        // Prove the lock first (a conditional touch of the queue row): a worker that lost its lock must not
        // dead-letter a message that is now another worker's, as Service Bus refuses with MessageLockLost.
        var table = await tables.GetAsync(QueueSuffix, cancellationToken);
        ETag lockVersion;
        try
        {
            var touched = await table.UpdateEntityAsync(new TableEntity(message.Queue, message.RowKey) { ["DeadLettering"] = true },
                message.LockVersion, TableUpdateMode.Merge, cancellationToken);
            lockVersion = touched.Headers.ETag ?? default;
        }
        catch (RequestFailedException ex) when (ex.Status is 412 or 404)
        {
            return;
        }
        var deadLetters = await tables.GetAsync(DeadLetterSuffix, cancellationToken);
        await deadLetters.UpsertEntityAsync(new TableEntity(message.Queue, message.RowKey)
        {
            ["MessageId"] = message.MessageId,
            ["Body"] = message.Body,
            ["DeadLetterReason"] = reason,
            ["DeadLetterDescription"] = description.Length > 4000 ? description[..4000] : description,
            ["DeliveryCount"] = message.DeliveryCount,
            ["DeadLetteredAt"] = clock.GetUtcNow(),
        }, TableUpdateMode.Replace, cancellationToken);
        await CompleteAsync(message with { LockVersion = lockVersion }, cancellationToken);
    }

    /// <summary>Messages still in the queue, visible or locked: zero means drained.</summary>
    public Task<int> CountAsync(string queueName, CancellationToken cancellationToken) => CountRowsAsync(QueueSuffix, queueName, cancellationToken);

    public Task<int> CountDeadLettersAsync(string queueName, CancellationToken cancellationToken) => CountRowsAsync(DeadLetterSuffix, queueName, cancellationToken);

    private async Task<int> CountRowsAsync(string suffix, string queueName, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(suffix, cancellationToken);
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {queueName}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            count++;
        }
        return count;
    }
}
