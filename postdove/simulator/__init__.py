"""A discrete-event model of Postfix's queue manager (qmgr), described in docs/simulator.md.

Modules, one concept each:
  params    - qmgr parameters, their Postfix 2.10 / 3.7 defaults, and reading main.cf or `postconf -n`
  backoff   - the retry time of a deferred message, its eligibility, and expiry (docs/simulator.md §2)
  window    - the per-destination concurrency window: slow start, feedback, death (docs/simulator.md §3.6)
  scenario  - the validated YAML scenario: arrivals and destinations' behaviour over time
  engine    - the event loop and the queue manager itself (docs/simulator.md §1, §3, §8)
  events    - the records the engine emits; outputs consume only these
  report    - the summary numbers and qshape tables (docs/simulator.md §7)
  maillog   - records as Postfix log lines; plot - queue sizes as a PNG; run - one run with outputs
  logparse  - a mail log (real or simulated) as per-message events; compare - real vs predicted
  testmx    - the programmable SMTP server that drives a real Postfix as a scenario says
"""
