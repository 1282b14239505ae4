namespace Azure.Data.Tables;

/// <summary>
/// The parts of a storage connection string that the Table service needs. Supported forms:
/// "UseDevelopmentStorage=true" (Azurite on its default port) and
/// "DefaultEndpointsProtocol=...;AccountName=...;AccountKey=...[;TableEndpoint=...][;EndpointSuffix=...]".
/// Error messages name the missing or malformed setting, never its value: the string carries a key.
/// </summary>
internal sealed record StorageConnectionString(Uri TableEndpoint, TableSharedKeyCredential Credential)
{
    // The well-known, published development storage account that every Azure Storage emulator accepts.
    internal const string DevelopmentAccountName = "devstoreaccount1";
    internal const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public static StorageConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var segment in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Split at the first '=' only: base64 keys end in '='.
            var separator = segment.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
            {
                throw Invalid("every setting must have the form Name=Value");
            }

            settings[segment[..separator].Trim()] = segment[(separator + 1)..].Trim();
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var useDevelopment) && string.Equals(useDevelopment, "true", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageConnectionString(
                new Uri($"http://127.0.0.1:10002/{DevelopmentAccountName}"),
                new TableSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey));
        }

        if (!settings.TryGetValue("AccountName", out var accountName) || accountName.Length == 0)
        {
            throw Invalid(settings.ContainsKey("SharedAccessSignature")
                ? "shared access signatures are not supported by this stand-in; use AccountName and AccountKey"
                : "AccountName is missing");
        }

        if (!settings.TryGetValue("AccountKey", out var accountKey) || accountKey.Length == 0)
        {
            throw Invalid("AccountKey is missing");
        }

        if (!IsBase64(accountKey))
        {
            throw Invalid("AccountKey is not valid base64");
        }

        Uri endpoint;
        if (settings.TryGetValue("TableEndpoint", out var tableEndpoint))
        {
            if (!Uri.TryCreate(tableEndpoint, UriKind.Absolute, out endpoint!) || endpoint.Scheme is not ("http" or "https"))
            {
                throw Invalid("TableEndpoint is not an absolute http or https URI");
            }
        }
        else
        {
            var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol", "https");
            if (protocol is not ("http" or "https"))
            {
                throw Invalid("DefaultEndpointsProtocol must be http or https");
            }

            var suffix = settings.GetValueOrDefault("EndpointSuffix", "core.windows.net");
            if (!Uri.TryCreate($"{protocol}://{accountName}.table.{suffix}", UriKind.Absolute, out endpoint!))
            {
                throw Invalid("AccountName and EndpointSuffix do not form a valid host name");
            }
        }

        return new StorageConnectionString(endpoint, new TableSharedKeyCredential(accountName, accountKey));
    }

    private static bool IsBase64(string value) =>
        Convert.TryFromBase64String(value, new byte[value.Length], out var written) && written > 0;

    private static ArgumentException Invalid(string reason) =>
        new($"The storage connection string is not valid: {reason}.", "connectionString");
}
