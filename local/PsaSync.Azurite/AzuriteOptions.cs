namespace PsaSync.Azurite;

/// <summary>How <see cref="AzuriteTableEmulator.StartAsync"/> finds or starts Azurite's Table service.</summary>
public sealed class AzuriteOptions
{
    /// <summary>Where Azurite keeps its data; null keeps it in memory only, gone when the process ends.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The loopback port. 0 picks a free one and always starts a new Azurite; a fixed port that already
    /// accepts connections is taken to be a running Azurite and reused.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// The azurite-table executable. When null: the PSASYNC_AZURITE_PATH environment variable, else
    /// node_modules/.bin/azurite-table found by searching upward from the application's base directory and
    /// then from the current directory.
    /// </summary>
    public string? ExecutablePath { get; set; }

    /// <summary>How long to wait for Azurite to accept connections.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
