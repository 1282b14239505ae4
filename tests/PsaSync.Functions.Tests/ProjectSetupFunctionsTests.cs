using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Messaging;
using PsaSync.Core.Scheduling;
using PsaSync.Core.Tracing;
using PsaSync.Functions.ProjectSetup;
using PsaSync.Functions.Tests.Support;
using PsaSync.Hosting;

namespace PsaSync.Functions.Tests;

/// <summary>The project setup app's timer triggers run their jobs by name through the <see cref="JobRunner"/>.</summary>
public class ProjectSetupFunctionsTests
{
    private readonly IScheduledJob _sweep = Job(JobNames.ParkingSweep);
    private readonly IScheduledJob _reconciliation = Job(JobNames.ProjectReconciliation);

    private static IScheduledJob Job(string name)
    {
        var job = Substitute.For<IScheduledJob>();
        job.Name.Returns(name);
        job.RunAsync(Arg.Any<CancellationToken>()).Returns($"{name} ran");
        return job;
    }

    private ProjectSetupFunctions Functions()
    {
        var limits = new IngressLimits();
        var ingress = WebhookHttp.Ingress([new SandboxPsaProjectWebhookMapper()], Substitute.For<IMessagePublisher>(), Substitute.For<ICorrelationLog>(), limits);
        var jobs = new JobRunner([_sweep, _reconciliation], NullLogger<JobRunner>.Instance);
        var harness = new ProcessorHarness();
        return new ProjectSetupFunctions(ingress, limits, jobs, harness.Build(QueueNames.ProjectSetup, []), harness.ServiceBus());
    }

    [Fact]
    public async Task The_parking_sweep_timer_runs_the_parking_sweep_job_and_nothing_else()
    {
        using var cancellation = new CancellationTokenSource();

        await Functions().SweepParkedRecords(new TimerInfo(), cancellation.Token);

        await _sweep.Received(1).RunAsync(cancellation.Token);
        await _reconciliation.DidNotReceiveWithAnyArgs().RunAsync(default);
    }

    [Fact]
    public async Task The_reconciliation_timer_runs_the_project_reconciliation_job_and_nothing_else()
    {
        await Functions().Reconcile(new TimerInfo(), CancellationToken.None);

        await _reconciliation.Received(1).RunAsync(Arg.Any<CancellationToken>());
        await _sweep.DidNotReceiveWithAnyArgs().RunAsync(default);
    }

    [Fact]
    public async Task A_PSA_project_webhook_without_the_secret_is_401_and_with_it_is_not()
    {
        var functions = Functions();
        const string Body = """{"not":"a project webhook"}""";

        var refused = await WebhookHttp.PostAsync(r => functions.ProjectChanged(r, CancellationToken.None), Body);
        var authenticated = await WebhookHttp.PostAsync(r => functions.ProjectChanged(r, CancellationToken.None), Body,
            WebhookHttp.Signed(WebhookHttp.PsaSecret, Body));

        Assert.Equal(401, refused.StatusCode);
        Assert.Equal("WEBHOOK_SIGNATURE_MISSING", refused.Body.GetProperty("reasonCode").GetString());
        // Past authentication, the body is judged on its own: this one is not a project webhook.
        Assert.NotEqual(401, authenticated.StatusCode);
        Assert.NotEqual(202, authenticated.StatusCode);
    }
}
