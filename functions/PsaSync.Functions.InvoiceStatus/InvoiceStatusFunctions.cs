using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Telemetry;
using PsaSync.Functions.Shared;
using PsaSync.Hosting;

namespace PsaSync.Functions.InvoiceStatus;

/// <summary>
/// The invoice status feedback app's bindings: the ERP's invoice webhook and the poll of its invoice changes, which carry
/// invoices, payments and credits to the PSA, the open exception items shown on PSA records, the money-level billing reconciliation,
/// the exception-backlog metrics, and the domain queue
/// (which settles explicitly like every domain's and dead-letters any event it has no handler for, with an
/// EVENT_UNSUPPORTED exception item).
/// </summary>
public sealed class InvoiceStatusFunctions(
    WebhookIngress ingress,
    IngressLimits limits,
    [FromKeyedServices(QueueNames.InvoiceStatus)] EnvelopeProcessor processor,
    ServiceBusProcessing serviceBus,
    JobRunner jobs)
{
    [Function("ErpInvoiceChangedWebhook")]
    public async Task<IActionResult> ErpInvoiceChanged(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/erp/invoices")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "erp/invoices", cancellationToken);

    [Function("InvoiceFeedback")]
    public Task PollInvoiceChanges([TimerTrigger("%InvoiceFeedbackSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.InvoiceFeedback, cancellationToken);

    [Function("PsaExceptionNotes")]
    public Task ShowExceptionsInPsa([TimerTrigger("%PsaExceptionNotesSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.PsaExceptionNotes, cancellationToken);

    [Function("BillingReconciliation")]
    public Task Reconcile([TimerTrigger("%BillingReconciliationSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.BillingReconciliation, cancellationToken);

    [Function("InvoiceStatusQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.InvoiceStatus, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        serviceBus.ProcessAsync(processor, message, actions, cancellationToken);

    /// <summary>Reports the open exception items (count and oldest age per reason, owner and domain) of all domains as metrics.</summary>
    [Function("ExceptionBacklog")]
    public Task ReportExceptionBacklog([TimerTrigger("%ExceptionBacklogSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(ExceptionBacklogJob.JobName, cancellationToken);
}
