"""How configuration files are reduced to the setting names the render tests compare."""

from postdove.testing.config_names import dovecot_setting_paths


def test_dovecot_sections_are_named_by_type() -> None:
    lines = ["service lmtp {", "  unix_listener /x {", "    mode = 0600", "  }", "}", "ssl = required"]
    assert dovecot_setting_paths(lines) == {"service/unix_listener/mode", "ssl"}


def test_dovecot_protocol_blocks_hold_global_settings_and_plugin_settings_are_left_out() -> None:
    lines = ["protocol lmtp {", "  mail_plugins = $mail_plugins sieve", "}", "plugin {", "  sieve_before = /x", "}"]
    assert dovecot_setting_paths(lines) == {"mail_plugins"}
