using PsaSync.Azurite;

namespace PsaSync.EndToEnd.Tests;

/// <summary>One in-memory Azurite for the whole test assembly; each test uses its own table prefix.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteTableEmulator? _emulator;

    public string ConnectionString => _emulator!.ConnectionString;

    public async Task InitializeAsync() => _emulator = await AzuriteTableEmulator.StartAsync(new AzuriteOptions());

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    public static string NewTablePrefix() => "e2e" + Guid.NewGuid().ToString("N")[..12];
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
