"""The EL Molecule scenarios stay in step with the Debian ones they copy.

`el` cannot run here (no registry to pull EL images from), so this checks that
it is the default scenario with only the server's image, names and firewall
changed: the same playbooks, inventory, verifier tests and sequence.
`el-daemons` and `qmgr-el-daemons` run `default`'s and `qmgr`'s checks on the
EL daemons; they differ from those only where the EL versions need it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from postdove.simulator import tables
from postdove.testing.project import PROJECT

MOLECULE = PROJECT / "molecule"
# Platform keys that differ by design: EL images have no SSH server (podman exec) and run firewalld.
PLATFORM_DIFFERENCES = {"name", "image", "network", "volumes", "published_ports", "capabilities"}


HOST_NAMES = {"POSTDOVE_SERVER", "POSTDOVE_CLIENT"}


def without(mapping: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def scenario(name: str) -> dict[str, Any]:
    return yaml.safe_load((MOLECULE / name / "molecule.yml").read_text())


def host_vars(name: str) -> dict[str, Any]:
    (path,) = (MOLECULE / name / "host_vars").glob("*.yml")
    return yaml.safe_load(path.read_text())


def mail_vars(name: str) -> dict[str, Any]:
    return {k: v for k, v in host_vars(name).items() if k.startswith("mail_")}


def test_el_scenario_runs_the_default_scenarios_playbooks_and_checks() -> None:
    default, el = scenario("default"), scenario("el")
    for section in ("dependency", "driver", "provisioner", "scenario"):
        assert el[section] == default[section], section
    assert without(el["verifier"]["env"], HOST_NAMES) == {
        **without(default["verifier"]["env"], HOST_NAMES),
        "POSTDOVE_FIREWALL": "firewalld",
    }
    assert without(el["verifier"], {"env"}) == without(default["verifier"], {"env"})


def test_el_scenario_differs_from_default_only_in_the_server_image() -> None:
    default, el = scenario("default")["platforms"], scenario("el")["platforms"]
    assert [p["groups"] for p in el] == [p["groups"] for p in default]
    for mine, theirs in zip(el, default, strict=True):
        same = {k for k in mine.keys() | theirs.keys() if k not in PLATFORM_DIFFERENCES}
        assert {k: mine.get(k) for k in same} == {k: theirs.get(k) for k in same}
    assert el[1]["image"] == default[1]["image"], "the client stays the lab's Debian image"
    assert "${POSTDOVE_EL_DISTRO:-rockylinux9}" in el[0]["image"]


def test_el_scenario_uses_the_default_scenarios_inventory() -> None:
    assert mail_vars("el") == {**mail_vars("default"), "mail_el7_vault_repos": True}


def test_el_daemons_scenario_is_the_default_one_on_the_el_daemons() -> None:
    """molecule/el-daemons: the default scenario's checks, run on the EL targets' own daemons."""
    default, el_daemons = scenario("default"), scenario("el-daemons")
    for section in ("dependency", "driver", "scenario"):
        assert el_daemons[section] == default[section], section
    provisioner = el_daemons["provisioner"]
    assert without(provisioner, {"env", "playbooks"}) == without(default["provisioner"], {"env", "playbooks"})
    assert provisioner["env"] == {**default["provisioner"]["env"], "ANSIBLE_SKIP_TAGS": "packages,target_probe"}
    assert provisioner["playbooks"] == {**default["provisioner"]["playbooks"], "converge": "converge.yml"}
    assert without(el_daemons["verifier"], {"env"}) == without(default["verifier"], {"env"})
    for mine, theirs in zip(el_daemons["platforms"], default["platforms"], strict=True):
        same = {k for k in mine.keys() | theirs.keys() if k not in PLATFORM_DIFFERENCES}
        assert {k: mine.get(k) for k in same} == {k: theirs.get(k) for k in same}


def test_el_daemons_scenario_uses_the_default_scenarios_inventory() -> None:
    # No firewalld on the Debian userland; on EL7 (no TLS in the lab's Postfix 2.10.1), AUTH on 25.
    assert mail_vars("el-daemons") == {
        **mail_vars("default"),
        "mail_firewall": "none",
        "mail_smtp_auth_on_port_25": "{{ postdove_el7 | bool }}",
    }


def maincf_extra(name: str) -> dict[str, Any]:
    return host_vars(name)["postfix_maincf_extra"]


def test_qmgr_el_daemons_routes_are_the_qmgr_rigs(tmp_path: Path) -> None:
    """The texthash table prepare.yml writes routes each test domain as qmgr's inline table does."""
    plays = yaml.safe_load((MOLECULE / "qmgr-el-daemons" / "prepare.yml").read_text())
    (table,) = [
        task["ansible.builtin.copy"]["content"]
        for play in plays
        for task in play.get("tasks", [])
        if task.get("ansible.builtin.copy", {}).get("dest") == "/etc/postfix/validation_transport"
    ]
    (tmp_path / "validation_transport").write_text(table)
    inline = maincf_extra("qmgr")["transport_maps"]
    assert tables.load("transport_maps", f"texthash:{tmp_path}/validation_transport") == tables.load(
        "transport_maps", inline
    )


def test_qmgr_el_daemons_scenario_is_the_qmgr_rig_on_the_el_daemons() -> None:
    """molecule/qmgr-el-daemons: qmgr's cases, verify test and timers; only the log and the table type differ."""
    qmgr, el = scenario("qmgr"), scenario("qmgr-el-daemons")
    assert el["verifier"]["directory"] == "../qmgr/verify"
    assert without(el["verifier"]["env"], {"POSTDOVE_SERVER"}) == without(qmgr["verifier"]["env"], {"POSTDOVE_SERVER"})
    assert el["provisioner"]["playbooks"]["converge"] == "../el-daemons/converge.yml"
    assert maincf_extra("qmgr-el-daemons") == {
        **without(maincf_extra("qmgr"), {"maillog_file"}),
        "transport_maps": "texthash:/etc/postfix/validation_transport",
    }
