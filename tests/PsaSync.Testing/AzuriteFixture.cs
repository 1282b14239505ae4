using PsaSync.Azurite;
using Xunit;

namespace PsaSync.Testing;

/// <summary>
/// One in-memory Azurite on a free port, shared by every test of an assembly. Each test assembly declares its
/// own collection over it (xunit only finds collection definitions in the test assembly itself).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteTableEmulator? _emulator;

    public AzuriteTableEmulator Emulator => _emulator ?? throw new InvalidOperationException("Azurite has not started.");

    public string ConnectionString => Emulator.ConnectionString;

    /// <summary>A table prefix unique to one test: a letter and 12 hex digits.</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync() => _emulator = await AzuriteTableEmulator.StartAsync(new AzuriteOptions());

    public async Task DisposeAsync()
    {
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}
