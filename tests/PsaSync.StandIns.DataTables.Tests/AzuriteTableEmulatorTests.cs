using Azure.Data.Tables;
using PsaSync.Azurite;

namespace PsaSync.StandIns.DataTables.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class AzuriteTableEmulatorTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_shared_emulator_was_started_in_memory_on_a_free_port()
    {
        Assert.True(azurite.Emulator.StartedByUs);
        Assert.Equal("127.0.0.1", azurite.Emulator.TableEndpoint.Host);
        Assert.Equal("/devstoreaccount1", azurite.Emulator.TableEndpoint.AbsolutePath);
        Assert.Contains($"TableEndpoint=http://127.0.0.1:{azurite.Emulator.TableEndpoint.Port}/devstoreaccount1", azurite.Emulator.ConnectionString, StringComparison.Ordinal);

        var service = new TableServiceClient(azurite.Emulator.ConnectionString);
        var name = TableTestBase.UniqueTableName();
        await service.CreateTableIfNotExistsAsync(name);
        await service.DeleteTableAsync(name);
    }

    [Fact]
    public async Task A_port_already_served_by_Azurite_is_reused_and_left_running()
    {
        var port = azurite.Emulator.TableEndpoint.Port;

        await using (var reused = await AzuriteTableEmulator.StartAsync(new AzuriteOptions { Port = port }))
        {
            Assert.False(reused.StartedByUs);
            Assert.Equal(azurite.Emulator.ConnectionString, reused.ConnectionString);
            var table = new TableClient(reused.ConnectionString, TableTestBase.UniqueTableName());
            await table.CreateIfNotExistsAsync();
            await table.DeleteAsync();
        }

        // Disposing the reusing instance must not have stopped the shared Azurite.
        var after = new TableClient(azurite.Emulator.ConnectionString, TableTestBase.UniqueTableName());
        await after.CreateIfNotExistsAsync();
        await after.DeleteAsync();
    }

    [Fact]
    public async Task A_second_emulator_with_a_data_directory_persists_and_stops_on_dispose()
    {
        var directory = Path.Combine(Path.GetTempPath(), "psasync-azurite-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            int port;
            await using (var emulator = await AzuriteTableEmulator.StartAsync(new AzuriteOptions { DataDirectory = directory }))
            {
                Assert.True(emulator.StartedByUs);
                port = emulator.TableEndpoint.Port;
                Assert.NotEqual(azurite.Emulator.TableEndpoint.Port, port);
                var table = new TableClient(emulator.ConnectionString, "persisted");
                await table.CreateIfNotExistsAsync();
                await table.AddEntityAsync(new TableEntity("pk", "rk"));
            }

            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(directory));
            using var probe = new System.Net.Sockets.TcpClient();
            await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_executable_fails_with_a_clear_message()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "azurite-table");

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => AzuriteTableEmulator.StartAsync(new AzuriteOptions { ExecutablePath = missing }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_executable_that_exits_at_once_fails_with_its_output()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the stand-in executable is a shell script
        }

        var script = Path.Combine(Path.GetTempPath(), "fake-azurite-" + Guid.NewGuid().ToString("N") + ".sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho \"fake azurite cannot start\" >&2\nexit 3\n");
        try
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteTableEmulator.StartAsync(new AzuriteOptions { ExecutablePath = script }));

            Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
            Assert.Contains("fake azurite cannot start", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
