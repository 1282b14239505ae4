using PsaSync.Core.CrossReference;
using PsaSync.Core.Events;
using PsaSync.Core.Exceptions;
using PsaSync.Core.Messaging;
using PsaSync.Core.Model;
using PsaSync.Core.Parking;
using PsaSync.Core.Ports;
using PsaSync.Core.Tracing;
using PsaSync.Core.Watermarks;

namespace PsaSync.Core.MasterData;

/// <summary>
/// Customer master: the CRM originates a customer, the ERP validates and owns it, the PSA receives it with its
/// ERP number. A CRM account becomes an ERP customer once (its account id is the ERP external id, looked up
/// before any create); a likely duplicate becomes an exception item instead of a second customer. An ERP
/// change is read back from the ERP (the system of record) and passed to the PSA. When a customer has synced,
/// the projects waiting for it are re-driven; when a CRM customer is refused, they are told at once.
/// </summary>
public sealed class CustomerUpsertedHandler(
    IErpConnector erp,
    IPsaConnector psa,
    ICrossReferenceMap crossReferences,
    ReferenceDataCache referenceData,
    EventParking parking,
    IWatermarkStore identities,
    HandlerSupport support) : IEventHandler
{
    public const string Domain = QueueNames.CustomerMaster;

    public string EventType => CustomerUpserted.EventType;

    public async Task<HandlerResult> HandleAsync(EventEnvelope envelope, bool isRedelivery, CancellationToken cancellationToken)
    {
        var upserted = envelope.DataAs<CustomerUpserted>();
        var record = RecordRef.Parse(envelope.Subject);
        var result = await support.GuardAsync(Domain, envelope, record, async () =>
        {
            ErpCustomer? customer;
            if (upserted.OriginSystem == SystemNames.Erp)
            {
                // The ERP owns master data: read its current state rather than trust an event that may be stale.
                customer = await erp.GetCustomerAsync(record.Id, cancellationToken);
                if (customer is null)
                {
                    return await support.RejectAsync(Domain, envelope, record, ReasonCodes.ErpRejected,
                        $"ERP customer {record.Id} announced a change but no longer exists in the ERP.", cancellationToken);
                }
            }
            else
            {
                var outcome = await CreateFromCrmAsync(upserted.Customer, envelope, record, cancellationToken);
                if (outcome.Rejection is { } rejection)
                {
                    return rejection;
                }
                customer = outcome.Customer!;
            }

            var customerKey = string.IsNullOrEmpty(customer.ExternalId) ? customer.CustomerNumber : customer.ExternalId;
            var crmAccountId = string.IsNullOrEmpty(customer.ExternalId) ? null : customer.ExternalId;
            await crossReferences.LinkAsync(EntityKinds.Customer, SystemNames.CustomerKey, customerKey, SystemNames.Erp, customer.CustomerNumber, cancellationToken);
            if (crmAccountId is not null)
            {
                await crossReferences.LinkAsync(EntityKinds.Customer, SystemNames.Crm, crmAccountId, SystemNames.Erp, customer.CustomerNumber, cancellationToken);
            }

            var psaCustomerId = await psa.UpsertCustomerAsync(new PsaCustomer(null, customerKey, customer.LegalName, customer.BillingCountry,
                customer.Currency, customer.CustomerNumber, crmAccountId), cancellationToken);
            await crossReferences.LinkAsync(EntityKinds.Customer, SystemNames.Erp, customer.CustomerNumber, SystemNames.Psa, psaCustomerId, cancellationToken);
            await support.TraceAsync(Domain, envelope, record, TraceSteps.WrittenBack,
                $"PSA customer {psaCustomerId} carries ERP customer {customer.CustomerNumber}{(crmAccountId is null ? "" : $" and CRM account {crmAccountId}")}.", cancellationToken);

            await support.ResolveAsync(Domain, record, cancellationToken);
            await parking.ReleaseAsync(Domain, envelope, record, ParentKeys.Customer(customerKey), cancellationToken);
            return new HandlerResult.Done($"erp-customer:{customer.CustomerNumber};psa-customer:{psaCustomerId}");
        }, cancellationToken);
        if (result is HandlerResult.Rejected rejected && upserted.OriginSystem != SystemNames.Erp)
        {
            // What waits for this record would otherwise wait for the parking sweep to say so.
            await parking.ParentRefusedAsync(ParentKeys.Customer(upserted.Customer.CustomerKey), record, rejected, cancellationToken);
        }
        return result;
    }

    /// <summary>
    /// Claims the customer's tax id and normalised name (insert-if-absent), so that two CRM accounts for one
    /// company arriving at the same moment cannot both pass the ERP's duplicate search. Returns who holds a
    /// claim already, or null when this account holds them all (a redelivery finds its own claims).
    /// </summary>
    private async Task<(string Key, string Why)?> ClaimIdentityAsync(Customer customer, string? taxId, CancellationToken cancellationToken)
    {
        var claims = new List<(string Name, string Why)>
        {
            ($"customer-identity:name:{customer.BillingCountry}:{CustomerRules.NormalizeName(customer.LegalName)}", $"the same name and country ({customer.BillingCountry})"),
        };
        if (taxId is not null)
        {
            claims.Insert(0, ($"customer-identity:tax:{taxId}", $"the same tax id {customer.TaxId}"));
        }
        foreach (var (name, why) in claims)
        {
            if (!await identities.TryAdvanceAsync(name, customer.CustomerKey, null, cancellationToken)
                && (await identities.GetAsync(name, cancellationToken))?.Value is { } holder && holder != customer.CustomerKey)
            {
                return (holder, why);
            }
        }
        return null;
    }

    private async Task<(ErpCustomer? Customer, HandlerResult? Rejection)> CreateFromCrmAsync(Customer customer, EventEnvelope envelope, RecordRef record, CancellationToken cancellationToken)
    {
        var problems = CustomerRules.Check(customer, await referenceData.GetAsync(cancellationToken));
        if (problems.Count > 0)
        {
            return (null, await support.RejectAsync(Domain, envelope, record, problems, cancellationToken));
        }

        var existing = await erp.FindCustomerByExternalIdAsync(customer.CustomerKey, cancellationToken);
        if (existing is not null)
        {
            await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
                $"Already in the ERP as customer {existing.CustomerNumber}; the ERP owns its master data from here on.", cancellationToken);
            return (existing, null);
        }

        var taxId = customer.TaxId is null ? null : CustomerRules.CompactTaxId(customer.TaxId);
        if (await ClaimIdentityAsync(customer, taxId, cancellationToken) is { } claimedBy)
        {
            return (null, await support.RejectAsync(Domain, envelope, record, ReasonCodes.CustomerLikelyDuplicate,
                $"CRM account {customer.CustomerKey} '{customer.LegalName}' has {claimedBy.Why} as CRM account {claimedBy.Key}, which PsaSync is already syncing. No second customer was created.",
                cancellationToken));
        }
        var similar = (await erp.FindSimilarCustomersAsync(taxId, CustomerRules.NormalizeName(customer.LegalName), customer.BillingCountry, cancellationToken))
            .Where(c => c.ExternalId != customer.CustomerKey)
            .ToList();
        if (similar.Count > 0)
        {
            var match = similar[0];
            var why = taxId is not null && match.TaxId is not null && CustomerRules.CompactTaxId(match.TaxId) == taxId
                ? $"the same tax id {customer.TaxId}"
                : $"the same name and country ({customer.BillingCountry})";
            return (null, await support.RejectAsync(Domain, envelope, record, ReasonCodes.CustomerLikelyDuplicate,
                $"CRM account {customer.CustomerKey} '{customer.LegalName}' has {why} as ERP customer {match.CustomerNumber} '{match.LegalName}'. No second customer was created.",
                cancellationToken));
        }

        var created = await erp.CreateCustomerAsync(new ErpCustomerDraft(customer.CustomerKey, customer.LegalName, customer.BillingCountry, customer.Currency,
            customer.TaxId, customer.PaymentTerms, customer.LegalEntity, customer.RequiresPurchaseOrder, envelope.CorrelationId), cancellationToken);
        await support.TraceAsync(Domain, envelope, record, TraceSteps.Posted,
            $"ERP customer {created.CustomerNumber} created for CRM account {customer.CustomerKey} ({customer.LegalName}).", cancellationToken);
        return (created, null);
    }
}
