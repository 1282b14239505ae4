using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PsaSync.Connectors.Sandbox.Erp;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Core.TimeExpense;
using PsaSync.Hosting;
using PsaSync.LocalRuntime;
using PsaSync.LocalRuntime.Queue;
using PsaSync.Testing;

namespace PsaSync.EndToEnd.Tests;

/// <summary>
/// The local runtime in this process on real HTTP, Azurite and the sandboxes, with its own tables, and the
/// calls a test needs: post a webhook as its source would, wait for the queues to drain, look at the systems.
/// </summary>
public sealed class LocalRuntimeHarness : IAsyncDisposable
{
    public const string Secret = "e2e-secret";

    private readonly HttpClient _http;

    private LocalRuntimeHarness(WebApplication app)
    {
        App = app;
        _http = new HttpClient { BaseAddress = app.BaseAddress() };
    }

    public WebApplication App { get; }

    public SandboxErp Erp => App.Services.GetRequiredService<SandboxErp>();

    public SandboxPsa Psa => App.Services.GetRequiredService<SandboxPsa>();

    public IExceptionStore Exceptions => App.Services.GetRequiredService<IExceptionStore>();

    public JobRunner Jobs => App.Services.GetRequiredService<JobRunner>();

    public static async Task<LocalRuntimeHarness> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? settings = null, LocalRuntimeOptions? options = null,
        LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["PsaSync:Storage:ConnectionString"] = azurite.ConnectionString,
            ["PsaSync:Storage:TablePrefix"] = AzuriteFixture.NewTablePrefix(),
            ["PsaSync:Messaging:FirstRetryDelay"] = "00:00:00.1",
            ["PsaSync:Messaging:MaxRetryDelay"] = "00:00:01",
            ["PsaSync:Webhooks:Secrets:psa"] = Secret,
            ["PsaSync:Webhooks:Secrets:crm"] = Secret,
            ["PsaSync:Webhooks:Secrets:erp"] = Secret,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        var app = LocalRuntimeHost.Build(options ?? new LocalRuntimeOptions { Port = 0 }, new ConfigurationBuilder().AddInMemoryCollection(configuration).Build(), minimumLogLevel);
        await app.StartAsync();
        return new LocalRuntimeHarness(app);
    }

    /// <summary>
    /// Posts a webhook <paramref name="times"/> times, as a source that retries would, and expects 202 each time. Each
    /// retry is a new delivery, signed with its own timestamp (a second apart), so it is a duplicate for dedupe to absorb,
    /// not a replay of the same signed request (which the signature guard answers without queueing).
    /// </summary>
    public async Task PostAsync(string route, string body, int times = 1)
    {
        var signedAt = DateTimeOffset.UtcNow;
        for (var i = 0; i < times; i++)
        {
            using var response = await SendAsync(route, body, Secret, signedAt.AddSeconds(i));
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{route} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Posts a webhook signed with <paramref name="secret"/> at <paramref name="signedAt"/> (default now), or unsigned when it is null.</summary>
    public Task<HttpResponseMessage> SendAsync(string route, string body, string? secret, DateTimeOffset? signedAt = null)
    {
        var request = secret is null
            ? new HttpRequestMessage(HttpMethod.Post, $"api/webhooks/{route}") { Content = new StringContent(body, Encoding.UTF8, "application/json") }
            : WebhookSignature.CreateRequest($"api/webhooks/{route}", body, secret, signedAt ?? DateTimeOffset.UtcNow);
        return _http.SendAsync(request);
    }

    /// <summary>Sends a prepared request (any method, headers and content) to the runtime.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request);

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public Task<HttpResponseMessage> PostEmptyAsync(string path) => _http.PostAsync(path, content: null);

    /// <summary>Messages waiting in all domain queues.</summary>
    public async Task<int> QueuedAsync()
    {
        var queue = App.Services.GetRequiredService<TableMessageQueue>();
        var waiting = 0;
        foreach (var name in QueueNames.All)
        {
            waiting += await queue.CountAsync(name, CancellationToken.None);
        }
        return waiting;
    }

    public async Task DrainAsync()
    {
        var queue = App.Services.GetRequiredService<TableMessageQueue>();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var waiting = 0;
            foreach (var name in QueueNames.All)
            {
                waiting += await queue.CountAsync(name, CancellationToken.None);
            }
            if (waiting == 0 && !await CostPostingsOpenAsync())
            {
                return;
            }
            if (waiting == 0)
            {
                // Accepted time is posted by the cost posting job; run it now instead of waiting for its timer.
                Assert.True(DateTime.UtcNow < deadline, "the accepted time was not all posted");
                await Jobs.RunAsync(JobNames.CostPostings, CancellationToken.None);
                continue;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{waiting} messages did not drain");
            await Task.Delay(100);
        }
    }

    private async Task<bool> CostPostingsOpenAsync() =>
        (await App.Services.GetRequiredService<IPendingCostPostings>().ListOpenAsync(1, CancellationToken.None)).Count > 0;

        public Task<IReadOnlyList<ExceptionItem>> OpenExceptionsAsync() =>
        Exceptions.ListAsync(new ExceptionQuery(Status: ExceptionStatus.Open), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
