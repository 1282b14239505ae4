using PsaSync.Core.MasterData;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Support.MasterDataTestData;

namespace PsaSync.Core.Tests.MasterData;

public class RememberedProjectProfilesTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly InMemoryProjectProfiles _store = new();

    [Fact]
    public async Task A_setup_saved_by_another_process_is_seen_by_the_time_checks_when_the_remembered_one_expires()
    {
        var profiles = new RememberedProjectProfiles(_store, TimeSpan.FromMinutes(5), _clock);
        await _store.SaveAsync(Project(version: 1), None);
        Assert.Equal(1, (await profiles.GetRememberedAsync(ProjectId, None))!.Version);

        // Another function app saves version 2 straight into the store.
        await _store.SaveAsync(Project(version: 2), None);
        Assert.Equal(1, (await profiles.GetRememberedAsync(ProjectId, None))!.Version);
        Assert.Equal(2, (await profiles.GetAsync(ProjectId, None))!.Version);

        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(2, (await profiles.GetRememberedAsync(ProjectId, None))!.Version);
    }

    [Fact]
    public async Task A_setup_saved_in_this_process_is_seen_at_once_and_a_missing_project_is_asked_for_every_time()
    {
        var profiles = new RememberedProjectProfiles(_store, TimeSpan.FromMinutes(5), _clock);
        Assert.Null(await profiles.GetRememberedAsync(ProjectId, None));
        await _store.SaveAsync(Project(version: 1), None);
        Assert.Equal(1, (await profiles.GetRememberedAsync(ProjectId, None))!.Version);

        await profiles.SaveAsync(Project(version: 3), None);

        Assert.Equal(3, (await profiles.GetRememberedAsync(ProjectId, None))!.Version);
        Assert.Equal(3, (await _store.GetAsync(ProjectId, None))!.Version);
    }
}
