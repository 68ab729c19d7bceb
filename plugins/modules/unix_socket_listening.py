#!/usr/bin/python
# Runs on every target's Python, CentOS 7's 2.7 included: no f-strings, no annotations.
"""Wait until a Unix socket accepts a connection: a restarted milter is ready for Postfix."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: unix_socket_listening
short_description: Wait until a Unix socket accepts a connection
description:
  - Connects to the Unix stream socket at I(path) until a connection is accepted, then closes it.
  - C(systemctl restart) returns before a milter (OpenDKIM, OpenDMARC, rspamd) listens; in
    between, Postfix answers 451 to mail that milter should see. A handler that waits for
    the socket ends the run only when the milter takes mail again.
  - A socket file left by the stopped daemon refuses connections, so the file's presence
    alone proves nothing.
  - In check mode nothing was restarted, and nothing is waited for.
options:
  path:
    description: The socket's path on the host.
    type: path
    required: true
  timeout:
    description: Seconds to wait before failing.
    type: int
    default: 30
"""

RETURN = r"""
waited:
  description: Seconds until the socket accepted a connection.
  type: float
  returned: success
"""

import socket
import time

from ansible.module_utils.basic import AnsibleModule


def _accepts(path):
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        return True
    except socket.error:
        return False
    finally:
        connection.close()


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}, "timeout": {"type": "int", "default": 30}},
        supports_check_mode=True,
    )
    if module.check_mode:
        module.exit_json(changed=False, waited=0.0)
    path, start = module.params["path"], time.time()
    while not _accepts(path):
        if time.time() - start > module.params["timeout"]:
            module.fail_json(
                msg="%s accepted no connection in %d s: see the journal of the service that should listen there"
                % (path, module.params["timeout"])
            )
        time.sleep(0.05)
    module.exit_json(changed=False, waited=round(time.time() - start, 2))


if __name__ == "__main__":
    main()
