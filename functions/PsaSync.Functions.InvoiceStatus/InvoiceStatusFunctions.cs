using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Telemetry;
using PsaSync.Functions.Shared;
using PsaSync.Hosting;

namespace PsaSync.Functions.InvoiceStatus;

/// <summary>
/// The invoice status feedback app's bindings: the poll of the ERP's invoice changes that carries invoices, payments
/// and credits to the PSA, the money-level billing reconciliation, the exception-backlog metrics, and the domain queue
/// (which settles explicitly like every domain's and dead-letters any event it has no handler for, with an
/// EVENT_UNSUPPORTED exception item).
/// </summary>
public sealed class InvoiceStatusFunctions([FromKeyedServices(QueueNames.InvoiceStatus)] EnvelopeProcessor processor, JobRunner jobs)
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

    /// <summary>Reports the open exception items (count and oldest age per reason, owner and domain) of all domains as metrics.</summary>
    [Function("ExceptionBacklog")]
    public Task ReportExceptionBacklog([TimerTrigger("%ExceptionBacklogSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(ExceptionBacklogJob.JobName, cancellationToken);
}
