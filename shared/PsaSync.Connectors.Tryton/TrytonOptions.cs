using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

/// <summary>
/// Where the Tryton server is and who PsaSync logs in as (section <c>PsaSync:Erp:Tryton</c>), and the reference data
/// Tryton has no place for. The password comes from settings: a Key Vault reference in Azure, never a literal.
/// </summary>
public sealed class TrytonOptions
{
    public const string SectionName = "PsaSync:Erp:Tryton";

    /// <summary>The server root, e.g. http://127.0.0.1:8000/ (the database name is appended to it).</summary>
    public Uri? Url { get; set; }

    public string Database { get; set; } = "psa";

    public string User { get; set; } = "psa_sync";

    public string Password { get; set; } = "";

    /// <summary>How long one request may take; a write that times out is reported as ambiguous.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a read is tried when Tryton is unavailable or slow (writes are tried once).</summary>
    public int ReadAttempts { get; set; } = 3;

    /// <summary>The code of the service product invoice lines are booked to (created by scripts/tryton.sh init).</summary>
    public string ServiceProductCode { get; set; } = "PSA-SERVICE";

    /// <summary>The PsaSync legal entity the Tryton company stands for (Tryton has one company per database here).</summary>
    public string LegalEntity { get; set; } = "PSUS";

    /// <summary>The country of that legal entity.</summary>
    public string LegalEntityCountry { get; set; } = "US";

    /// <summary>Tax codes PsaSync may name. Tryton applies the taxes of the service product, not these codes.</summary>
    public List<string> TaxCodes { get; set; } = ["US-EXEMPT"];

    /// <summary>Financial dimensions by practice: Tryton 6.0 has no analytic setup in this module set.</summary>
    public Dictionary<string, ErpDimensions> DimensionsByPractice { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Advisory"] = new("CC-100", "DEP-ADV", "REV-SERVICES"),
        ["Engineering"] = new("CC-200", "DEP-ENG", "REV-SERVICES"),
        ["Managed"] = new("CC-300", "DEP-MS", "REV-RECURRING"),
    };

    /// <summary>Throws a readable error naming the missing settings (never their values).</summary>
    public void Validate()
    {
        var missing = new List<string>();
        if (Url is null)
        {
            missing.Add("Url");
        }
        if (string.IsNullOrWhiteSpace(Database))
        {
            missing.Add("Database");
        }
        if (string.IsNullOrWhiteSpace(User))
        {
            missing.Add("User");
        }
        if (string.IsNullOrEmpty(Password))
        {
            missing.Add("Password");
        }
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The Tryton ERP connector needs {string.Join(", ", missing.Select(m => $"{SectionName}:{m}"))}. scripts/tryton.sh start prints the URL.");
        }
    }
}
