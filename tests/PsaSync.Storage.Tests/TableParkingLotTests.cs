using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Storage;
using PsaSync.Testing;

namespace PsaSync.Storage.Tests;

public sealed class TableParkingLotTests(AzuriteFixture azurite) : AzuriteTestBase(azurite)
{
    private TableParkingLot NewLot() => new(Tables);

    private static EventEnvelope ProjectEnvelope(string projectId, int version, string customerKey)
    {
        var project = new Project(projectId, version, customerKey, "Contoso data platform", ProjectStatus.Active, "PSDE", "EUR",
            BillingModel.TimeAndMaterials, new DateOnly(2025, 4, 1), null, "MSA-1", null, "DE-VAT-19", "Engineering",
            [new RoleRate("Consultant", 150m, new DateOnly(2025, 4, 1))], [], null);
        var key = $"psa:project:{projectId}:v{version}";
        return EventEnvelope.Create(new ProjectChanged(project), SystemNames.Psa, $"psa/project/{projectId}", key,
            CorrelationIds.ForIdempotencyKey(key), TestClock.Start);
    }

    private static ParkedItem Item(string customerKey, string projectId, DateTimeOffset parkedAt, int version = 1, string waitingFor = "") =>
        new(ParentKeys.Customer(customerKey), "project-setup", "project-setup", new RecordRef("psa", "project", projectId),
            waitingFor.Length > 0 ? waitingFor : $"customer {customerKey}", "PROJECT_CUSTOMER_NEVER_SYNCED", parkedAt,
            ProjectEnvelope(projectId, version, customerKey));

    private static void AssertSameItem(ParkedItem expected, ParkedItem actual)
    {
        Assert.Equal(expected with { Envelope = actual.Envelope }, actual);
        Assert.Equal(expected.Envelope.Id, actual.Envelope.Id);
        Assert.Equal(expected.Envelope.IdempotencyKey, actual.Envelope.IdempotencyKey);
        Assert.Equal(expected.Envelope.CorrelationId, actual.Envelope.CorrelationId);
        Assert.Equal(expected.Envelope.DataAs<ProjectChanged>().Project.ProjectId, actual.Envelope.DataAs<ProjectChanged>().Project.ProjectId);
        Assert.Equal(expected.Envelope.ToJson(), actual.Envelope.ToJson());
    }

    [Fact]
    public async Task A_parked_item_is_listed_under_its_parent_with_everything_it_was_parked_with()
    {
        var item = Item("ACC-1", "PRJ-1", Clock.GetUtcNow());
        await NewLot().ParkAsync(item, Ct);

        var listed = await NewLot().ListWaitingForAsync("customer:ACC-1", Ct);

        AssertSameItem(item, Assert.Single(listed));
    }

    [Fact]
    public async Task Only_the_items_of_the_parent_are_listed()
    {
        var lot = NewLot();
        var first = Item("ACC-1", "PRJ-1", Clock.GetUtcNow());
        var second = Item("ACC-1", "PRJ-2", Clock.GetUtcNow());
        await lot.ParkAsync(first, Ct);
        await lot.ParkAsync(second, Ct);
        await lot.ParkAsync(Item("ACC-2", "PRJ-3", Clock.GetUtcNow()), Ct);
        await lot.ParkAsync(Item("ACC-10", "PRJ-4", Clock.GetUtcNow()), Ct);

        var listed = await lot.ListWaitingForAsync("customer:ACC-1", Ct);

        Assert.Equal(["PRJ-1", "PRJ-2"], listed.Select(i => i.Record.Id).Order());
        Assert.Empty(await lot.ListWaitingForAsync("customer:ACC-404", Ct));
    }

    [Fact]
    public async Task A_parent_key_with_characters_table_keys_forbid_round_trips()
    {
        var lot = NewLot();
        var item = Item("ACC/1#?", "PRJ-1", Clock.GetUtcNow());
        await lot.ParkAsync(item, Ct);

        var listed = Assert.Single(await lot.ListWaitingForAsync("customer:ACC/1#?", Ct));

        Assert.Equal("customer:ACC/1#?", listed.ParentKey);
        await lot.RemoveAsync(listed, Ct);
        Assert.Empty(await lot.ListWaitingForAsync("customer:ACC/1#?", Ct));
    }

