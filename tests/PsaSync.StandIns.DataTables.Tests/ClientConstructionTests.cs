using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using NSubstitute;

namespace PsaSync.StandIns.DataTables.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class ClientConstructionTests(AzuriteFixture azurite)
{
    private const string SecretKey = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ==";

    [Theory]
    [InlineData("AccountKey=" + SecretKey)]
    [InlineData("AccountName=acct")]
    [InlineData("AccountName=acct;AccountKey=not*base64" + SecretKey)]
    [InlineData("AccountName=acct;AccountKey=" + SecretKey + ";TableEndpoint=not a uri")]
    [InlineData("AccountName=acct;AccountKey=" + SecretKey + ";DefaultEndpointsProtocol=ftp")]
    [InlineData("AccountName=acct;AccountKey=" + SecretKey + ";garbage")]
    [InlineData("AccountName=acct;SharedAccessSignature=sv=2020&sig=" + SecretKey)]
    public void Bad_connection_strings_fail_with_a_reason_and_without_the_key(string connectionString)
    {
        var error = Assert.Throws<ArgumentException>(() => new TableClient(connectionString, "table"));

        Assert.StartsWith("The storage connection string is not valid: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new TableServiceClient(connectionString));
    }

    [Fact]
    public void Connection_strings_give_the_expected_endpoints()
    {
        var development = new TableClient("UseDevelopmentStorage=true", "Orders");
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1/Orders"), development.Uri);
        Assert.Equal("devstoreaccount1", development.AccountName);
        Assert.Equal("Orders", development.Name);

        var azure = new TableClient($"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={SecretKey};EndpointSuffix=core.chinacloudapi.cn", "Orders");
        Assert.Equal(new Uri("https://acct.table.core.chinacloudapi.cn/Orders"), azure.Uri);
        Assert.Equal("acct", azure.AccountName);

        var defaults = new TableServiceClient($"AccountName=acct;AccountKey={SecretKey}");
        Assert.Equal(new Uri("https://acct.table.core.windows.net"), defaults.Uri);

        var token = new TableClient(new Uri("https://acct2.table.core.windows.net/"), "Orders", Substitute.For<TokenCredential>());
        Assert.Equal("acct2", token.AccountName);
        Assert.Equal(new Uri("https://acct2.table.core.windows.net/Orders"), token.Uri);
    }

    [Fact]
    public async Task Service_client_creates_lists_and_deletes_tables()
    {
        var service = new TableServiceClient(azurite.Emulator.ConnectionString);
        var names = Enumerable.Range(0, 3).Select(_ => TableTestBase.UniqueTableName()).Order().ToList();

        foreach (var name in names)
        {
            var created = await service.CreateTableIfNotExistsAsync(name);
            Assert.Equal(name, created.Value.Name);
            Assert.Equal(204, created.GetRawResponse().Status);
        }

        var again = await service.CreateTableIfNotExistsAsync(names[0]);
        Assert.Equal(409, again.GetRawResponse().Status);
        Assert.Equal(names[0], again.Value.Name);

        var listed = new List<string>();
        await foreach (var table in service.QueryAsync(maxPerPage: 1))
        {
            listed.Add(table.Name);
        }

        Assert.Superset(names.ToHashSet(), listed.ToHashSet());

        var filtered = new List<TableItem>();
        await foreach (var table in service.QueryAsync(TableClient.CreateQueryFilter($"TableName eq {names[1]}")))
        {
            filtered.Add(table);
        }

        Assert.Equal(names[1], Assert.Single(filtered).Name);

        var client = service.GetTableClient(names[2]);
        await client.AddEntityAsync(new TableEntity("pk", "rk"));
        Assert.Equal(service.AccountName, client.AccountName);

        foreach (var name in names)
        {
            Assert.Equal(204, (await service.DeleteTableAsync(name)).Status);
        }

        Assert.Equal(404, (await service.DeleteTableAsync(names[0])).Status);
        Assert.Equal(404, (await client.DeleteAsync()).Status);
    }

    [Fact]
    public async Task Shared_key_credential_with_an_endpoint_works_and_a_wrong_key_is_rejected()
    {
        var endpoint = azurite.Emulator.TableEndpoint;
        var credential = new TableSharedKeyCredential("devstoreaccount1", SecretKey);
        var client = new TableClient(endpoint, TableTestBase.UniqueTableName(), credential);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.CreateIfNotExistsAsync());
        Assert.Equal(403, error.Status);
        Assert.DoesNotContain(SecretKey, error.Message, StringComparison.Ordinal);

        // After a key rotation the same client signs with the new key.
        credential.SetAccountKey("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==");
        Assert.Equal(204, (await client.CreateIfNotExistsAsync()).GetRawResponse().Status);
        Assert.Equal(204, (await client.DeleteAsync()).Status);
    }

    [Fact]
    public async Task Invalid_table_names_are_rejected_by_the_service()
    {
        var client = new TableClient(azurite.Emulator.ConnectionString, "bad-name");

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.CreateIfNotExistsAsync());

        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void Clients_can_be_mocked()
    {
        var table = Substitute.For<TableClient>();
        table.Name.Returns("mocked");
        Assert.Equal("mocked", table.Name);
    }
}
