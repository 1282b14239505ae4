using System.Globalization;
using PsaSync.Core.Ports;

namespace PsaSync.Connectors.Tryton;

// Approved time: timesheet.line on the project's timesheet work, for an employee created on demand.
public sealed partial class TrytonErp
{
    /// <summary>Marker of the party behind an employee: PsaSync's resource id.</summary>
    private const string ResourceMarker = Marker + "resource:";

    public async Task<ErpPosting?> FindTimeByExternalIdAsync(string externalId, CancellationToken cancellationToken) =>
        (await ExistingTimeAsync([externalId], cancellationToken)).GetValueOrDefault(externalId);

    /// <summary>
    /// Tryton refuses negative timesheet durations, so a reversal cannot be a line of opposite hours: it is expressed by
    /// <see cref="TakeBackAsync"/>, here for all the hours of the line. Null when no line has <paramref name="externalId"/>.
    /// </summary>
    public async Task<ErpPosting?> ReverseTimeAsync(string externalId, string reversalExternalId, CancellationToken cancellationToken)
    {
        if (await FindReversalAsync(reversalExternalId, cancellationToken) is { } done)
        {
            return done;
        }
        return await FindTimeByExternalIdAsync(externalId, cancellationToken) is null
            ? null
            : await TakeBackAsync(reversalExternalId, externalId, null, cancellationToken);
    }

    /// <summary>The hours of one entry version taken off the (possibly aggregated) line that holds them: see <see cref="TakeBackAsync"/>.</summary>
    public async Task<ErpPosting> ReverseTimeLineAsync(ErpTimeReversal reversal, CancellationToken cancellationToken)
    {
        if (reversal.Hours <= 0)
        {
            throw new ErpException(ErpFailureKind.Rejected, $"Reversal {reversal.ExternalId} must take back a positive number of hours, not {reversal.Hours}.");
        }
        return await FindReversalAsync(reversal.ExternalId, cancellationToken)
            ?? await TakeBackAsync(reversal.ExternalId, reversal.ReversedExternalId, reversal.Hours, cancellationToken);
    }

    /// <summary>
    /// Takes <paramref name="hours"/> (null: all) off the original line and records the reversal as a zero-hour line on the
    /// same work, employee and date, whose description names the reversal, the hours and the line they came from, e.g.
    /// <c>psasync:PSA-TE-TE-7-V1-REV: 3.5 h taken back from psasync:PSA-TA-2026-10-…</c>; the original keeps its marker.
    /// The two changes are one Tryton transaction: the zero-hour line is first created under a pending marker, then a single
    /// <c>write</c> lowers the original (guarded by its <c>_timestamp</c>, so a concurrent reversal of the same aggregate
    /// makes this one fail as a concurrent change and retry, never lose an update) and renames the pending line. A crash
    /// in between leaves only the pending line, which the next attempt reuses; a finished reversal is found by its marker.
    /// </summary>
    private async Task<ErpPosting> TakeBackAsync(string reversalExternalId, string originalExternalId, decimal? hours, CancellationToken cancellationToken)
    {
        var original = await FindTimeByExternalIdAsync(originalExternalId, cancellationToken)
            ?? throw new ErpException(ErpFailureKind.Rejected, $"Time line {originalExternalId} does not exist in Tryton: {reversalExternalId} has nothing to reverse.");
        var id = IdOf(original.ErpDocumentId, "Timesheet line");
        var line = (await client.ReadAsync<TimesheetAdjustRow>("timesheet.line", [id], ["company", "employee", "work", "date", "duration", "_timestamp"], cancellationToken)).Single();
        var held = Math.Round((decimal)line.Duration.TotalHours, 4);
        var taken = hours ?? held;
        if (taken > held)
        {
            throw new ErpException(ErpFailureKind.Rejected,
                $"Timesheet line {id} ({originalExternalId}) holds {held:0.####} h; {taken:0.####} h cannot be taken back from it for {reversalExternalId}.");
        }
        var pendingMarker = PendingMarker + reversalExternalId;
        var pendingLine = (await client.SearchAsync("timesheet.line", new object[] { new object[] { "description", "=", pendingMarker } }, cancellationToken, limit: 1, order: OrderById))
            .Cast<int?>().FirstOrDefault()
            ?? (await client.CreateAsync("timesheet.line", [new Dictionary<string, object?>
            {
                ["company"] = line.Company,
                ["employee"] = line.Employee,
                ["work"] = line.Work,
                ["date"] = line.Date,
                ["duration"] = TimeSpan.Zero,
                ["description"] = pendingMarker,
            }], cancellationToken)).Single();
        var remaining = TimeSpan.FromHours((double)(held - taken));
        var description = $"{Marker}{reversalExternalId}{ReversalSeparator}{taken:0.####} h taken back from {Marker}{originalExternalId}";
        await client.CallAsync("model.timesheet.line.write",
            [new[] { id }, new Dictionary<string, object?> { ["duration"] = remaining }, new[] { pendingLine }, new Dictionary<string, object?> { ["description"] = description }],
            TrytonCallKind.Write, cancellationToken,
            new Dictionary<string, object?> { ["_timestamp"] = new Dictionary<string, object?> { [$"timesheet.line,{id}"] = line.Timestamp } });
        return new ErpPosting(Text(pendingLine), reversalExternalId);
    }

