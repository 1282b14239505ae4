using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Functions.Shared;
using PsaSync.Hosting;

namespace PsaSync.Functions.TimeExpense;

/// <summary>The time and expense app's bindings. Each function only translates to the core and back.</summary>
public sealed class TimeExpenseFunctions(
    WebhookIngress ingress,
    IngressLimits limits,
    [FromKeyedServices(QueueNames.TimeExpense)] EnvelopeProcessor processor,
    ServiceBusProcessing serviceBus)
{
    [Function("PsaTimeApprovedWebhook")]
    public async Task<IActionResult> TimeApprovedWebhook(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/psa/time")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "psa/time", cancellationToken);

    [Function("PsaExpenseApprovedWebhook")]
    public async Task<IActionResult> ExpenseApprovedWebhook(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/psa/expenses")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "psa/expenses", cancellationToken);

    [Function("PsaMilestoneCompletedWebhook")]
    public async Task<IActionResult> MilestoneCompletedWebhook(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/psa/milestones")] HttpRequest request,
        CancellationToken cancellationToken) =>
        await IngressHttp.AcceptAsync(ingress, limits, request, "psa/milestones", cancellationToken);

    [Function("TimeExpenseQueue")]
    public Task ProcessQueueMessage(
        [ServiceBusTrigger(QueueNames.TimeExpense, Connection = "ServiceBusConnection", AutoCompleteMessages = false)] ServiceBusReceivedMessage message,
        ServiceBusMessageActions actions,
        CancellationToken cancellationToken) =>
        serviceBus.ProcessAsync(processor, message, actions, cancellationToken);
}
