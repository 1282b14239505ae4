using PsaSync.Connectors.Sandbox;
using PsaSync.Core.Billing;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.TimeExpense;

namespace PsaSync.Hosting;

/// <summary>
/// Everything PsaSync reads from configuration, under the section <c>PsaSync</c> (app settings use
/// <c>PsaSync__Section__Key</c>). docs/configuration.md lists every key; infra sets the Azure ones.
/// </summary>
public sealed class PsaSyncOptions
{
    public const string SectionName = "PsaSync";

    public StorageSettings Storage { get; set; } = new();

    public MessagingSettings Messaging { get; set; } = new();

    public ConnectorSettings Erp { get; set; } = new();

    public ConnectorSettings Psa { get; set; } = new();

    public WebhookSettings Webhooks { get; set; } = new();

    public ParkingSettings Parking { get; set; } = new();

    public BillingOptions Billing { get; set; } = new();

    /// <summary>The ERP's request limits this process keeps to (all domains together).</summary>
    public ErpBudgetOptions ErpBudget { get; set; } = new();

    public CostPostingOptions CostPostings { get; set; } = new();

    /// <summary>Where sandbox systems keep their journals; none means they forget on restart.</summary>
    public string? SandboxDataDirectory { get; set; }
}

public sealed class StorageSettings
{
    /// <summary>A connection string, for Azurite and development only. Azure uses <see cref="TableServiceUri"/> with a managed identity.</summary>
    public string? ConnectionString { get; set; }

    public Uri? TableServiceUri { get; set; }

    public string TablePrefix { get; set; } = "psasync";
}

public sealed class MessagingSettings
{
    public int MaxDeliveryCount { get; set; } = 10;

    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Service Bus namespace host name, e.g. <c>sb-psasync.servicebus.windows.net</c> (function apps only).</summary>
    public string? ServiceBusNamespace { get; set; }
}

public sealed class WebhookSettings
{
    /// <summary>Shared secret per source (psa, crm, erp). In Azure, set them as Key Vault references, never as plain values.</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class ParkingSettings
{
    /// <summary>How long a record may wait for its parent before it becomes an exception item for a person.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromHours(24);
}

public sealed class ConnectorSettings
{
    /// <summary><c>sandbox</c> is the only connector so far.</summary>
    public string Kind { get; set; } = "sandbox";

    public SandboxFaultOptions Faults { get; set; } = new();
}
