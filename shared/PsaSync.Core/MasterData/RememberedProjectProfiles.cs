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
    private readonly RememberedLookups<Project> _setups = new(duration, clock);

    public async Task SaveAsync(Project project, CancellationToken cancellationToken)
    {
        await store.SaveAsync(project, cancellationToken);
        _setups.Remember(project.ProjectId, project);
    }

    public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken) =>
        store.GetAsync(projectId, cancellationToken);

    /// <summary>The project's setup, from memory when it was read or saved less than the duration ago.</summary>
    public Task<Project?> GetRememberedAsync(string projectId, CancellationToken cancellationToken) =>
        _setups.GetAsync(projectId, () => store.GetAsync(projectId, CancellationToken.None), _ => true, cancellationToken);
}
