using PsaSync.Core.MasterData;
using PsaSync.Core.Model;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

// Customers (party.party) and projects (project.work).
public sealed partial class TrytonErp
{
    private static readonly string[] PartyFields = ["code", "name", "customer_payment_term", "categories"];

    public async Task<ErpCustomer?> FindCustomerByExternalIdAsync(string externalId, CancellationToken cancellationToken) =>
        (await CustomersAsync([["identifiers.code", "=", Marker + externalId]], cancellationToken)).FirstOrDefault();

    public async Task<ErpCustomer?> GetCustomerAsync(string customerNumber, CancellationToken cancellationToken) =>
        (await CustomersAsync([["code", "=", customerNumber]], cancellationToken)).FirstOrDefault();

    /// <summary>Customers PsaSync knows: parties that carry a PsaSync external id (not the parties behind employees).</summary>
    public async Task<IReadOnlyList<ErpCustomer>> ListCustomersAsync(CancellationToken cancellationToken) =>
        [.. (await CustomersAsync([["identifiers.code", "like", Marker + "%"]], cancellationToken)).Where(c => c.ExternalId.Length > 0)];

    /// <summary>Tryton cannot normalise names in a search, so the comparison happens here over PsaSync's customers.</summary>
    public async Task<IReadOnlyList<ErpCustomer>> FindSimilarCustomersAsync(string? taxId, string normalizedName, string country, CancellationToken cancellationToken)
    {
        var wantedTaxId = CompactTaxId(taxId);
        var wantedName = CustomerRules.NormalizeName(normalizedName);
        return [.. (await ListCustomersAsync(cancellationToken)).Where(c =>
            (wantedTaxId.Length > 0 && CompactTaxId(c.TaxId) == wantedTaxId)
            || (wantedName.Length > 0
                && string.Equals(c.BillingCountry, country.Trim(), StringComparison.OrdinalIgnoreCase)
                && CustomerRules.NormalizeName(c.LegalName) == wantedName))];
    }

