using Azure.Identity;
using Microsoft.ApplicationInsights.Extensibility;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PsaSync.Core.Messaging;
using PsaSync.Core.Telemetry;
using PsaSync.Hosting;

namespace PsaSync.Functions.Shared;

/// <summary>The bootstrap every function app's Program.cs calls: ASP.NET Core integration, Application Insights (logs and business telemetry), the core, Service Bus.</summary>
public static class FunctionAppHost
{
    public static IHost Build(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        // The worker's default adaptive sampling would drop business events under load; it is replaced by one that
        // never samples events or exceptions (the host's own sampling in host.json excludes them too).
        builder.Services
            .AddApplicationInsightsTelemetryWorkerService(options => options.EnableAdaptiveSampling = false)
            .ConfigureFunctionsApplicationInsights();
        builder.Services.Configure<TelemetryConfiguration>(telemetry =>
        {
            var processors = telemetry.DefaultTelemetrySink.TelemetryProcessorChainBuilder;
            processors.UseAdaptiveSampling(excludedTypes: "Event;Exception");
            processors.Build();
        });
        // Application Insights has local authentication off: the worker's telemetry signs in with the app's identity.
        builder.Services.Configure<TelemetryConfiguration>(telemetry =>
            telemetry.SetAzureTokenCredential(new ManagedIdentityCredential(
                Environment.GetEnvironmentVariable("AZURE_CLIENT_ID") is { Length: > 0 } clientId ? ManagedIdentityId.FromUserAssignedClientId(clientId) : ManagedIdentityId.SystemAssigned)));
        builder.Services.AddPsaSync(builder.Configuration);
        builder.Services.AddSingleton<IBusinessTelemetry, ApplicationInsightsBusinessTelemetry>();
        builder.Services.AddSingleton<ServiceBusPublisher>();
        builder.Services.AddSingleton<IMessagePublisher>(sp => sp.GetRequiredService<ServiceBusPublisher>());
        builder.Services.AddSingleton<IServiceBusScheduler>(sp => sp.GetRequiredService<ServiceBusPublisher>());
        builder.Services.AddSingleton<ServiceBusProcessing>();
        return builder.Build();
    }
}
