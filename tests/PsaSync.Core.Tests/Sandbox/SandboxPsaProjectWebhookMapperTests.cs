using System.Text.Json;
using System.Text.Json.Nodes;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Model;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.Sandbox.SandboxMasterData;

namespace PsaSync.Core.Tests.Sandbox;

public sealed class SandboxPsaProjectWebhookMapperTests
{
    private readonly SandboxPsaProjectWebhookMapper _mapper = new();

    private static string ProjectChanged(Project? project = null) =>
        SandboxPsaWebhookWriter.ProjectChanged(project ?? Project(), TestData.Now);

    private static string AlteredProject(Action<JsonObject> change, Project? project = null) =>
        Altered(ProjectChanged(project), b => change(b["project"]!.AsObject()));

    private Project MapProject(string body) => MapSingle(_mapper, body).DataAs<ProjectChanged>().Project;

    [Fact]
    public void It_serves_the_psa_projects_route_for_the_project_setup_queue()
    {
        Assert.Equal("psa/projects", _mapper.Route);
        Assert.Equal("project-setup", _mapper.Queue);
    }

    [Fact]
    public void The_writer_produces_the_PSAs_body()
    {
        var body = JsonNode.Parse(ProjectChanged(Project(endDate: new DateOnly(2026, 12, 31))))!;
        var project = body["project"]!;

        Assert.Equal("project.activated", (string?)body["eventType"]);
        Assert.Equal("time_and_materials", (string?)project["billingModel"]);
        Assert.Equal("2026-04-01", (string?)project["startDate"]);
        Assert.Equal("2026-12-31", (string?)project["endDate"]);
        Assert.Equal("ACC-1", (string?)project["customerAccountId"]);
        Assert.Equal("2026-07-01", (string?)project["rateCard"]![1]!["effectiveFrom"]);
        Assert.Equal(210.5m, (decimal?)project["rateCard"]![1]!["rate"]);
        Assert.Equal("MS-2", (string?)project["milestones"]![1]!["id"]);
        Assert.Equal(120_000m, (decimal?)project["contractCeiling"]);
    }