    public async Task<ErpCustomer> CreateCustomerAsync(ErpCustomerDraft draft, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(draft.ExternalId))
        {
            throw new ErpException(ErpFailureKind.Rejected, "A customer created through the API needs an external id.");
        }
        if (await FindCustomerByExternalIdAsync(draft.ExternalId, cancellationToken) is { } existing)
        {
            return existing;
        }
        RequireLegalEntity(draft.LegalEntity, $"customer {draft.ExternalId}");
        var values = await PartyValuesAsync(draft, cancellationToken);
        values["identifiers"] = new object[] { new object[] { "create", Identifiers(draft) } };
        values["addresses"] = new object[] { new object[] { "create", new object[] { new Dictionary<string, object?> { ["country"] = values["country"] } } } };
        values.Remove("country");
        var created = (await client.CreateAsync("party.party", [values], cancellationToken)).Single();
        var id = await KeepLowestAsync("party.party", [["identifiers.code", "=", Marker + draft.ExternalId]], created, cancellationToken);
        return (await CustomersAsync([["id", "=", id]], cancellationToken)).Single();
    }

    public async Task<ErpCustomer> UpdateCustomerAsync(string customerNumber, ErpCustomerDraft draft, CancellationToken cancellationToken)
    {
        var party = (await client.SearchReadAsync<PartyRow>("party.party", new object[] { new object[] { "code", "=", customerNumber } }, PartyFields, cancellationToken)).FirstOrDefault()
            ?? throw new ErpException(ErpFailureKind.Rejected, $"Customer {customerNumber} does not exist in Tryton.");
        var holder = await FindCustomerByExternalIdAsync(draft.ExternalId, cancellationToken);
        if (holder is not null && holder.CustomerNumber != customerNumber)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"External id {draft.ExternalId} already belongs to customer {holder.CustomerNumber}.");
        }
        var values = await PartyValuesAsync(draft, cancellationToken);
        var identifiers = await client.SearchAsync("party.identifier", new object[] { new object[] { "party", "=", party.Id } }, cancellationToken);
        var addresses = await client.SearchAsync("party.address", new object[] { new object[] { "party", "=", party.Id } }, cancellationToken, limit: 1, order: OrderById);
        // One write, so the party is never left half-updated: identifiers are replaced, the first address gets the country.
        values["identifiers"] = new object[] { new object[] { "delete", identifiers }, new object[] { "create", Identifiers(draft) } };
        var address = new Dictionary<string, object?> { ["country"] = values["country"] };
        values["addresses"] = addresses.Count > 0
            ? new object[] { new object[] { "write", addresses, address } }
            : new object[] { new object[] { "create", new object[] { address } } };
        values.Remove("country");
        var setup = await SetupAsync(cancellationToken);
        if (setup.PurchaseOrderCategoryId is { } category)
        {
            values["categories"] = new object[] { new object[] { draft.RequiresPurchaseOrder ? "add" : "remove", new[] { category } } };
        }
        await client.WriteAsync("party.party", [party.Id], values, cancellationToken);
        return (await CustomersAsync([["id", "=", party.Id]], cancellationToken)).Single();
    }

    /// <summary>Name, payment term, country and purchase-order category of a party, checked against what Tryton has.</summary>
    private async Task<Dictionary<string, object?>> PartyValuesAsync(ErpCustomerDraft draft, CancellationToken cancellationToken)
    {
        var setup = await SetupAsync(cancellationToken);
        if (!string.Equals(draft.Currency, setup.CurrencyCode, StringComparison.Ordinal))
        {
            throw new ErpException(ErpFailureKind.Rejected,
                $"Customer {draft.ExternalId} is billed in {draft.Currency}, but the Tryton company {options.LegalEntity} bills in {setup.CurrencyCode}.");
        }
        var term = (await client.SearchAsync("account.invoice.payment_term", new object[] { new object[] { "name", "=", draft.PaymentTerms } }, cancellationToken, limit: 1)).FirstOrDefault();
        if (term == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no payment term '{draft.PaymentTerms}' for customer {draft.ExternalId}.");
        }
        var country = (await client.SearchAsync("country.country", new object[] { new object[] { "code", "=", draft.BillingCountry.Trim().ToUpperInvariant() } }, cancellationToken, limit: 1)).FirstOrDefault();
        if (country == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no country '{draft.BillingCountry}' for customer {draft.ExternalId}: an administrator must add it.");
        }
        var values = new Dictionary<string, object?>
        {
            ["name"] = draft.LegalName,
            ["customer_payment_term"] = term,
            ["country"] = country,
        };
        if (draft.RequiresPurchaseOrder)
        {
            var category = setup.PurchaseOrderCategoryId
                ?? throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no party category '{PurchaseOrderCategory}' to mark customer {draft.ExternalId} as needing purchase orders.");
            values["categories"] = new object[] { new object[] { "add", new[] { category } } };
        }
        return values;
    }

    /// <summary>The external id as a marked identifier; the tax id, if any, as a plain one (Tryton would validate typed ones).</summary>
    private static object[] Identifiers(ErpCustomerDraft draft) => string.IsNullOrWhiteSpace(draft.TaxId)
        ? [new Dictionary<string, object?> { ["code"] = Marker + draft.ExternalId }]
        : [new Dictionary<string, object?> { ["code"] = Marker + draft.ExternalId }, new Dictionary<string, object?> { ["code"] = draft.TaxId.Trim() }];

    private async Task<IReadOnlyList<ErpCustomer>> CustomersAsync(object[][] domain, CancellationToken cancellationToken)
    {
        var parties = await client.SearchReadAsync<PartyRow>("party.party", domain, PartyFields, cancellationToken, order: OrderById);
        if (parties.Count == 0)
        {
            return [];
        }
        var setup = await SetupAsync(cancellationToken);
        var ids = parties.Select(p => p.Id).ToArray();
        var identifiers = (await client.SearchReadAsync<IdentifierRow>("party.identifier", new object[] { new object[] { "party", "in", ids } }, ["party", "code"], cancellationToken, order: OrderById))
            .ToLookup(i => i.Party);
        var countries = (await client.SearchReadAsync<AddressRow>("party.address", new object[] { new object[] { "party", "in", ids } }, ["party", "country.code"], cancellationToken, order: OrderById))
            .GroupBy(a => a.Party).ToDictionary(g => g.Key, g => g.First().Country?.Code ?? "");
        var terms = (await client.SearchReadAsync<NameRow>("account.invoice.payment_term", Array.Empty<object>(), ["name"], cancellationToken))
            .ToDictionary(t => t.Id, t => t.Name ?? "");
        return [.. parties.Select(p =>
        {
            var marked = identifiers[p.Id].FirstOrDefault(i => i.Code.StartsWith(Marker, StringComparison.Ordinal) && !i.Code.StartsWith(ResourceMarker, StringComparison.Ordinal));
            var taxId = identifiers[p.Id].FirstOrDefault(i => !i.Code.StartsWith(Marker, StringComparison.Ordinal))?.Code;
            return new ErpCustomer(
                p.Code ?? Text(p.Id),
                marked is null ? "" : marked.Code[Marker.Length..],
                p.Name,
                countries.GetValueOrDefault(p.Id, ""),
                setup.CurrencyCode,
                taxId,
                p.CustomerPaymentTerm is { } term ? terms.GetValueOrDefault(term, "") : "",
                options.LegalEntity,
                setup.PurchaseOrderCategoryId is { } po && p.Categories.Contains(po));
        })];
    }

    /// <summary>
    /// Makes lookup-then-create safe under concurrency, across processes: Tryton has no unique constraint on PsaSync's
    /// markers, so two workers that both found nothing both create. After its create each one searches the marker again,
    /// and the record with the lowest id wins for everyone (every lookup reads in id order and takes the first). A caller
    /// whose own record lost deletes it; if Tryton will not delete it, it stays unused, since no lookup ever picks it.
    /// The winner is the first one committed, so a loser is only ever seen by the caller that made it.
    /// </summary>
    private async Task<int> KeepLowestAsync(string model, object[][] markerDomain, int created, CancellationToken cancellationToken)
    {
        var ids = await client.SearchAsync(model, markerDomain, cancellationToken, order: OrderById);
        var winner = ids.Append(created).Min();
        if (winner != created)
        {
            await DiscardAsync(model, [created], cancellationToken);
        }
        return winner;
    }

    /// <summary>Deletes records that lost a create race; a refusal is harmless (see <see cref="KeepLowestAsync"/>).</summary>
    private async Task DiscardAsync(string model, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        try
        {
            await client.CallAsync($"model.{model}.delete", [ids], TrytonCallKind.Write, cancellationToken);
        }
        catch (ErpException refused) when (!refused.IsTransient)
        {
            // Left in place: lookups take the lowest id, so the duplicate is never used.
        }
    }

    private static string CompactTaxId(string? taxId) =>
        string.Concat((taxId ?? "").Where(char.IsLetterOrDigit)).ToUpperInvariant();

    private static readonly string[] ProjectFields = ["name", "comment", "status.progress", "party.code", "timesheet_works"];

    public async Task<ErpProject?> FindProjectAsync(string psaProjectId, CancellationToken cancellationToken) =>
        (await ProjectRowsAsync([["comment", "=", Marker + psaProjectId]], cancellationToken)).Select(ToProject).FirstOrDefault();

    /// <summary>Projects PsaSync knows: project works marked with a PSA project id.</summary>
    public async Task<IReadOnlyList<ErpProject>> ListProjectsAsync(CancellationToken cancellationToken) =>
        [.. (await ProjectRowsAsync([["comment", "like", Marker + "%"]], cancellationToken)).Select(ToProject)];

    /// <summary>
    /// A project work invoiced on timesheets, for the customer's party, with a timesheet work that time lines book to.
    /// Tryton's own project invoicing is not used: PsaSync prices time by role rate and sets the invoice lines itself.
    /// </summary>
    public async Task<ErpProject> CreateProjectAsync(ErpProjectDraft draft, CancellationToken cancellationToken)
    {
        if (await FindProjectAsync(draft.PsaProjectId, cancellationToken) is { } existing)
        {
            return existing;
        }
        RequireLegalEntity(draft.LegalEntity, $"project {draft.PsaProjectId}");
        var setup = await SetupAsync(cancellationToken);
        var party = (await client.SearchAsync("party.party", new object[] { new object[] { "code", "=", draft.CustomerNumber } }, cancellationToken, limit: 1)).FirstOrDefault();
        if (party == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Project {draft.PsaProjectId} cannot be created: customer {draft.CustomerNumber} does not exist in Tryton.");
        }
        var id = (await client.CreateAsync("project.work", [new Dictionary<string, object?>
        {
            ["name"] = draft.Name,
            ["type"] = "project",
            ["company"] = setup.CompanyId,
            ["party"] = party,
            ["project_invoice_method"] = "timesheet",
            ["product"] = setup.ProductId,
            ["list_price"] = 0m,
            ["timesheet_available"] = true,
            ["comment"] = Marker + draft.PsaProjectId,
        }], cancellationToken)).Single();
        id = await KeepLowestAsync("project.work", [["type", "=", "project"], ["comment", "=", Marker + draft.PsaProjectId]], id, cancellationToken);
        return ToProject((await ProjectRowsAsync([["id", "=", id]], cancellationToken)).Single());
    }

    /// <summary>
    /// Tryton's work statuses are Open (the default) and Done (100 % progress): on hold and closed both become Done and
    /// read back as closed.
    /// </summary>
    public async Task<ErpProject> SetProjectStatusAsync(string erpProjectCode, ProjectStatus status, CancellationToken cancellationToken)
    {
        var id = IdOf(erpProjectCode, "ERP project code");
        if ((await ProjectRowsAsync([["id", "=", id]], cancellationToken)).Count == 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Project {erpProjectCode} does not exist in Tryton.");
        }
        var statuses = await client.SearchReadAsync<StatusRow>("project.work.status", new object[] { new object[] { "types", "in", new[] { "project" } } },
            ["progress"], cancellationToken, order: new object[] { new object[] { "sequence", "ASC" }, new object[] { "id", "ASC" } });
        var wanted = status == ProjectStatus.Active ? statuses.FirstOrDefault(s => s.Progress is null or < 1.0) : statuses.FirstOrDefault(s => s.Progress is >= 1.0);
        if (wanted is null)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Tryton has no project status for {status} (an open one and a done one are expected).");
        }
        var values = new Dictionary<string, object?> { ["status"] = wanted.Id };
        if (wanted.Progress is { } progress)
        {
            values["progress"] = progress;
        }
        await client.WriteAsync("project.work", [id], values, cancellationToken);
        return ToProject((await ProjectRowsAsync([["id", "=", id]], cancellationToken)).Single()) with { Status = status };
    }

    private Task<List<ProjectRow>> ProjectRowsAsync(object[][] domain, CancellationToken cancellationToken) =>
        client.SearchReadAsync<ProjectRow>("project.work", new object[] { new object[] { "type", "=", "project" } }.Concat(domain).ToArray(), ProjectFields, cancellationToken, order: OrderById);

    private static ErpProject ToProject(ProjectRow row)
    {
        var active = row.IsOpen;
        return new ErpProject(Text(row.Id), row.Comment is { } c && c.StartsWith(Marker, StringComparison.Ordinal) ? c[Marker.Length..] : "", active)
        {
            Status = active ? ProjectStatus.Active : ProjectStatus.Closed,
            CustomerNumber = row.Party?.Code,
        };
    }
}
