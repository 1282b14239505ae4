#!/usr/bin/python3
"""Gives a freshly activated Tryton 6.0 database what PsaSync's Tryton connector expects.

    /usr/bin/python3 tryton_setup.py TRYTOND_CONF DATABASE      (API password from TRYTON_API_PASSWORD)

Talks to the database directly through proteus (no server needed). Each step looks for what it would create
first, so running it twice changes nothing. Creates: the USD currency, the company, the minimal chart of accounts
with default receivable/payable accounts, fiscal years for last, this and next year (monthly periods, an invoice
sequence each, so a run around New Year still posts), the payment terms PsaSync's reference data names (NET15 ...
NET60), the billing countries, a party category for customers that need purchase orders, a cash payment method for recording payments, the service product PSA-SERVICE (unit hour) that invoice
lines are booked to, and the API user psa_sync.
"""
import datetime
import os
import sys
import time
from decimal import Decimal

from proteus import Model, Wizard, config

COMPANY_NAME = 'PsaSync Consulting'
PRODUCT_CODE = 'PSA-SERVICE'
API_LOGIN = 'psa_sync'
PAYMENT_TERM_DAYS = {'NET15': 15, 'NET30': 30, 'NET45': 45, 'NET60': 60}
# Debian's Tryton has no country data loaded; these are the billing countries PsaSync's reference data uses.
COUNTRIES = {'US': 'United States', 'DE': 'Germany', 'GB': 'United Kingdom'}
# Parties in this category need a purchase order on their projects (Tryton 6.0 has no such field).
PO_CATEGORY = 'Purchase order required'


def timed(label, action):
    started = time.time()
    result = action()
    print('%-34s %5.2fs' % (label, time.time() - started))
    return result


def currency():
    Currency = Model.get('currency.currency')
    found = Currency.find([('code', '=', 'USD')])
    if found:
        return found[0]
    usd = Currency(name='US Dollar', symbol='$', code='USD', rounding=Decimal('0.01'))
    usd.save()
    Model.get('currency.currency.rate')(date=datetime.date(2000, 1, 1), rate=Decimal(1), currency=usd).save()
    return usd


def company(usd, cfg):
    Company = Model.get('company.company')
    found = Company.find([])
    if found:
        return found[0]
    party = Model.get('party.party')(name=COMPANY_NAME)
    party.save()
    wizard = Wizard('company.company.config')
    wizard.execute('company')
    wizard.form.party = party
    wizard.form.currency = usd
    wizard.execute('add')
    # The admin's context must now carry the company for the company-bound records below.
    cfg._context = Model.get('res.user').get_preferences(True, {})
    return Company.find([])[0]


def accounts(comp):
    Account = Model.get('account.account')
    if not Account.find([('company', '=', comp.id)]):
        template_data, = Model.get('ir.model.data').find(
            [('module', '=', 'account'), ('fs_id', '=', 'account_template_root_en')])
        wizard = Wizard('account.create_chart')
        wizard.execute('account')
        wizard.form.account_template = Model.get('account.account.template')(template_data.db_id)
        wizard.form.company = comp
        wizard.execute('create_account')
        wizard.form.account_receivable, = Account.find([('type.receivable', '=', True), ('company', '=', comp.id)], limit=1)
        wizard.form.account_payable, = Account.find([('type.payable', '=', True), ('company', '=', comp.id)], limit=1)
        wizard.execute('create_properties')

    def one(domain):
        found, = Account.find(domain + [('company', '=', comp.id)], limit=1)
        return found
    return {
        'revenue': one([('type.revenue', '=', True)]),
        'expense': one([('type.expense', '=', True)]),
        'cash': one([('name', '=', 'Main Cash')]),
    }


