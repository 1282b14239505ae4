#!/usr/bin/python3
"""Runs trytond serving one request at a time.

/usr/bin/trytond serves each request on its own thread. With SQLite, two writes at once can race (for example two
parties getting the same code), so PsaSync's tests and demo use this launcher instead. It also loads the module pool
before it listens, so the first request is not slow.

    /usr/bin/python3 tryton_serve.py -c trytond.conf -d DATABASE --pidfile FILE
"""
from trytond import commandline
from trytond.config import config, split_netloc

options = commandline.get_parser_daemon().parse_args()
commandline.config_log(options)
config.update_etc(options.configfile)

# Imported after the configuration is loaded: these modules read it on import.
from trytond.pool import Pool  # noqa: E402
from trytond.wsgi import app  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402

with commandline.pidfile(options):
    Pool.start()
    for database in options.database_names:
        Pool(database).init()
    host, port = split_netloc(config.get('web', 'listen'))
    run_simple(host, port, app, threaded=False, processes=1)
