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
        builder.Services.AddPsaSync(builder.Configuration);
        builder.Services.AddSingleton<IMessagePublisher, ServiceBusPublisher>();
        return builder.Build();
    }
}
