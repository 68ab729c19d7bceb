"""Hand one message to Dovecot's LMTP socket as Postfix's lmtp(8) would.

Runs on the server with the system Python (copied there by test_redelivery.py):
lmtp_handover.py MESSAGE_FILE RECIPIENT [cut]. With `cut` the session ends
right after the final dot, before Dovecot's reply: what a Postfix restart or
crash does to a delivery in flight. Prints Dovecot's reply, or "cut".
"""

import socket
import sys

SOCKET = "/var/spool/postfix/private/dovecot-lmtp"

message_file, recipient = sys.argv[1], sys.argv[2]
cut = len(sys.argv) > 3 and sys.argv[3] == "cut"
with open(message_file, "rb") as f:
    message = f.read()

connection = socket.socket(socket.AF_UNIX)
connection.connect(SOCKET)
replies = connection.makefile("rb")


def reply() -> bytes:
    while (line := replies.readline())[3:4] == b"-":
        pass
    return line


reply()
envelope = [b"LHLO server.hello.com", b"MAIL FROM:<load@client.example.net>", f"RCPT TO:<{recipient}>".encode()]
for command in [*envelope, b"DATA"]:
    connection.sendall(command + b"\r\n")
    reply()
connection.sendall(message + b".\r\n")
if cut:
    connection.close()
    print("cut")
else:
    print(reply().decode().strip())
    connection.sendall(b"QUIT\r\n")
    connection.close()
