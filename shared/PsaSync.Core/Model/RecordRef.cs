namespace PsaSync.Core.Model;

/// <summary>The systems PsaSync connects. Values are stable: they appear in keys and in stored records.</summary>
public static class SystemNames
{
    public const string Psa = "psa";
    public const string Erp = "erp";
    public const string Crm = "crm";

    /// <summary>Not a system: the customer key projects refer to (see <see cref="Customer.CustomerKey"/>), kept in the cross references.</summary>
    public const string CustomerKey = "key";
}

/// <summary>Entity kinds, as they appear in keys, exception items and traces.</summary>
public static class EntityKinds
{
    public const string Customer = "customer";
    public const string Project = "project";
    public const string TimeEntry = "time-entry";
    public const string Expense = "expense";
    public const string Milestone = "milestone";
    public const string Invoice = "invoice";
    public const string Payment = "payment";
}

/// <summary>Points at one record in one system, e.g. <c>psa/time-entry/TE-1001</c>.</summary>
public sealed record RecordRef(string System, string Kind, string Id)
{
    public override string ToString() => $"{System}/{Kind}/{Id}";

    public static RecordRef Parse(string value) =>
        TryParse(value, out var record) ? record : throw new FormatException($"'{value}' is not a record reference of the form system/kind/id.");

    public static bool TryParse(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RecordRef? record)
    {
        var parts = value?.Split('/', 3) ?? [];
        record = parts.Length == 3 && !parts.Any(string.IsNullOrWhiteSpace) ? new RecordRef(parts[0], parts[1], parts[2]) : null;
        return record is not null;
    }
}
