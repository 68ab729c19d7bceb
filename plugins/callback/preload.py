"""Callback preload: import the Jinja plugins once, in the controller's main process.

Ansible forks a worker for every task, and each worker imported the filter,
test and lookup plugins it templated with anew: ansible.builtin's filters
alone pull in passlib. On the lab that was 2.8 s of a 9 s re-run (issue 13).
Imported here, before the first task, every worker inherits them.

Only imports: no result, option or output changes. Any failure is shown at -vvv
and the run goes on as without this callback.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: preload
    type: aggregate
    short_description: import the Jinja plugins once, before the first task
    description:
      - Imports the filter, test and lookup plugins of ansible.builtin and of
        postdove.mailserver in the controller's main process, so that the
        worker forked for each task inherits them instead of importing them.
    requirements:
      - enable in ansible.cfg (callbacks_enabled = postdove.mailserver.preload)
"""

_COLLECTION_PACKAGE = "ansible_collections.postdove.mailserver.plugins"
_PLUGIN_KINDS = ("filter", "test", "lookup")


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "postdove.mailserver.preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook: object) -> None:
        try:
            count = _import_plugins()
        except Exception as error:  # a speed-up only: never fail the run for it
            self._display.vvv(f"postdove.mailserver.preload: plugins not preloaded: {error}")
        else:
            self._display.vvv(f"postdove.mailserver.preload: {count} plugins preloaded")


def _import_plugins() -> int:
    """Import the plugins; return how many."""
    from ansible.plugins import loader

    count = 0
    for kind in _PLUGIN_KINDS:
        for _plugin in getattr(loader, f"{kind}_loader").all():
            count += 1
    plugins_dir = Path(__file__).resolve().parent.parent
    for kind in _PLUGIN_KINDS:
        for source in sorted((plugins_dir / kind).glob("*.py")):
            importlib.import_module(f"{_COLLECTION_PACKAGE}.{kind}.{source.stem}")
            count += 1
    return count
