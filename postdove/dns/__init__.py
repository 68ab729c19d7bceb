"""The DNS records a postdove server needs published, from what its playbook run wrote down."""
