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

namespace PsaSync.Functions.ProjectSetup;

/// <summary>The project setup app's bindings: the PSA project webhook, the domain queue, project reconciliation and the parking sweep.</summary>
public sealed class ProjectSetupFunctions(
    WebhookIngress ingress,
    IngressLimits limits,
    JobRunner jobs,
    [FromKeyedServices(QueueNames.ProjectSetup)] EnvelopeProcessor processor,
    ServiceBusProcessing serviceBus)
{
    [Function("PsaProjectWebhook")]
    public async Task<IActionResult> ProjectChanged(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/psa/projects")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "psa/projects", cancellationToken);

    [Function("ProjectSetupQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.ProjectSetup, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        serviceBus.ProcessAsync(processor, message, actions, cancellationToken);

    [Function("ProjectReconciliation")]
    public Task Reconcile([TimerTrigger("%ProjectReconciliationSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.ProjectReconciliation, cancellationToken);

    [Function("ParkingSweep")]
    public Task SweepParkedRecords([TimerTrigger("%ParkingSweepSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        jobs.RunAsync(JobNames.ParkingSweep, cancellationToken);
}
