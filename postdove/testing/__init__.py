"""Test support shared by the unit tests (tests/), the lab tests (tests/lab/), the Molecule verifier
(molecule/verify/) and the benchmarks (bench/). It only works from a checkout: it finds the project by
its own path.

  project       - the checkout's root
  ansible       - run ansible-playbook (the one runner) and pick the failures out of its output
  containers    - run commands here, and a lab container's address on its podman network
  mail          - unique subjects, waiting for delivery, swaks and raw SMTP dialogues
  lab           - a fresh lab container with its inventory, for tests/lab
  proof_log     - the suite's record of attacks, bad inputs and faults (tools/security-summary)
  example_vault - the example inventory's passwords in clear
  tls_scanning  - sslyze scans of the seven TLS endpoints against Mozilla's profiles
  config_names  - the parameter names in Postfix's and Dovecot's configuration files
"""
