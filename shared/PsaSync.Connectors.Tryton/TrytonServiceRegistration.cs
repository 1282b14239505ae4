using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PsaSync.Connectors.Tryton;

public static class TrytonServiceRegistration
{
    /// <summary>
    /// Registers <see cref="TrytonErp"/> and its client, with the options from <c>PsaSync:Erp:Tryton</c> (checked at
    /// startup, so a missing URL or password stops the host with a message naming the setting). The host decides
    /// under which service the connector serves as the ERP port.
    /// </summary>
    public static IServiceCollection AddTrytonErp(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TrytonOptions.SectionName).Get<TrytonOptions>() ?? new TrytonOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(sp => new TrytonJsonRpcClient(new HttpClient(), options, sp.GetService<ILogger<TrytonJsonRpcClient>>()));
        services.AddSingleton<TrytonErp>();
        return services;
    }
}
