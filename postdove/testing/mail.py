"""Mail helpers for tests: unique subjects, waiting for delivery, swaks, and raw SMTP dialogues."""

from __future__ import annotations

import json
import re
import shlex
import time
import uuid

import testinfra


def unique_subject(label: str) -> str:
    return f"postdove-{label}-{uuid.uuid4().hex[:12]}"


def wait_for_mail(
    server: testinfra.host.Host, user: str, token: str, timeout: float = 30.0, maildir: str = ""
) -> list[str]:
    """Return the Maildir files of `user` (or in `maildir`) that contain `token`, waiting for delivery."""
    maildir = maildir or f"/home/{user}/Maildir"
    deadline = time.monotonic() + timeout
    while True:
        found = server.run(f"grep -l -r -F -- {token} {maildir}/new {maildir}/cur")
        files = found.stdout.split()
        if files or time.monotonic() > deadline:
            return files
        time.sleep(0.5)


def authentication_results(headers: str) -> list[str]:
    """Each Authentication-Results header of a message's header section, unfolded."""
    unfolded = re.sub(r"\n[ \t]+", " ", headers)
    return [line for line in unfolded.splitlines() if line.lower().startswith("authentication-results:")]


def results_by(headers: str, authserv_id: str) -> str:
    """What the server `authserv_id` wrote in its Authentication-Results headers, joined."""
    own = [h for h in authentication_results(headers) if h.split(":", 1)[1].strip().startswith(authserv_id)]
    return " ".join(own)


def send_with_swaks(client: testinfra.host.Host, server_name: str, options: str, subject: str):
    """Send one message with swaks from the client container; `options` are swaks flags, shell-quoted."""
    return client.run(f"swaks --server {server_name} {options} --header 'Subject: {subject}'")


# Runs inside a container (or here): speaks raw SMTP so that line endings are
# exactly what a test wrote. argv[1] is JSON [host, port, mode, steps]; mode is
# plain or tls (TLS from the first byte); a step "STARTTLS" also upgrades the
# connection. Prints the replies (greeting first) as JSON [[code, text], ...].
SMTP_DIALOGUE = r"""
import json, socket, ssl, sys
host, port, mode, steps = json.loads(sys.argv[1])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
sock = socket.create_connection((host, port), timeout=30)
if mode == "tls":
    sock = context.wrap_socket(sock, server_hostname=host)
def reply():
    lines = []
    stream = sock.makefile("rb")
    while True:
        try:
            line = stream.readline()
        except ConnectionResetError:
            line = b""
        if not line:
            lines.append(b"000 connection closed")
            break
        lines.append(line.rstrip(b"\r\n"))
        if line[3:4] != b"-":
            break
    return [int(lines[-1][:3]), b" ".join(l[4:] for l in lines).decode("latin-1")]
replies = [reply()]
for step in steps:
    try:
        sock.sendall(step.encode("latin-1"))
    except (BrokenPipeError, ConnectionResetError):
        replies.append([0, "connection closed"])
        break
    replies.append(reply())
    if replies[-1][0] == 0:
        break
    if step.upper().startswith("STARTTLS") and replies[-1][0] == 220:
        sock = context.wrap_socket(sock, server_hostname=host)
print(json.dumps(replies))
"""


def smtp_dialogue(host: testinfra.host.Host, server: str, port: int, steps: list[str], mode: str = "plain"):
    """Send each raw step (with its own line endings) from `host`; return [(code, text), ...] replies."""
    argument = json.dumps([server, port, mode, steps])
    out = host.check_output(f"python3 -c {shlex.quote(SMTP_DIALOGUE)} {shlex.quote(argument)}")
    return [tuple(r) for r in json.loads(out)]


def postfix_knows(server: testinfra.host.Host, parameter: str) -> bool:
    """Whether the server's Postfix has `parameter` (older versions warn "unknown parameter")."""
    return "unknown parameter" not in server.run(f"postconf -d {parameter}").stderr
