"""`postdove new-inventory` writes an inventory the roles accept, and refuses bad input like argparse does."""

import pytest
import yaml

from postdove import cli


def test_new_inventory_writes_the_guide_values(tmp_path):
    target = tmp_path / "inv"
    assert cli.main(["new-inventory", str(target), "--domain", "hello.com"]) == 0
    hosts = yaml.safe_load((target / "hosts.yml").read_text())
    main = yaml.safe_load((target / "group_vars/mailservers/main.yml").read_text())
    assert "server.hello.com" in hosts["mailservers"]["hosts"]
    assert (main["mail_domain"], main["mail_hostname"], main["mail_delivery"]) == (
        "hello.com",
        "server.hello.com",
        "local",
    )
    assert [u["name"] for u in main["mail_users"]] == ["test", "hello"]
    assert main["mail_users"][0]["password"] == "{{ vault_mail_password_test }}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--domain", "hello"], "--domain 'hello' is not a DNS name"),
        (["--domain", "hello.com", "--hostname", "server"], "--hostname 'server'"),
        (["--domain", "hello.com", "--user", "Bad User"], "--user 'Bad User'"),
        (["--domain", "hello.com", "--user", "a", "--user", "a"], "--user names must be unique"),
        (["--domain", "hello.com", "--user", "postfix"], "--user 'postfix' is a system account"),
        (["--domain", "hello.com", "--delivery", "mbox"], "invalid choice: 'mbox'"),
    ],
)
def test_bad_arguments_exit_2_with_the_reason(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exc:
        cli.main(["new-inventory", str(tmp_path / "inv"), *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "inv").exists()


def test_existing_directory_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["new-inventory", str(tmp_path), "--domain", "hello.com"])
    assert exc.value.code == 2
    assert "exists already" in capsys.readouterr().err