    /// <summary>A finished reversal: its zero-hour line's description starts with the marker (older ones are the marker alone).</summary>
    private async Task<ErpPosting?> FindReversalAsync(string reversalExternalId, CancellationToken cancellationToken)
    {
        var marker = Marker + reversalExternalId;
        var rows = await client.SearchReadAsync<TimesheetLineRow>("timesheet.line",
            new object[] { "OR", new object[] { "description", "=", marker }, new object[] { "description", "like", marker + ReversalSeparator + "%" } },
            ["description"], cancellationToken, order: OrderById);
        return rows.FirstOrDefault(r => r.Description == marker || r.Description!.StartsWith(marker + ReversalSeparator, StringComparison.Ordinal)) is { } row
            ? new ErpPosting(Text(row.Id), reversalExternalId)
            : null;
    }

    private const string PendingMarker = "psasync-pending:";

    private const string ReversalSeparator = ": ";

    private sealed record TimesheetAdjustRow(int Id, int Company, int Employee, int Work, DateOnly Date, TimeSpan Duration,
        [property: System.Text.Json.Serialization.JsonPropertyName("_timestamp")] System.Text.Json.JsonElement Timestamp);

    public async Task<ErpPosting> PostTimeAsync(ErpTimeLine line, CancellationToken cancellationToken)
    {
        var result = (await PostTimeLinesAsync([line], cancellationToken)).Single();
        return result.Posting ?? throw result.Failure!;
    }

