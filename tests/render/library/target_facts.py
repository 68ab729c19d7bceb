#!/usr/bin/python
"""Report the given facts as the host's own, so roles render for another OS.

The render tests run on this Debian controller but must see, for example,
os_family RedHat and distribution_major_version 7. A module's ansible_facts
become the host's facts, exactly as setup's do.
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    module = AnsibleModule(argument_spec={"facts": {"type": "dict", "required": True}}, supports_check_mode=True)
    module.exit_json(changed=False, ansible_facts=module.params["facts"])


if __name__ == "__main__":
    main()
