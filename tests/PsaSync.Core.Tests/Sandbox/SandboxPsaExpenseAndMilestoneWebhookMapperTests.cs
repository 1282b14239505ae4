using System.Text.Json;
using System.Text.Json.Nodes;
using PsaSync.Connectors.Sandbox.Psa;
using PsaSync.Core.Events;
using PsaSync.Core.Ingress;
using PsaSync.Core.Tests.Support;
using static PsaSync.Core.Tests.TimeExpense.ExpenseAndMilestoneTestData;

namespace PsaSync.Core.Tests.Sandbox;

public class SandboxPsaExpenseWebhookMapperTests
{
    private static readonly WebhookContext Context = new(TestData.Now.AddMinutes(1), "req-1");

    private readonly SandboxPsaExpenseWebhookMapper _mapper = new();

    private WebhookMapping Map(string body)
    {
        using var document = JsonDocument.Parse(body);
        return _mapper.Map(document.RootElement, Context);
    }

    private static string Altered(Action<JsonObject> change)
    {
        var json = JsonNode.Parse(SandboxPsaWebhookWriter.ExpensesApproved([Expense()], TestData.Now))!.AsObject();
        change(json);
        return json.ToJsonString();
    }

    [Fact]
    public void It_serves_the_psa_expenses_route_for_the_time_expense_queue()
    {
        Assert.Equal("psa/expenses", _mapper.Route);
        Assert.Equal("time-expense", _mapper.Queue);
    }

    [Fact]
    public void An_expense_report_maps_to_one_expense_approved_envelope_per_expense()
    {
        var expenses = new[] { Expense(expenseId: "EX-1", version: 1), Expense(expenseId: "EX-2", version: 3, billable: false, markupPercent: 0m, receiptReference: null) };

        var envelopes = Assert.IsType<WebhookMapping.Accepted>(Map(SandboxPsaWebhookWriter.ExpensesApproved(expenses, TestData.Now))).Envelopes;

        Assert.Equal(["psa:expense:EX-1:v1", "psa:expense:EX-2:v3"], envelopes.Select(e => e.IdempotencyKey));
        Assert.Equal(["psa/expense/EX-1", "psa/expense/EX-2"], envelopes.Select(e => e.Subject));
        Assert.All(envelopes, e =>
        {
            Assert.Equal(ExpenseApproved.EventType, e.Type);
            Assert.Equal(TestData.Now, e.Time);
            Assert.Equal(CorrelationIds.ForIdempotencyKey(e.IdempotencyKey), e.CorrelationId);
        });
        Assert.Equal(expenses, envelopes.Select(e => e.DataAs<ExpenseApproved>().Expense));
    }

    [Fact]
    public void The_same_expense_version_sent_twice_gets_the_same_envelope_id()
    {
        var first = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(SandboxPsaWebhookWriter.ExpensesApproved([Expense()], TestData.Now))).Envelopes);
        var second = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(SandboxPsaWebhookWriter.ExpensesApproved([Expense()], TestData.Now))).Envelopes);

        Assert.Equal(first.Id, second.Id);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("revision")]
    [InlineData("projectId")]
    [InlineData("personId")]
    [InlineData("date")]
    [InlineData("category")]
    [InlineData("amount")]
    [InlineData("currency")]
    [InlineData("billable")]
    public void A_missing_required_field_is_a_schema_error_naming_it(string field)
    {
        var invalid = Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b["expenses"]![0]!.AsObject().Remove(field))));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"expenses[0]: '{field}'", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_expense_report_is_a_schema_error()
    {
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b["expenses"] = new JsonArray()))).ReasonCode);
    }

    [Fact]
    public void A_wrong_event_type_is_WEBHOOK_EVENT_UNKNOWN()
    {
        var invalid = Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b["eventType"] = "expense.rejected")));

        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", invalid.ReasonCode);
        Assert.Contains("expense.approved", invalid.Detail, StringComparison.Ordinal);
    }
}

public class SandboxPsaMilestoneWebhookMapperTests
{
    private static readonly WebhookContext Context = new(TestData.Now.AddMinutes(1), "req-1");

    private readonly SandboxPsaMilestoneWebhookMapper _mapper = new();

    private WebhookMapping Map(string body)
    {
        using var document = JsonDocument.Parse(body);
        return _mapper.Map(document.RootElement, Context);
    }

    private static string Altered(Action<JsonObject> change)
    {
        var json = JsonNode.Parse(SandboxPsaWebhookWriter.MilestoneCompleted(Milestone(), TestData.Now))!.AsObject();
        change(json);
        return json.ToJsonString();
    }

    [Fact]
    public void It_serves_the_psa_milestones_route_for_the_time_expense_queue()
    {
        Assert.Equal("psa/milestones", _mapper.Route);
        Assert.Equal("time-expense", _mapper.Queue);
    }

    [Fact]
    public void A_completed_milestone_maps_to_one_milestone_completed_envelope()
    {
        var milestone = Milestone(milestoneId: "MS-7");
        var body = SandboxPsaWebhookWriter.MilestoneCompleted(milestone, TestData.Now);

        var envelope = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(body)).Envelopes);

        Assert.Equal(MilestoneCompleted.EventType, envelope.Type);
        Assert.Equal("psa:milestone:MS-7", envelope.IdempotencyKey);
        Assert.Equal("psa/milestone/MS-7", envelope.Subject);
        Assert.Equal(CorrelationIds.ForIdempotencyKey("psa:milestone:MS-7"), envelope.CorrelationId);
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("eventId").GetString(), envelope.CausationId);
        Assert.Equal(milestone, envelope.DataAs<MilestoneCompleted>().Milestone);
    }

    [Fact]
    public void The_same_milestone_sent_twice_gets_the_same_envelope_id()
    {
        var first = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(Altered(_ => { }))).Envelopes);
        var second = Assert.Single(Assert.IsType<WebhookMapping.Accepted>(Map(Altered(_ => { }))).Envelopes);

        Assert.Equal(first.Id, second.Id);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("projectId")]
    [InlineData("name")]
    [InlineData("amount")]
    [InlineData("currency")]
    [InlineData("completedOn")]
    public void A_missing_required_field_is_a_schema_error_naming_it(string field)
    {
        var invalid = Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b["milestone"]!.AsObject().Remove(field))));

        Assert.Equal("WEBHOOK_SCHEMA_INVALID", invalid.ReasonCode);
        Assert.Contains($"milestone: '{field}'", invalid.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_milestone_object_is_a_schema_error()
    {
        Assert.Equal("WEBHOOK_SCHEMA_INVALID", Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b.Remove("milestone")))).ReasonCode);
    }

    [Fact]
    public void A_wrong_event_type_is_WEBHOOK_EVENT_UNKNOWN()
    {
        Assert.Equal("WEBHOOK_EVENT_UNKNOWN", Assert.IsType<WebhookMapping.Invalid>(Map(Altered(b => b["eventType"] = "milestone.reopened"))).ReasonCode);
    }
}
