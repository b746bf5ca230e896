"""`mpp doctor`: checks the box and says, in plain words, what is wrong and how to fix it.

Written for the regency IT officer standing next to the Pi: every finding has a level (ok, info,
warn, fail), one sentence of what was found and, for problems, one line of what to do — in
Indonesian by default, English with `--lang en`. Exit code 0 all good, 1 warnings, 2 failures;
`--json` for monitoring scripts. The doctor only reads: the database is opened read-only (no
migration).

`findings` is what a check gets and gives, `devices` and `storage` the box's own checks, `checks`
runs them with those other packages contribute through the `mpp.doctor` entry-point group (sync's
broker probe: the core never imports sync, DESIGN.md), `render` words the result, `cli` is the
command.
"""
