using Azure.Identity;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PsaSync.Core.Messaging;
using PsaSync.Hosting;

namespace PsaSync.Functions.Shared;

/// <summary>The bootstrap every function app's Program.cs calls: ASP.NET Core integration, Application Insights, the core, Service Bus.</summary>
public static class FunctionAppHost
{
    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        builder.Services
            .AddApplicationInsightsTelemetryWorkerService()
            .ConfigureFunctionsApplicationInsights();
        // Application Insights has local authentication off: the worker's telemetry signs in with the app's identity.
        builder.Services.Configure<TelemetryConfiguration>(telemetry =>
            telemetry.SetAzureTokenCredential(new ManagedIdentityCredential(
                Environment.GetEnvironmentVariable("AZURE_CLIENT_ID") is { Length: > 0 } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned)));
        builder.Services.AddPsaSync(builder.Configuration);
        builder.Services.AddSingleton<IMessagePublisher, ServiceBusPublisher>();
        return builder.Build();
    }
}
