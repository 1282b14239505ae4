namespace PsaSync.Storage;

/// <summary>Where the stores live. Table names are the prefix plus a fixed suffix, e.g. <c>psasyncdedupe</c>.</summary>
public sealed class TableStorageOptions
{
    /// <summary>Letters and digits only, starting with a letter; tests use a unique prefix per run.</summary>
    public string TablePrefix { get; set; } = "psasync";

    public string TableName(string suffix) => TablePrefix + suffix;
}

public static class TableSuffixes
{
    public const string Dedupe = "dedupe";
    public const string Trace = "trace";
    public const string CrossReference = "xref";
    public const string Exceptions = "exceptions";
    public const string Watermarks = "watermarks";
    public const string Parking = "parking";
    public const string Reconciliation = "reconciliation";
    public const string Ledger = "ledger";
    public const string Projects = "projects";
    public const string Invoices = "invoices";
    public const string Audit = "audit";
    public const string CostPostings = "costpostings";
    public const string Signatures = "signatures";
}
