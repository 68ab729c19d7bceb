"""postdove: provision and prove a Postfix + Dovecot mail server."""

__version__ = "0.1.0"
