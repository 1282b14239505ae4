using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using PsaSync.Core.Billing;

namespace PsaSync.Workflow.Billing;

/// <summary>The billing orchestration and its activities, registered once for every host of the Durable Task engine.</summary>
public static class BillingTasks
{
    /// <summary>Every billing activity type, by the name the orchestrator calls it (the Functions app declares one activity function per entry).</summary>
    public static IReadOnlyDictionary<string, Type> Activities { get; } = new Dictionary<string, Type>
    {
        [BillingActivityNames.RunCheck] = typeof(RunBillingCheck),
        [BillingActivityNames.RaiseBlocks] = typeof(RaiseBillingBlocks),
        [BillingActivityNames.Reserve] = typeof(ReserveBillingEntries),
        [BillingActivityNames.CreateDraft] = typeof(CreateDraftInvoice),
        [BillingActivityNames.SetLines] = typeof(SetInvoiceLines),
        [BillingActivityNames.Post] = typeof(PostInvoice),
        [BillingActivityNames.MarkBilled] = typeof(MarkEntriesBilled),
        [BillingActivityNames.RecordIssued] = typeof(RecordInvoiceIssued),
        [BillingActivityNames.UndoInvoice] = typeof(UndoInvoice),
        [BillingActivityNames.Release] = typeof(ReleaseBillingEntries),
        [BillingActivityNames.RaiseCompensated] = typeof(RaiseBillingCompensated),
        [BillingActivityNames.RaiseRunFailed] = typeof(RaiseBillingRunFailed),
    };

    /// <summary>Registers the activities (and what they share) as singletons; their own dependencies come from the host.</summary>
    public static IServiceCollection AddBillingActivities(this IServiceCollection services)
    {
        services.AddSingleton<BillingContext>();
        foreach (var type in Activities.Values)
        {
            services.AddSingleton(type);
        }
        return services;
    }

    /// <summary>
    /// Adds the orchestrator and the activities to a Durable Task worker. Activities are resolved from
    /// <paramref name="services"/> when given (a host whose application container is not the worker's), else from the worker's.
    /// </summary>
    public static DurableTaskRegistry AddBillingTasks(this DurableTaskRegistry registry, BillingOptions options, IServiceProvider? services = null) =>
        registry.AddBillingTasks(() => options, services);

    /// <summary>As above, for a host whose options exist only once its container is built (read when an orchestration first runs).</summary>
    public static DurableTaskRegistry AddBillingTasks(this DurableTaskRegistry registry, Func<BillingOptions> options, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        registry.AddOrchestrator(BillingReadinessOrchestrator.Name, () => new BillingReadinessOrchestrator(options()));
        foreach (var (name, type) in Activities)
        {
            registry.AddActivity(name, worker => (ITaskActivity)(services ?? worker).GetRequiredService(type));
        }
        return registry;
    }
}
