namespace Microsoft.Azure.Functions.Worker.Extensions.Abstractions
{
    public abstract class BindingAttribute : Attribute
    {
    }

    public abstract class TriggerBindingAttribute : BindingAttribute
    {
    }

    public abstract class InputBindingAttribute : BindingAttribute
    {
    }
}

namespace Microsoft.Azure.Functions.Worker
{
    using Microsoft.Azure.Functions.Worker.Extensions.Abstractions;

    [AttributeUsage(AttributeTargets.Method)]
    public class FunctionAttribute(string name) : Attribute
    {
        public string Name { get; } = name;
    }

    public enum AuthorizationLevel
    {
        Anonymous = 0,
        User = 1,
        Function = 2,
        System = 3,
        Admin = 4,
    }

    public sealed class HttpTriggerAttribute : TriggerBindingAttribute
    {
        public HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods)
        {
            AuthLevel = authLevel;
            Methods = methods;
        }

        public string? Route { get; set; }

        public string[]? Methods { get; private set; }

        public AuthorizationLevel AuthLevel { get; private set; }
    }

    public sealed class ServiceBusTriggerAttribute(string queueName) : TriggerBindingAttribute
    {
        public string? QueueName { get; } = queueName;

        public string? Connection { get; set; }

        public bool AutoCompleteMessages { get; set; }

        public bool IsSessionsEnabled { get; set; }
    }

    public sealed class TimerTriggerAttribute(string schedule) : TriggerBindingAttribute
    {
        public string Schedule { get; private set; } = schedule;

        public bool UseMonitor { get; set; } = true;

        public bool RunOnStartup { get; set; }
    }

    public class TimerInfo
    {
        public ScheduleStatus? ScheduleStatus { get; set; }

        public bool IsPastDue { get; set; }
    }

    public class ScheduleStatus
    {
        public DateTime Last { get; set; }

        public DateTime Next { get; set; }

        public DateTime LastUpdated { get; set; }
    }
}