    [Fact]
    public async Task Items_parked_before_the_cutoff_are_listed_across_parents_and_later_ones_are_not()
    {
        var lot = NewLot();
        var cutoff = Clock.GetUtcNow();
        await lot.ParkAsync(Item("ACC-1", "PRJ-OLD-1", cutoff.AddHours(-30)), Ct);
        await lot.ParkAsync(Item("ACC-2", "PRJ-OLD-2", cutoff.AddSeconds(-1)), Ct);
        await lot.ParkAsync(Item("ACC-1", "PRJ-AT-CUTOFF", cutoff), Ct);
        await lot.ParkAsync(Item("ACC-3", "PRJ-NEW", cutoff.AddHours(1)), Ct);

        var overdue = await lot.ListParkedBeforeAsync(cutoff, Ct);

        Assert.Equal(["PRJ-OLD-1", "PRJ-OLD-2"], overdue.Select(i => i.Record.Id).Order());
        Assert.Equal(cutoff.AddHours(-30), overdue.Single(i => i.Record.Id == "PRJ-OLD-1").ParkedAt);
    }

    [Fact]
    public async Task A_removed_item_is_no_longer_listed_and_the_others_stay()
    {
        var lot = NewLot();
        var gone = Item("ACC-1", "PRJ-1", Clock.GetUtcNow().AddDays(-2));
        var stays = Item("ACC-1", "PRJ-2", Clock.GetUtcNow().AddDays(-2));
        await lot.ParkAsync(gone, Ct);
        await lot.ParkAsync(stays, Ct);

        await lot.RemoveAsync(gone, Ct);

        Assert.Equal(["PRJ-2"], (await lot.ListWaitingForAsync("customer:ACC-1", Ct)).Select(i => i.Record.Id));
        Assert.Equal(["PRJ-2"], (await lot.ListParkedBeforeAsync(Clock.GetUtcNow(), Ct)).Select(i => i.Record.Id));
    }

    [Fact]
    public async Task Removing_an_item_that_is_gone_already_is_harmless()
    {
        var lot = NewLot();
        var item = Item("ACC-1", "PRJ-1", Clock.GetUtcNow());
        await lot.ParkAsync(item, Ct);
        await lot.RemoveAsync(item, Ct);

        var exception = await Record.ExceptionAsync(() => lot.RemoveAsync(item, Ct));

        Assert.Null(exception);
    }

    [Fact]
    public async Task Parking_the_same_envelope_again_replaces_the_item()
    {
        var lot = NewLot();
        var first = Item("ACC-1", "PRJ-1", Clock.GetUtcNow().AddHours(-5), waitingFor: "customer ACC-1 (first)");
        await lot.ParkAsync(first, Ct);
        var again = first with { ParkedAt = Clock.GetUtcNow(), WaitingFor = "customer ACC-1 (again)" };

        await lot.ParkAsync(again, Ct);

        var listed = Assert.Single(await lot.ListWaitingForAsync("customer:ACC-1", Ct));
        Assert.Equal("customer ACC-1 (again)", listed.WaitingFor);
        Assert.Equal(Clock.GetUtcNow(), listed.ParkedAt);
        Assert.Empty(await lot.ListParkedBeforeAsync(Clock.GetUtcNow().AddMinutes(-1), Ct));
    }

    [Fact]
    public async Task Two_versions_of_one_project_are_two_items()
    {
        var lot = NewLot();
        await lot.ParkAsync(Item("ACC-1", "PRJ-1", Clock.GetUtcNow(), version: 1), Ct);
        await lot.ParkAsync(Item("ACC-1", "PRJ-1", Clock.GetUtcNow(), version: 2), Ct);

        var listed = await lot.ListWaitingForAsync("customer:ACC-1", Ct);

        Assert.Equal(["psa:project:PRJ-1:v1", "psa:project:PRJ-1:v2"], listed.Select(i => i.Envelope.IdempotencyKey).Order());
    }
}
