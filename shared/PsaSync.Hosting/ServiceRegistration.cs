using Azure.Data.Tables;
using Azure.Identity;
using Azure.Security.KeyVault.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Audit;
using PsaSync.Core.Billing;
using PsaSync.Core.CrossReference;
using PsaSync.Core.ErpBudget;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Idempotency;
using PsaSync.Core.Ingress;
using PsaSync.Core.InvoiceFeedback;
using PsaSync.Core.MasterData;
using PsaSync.Core.Operations;
using PsaSync.Core.Parking;
using PsaSync.Core.Reconciliation;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Messaging;
using PsaSync.Core.Ports;
using PsaSync.Core.Telemetry;
using PsaSync.Core.TimeExpense;
using PsaSync.Core.Tracing;
using PsaSync.Core.Watermarks;
using PsaSync.Storage;
using PsaSync.Workflow.Billing;

namespace PsaSync.Hosting;

public static class ServiceRegistration
{
    /// <summary>
    /// Registers the core services, stores, connectors, webhook edge and one <see cref="EnvelopeProcessor"/>
    /// per domain (keyed by queue name). The host adds its transport (an <see cref="IMessagePublisher"/>) and where
    /// business telemetry goes (an <see cref="IBusinessTelemetry"/>).
    /// </summary>
    public static IServiceCollection AddPsaSync(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(PsaSyncOptions.SectionName).Get<PsaSyncOptions>() ?? new PsaSyncOptions();
        services.AddSingleton(Options.Create(options));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new DeliveryPolicy
        {
            MaxDeliveryCount = options.Messaging.MaxDeliveryCount,
            FirstRetryDelay = options.Messaging.FirstRetryDelay,
            MaxRetryDelay = options.Messaging.MaxRetryDelay,
            ClaimLease = options.Messaging.ClaimLease,
        });
        services.AddSingleton(new IngressLimits
        {
            MaxPayloadBytes = options.Webhooks.MaxPayloadBytes,
            MaxRecordsPerCall = options.Webhooks.MaxRecordsPerCall,
            TimestampTolerance = options.Webhooks.TimestampTolerance,
        });
        AddWebhookSecrets(services, options.Webhooks);
        services.AddSingleton<WebhookVerifier>();

        services.AddSingleton(_ => CreateTableServiceClient(options.Storage));
        services.AddSingleton(Options.Create(new TableStorageOptions { TablePrefix = options.Storage.TablePrefix }));
        services.AddSingleton<TableProvider>();
        services.AddSingleton<IDedupeLedger, TableDedupeLedger>();
        services.AddSingleton<ICorrelationLog, TableCorrelationLog>();
        services.AddSingleton<ICrossReferenceMap, TableCrossReferenceMap>();
        services.AddSingleton<IExceptionStore, TableExceptionStore>();
        services.AddSingleton<IWatermarkStore, TableWatermarkStore>();
        services.AddSingleton<IParkingLot, TableParkingLot>();
        services.AddSingleton<IReconciliationReports, TableReconciliationReports>();
        services.AddSingleton<TableUnbilledLedger>();
        services.AddSingleton<IUnbilledLedger>(sp => new MeteredUnbilledLedger(
            sp.GetRequiredService<TableUnbilledLedger>(), sp.GetRequiredService<RememberedProjectProfiles>(), sp.GetRequiredService<IBusinessTelemetry>()));
        // Saves go through the remembering wrapper so this process's time checks see a new setup at once.
        services.AddSingleton(sp => new RememberedProjectProfiles(new TableProjectProfiles(sp.GetRequiredService<TableProvider>()),
            options.CostPostings.ProjectLookupCacheDuration, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IProjectProfiles>(sp => sp.GetRequiredService<RememberedProjectProfiles>());
        services.AddSingleton<IInvoiceRegister, TableInvoiceRegister>();
        services.AddSingleton<IAuditLog, TableAuditLog>();
        services.AddSingleton<IPendingCostPostings, TablePendingCostPostings>();
        services.AddSingleton<ISeenSignatures, TableSeenSignatures>();

        AddConnectors(services, options);

        // Every webhook format the connectors know; each mapper names its route and queue.
        foreach (var mapper in typeof(SandboxPsa).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IWebhookMapper).IsAssignableFrom(t)))
        {
            services.AddSingleton(typeof(IWebhookMapper), mapper);
        }
        services.AddSingleton<WebhookIngress>();

        services.AddSingleton<HandlerSupport>();
        services.AddSingleton(options.CostPostings);
        services.AddSingleton<ErpProjectDirectory>();
        services.AddSingleton<PostedTimeRecorder>();
        services.AddSingleton<ReferenceDataCache>();
        services.AddSingleton<ParkedEventRedriver>();
        services.AddSingleton<EventParking>();
        services.AddKeyedSingleton<IEventHandler, CustomerUpsertedHandler>(QueueNames.CustomerMaster);
        services.AddKeyedSingleton<IEventHandler, ProjectChangedHandler>(QueueNames.ProjectSetup);
        services.AddSingleton<TimeReversals>();
        services.AddKeyedSingleton<IEventHandler, TimeApprovedHandler>(QueueNames.TimeExpense);
        services.AddKeyedSingleton<IEventHandler, TimeApprovalRevokedHandler>(QueueNames.TimeExpense);
        services.AddKeyedSingleton<IEventHandler, ExpenseApprovedHandler>(QueueNames.TimeExpense);
        services.AddKeyedSingleton<IEventHandler, MilestoneCompletedHandler>(QueueNames.TimeExpense);
        services.AddKeyedSingleton<IEventHandler, InvoiceChangedHandler>(QueueNames.InvoiceStatus);

