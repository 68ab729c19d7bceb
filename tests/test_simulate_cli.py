"""`postdove simulate` runs a scenario file and writes its outputs; a bad file exits 2 naming the field."""

from pathlib import Path

from postdove import cli
from postdove.testing.project import PROJECT

RETRY = PROJECT / "examples/scenarios/retry-schedule.yml"


def test_retry_scenario_writes_log_qshape_and_plot(tmp_path, capsys):
    log, png = tmp_path / "mail.log", tmp_path / "queues.png"
    code = cli.main(
        ["simulate", str(RETRY), "--log", str(log), "--plot", str(png), "--qshape-at", "30", "--no-progress"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "recipients expired" in out and "qshape incoming active deferred at 30 s" in out
    assert "closed.test  1  1  0" in out  # one recipient, under 5 minutes old
    lines = log.read_text().splitlines()
    assert lines[0].endswith(
        "postfix/qmgr["
        + lines[0].split("postfix/qmgr[")[1].split("]")[0]
        + "]: 0000000001: from=<sender@hello.com>, size=1024, nrcpt=1 (queue active)"
    )
    assert sum("status=deferred (connect to" in line and "Connection refused" in line for line in lines) == 7
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_maincf_file_wins_over_the_scenario(tmp_path, capsys):
    maincf = tmp_path / "main.cf"
    maincf.write_text("maximal_queue_lifetime = 0\n")
    log = tmp_path / "mail.log"
    assert cli.main(["simulate", str(RETRY), "--maincf", str(maincf), "--log", str(log), "--no-progress"]) == 0
    assert sum("status=deferred (connect to" in line for line in log.read_text().splitlines()) == 1


def test_bad_scenario_exits_2_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yml"
    bad.write_text(Path(RETRY).read_text().replace("behaviour: refuse", "behaviour: explode"))
    assert cli.main(["simulate", str(bad), "--no-progress"]) == 2
    assert "destinations.0.phases.0.behaviour" in capsys.readouterr().out