    /// <summary>
    /// Looks up the lines already in Tryton, then creates the rest in one <c>timesheet.line.create</c>. Tryton saves a
    /// create all or nothing, so when it refuses the batch for a business reason the lines are created one by one to
    /// find the one it refuses. Tryton timesheets have no billable flag or role: those stay in PsaSync's ledger.
    /// </summary>
    public async Task<IReadOnlyList<ErpLineResult>> PostTimeLinesAsync(IReadOnlyList<ErpTimeLine> lines, CancellationToken cancellationToken)
    {
        // By external id: a line listed twice in one batch is created once and both get its outcome.
        var outcomes = new Dictionary<string, ErpLineResult>(StringComparer.Ordinal);
        var existing = await ExistingTimeAsync([.. lines.Select(l => l.ExternalId)], cancellationToken);
        var works = await TimesheetWorksAsync([.. lines.Select(l => l.ErpProjectCode)], cancellationToken);
        var pending = new List<(ErpTimeLine Line, int Work)>();
        foreach (var line in lines)
        {
            if (existing.TryGetValue(line.ExternalId, out var posting))
            {
                outcomes[line.ExternalId] = new ErpLineResult(line.ExternalId, posting, null);
            }
            else if (works.TryGetValue(line.ErpProjectCode, out var work) && work is { } open)
            {
                if (!pending.Any(p => p.Line.ExternalId == line.ExternalId))
                {
                    pending.Add((line, open));
                }
            }
            else
            {
                outcomes[line.ExternalId] = new ErpLineResult(line.ExternalId, null,
                    new ErpException(ErpFailureKind.Rejected, $"Time line {line.ExternalId}: project {line.ErpProjectCode} does not exist in Tryton or is not open."));
            }
        }
        if (pending.Count > 0)
        {
            var employees = await EmployeesAsync([.. pending.Select(p => p.Line.ResourceId).Distinct(StringComparer.Ordinal)], cancellationToken);
            var setup = await SetupAsync(cancellationToken);
            object Values((ErpTimeLine Line, int Work) p) => new Dictionary<string, object?>
            {
                ["company"] = setup.CompanyId,
                ["employee"] = employees[p.Line.ResourceId],
                ["work"] = p.Work,
                ["date"] = p.Line.WorkDate,
                ["duration"] = TimeSpan.FromHours((double)p.Line.Hours),
                ["description"] = Marker + p.Line.ExternalId,
            };
            try
            {
                var ids = await client.CreateAsync("timesheet.line", [.. pending.Select(Values)], cancellationToken);
                for (var i = 0; i < pending.Count; i++)
                {
                    outcomes[pending[i].Line.ExternalId] = new ErpLineResult(pending[i].Line.ExternalId, new ErpPosting(Text(ids[i]), pending[i].Line.ExternalId), null);
                }
            }
            catch (ErpException refused) when (!refused.IsTransient && pending.Count > 1)
            {
                foreach (var p in pending)
                {
                    try
                    {
                        var id = (await client.CreateAsync("timesheet.line", [Values(p)], cancellationToken)).Single();
                        outcomes[p.Line.ExternalId] = new ErpLineResult(p.Line.ExternalId, new ErpPosting(Text(id), p.Line.ExternalId), null);
                    }
                    catch (ErpException failure)
                    {
                        outcomes[p.Line.ExternalId] = new ErpLineResult(p.Line.ExternalId, null, failure);
                    }
                }
            }
            catch (ErpException failure)
            {
                foreach (var p in pending)
                {
                    outcomes[p.Line.ExternalId] = new ErpLineResult(p.Line.ExternalId, null, failure);
                }
            }
        }
        return [.. lines.Select(l => outcomes[l.ExternalId])];
    }

