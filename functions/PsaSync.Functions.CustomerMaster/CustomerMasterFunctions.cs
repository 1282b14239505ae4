using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Functions.Shared;
using PsaSync.Hosting;

namespace PsaSync.Functions.CustomerMaster;

/// <summary>The customer master app's bindings: CRM and ERP webhooks, the domain queue, and customer reconciliation.</summary>
public sealed class CustomerMasterFunctions(
    WebhookIngress ingress,
    IngressLimits limits,
    JobRunner jobs,
    [FromKeyedServices(QueueNames.CustomerMaster)] EnvelopeProcessor processor,
    ServiceBusProcessing serviceBus)
{
    [Function("CrmClosedWonWebhook")]
    public async Task<IActionResult> CrmClosedWon(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/crm/accounts")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "crm/accounts", cancellationToken);

    [Function("ErpCustomerChangedWebhook")]
    public async Task<IActionResult> ErpCustomerChanged(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/erp/customers")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "erp/customers", cancellationToken);

    [Function("CustomerMasterQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.CustomerMaster, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        serviceBus.ProcessAsync(processor, message, actions, cancellationToken);

    [Function("CustomerReconciliation")]
    public Task Reconcile([TimerTrigger("%CustomerReconciliationSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.CustomerReconciliation, cancellationToken);
}