def fiscal_year(comp, year):
    FiscalYear = Model.get('account.fiscalyear')
    found = FiscalYear.find([('name', '=', str(year)), ('company', '=', comp.id)])
    if found:
        return found[0]
    move_type, = Model.get('ir.sequence.type').find([('name', '=', 'Account Move')], limit=1)
    invoice_type, = Model.get('ir.sequence.type').find([('name', '=', 'Invoice')], limit=1)
    move_sequence = Model.get('ir.sequence')(name='Moves %s' % year, sequence_type=move_type, company=comp)
    move_sequence.save()
    invoice_sequence = Model.get('ir.sequence.strict')(
        name='Invoices %s' % year, sequence_type=invoice_type, company=comp, prefix='INV/%s/' % year, padding=4)
    invoice_sequence.save()
    # Credit notes get their own numbering: a strict sequence only numbers documents in date order, so a credit
    # note dated today must not stop last month's invoices from being numbered.
    credit_sequence = Model.get('ir.sequence.strict')(
        name='Credit notes %s' % year, sequence_type=invoice_type, company=comp, prefix='CN/%s/' % year, padding=4)
    credit_sequence.save()
    fy = FiscalYear(name=str(year), company=comp, post_move_sequence=move_sequence,
        start_date=datetime.date(year, 1, 1), end_date=datetime.date(year, 12, 31))
    sequences, = fy.invoice_sequences
    sequences.out_invoice_sequence = sequences.in_invoice_sequence = invoice_sequence
    sequences.out_credit_note_sequence = sequences.in_credit_note_sequence = credit_sequence
    fy.save()
    fy.click('create_period')
    return fy


def payment_terms():
    PaymentTerm = Model.get('account.invoice.payment_term')
    for name, days in PAYMENT_TERM_DAYS.items():
        if PaymentTerm.find([('name', '=', name)]):
            continue
        term = PaymentTerm(name=name)
        line = term.lines.new(type='remainder')
        line.relativedeltas.new(days=days)
        term.save()


def countries():
    Country = Model.get('country.country')
    for code, name in COUNTRIES.items():
        if not Country.find([('code', '=', code)]):
            Country(code=code, name=name).save()


def party_category():
    Category = Model.get('party.category')
    if not Category.find([('name', '=', PO_CATEGORY)]):
        Category(name=PO_CATEGORY).save()


def payment_method(comp, accs):
    Method = Model.get('account.invoice.payment.method')
    if Method.find([('name', '=', 'Cash')]):
        return
    journal, = Model.get('account.journal').find([('type', '=', 'cash')], limit=1)
    Method(name='Cash', company=comp, journal=journal,
        debit_account=accs['cash'], credit_account=accs['cash']).save()


def service_product(accs):
    Product = Model.get('product.product')
    if Product.find([('code', '=', PRODUCT_CODE)]):
        return
    category = Model.get('product.category')(name='Professional services', accounting=True,
        account_revenue=accs['revenue'], account_expense=accs['expense'])
    category.save()
    hour, = Model.get('product.uom').find([('name', '=', 'Hour')])
    # In 6.0 the variant's code is read-only (template code + suffix), so the code goes on the template.
    Model.get('product.template')(name='Professional services', code=PRODUCT_CODE, type='service',
        default_uom=hour, list_price=Decimal(0), account_category=category).save()


def api_user(comp, password):
    User = Model.get('res.user')
    if User.find([('login', '=', API_LOGIN)]):
        return
    wanted = ['Project Administration', 'Timesheet Administration', 'Project Invoice', 'Account',
        'Account Administration', 'Party Administration', 'Product Administration',
        'Employee Administration', 'Currency Administration']
    groups = Model.get('res.group').find([('name', 'in', wanted)])
    missing = set(wanted) - {g.name for g in groups}
    if missing:
        raise SystemExit('groups not found: %s' % ', '.join(sorted(missing)))
    user = User(name='PsaSync integration', login=API_LOGIN, password=password)
    user.groups.extend(groups)
    # The company wizard only gave the company to the users that existed then.
    user.companies.append(Model.get('company.company')(comp.id))
    user.company = Model.get('company.company')(comp.id)
    user.save()


def main(conf, database):
    password = os.environ.get('TRYTON_API_PASSWORD')
    if not password:
        raise SystemExit('TRYTON_API_PASSWORD is not set')
    cfg = timed('load the module pool', lambda: config.set_trytond(database=database, user='admin', config_file=conf))
    usd = timed('currency USD', currency)
    comp = timed('company', lambda: company(usd, cfg))
    accs = timed('chart of accounts', lambda: accounts(comp))
    this_year = datetime.date.today().year
    for year in (this_year - 1, this_year, this_year + 1):
        timed('fiscal year %s, monthly periods' % year, lambda: fiscal_year(comp, year))
    timed('payment terms NET15..NET60', payment_terms)
    timed('countries %s' % ', '.join(COUNTRIES), countries)
    timed('party category "%s"' % PO_CATEGORY, party_category)
    timed('payment method Cash', lambda: payment_method(comp, accs))
    timed('service product %s' % PRODUCT_CODE, lambda: service_product(accs))
    timed('API user %s' % API_LOGIN, lambda: api_user(comp, password))


if __name__ == '__main__':
    main(*sys.argv[1:])
