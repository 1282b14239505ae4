using System.Globalization;
using System.Text.Json;
using System.Xml;
using PsaSync.Core.Messaging;
using PsaSync.Hosting;
using PsaSync.Infra.Tests.Support;

namespace PsaSync.Infra.Tests;

/// <summary>The Service Bus queues in the compiled template against the messaging contract in shared/PsaSync.Core.</summary>
public sealed class ServiceBusTests
{
    private static ArmResource Queues => Arm.Single("Microsoft.ServiceBus/namespaces/queues");

    private static JsonElement QueueProperties => Queues.Properties;

    [Fact]
    public void The_queues_are_QueueNames_All()
    {
        Assert.Equal(QueueNames.All, Arm.Variable("queueNames").EnumerateArray().Select(q => q.GetString()!));

        // One queue resource, deployed once per name the module is given, and main gives it queueNames.
        Assert.Equal("variables('queueNames')", Arm.ModuleParameter(Arm.Module("servicebus"), "queueNames"));
        Assert.Equal("[length(parameters('queueNames'))]", Queues.Resource.GetProperty("copy").GetProperty("count").GetString());
        Assert.Equal("[format('{0}/{1}', parameters('name'), parameters('queueNames')[copyIndex()])]", Queues.Resource.GetProperty("name").GetString());
    }

    [Fact]
    public void Max_delivery_count_equals_the_delivery_policy_in_the_queues_and_the_app_setting()
    {
        var maxDeliveryCount = Arm.Variable("maxDeliveryCount").GetInt32();

        Assert.Equal(new DeliveryPolicy().MaxDeliveryCount, maxDeliveryCount);
        Assert.Equal(new PsaSyncOptions().Messaging.MaxDeliveryCount, maxDeliveryCount);
        Assert.Equal(maxDeliveryCount.ToString(CultureInfo.InvariantCulture), Templates.SampleSettings()["PsaSync__Messaging__MaxDeliveryCount"]);

        // One variable feeds both the queues and PsaSync__Messaging__MaxDeliveryCount.
        Assert.Equal("parameters('maxDeliveryCount')", ArmExpression.Normalize(QueueProperties.GetProperty("maxDeliveryCount")));
        Assert.Equal("variables('maxDeliveryCount')", Arm.ModuleParameter(Arm.Module("servicebus"), "maxDeliveryCount"));
        Assert.Equal("variables('maxDeliveryCount')", Arm.ModuleParameter(Arm.Module("functionApps"), "maxDeliveryCount"));
        Assert.Equal("string(parameters('maxDeliveryCount'))", Templates.CommonSettingValue("PsaSync__Messaging__MaxDeliveryCount"));
    }

    [Fact]
    public void Every_app_may_send_to_the_queue_it_reads_because_a_retry_that_waits_is_a_scheduled_copy_on_it()
    {
        Assert.All(Templates.Apps, app => Assert.Contains(app.ReceivesFrom, app.SendsTo));
    }

    [Fact]
    public void Duplicate_detection_is_on_with_a_window_Service_Bus_accepts()
    {
        Assert.True(QueueProperties.GetProperty("requiresDuplicateDetection").GetBoolean());
        Assert.Equal("parameters('duplicateDetectionWindow')", ArmExpression.Normalize(QueueProperties.GetProperty("duplicateDetectionHistoryTimeWindow")));
        Assert.Equal("variables('duplicateDetectionWindow')", Arm.ModuleParameter(Arm.Module("servicebus"), "duplicateDetectionWindow"));

        var window = XmlConvert.ToTimeSpan(Arm.Variable("duplicateDetectionWindow").GetString()!);
        Assert.InRange(window, TimeSpan.FromSeconds(20), TimeSpan.FromDays(7));
    }

    [Fact]
    public void Messages_are_locked_for_the_claim_lease_dead_lettered_on_expiry_and_not_in_sessions()
    {
        Assert.Equal(new DeliveryPolicy().ClaimLease, XmlConvert.ToTimeSpan(QueueProperties.GetProperty("lockDuration").GetString()!));
        Assert.True(QueueProperties.GetProperty("deadLetteringOnMessageExpiration").GetBoolean());
        Assert.False(QueueProperties.GetProperty("requiresSession").GetBoolean());
    }

    [Fact]
    public void The_namespace_is_Standard_without_local_authentication()
    {
        var serviceBus = Arm.Single("Microsoft.ServiceBus/namespaces");
        Assert.Equal("Standard", serviceBus.Resource.GetProperty("sku").GetProperty("name").GetString());
        Assert.True(serviceBus.Properties.GetProperty("disableLocalAuth").GetBoolean());
        Assert.Empty(Arm.OfType("Microsoft.ServiceBus/namespaces/AuthorizationRules"));
        Assert.Empty(Arm.OfType("Microsoft.ServiceBus/namespaces/queues/authorizationRules"));
    }

