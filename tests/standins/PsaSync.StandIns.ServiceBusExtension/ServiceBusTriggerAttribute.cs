using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

namespace Microsoft.Azure.Functions.Worker;

/// <summary>A Service Bus queue or subscription trigger, declared as the real extension declares it (cardinality aside).</summary>
public sealed class ServiceBusTriggerAttribute : TriggerBindingAttribute
{
    public ServiceBusTriggerAttribute(string queueName) => QueueName = queueName;

    public ServiceBusTriggerAttribute(string topicName, string subscriptionName)
    {
        TopicName = topicName;
        SubscriptionName = subscriptionName;
    }

    public string? Connection { get; set; }

    public string? QueueName { get; }

    public string? TopicName { get; }

    public string? SubscriptionName { get; }

    public bool IsSessionsEnabled { get; set; }

    /// <summary>The Worker SDK's metadata generator reads this default; without it the generator fails (CS8785).</summary>
    [DefaultValue(false)]
    public bool IsBatched { get; set; }

    public bool AutoCompleteMessages { get; set; }
}