        services.AddSingleton(options.Billing);
        services.AddSingleton<BillingChecks>();
        services.AddSingleton<PeriodCloseBilling>();
        services.AddSingleton<BillingReadinessOrchestrator>();
        services.AddBillingActivities();

        services.AddSingleton<JobRunner>();
        services.AddSingleton<OperationsService>();
        services.AddSingleton<IScheduledJob, CustomerReconciliationJob>();
        services.AddSingleton<IScheduledJob, ProjectReconciliationJob>();
        services.AddSingleton<InvoiceChangeApplier>();
        services.AddSingleton<IScheduledJob, InvoiceFeedbackJob>();
        services.AddSingleton<IScheduledJob, BillingReconciliationJob>();
        services.AddSingleton<IScheduledJob, PsaExceptionNotesJob>();
        services.AddSingleton<IScheduledJob, ExceptionBacklogJob>();
        services.AddSingleton<IScheduledJob, CostPostingJob>();
        services.AddSingleton<IScheduledJob>(sp => new ParkingSweepJob(
            sp.GetRequiredService<IParkingLot>(), sp.GetRequiredService<IExceptionStore>(), sp.GetRequiredService<IDedupeLedger>(), sp.GetRequiredService<TimeProvider>())
        {
            MaxWait = options.Parking.MaxWait,
        });
        foreach (var queue in QueueNames.All)
        {
            services.AddKeyedSingleton(queue, (sp, key) => new EnvelopeProcessor(
                (string)key!,
                sp.GetKeyedServices<IEventHandler>(key),
                sp.GetRequiredService<IDedupeLedger>(),
                sp.GetRequiredService<ICorrelationLog>(),
                sp.GetRequiredService<IExceptionStore>(),
                sp.GetRequiredService<DeliveryPolicy>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<IBusinessTelemetry>(),
                sp.GetRequiredService<ILogger<EnvelopeProcessor>>()));
        }
        return services;
    }

    /// <summary>Azure: Key Vault with the app's identity (AZURE_CLIENT_ID picks it). Locally: the settings.</summary>
    private static void AddWebhookSecrets(IServiceCollection services, WebhookSettings webhooks)
    {
        if (webhooks.KeyVaultUri is { } vault)
        {
            services.AddSingleton<IWebhookSecretSource>(sp => new KeyVaultWebhookSecretSource(
                new SecretClient(vault, new DefaultAzureCredential()), webhooks.SecretCacheTtl,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KeyVaultWebhookSecretSource>>()));
        }
        else
        {
            services.AddSingleton<IWebhookSecretSource>(new SettingsWebhookSecretSource(webhooks.Secrets, webhooks.PreviousSecrets));
        }
    }

    /// <summary>The service key under which a host registers its own ERP connector (it is then audited like the sandbox).</summary>
    public const string HostErpKey = "host-erp";

    private static void AddConnectors(IServiceCollection services, PsaSyncOptions options)
    {
        // A host may register another ERP connector under HostErpKey before calling AddPsaSync (the local runtime's
        // Tryton option); otherwise the sandbox is the only ERP this library knows.
        var erpChosenByHost = services.Any(s => s.ServiceType == typeof(IErpConnector) && s.IsKeyedService && Equals(s.ServiceKey, HostErpKey));
        if (!erpChosenByHost)
        {
            RequireKind("Erp", options.Erp.Kind);
        }
        RequireKind("Psa", options.Psa.Kind);
        var journals = options.SandboxDataDirectory;
        if (journals is not null)
        {
            Directory.CreateDirectory(journals);
        }
        services.AddSingleton(_ => new SandboxErp(options.Erp.Faults, journals is null ? null : Path.Combine(journals, "sandbox-erp.jsonl")));
        // Every ERP call of the process goes through one request budget (rate, concurrency, Retry-After), and every ERP
        // change PsaSync makes leaves an audit record; the decorators wrap whichever connector is configured.
        services.AddSingleton(options.ErpBudget);
        services.AddSingleton(sp => new ErpRequestBudget(options.ErpBudget, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IErpConnector>(sp => new AuditingErpConnector(
            new BudgetedErpConnector(
                erpChosenByHost ? sp.GetRequiredKeyedService<IErpConnector>(HostErpKey) : sp.GetRequiredService<SandboxErp>(),
                sp.GetRequiredService<ErpRequestBudget>()),
            sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(_ => new SandboxPsa(options.Psa.Faults, journals is null ? null : Path.Combine(journals, "sandbox-psa.jsonl")));
        services.AddSingleton<IPsaConnector>(sp => sp.GetRequiredService<SandboxPsa>());
    }

    private static void RequireKind(string system, string kind)
    {
        if (!string.Equals(kind, "sandbox", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"PsaSync:{system}:Kind is '{kind}', but this build only has the 'sandbox' {system} connector.");
        }
    }

    /// <summary>Azure: the table endpoint with the managed identity (AZURE_CLIENT_ID picks it). Development: a connection string.</summary>
    public static TableServiceClient CreateTableServiceClient(StorageSettings storage)
    {
        if (storage.TableServiceUri is { } uri)
        {
            return new TableServiceClient(uri, new DefaultAzureCredential());
        }
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            return new TableServiceClient(storage.ConnectionString);
        }
        throw new InvalidOperationException(
            "Table Storage is not configured: set PsaSync:Storage:TableServiceUri (Azure, managed identity) or PsaSync:Storage:ConnectionString (Azurite).");
    }
}