    [Fact]
    public void Every_Service_Bus_trigger_reads_a_domain_queue_with_the_identity_based_connection_and_settles_itself()
    {
        var triggers = Templates.Services.SelectMany(s => FunctionMetadata.Functions(s.ProjectFolder)).Where(f => f.TriggerType == "serviceBusTrigger").ToList();

        Assert.NotEmpty(triggers);
        foreach (var trigger in triggers)
        {
            Assert.Contains(trigger.String("queueName"), QueueNames.All);
            var connection = trigger.String("connection");
            Assert.False(string.IsNullOrEmpty(connection), $"{trigger}: no connection setting.");
            Assert.Equal("'managedidentity'", Templates.CommonSettingValue($"{connection}__credential"));
            // The processor completes, retries or dead-letters each message itself, after its effect is recorded.
            Assert.False(trigger.Trigger.GetProperty("autoCompleteMessages").GetBoolean(), $"{trigger} lets the host complete messages.");
        }
    }

    [Fact]
    public void Each_app_receives_from_the_queue_of_its_trigger_and_sends_to_the_queues_of_its_webhooks()
    {
        var routeQueues = CodeFacts.WebhookQueues();
        foreach (var service in Templates.Services)
        {
            var app = Templates.App(service.Name);
            var bindings = FunctionMetadata.Bindings(service.ProjectFolder);

            Assert.Equal(app.ReceivesFrom, Assert.Single(bindings.TriggerQueues));
            Assert.Equal("variables('apps')[copyIndex()].receivesFrom", Arm.ModuleParameter(Arm.Module("appAccess"), "receivesFrom"));
            Assert.Equal("variables('apps')[copyIndex()].sendsTo", Arm.ModuleParameter(Arm.Module("appAccess"), "sendsTo"));
            foreach (var route in bindings.WebhookRoutes)
            {
                Assert.True(routeQueues.TryGetValue(route, out var queue), $"No webhook mapper serves {route}.");
                Assert.Contains(queue, app.SendsTo);
            }
        }
    }

    [Fact]
    public void Each_parent_app_may_re_drive_the_parked_events_of_its_children_to_their_queue()
    {
        // A child waits in the parking lot with its own domain's queue; when the parent syncs, the parent's handler
        // (in the parent's app) publishes it to that queue again: projects after their customer, and time, expenses
        // and milestones after their project.
        var projectHandler = Repo.Read("shared/PsaSync.Core/MasterData/ProjectChangedHandler.cs");
        var customerHandler = Repo.Read("shared/PsaSync.Core/MasterData/CustomerUpsertedHandler.cs");
        Assert.Contains("ParentWait.Customer(", projectHandler, StringComparison.Ordinal);
        Assert.Contains("parking.ReleaseAsync(Domain, envelope, record, ParentKeys.Customer(", customerHandler, StringComparison.Ordinal);
        Assert.Contains(QueueNames.ProjectSetup, Templates.App("customer-master").SendsTo);

        foreach (var child in new[] { "TimeApprovedHandler", "ExpenseApprovedHandler", "MilestoneCompletedHandler" })
        {
            Assert.Contains("parking.ParkAsync(Domain, envelope, record, ParentWait.Project(", Repo.Read($"shared/PsaSync.Core/TimeExpense/{child}.cs"), StringComparison.Ordinal);
        }
        Assert.Contains("parking.ReleaseAsync(Domain, envelope, record, ParentKeys.Project(", projectHandler, StringComparison.Ordinal);
        Assert.Contains(QueueNames.TimeExpense, Templates.App("project-setup").SendsTo);
    }

    [Fact]
    public void The_app_with_the_operations_API_may_replay_to_every_domain_queue()
    {
        // OperationsService.ReplayAsync publishes a failed event again to the queue of its domain.
        Assert.Contains("publisher.PublishAsync(item.Domain", Repo.Read("shared/PsaSync.Core/Operations/OperationsService.cs"), StringComparison.Ordinal);
        var hosts = Templates.Services.Where(s => Repo.Files(s.ProjectFolder, "*.cs").Any(f => File.ReadAllText(f).Contains("OperationsService", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(hosts);
        foreach (var host in hosts)
        {
            Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), Templates.App(host.Name).SendsTo.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Every_queue_has_one_receiving_app_and_apps_name_only_queues_that_exist()
    {
        var apps = Templates.Apps;

        Assert.Equal(QueueNames.All.Order(StringComparer.Ordinal), apps.Select(a => a.ReceivesFrom).Order(StringComparer.Ordinal));
        Assert.All(apps.SelectMany(a => a.SendsTo), q => Assert.Contains(q, QueueNames.All));
    }
}
