"""A discrete-event model of Postfix's queue manager (qmgr), after ../shared/reference/postfix-qmgr-spec.md.

Modules, one concept each:
  params    - qmgr parameters, their Postfix 2.10 / 3.7 defaults, and reading main.cf or `postconf -n`
  backoff   - the retry time of a deferred message, its eligibility, and expiry (spec §2)
  window    - the per-destination concurrency window: slow start, feedback, death (spec §3.6)
  scenario  - the validated YAML scenario: arrivals and destinations' behaviour over time
  engine    - the event loop and the queue manager itself (spec §1, §3, §8)
  events    - the records the engine emits; outputs consume only these
  report    - the summary numbers and qshape tables (spec §7)
  maillog   - records as Postfix log lines; plot - queue sizes as a PNG; run - one run with outputs
  logparse  - a mail log (real or simulated) as per-message events; compare - real vs predicted
  testmx    - the programmable SMTP server that drives a real Postfix as a scenario says
"""