    private async Task<Dictionary<string, ErpPosting>> ExistingTimeAsync(IReadOnlyList<string> externalIds, CancellationToken cancellationToken)
    {
        var rows = await client.SearchReadAsync<TimesheetLineRow>("timesheet.line",
            new object[] { new object[] { "description", "in", externalIds.Select(id => Marker + id).Distinct().ToArray() } }, ["description"], cancellationToken, order: OrderById);
        var found = new Dictionary<string, ErpPosting>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var externalId = row.Description![Marker.Length..];
            found.TryAdd(externalId, new ErpPosting(Text(row.Id), externalId));
        }
        return found;
    }

    /// <summary>The timesheet work of each project code, or null when the project is missing or not open.</summary>
    private async Task<Dictionary<string, int?>> TimesheetWorksAsync(IReadOnlyList<string> projectCodes, CancellationToken cancellationToken)
    {
        var ids = projectCodes.Distinct(StringComparer.Ordinal).Select(code => int.TryParse(code, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).ToArray();
        var rows = await ProjectRowsAsync([["id", "in", ids]], cancellationToken);
        return rows.ToDictionary(r => Text(r.Id), r => r.IsOpen && r.TimesheetWorks.Count > 0 ? r.TimesheetWorks[0] : (int?)null);
    }

    /// <summary>
    /// The employee of each resource id, creating the party and employee of those Tryton does not have yet. Several
    /// workers may meet a new resource at once (its first approved entries): each create is followed by a second look, and
    /// the lowest id wins (see <see cref="KeepLowestAsync"/>), so there is one party and one employee whatever the concurrency.
    /// </summary>
    private async Task<Dictionary<string, int>> EmployeesAsync(IReadOnlyList<string> resourceIds, CancellationToken cancellationToken)
    {
        var setup = await SetupAsync(cancellationToken);
        var partyByResource = await ResourcePartiesAsync(resourceIds, cancellationToken);
        var missingParties = resourceIds.Where(r => !partyByResource.ContainsKey(r)).ToList();
        if (missingParties.Count > 0)
        {
            var created = await client.CreateAsync("party.party", [.. missingParties.Select(r => (object)new Dictionary<string, object?>
            {
                ["name"] = r,
                ["identifiers"] = new object[] { new object[] { "create", new object[] { new Dictionary<string, object?> { ["code"] = ResourceMarker + r } } } },
            })], cancellationToken);
            var winners = await ResourcePartiesAsync(missingParties, cancellationToken);
            var losers = new List<int>();
            for (var i = 0; i < missingParties.Count; i++)
            {
                var winner = winners.TryGetValue(missingParties[i], out var found) ? Math.Min(found, created[i]) : created[i];
                partyByResource[missingParties[i]] = winner;
                if (winner != created[i])
                {
                    losers.Add(created[i]);
                }
            }
            if (losers.Count > 0)
            {
                await DiscardAsync("party.party", losers, cancellationToken);
            }
        }
        var employees = await EmployeesOfAsync([.. partyByResource.Values], setup.CompanyId, cancellationToken);
        var missingEmployees = partyByResource.Values.Distinct().Where(p => !employees.ContainsKey(p)).ToList();
        if (missingEmployees.Count > 0)
        {
            var created = await client.CreateAsync("company.employee",
                [.. missingEmployees.Select(p => (object)new Dictionary<string, object?> { ["party"] = p, ["company"] = setup.CompanyId })], cancellationToken);
            var winners = await EmployeesOfAsync(missingEmployees, setup.CompanyId, cancellationToken);
            var losers = new List<int>();
            for (var i = 0; i < missingEmployees.Count; i++)
            {
                var winner = winners.TryGetValue(missingEmployees[i], out var found) ? Math.Min(found, created[i]) : created[i];
                employees[missingEmployees[i]] = winner;
                if (winner != created[i])
                {
                    losers.Add(created[i]);
                }
            }
            if (losers.Count > 0)
            {
                await DiscardAsync("company.employee", losers, cancellationToken);
            }
        }
        return partyByResource.ToDictionary(p => p.Key, p => employees[p.Value], StringComparer.Ordinal);
    }

    /// <summary>The party of each resource that has one: the lowest party id carrying its marker.</summary>
    private async Task<Dictionary<string, int>> ResourcePartiesAsync(IReadOnlyList<string> resourceIds, CancellationToken cancellationToken)
    {
        var marks = await client.SearchReadAsync<IdentifierRow>("party.identifier",
            new object[] { new object[] { "code", "in", resourceIds.Select(r => ResourceMarker + r).ToArray() } }, ["party", "code"], cancellationToken, order: OrderById);
        return marks.GroupBy(m => m.Code[ResourceMarker.Length..], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Min(m => m.Party), StringComparer.Ordinal);
    }

    /// <summary>The employee of each party that has one in the company: the lowest id.</summary>
    private async Task<Dictionary<int, int>> EmployeesOfAsync(IReadOnlyList<int> parties, int companyId, CancellationToken cancellationToken) =>
        (await client.SearchReadAsync<EmployeeRow>("company.employee",
            new object[] { new object[] { "party", "in", parties.ToArray() }, new object[] { "company", "=", companyId } }, ["party"], cancellationToken, order: OrderById))
            .GroupBy(e => e.Party).ToDictionary(g => g.Key, g => g.Min(e => e.Id));
}
