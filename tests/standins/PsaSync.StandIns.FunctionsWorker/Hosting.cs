using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PsaSync.StandIns;

namespace Microsoft.Azure.Functions.Worker.Builder
{
    public class FunctionsApplication
    {
        public static FunctionsApplicationBuilder CreateBuilder(string[] args) => throw StandIn.NotAvailable();
    }

    public class FunctionsApplicationBuilder : IHostApplicationBuilder
    {
        internal FunctionsApplicationBuilder()
        {
        }

        public IDictionary<object, object> Properties => throw StandIn.NotAvailable();

        public ConfigurationManager Configuration => throw StandIn.NotAvailable();

        IConfigurationManager IHostApplicationBuilder.Configuration => Configuration;

        public IHostEnvironment Environment => throw StandIn.NotAvailable();

        public ILoggingBuilder Logging => throw StandIn.NotAvailable();

        public IMetricsBuilder Metrics => throw StandIn.NotAvailable();

        public IServiceCollection Services => throw StandIn.NotAvailable();

        public IHost Build() => throw StandIn.NotAvailable();

        public void ConfigureContainer<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory, Action<TContainerBuilder>? configure = null)
            where TContainerBuilder : notnull => throw StandIn.NotAvailable();
    }

    public static class FunctionsApplicationBuilderAspNetCoreExtensions
    {
        public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) => throw StandIn.NotAvailable();
    }
}

namespace Microsoft.Azure.Functions.Worker
{
    public static class FunctionsApplicationInsightsExtensions
    {
        public static IServiceCollection ConfigureFunctionsApplicationInsights(this IServiceCollection services) => throw StandIn.NotAvailable();
    }
}
