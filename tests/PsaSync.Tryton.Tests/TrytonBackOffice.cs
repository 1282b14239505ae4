using System.Text.Json;
using PsaSync.Connectors.Tryton;

namespace PsaSync.Tryton.Tests;

/// <summary>What finance does in Tryton's own screens, done over JSON-RPC for the tests: payments and period closing.</summary>
public sealed class TrytonBackOffice(TrytonJsonRpcClient client)
{
    /// <summary>
    /// Pays <paramref name="amount"/> of a posted customer invoice with the pay wizard, as the Pay button does: the start
    /// form with the amount, then, for less than the balance, the "ask" form choosing a partial payment.
    /// </summary>
    public async Task PayAsync(string invoiceId, decimal amount, DateOnly date)
    {
        var method = (await client.SearchAsync("account.invoice.payment.method", new object[] { new object[] { "name", "=", "Cash" } }, CancellationToken.None, limit: 1)).Single();
        await client.RunWizardAsync("account.invoice.pay", "account.invoice", [int.Parse(invoiceId)], async (execute, start) =>
        {
            var form = Form(await execute(start, new Dictionary<string, object?>()));
            form["amount"] = amount;
            form["payment_method"] = method;
            form["description"] = $"Payment {amount}";
            form["date"] = date;
            var choice = await execute("choice", new Dictionary<string, object?> { [start] = form });
            if (choice.TryGetProperty("view", out _))
            {
                var ask = Form(choice);
                ask["type"] = "partial";
                await execute("pay", new Dictionary<string, object?> { [start] = form, ["ask"] = ask });
            }
            return 0;
        }, CancellationToken.None);
    }

    /// <summary>Closes Tryton's standard fiscal period that contains <paramref name="day"/>.</summary>
    public async Task ClosePeriodAsync(DateOnly day)
    {
        var period = (await client.SearchAsync("account.period",
            new object[] { new object[] { "type", "=", "standard" }, new object[] { "start_date", "<=", day }, new object[] { "end_date", ">=", day } }, CancellationToken.None, limit: 1)).Single();
        await client.ButtonAsync("account.period", "close", [period], CancellationToken.None);
    }

    /// <summary>A wizard view's defaults as form data: Tryton wants the whole record back, without the "field." display keys.</summary>
    private static Dictionary<string, object?> Form(JsonElement step) =>
        step.GetProperty("view").GetProperty("defaults").EnumerateObject()
            .Where(p => !p.Name.EndsWith('.'))
            .ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
}
