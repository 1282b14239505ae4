using System.Globalization;
using PsaSync.Core.Audit;
using Microsoft.Extensions.Logging;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Model;
using PsaSync.Core.Telemetry;
using PsaSync.Core.Tracing;

namespace PsaSync.Core.Messaging;

/// <summary>
/// Processes one delivery of one queued message for a domain, the same way under Service Bus and the local
/// queue: read the envelope, claim its idempotency key, run the handler, record the outcome, and decide how
/// the transport settles the message. It never throws for a business or transient failure; the returned
/// <see cref="Settlement"/> says what to do, and anything dead-lettered has an exception item.
/// </summary>
public sealed class EnvelopeProcessor(
    string domain,
    IEnumerable<IEventHandler> handlers,
    IDedupeLedger ledger,
    ICorrelationLog correlationLog,
    IExceptionStore exceptions,
    DeliveryPolicy policy,
    TimeProvider clock,
    IBusinessTelemetry telemetry,
    ILogger<EnvelopeProcessor> logger)
{
    private readonly Dictionary<string, IEventHandler> _handlers = handlers.ToDictionary(h => h.EventType);

    public string Domain => domain;

    /// <summary>Processes the delivery and settles it through the transport's <paramref name="settler"/>.</summary>
    public async Task<Settlement> ProcessAndSettleAsync(string body, DeliveryInfo delivery, IMessageSettler settler, CancellationToken cancellationToken)
    {
        var settlement = await ProcessAsync(body, delivery, cancellationToken);
        await (settlement.Action switch
        {
            SettlementAction.Complete => settler.CompleteAsync(cancellationToken),
            SettlementAction.Abandon => settler.AbandonAsync(settlement.RetryAfter, cancellationToken),
            _ => settler.DeadLetterAsync(settlement.DeadLetterReason ?? "", settlement.DeadLetterDescription ?? "", cancellationToken),
        });
        return settlement;
    }

    public async Task<Settlement> ProcessAsync(string body, DeliveryInfo delivery, CancellationToken cancellationToken)
    {
        try
        {
            return await ProcessOnceAsync(body, delivery, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failure outside the handler (the dedupe claim, the timeline, the exception store): the message must
            // neither block its queue nor circle past the delivery limit, so it is retried later like a transient
            // failure and dead-lettered with an exception item at the limit.
            logger.LogWarning(ex, "Processing message {MessageId} failed outside its handler (delivery {DeliveryCount})", delivery.MessageId, delivery.DeliveryCount);
            return await FailedOutsideHandlerAsync(body, delivery, $"{ex.GetType().Name}: {ex.Message}", cancellationToken);
        }
    }

    private async Task<Settlement> FailedOutsideHandlerAsync(string body, DeliveryInfo delivery, string error, CancellationToken cancellationToken)
    {
        if (delivery.DeliveryCount < policy.MaxDeliveryCount)
        {
            return Settlement.Abandon(policy.RetryDelay(delivery.DeliveryCount, null));
        }
        var message = $"Gave up after {delivery.DeliveryCount} deliveries. Last error (outside the handler): {error}";
        EventEnvelope? envelope = null;
        try
        {
            envelope = EventEnvelope.FromJson(body);
        }
        catch (EnvelopeFormatException)
        {
            // Read above; cannot happen here, but an unreadable body still gets its item under the message id.
        }
        var record = envelope is not null && RecordRef.TryParse(envelope.Subject, out var subject) ? subject : new RecordRef("queue", domain, delivery.MessageId);
        try
        {
            await exceptions.RaiseAsync(new NewException(ReasonCodes.DeliveryExhausted, message, domain, record,
                envelope?.CorrelationId ?? delivery.MessageId, envelope?.IdempotencyKey, envelope), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Dead-lettered all the same: the dead-letter queue keeps the message and its reason.
            logger.LogError(ex, "No exception item for dead-lettered message {MessageId}; see the dead-letter queue", delivery.MessageId);
        }
        if (envelope is not null)
        {
            try
            {
                await TraceAsync(envelope, TraceSteps.DeadLettered, $"{ReasonCodes.DeliveryExhausted.Code}: {message}", cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not write the dead-lettered step of message {MessageId}", delivery.MessageId);
            }
        }
        logger.LogError("Dead-lettered message {MessageId}: {Reason}", delivery.MessageId, ReasonCodes.DeliveryExhausted.Code);
        telemetry.DeadLettered(domain, envelope?.Type, ReasonCodes.DeliveryExhausted.Code, envelope?.CorrelationId ?? delivery.MessageId);
        return Settlement.DeadLetter(ReasonCodes.DeliveryExhausted.Code, message);
    }

    private async Task<Settlement> ProcessOnceAsync(string body, DeliveryInfo delivery, CancellationToken cancellationToken)
    {
        EventEnvelope envelope;
        try
        {
            envelope = EventEnvelope.FromJson(body);
        }
        catch (EnvelopeFormatException ex)
        {
            return await DeadLetterUnreadableAsync(delivery, ex.Message, cancellationToken);
        }

        using var scope = logger.BeginScope(new Dictionary<string, object>
        {
            ["CorrelationId"] = envelope.CorrelationId,
            ["IdempotencyKey"] = envelope.IdempotencyKey,
            ["Domain"] = domain,
        });

        if (!_handlers.TryGetValue(envelope.Type, out var handler))
        {
            return await DeadLetterAsync(envelope, ReasonCodes.UnsupportedEvent,
                $"The {domain} domain has no handler for '{envelope.Type}' (schema version {envelope.SchemaVersion}).", cancellationToken);
        }

        var claim = await ledger.TryClaimAsync(envelope.IdempotencyKey, envelope.CorrelationId, policy.ClaimLease, cancellationToken);
        switch (claim.Status)
        {
            case ClaimStatus.AlreadyCompleted:
                await TraceAsync(envelope, TraceSteps.DuplicateAbsorbed, $"Delivery {delivery.DeliveryCount} of message {delivery.MessageId} was a duplicate; already done: {claim.Outcome}.", cancellationToken);
                logger.LogInformation("Duplicate {EventType} absorbed", envelope.Type);
                telemetry.DuplicateAbsorbed(domain, envelope.Type, envelope.CorrelationId);
                return Settlement.Complete;
            case ClaimStatus.HeldByAnother when delivery.DeliveryCount >= policy.MaxDeliveryCount:
                // Never past the limit without a dead-letter and an item; a replay is absorbed if the holder finished.
                return await DeadLetterAsync(envelope, ReasonCodes.DeliveryExhausted,
                    $"Gave up after {delivery.DeliveryCount} deliveries: the record's idempotency key stayed claimed by another delivery.", cancellationToken);
            case ClaimStatus.HeldByAnother:
                return Settlement.Abandon(policy.RetryDelay(delivery.DeliveryCount, null));
        }

        await TraceAsync(envelope, TraceSteps.Received, $"Processing attempt {claim.Attempts} (delivery {delivery.DeliveryCount}).", cancellationToken);
        telemetry.Received(domain, envelope.Type, envelope.CorrelationId);
        var isRedelivery = claim.Attempts > 1 || delivery.DeliveryCount > 1;
        HandlerResult result;
        try
        {
            // ERP changes the handler makes are audited under this event's timeline.
            using var audit = AuditContext.Begin(envelope.CorrelationId, envelope.Subject);
            result = await handler.HandleAsync(envelope, isRedelivery, cancellationToken);
        }
        catch (EnvelopeFormatException ex)
        {
            // A payload of a newer schema version or a shape this build cannot read: retrying will not help.
            return await DeadLetterAsync(envelope, ReasonCodes.UnsupportedEvent, ex.Message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Handler for {EventType} failed unexpectedly", envelope.Type);
            result = new HandlerResult.RetryLater($"{ex.GetType().Name}: {ex.Message}");
        }

        switch (result)
        {
            case HandlerResult.Done done:
                await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Completed, done.Outcome, cancellationToken);
                telemetry.Posted(domain, envelope.Type, envelope.CorrelationId, clock.GetUtcNow() - envelope.Time);
                if (isRedelivery)
                {
                    await exceptions.ResolveForRecordAsync(domain, SubjectOf(envelope), "A later attempt succeeded.", cancellationToken);
                }
                return Settlement.Complete;

            case HandlerResult.Rejected rejected:
                await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Rejected, rejected.ReasonCode, cancellationToken);
                await TraceAsync(envelope, TraceSteps.Rejected, $"Rejected with reason {rejected.ReasonCode}; see the exception list.", cancellationToken);
                telemetry.Rejected(domain, envelope.Type, rejected.ReasonCode, envelope.CorrelationId);
                return Settlement.Complete;

            case HandlerResult.Parked parked:
                // Recorded like a rejection so that the re-drive can claim the key again.
                await ledger.RecordOutcomeAsync(claim, DedupeOutcome.Rejected, $"parked: waiting for {parked.WaitingFor}", cancellationToken);
                await TraceAsync(envelope, TraceSteps.Parked, $"Parked until {parked.WaitingFor} syncs.", cancellationToken);
                return Settlement.Complete;

            case HandlerResult.RetryLater retry:
                await ledger.ReleaseAsync(claim, retry.Reason, cancellationToken);
                if (delivery.DeliveryCount >= policy.MaxDeliveryCount)
                {
                    return await DeadLetterAsync(envelope, ReasonCodes.DeliveryExhausted,
                        $"Gave up after {delivery.DeliveryCount} deliveries. Last error: {retry.Reason}", cancellationToken);
                }
                var delay = policy.RetryDelay(delivery.DeliveryCount, retry.After);
                await TraceAsync(envelope, TraceSteps.RetryScheduled, string.Create(CultureInfo.InvariantCulture, $"{retry.Reason}. Retrying in {delay.TotalSeconds:0.#} s."), cancellationToken);
                return Settlement.Abandon(delay);

            default:
                throw new InvalidOperationException($"Unknown handler result {result.GetType().Name}.");
        }
    }

    private async Task<Settlement> DeadLetterAsync(EventEnvelope envelope, ReasonCode reason, string message, CancellationToken cancellationToken)
    {
        await exceptions.RaiseAsync(new NewException(reason, message, domain, SubjectOf(envelope), envelope.CorrelationId, envelope.IdempotencyKey, envelope), cancellationToken);
        await TraceAsync(envelope, TraceSteps.DeadLettered, $"{reason.Code}: {message}", cancellationToken);
        logger.LogError("Dead-lettered {EventType}: {Reason}", envelope.Type, reason.Code);
        telemetry.DeadLettered(domain, envelope.Type, reason.Code, envelope.CorrelationId);
        return Settlement.DeadLetter(reason.Code, message);
    }

    private async Task<Settlement> DeadLetterUnreadableAsync(DeliveryInfo delivery, string problem, CancellationToken cancellationToken)
    {
        var record = new RecordRef("queue", domain, delivery.MessageId);
        await exceptions.RaiseAsync(new NewException(ReasonCodes.UnreadableMessage, problem, domain, record, delivery.MessageId, null), cancellationToken);
        logger.LogError("Dead-lettered unreadable message {MessageId}", delivery.MessageId);
        // An unreadable body has no correlation id; the message id is what its exception item carries instead.
        telemetry.DeadLettered(domain, null, ReasonCodes.UnreadableMessage.Code, delivery.MessageId);
        return Settlement.DeadLetter(ReasonCodes.UnreadableMessage.Code, problem);
    }

    private Task TraceAsync(EventEnvelope envelope, string step, string detail, CancellationToken cancellationToken) =>
        correlationLog.AppendAsync(new TraceEntry(envelope.CorrelationId, clock.GetUtcNow(), domain, step, detail, SubjectOf(envelope)), cancellationToken);

    private static RecordRef SubjectOf(EventEnvelope envelope) =>
        RecordRef.Parse(envelope.Subject);
}
