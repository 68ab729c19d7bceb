"""A discrete-event model of Postfix's queue manager (qmgr), after ../shared/reference/postfix-qmgr-spec.md.

Modules, one concept each:
  params   - the qmgr parameters, their Postfix 2.10 / 3.7 defaults, and parsing main.cf or `postconf -n`
  backoff  - the retry time of a deferred message, its eligibility, and expiry (spec §2)
  window   - the per-destination concurrency window with slow start, feedback and death (spec §3.6)
"""
