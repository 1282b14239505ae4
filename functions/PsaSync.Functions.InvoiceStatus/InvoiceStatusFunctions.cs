using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Functions.Shared;
using PsaSync.Hosting;

namespace PsaSync.Functions.InvoiceStatus;

/// <summary>
/// The invoice status feedback app's bindings: the poll of the ERP's invoice changes that carries invoices, payments
/// and credits to the PSA, the money-level billing reconciliation, and the domain queue (which settles explicitly like every domain's and dead-letters any event
/// it has no handler for, with an EVENT_UNSUPPORTED exception item).
/// </summary>
public sealed class InvoiceStatusFunctions(JobRunner jobs, [FromKeyedServices(QueueNames.InvoiceStatus)] EnvelopeProcessor processor)
{
    [Function("InvoiceFeedback")]
    public Task PollInvoiceChanges([TimerTrigger("%InvoiceFeedbackSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.InvoiceFeedback, cancellationToken);

    [Function("BillingReconciliation")]
    public Task Reconcile([TimerTrigger("%BillingReconciliationSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.BillingReconciliation, cancellationToken);

    [Function("InvoiceStatusQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.InvoiceStatus, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        ServiceBusProcessing.ProcessAsync(processor, message, actions, cancellationToken);
}
