using Azure.Core;

namespace Azure.Data.Tables;

/// <summary>Retry, transport and diagnostics options for the table clients.</summary>
public class TableClientOptions : ClientOptions
{
    /// <remarks>
    /// The version is accepted for API parity only: every operation this stand-in implements is defined by
    /// REST version 2019-02-02, which Azure and Azurite both accept, so that is what each request sends.
    /// </remarks>
    public TableClientOptions(ServiceVersion serviceVersion = ServiceVersion.V2020_12_06)
    {
        if (!Enum.IsDefined(serviceVersion))
        {
            throw new ArgumentOutOfRangeException(nameof(serviceVersion), serviceVersion, "Unknown Table service version.");
        }
    }

    public enum ServiceVersion
    {
        V2019_02_02 = 1,
        V2020_12_06 = 2,
    }
}
