using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PsaSync.Hosting;

namespace PsaSync.LocalRuntime;

/// <summary>Plays the timer triggers: runs each scheduled job at its interval, one run of a job at a time.</summary>
public sealed class TimerHost(JobRunner jobs, LocalRuntimeOptions options, TimeProvider clock, ILogger<TimerHost> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Timers.Where(t => jobs.Exists(t.Key) && t.Value > TimeSpan.Zero).Select(t => RunEveryAsync(t.Key, t.Value, stoppingToken)));

    private async Task RunEveryAsync(string job, TimeSpan interval, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await jobs.RunAsync(job, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A failed run is logged and the next tick tries again, as a timer trigger would.
                logger.LogError(ex, "Scheduled job {Job} failed", job);
            }
        }
    }
}
