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
    /// <summary>
    /// Key Vault holding the signing secrets (<c>webhook-&lt;source&gt;-current</c> and <c>-previous</c>); when set, the
    /// edge reads them there with the app's identity and ignores <see cref="Secrets"/>. Set in Azure.
    /// </summary>
    public Uri? KeyVaultUri { get; set; }

    /// <summary>How long secrets read from Key Vault are reused; a rotation is picked up within this time, without a restart.</summary>
    public TimeSpan SecretCacheTtl { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Current signing secret per source (psa, crm, erp), used when there is no Key Vault: locally and in tests.</summary>
    public Dictionary<string, string> Secrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The secret each source used before the current one, accepted too during a rotation.</summary>
    public Dictionary<string, string> PreviousSecrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How far a signed call's timestamp may be from the server's clock; older calls are refused as replays.</summary>
    public TimeSpan TimestampTolerance { get; set; } = TimeSpan.FromMinutes(5);

    public int MaxPayloadBytes { get; set; } = 1024 * 1024;

    public int MaxRecordsPerCall { get; set; } = 1000;
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
