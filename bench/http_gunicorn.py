"""gunicorn settings for ``bench.http``: the committed ``gunicorn.conf.py`` (workers,
bind, timeouts, recycling from the environment) with the access log off, so that
neither the application nor the hello-world baseline spends the run writing lines.

``gunicorn.conf.py`` logs access lines whenever its ``logconfig_dict`` is set
(gunicorn's ``access_log_enabled``), so both settings are cleared here."""
import os
import runpy

_committed = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                         "gunicorn.conf.py"))
globals().update({name: value for name, value in _committed.items()
                  if not name.startswith("_") and name not in ("os", "multiprocessing")})
accesslog = None
logconfig_dict = {}
