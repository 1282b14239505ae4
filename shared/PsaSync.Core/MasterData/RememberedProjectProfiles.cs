using System.Collections.Concurrent;
using PsaSync.Core.Billing;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;

namespace PsaSync.Core.MasterData;

/// <summary>
/// The project profiles, with the last setup of each project remembered for a while for the checks that run once per
/// time entry: a month-end burst asks about the same few projects tens of thousands of times. <see cref="GetAsync"/>
/// always reads the store (billing prices invoices from it); only <see cref="GetRememberedAsync"/> may answer from
/// memory. A save in this process replaces what is remembered at once; a save made by another process (another
/// function app) is seen when the remembered setup expires.
/// </summary>
public sealed class RememberedProjectProfiles(IProjectProfiles store, TimeSpan duration, TimeProvider clock) : IProjectProfiles
{
    private readonly ConcurrentDictionary<string, (Project Project, DateTimeOffset Until)> _remembered = new(StringComparer.Ordinal);
    private readonly SingleFlight<Project?> _reads = new();

    public async Task SaveAsync(Project project, CancellationToken cancellationToken)
    {
        await store.SaveAsync(project, cancellationToken);
        Remember(project);
    }

    public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) =>
        store.GetAsync(projectId, cancellationToken);

    /// <summary>The project's setup, from memory when it was read or saved less than the duration ago.</summary>
    public async Task<Project?> GetRememberedAsync(string projectId, CancellationToken cancellationToken)
    {
        if (_remembered.TryGetValue(projectId, out var known) && known.Until > clock.GetUtcNow())
        {
            return known.Project;
        }
        var project = await _reads.RunAsync(projectId, () => store.GetAsync(projectId, CancellationToken.None), cancellationToken);
        if (project is not null)
        {
            Remember(project);
        }
        return project;
    }

    private void Remember(Project project)
    {
        if (duration > TimeSpan.Zero)
        {
            _remembered[project.ProjectId] = (project, clock.GetUtcNow() + duration);
        }
    }
}