    [Fact]
    public void An_activated_project_maps_to_one_ProjectChanged_with_everything_the_PSA_sent()
    {
        var project = Project("PRJ-1", version: 4, endDate: new DateOnly(2026, 12, 31));
        var body = ProjectChanged(project);

        var envelope = MapSingle(_mapper, body);

        Assert.Equal(Core.Events.ProjectChanged.EventType, envelope.Type);
        AssertSameProject(project, envelope.DataAs<ProjectChanged>().Project);
        Assert.Equal("psa:project:PRJ-1:v4", envelope.IdempotencyKey);
        Assert.Equal("psa/project/PRJ-1", envelope.Subject);
        Assert.Equal("psa", envelope.Source);
        Assert.Equal(CorrelationIds.ForIdempotencyKey("psa:project:PRJ-1:v4"), envelope.CorrelationId);
        Assert.Equal(TestData.Now, envelope.Time);
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString(), envelope.CausationId);
    }

    [Theory]
    [InlineData(ProjectStatus.Active, "project.activated")]
    [InlineData(ProjectStatus.OnHold, "project.on_hold")]
    [InlineData(ProjectStatus.Closed, "project.closed")]
    public void The_event_type_follows_the_status_and_the_status_the_event_type(ProjectStatus status, string eventType)
    {
        var body = ProjectChanged(Project(status: status));

        Assert.Equal(eventType, JsonNode.Parse(body)!["eventType"]!.GetValue<string>());
        Assert.Equal(status, MapProject(body).Status);
    }

    [Fact]
    public void An_updated_project_is_active()
    {
        var body = Altered(ProjectChanged(Project(status: ProjectStatus.OnHold)), b => b["eventType"] = "project.updated");

        Assert.Equal(ProjectStatus.Active, MapProject(body).Status);
    }

    [Theory]
    [InlineData(BillingModel.TimeAndMaterials)]
    [InlineData(BillingModel.FixedFeeMilestones)]
    [InlineData(BillingModel.Retainer)]
    public void Every_billing_model_round_trips(BillingModel model)
    {
        var project = Project(billingModel: model, contractCeiling: null, purchaseOrder: null);

        AssertSameProject(project, MapProject(ProjectChanged(project)));
    }

    [Fact]
    public void Without_rate_card_and_milestones_the_project_has_empty_lists_for_the_business_rules_to_judge()
    {
        var project = MapProject(AlteredProject(p =>
        {
            p.Remove("rateCard");
            p["milestones"] = null;
        }));

        Assert.Empty(project.RateCard);
        Assert.Empty(project.Milestones);
    }

    [Fact]
    public void Optional_references_may_be_null()
    {
        var project = MapProject(AlteredProject(p =>
        {
            p["contractReference"] = null;
            p["taxCode"] = null;
            p["purchaseOrder"] = null;
            p["endDate"] = null;
            p["contractCeiling"] = null;
        }));

        Assert.Null(project.ContractReference);
        Assert.Null(project.TaxCode);
        Assert.Null(project.PurchaseOrder);
        Assert.Null(project.EndDate);
        Assert.Null(project.ContractCeiling);
    }

    [Theory]
    [InlineData("id", "project: 'id'")]
    [InlineData("revision", "project: 'revision'")]
    [InlineData("customerAccountId", "project: 'customerAccountId'")]
    [InlineData("name", "project: 'name'")]
    [InlineData("legalEntity", "project: 'legalEntity'")]
    [InlineData("currency", "project: 'currency'")]
    [InlineData("billingModel", "project: 'billingModel'")]
    [InlineData("startDate", "project: 'startDate'")]
    [InlineData("practice", "project: 'practice'")]
    public void A_missing_required_field_is_a_schema_error_naming_its_path(string field, string expected)
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p.Remove(field)));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains(expected, invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("startDate", "01/04/2026")]
    [InlineData("startDate", "2026-02-30")]
    [InlineData("startDate", "2026-4-1")]
    [InlineData("endDate", "31.12.2026")]
    [InlineData("endDate", "")]
    public void A_bad_date_is_a_schema_error_naming_the_field(string field, string date)
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p[field] = date));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"project: '{field}' must be a date in the form yyyy-MM-dd", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_date_in_the_rate_card_names_the_line()
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p["rateCard"]![1]!["effectiveFrom"] = "July 2026"));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("project.rateCard[1]: 'effectiveFrom'", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hourly")]
    [InlineData("TimeAndMaterials")]
    [InlineData("")]
    public void An_unknown_billing_model_is_a_schema_error_listing_the_known_ones(string model)
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p["billingModel"] = model));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("'billingModel'", invalid.Detail, StringComparison.Ordinal);
        Assert.Contains($"not '{model}'", invalid.Detail, StringComparison.Ordinal);
        Assert.Contains("'fixed_fee'", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rateCard", 1, "project.rateCard[1]")]
    [InlineData("milestones", 0, "project.milestones[0]")]
    public void A_null_element_is_a_schema_error_naming_its_path(string list, int index, string expected)
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p[list]![index] = null));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"{expected} must be an object, not null", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rateCard", "rate", "project.rateCard[0]: 'rate'")]
    [InlineData("rateCard", "role", "project.rateCard[0]: 'role'")]
    [InlineData("milestones", "amount", "project.milestones[0]: 'amount'")]
    [InlineData("milestones", "dueOn", "project.milestones[0]: 'dueOn'")]
    [InlineData("milestones", "id", "project.milestones[0]: 'id'")]
    public void A_missing_field_of_a_list_element_names_the_element_and_field(string list, string field, string expected)
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p[list]![0]!.AsObject().Remove(field)));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains(expected, invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rate_card_that_is_not_a_list_is_a_schema_error()
    {
        var invalid = MapInvalid(_mapper, AlteredProject(p => p["rateCard"] = "150/h"));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("$.project.rateCard", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_project_is_a_schema_error()
    {
        var invalid = MapInvalid(_mapper, Altered(ProjectChanged(), b => b.Remove("project")));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains("'project'", invalid.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("project.deleted")]
    [InlineData("time_entry.approved")]
    public void Another_event_type_is_WEBHOOK_EVENT_UNKNOWN_listing_the_handled_ones(string eventType)
    {
        var invalid = MapInvalid(_mapper, Altered(ProjectChanged(), b => b["eventType"] = eventType));

        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", invalid.ReasonCode);
        Assert.Contains(eventType, invalid.Detail, StringComparison.Ordinal);
        Assert.Contains("'project.on_hold'", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_revision_gets_the_same_key_and_a_new_revision_a_new_one()
    {
        var v1 = MapSingle(_mapper, ProjectChanged(Project(version: 1)));
        var v1Again = MapSingle(_mapper, ProjectChanged(Project(version: 1)));
        var v2 = MapSingle(_mapper, ProjectChanged(Project(version: 2, status: ProjectStatus.OnHold)));

        Assert.Equal(v1.IdempotencyKey, v1Again.IdempotencyKey);
        Assert.Equal(v1.CorrelationId, v1Again.CorrelationId);
        Assert.Equal("psa:project:PRJ-1:v2", v2.IdempotencyKey);
        Assert.NotEqual(v1.CorrelationId, v2.CorrelationId);
    }
}
