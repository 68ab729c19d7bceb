"""Every TLS endpoint, scanned with sslyze: protocols, certificate name, and Mozilla's profile.

Scans run from the controller to the server container's address (the
client container has no sslyze), seven endpoints at once (postdove/testing/tls_scanning.py).
"""

from __future__ import annotations

import os

import pytest
from cryptography import x509
from sslyze import ServerScanResult, ServerScanStatusEnum

from postdove.testing.tls_scanning import ENDPOINTS, HOSTNAME, profile_issues, scan_endpoints

PROFILE = os.environ.get("POSTDOVE_TLS_PROFILE", "intermediate")
# sslyze's bundled trust stores hold a certificate newer cryptography warns about.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
# Postfix's endpoints, skipped where the lab's Postfix has no TLS.
POSTFIX_PORTS = (25, 465, 587)
PORTS = [pytest.param(port, marks=pytest.mark.postfix_tls) if port in POSTFIX_PORTS else port for port in ENDPOINTS]
OLD_PROTOCOLS = ["ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"]


@pytest.fixture(scope="session")
def scans(server, server_address, tls_files, postfix_has_tls, tmp_path_factory) -> dict[int, ServerScanResult]:
    anchor = tmp_path_factory.mktemp("tls") / "server-cert.pem"
    anchor.write_text(server.file(tls_files["cert"]).content_string)
    # Not Postfix's where it has no TLS: sslyze would leave their sockets open.
    ports = [port for port in ENDPOINTS if postfix_has_tls or port not in POSTFIX_PORTS]
    return scan_endpoints(server_address, anchor, ports)


@pytest.mark.parametrize("port", PORTS)
def test_endpoint_offers_no_ssl_nor_tls_below_1_2(scans, port):
    result = scans[port]
    assert result.scan_status == ServerScanStatusEnum.COMPLETED, result.connectivity_error_trace
    offered = [name for name in OLD_PROTOCOLS if getattr(result.scan_result, name).result.is_tls_version_supported]
    assert offered == []


@pytest.mark.parametrize("port", PORTS)
def test_endpoint_certificate_matches_the_host_name(scans, port):
    deployment = scans[port].scan_result.certificate_info.result.certificate_deployments[0]
    leaf = deployment.received_certificate_chain[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert HOSTNAME in names
    # Path validation checks the name too, against the pinned certificate.
    assert deployment.verified_certificate_chain, [r.validation_error for r in deployment.path_validation_results]


@pytest.mark.parametrize("port", PORTS)
def test_endpoint_complies_with_mozillas_profile(server, scans, port):
    issues = profile_issues(scans[port], PROFILE)
    if port not in POSTFIX_PORTS and server.check_output("dovecot --version").startswith("2.2."):
        # Dovecot 2.2 cannot limit the key exchange groups (no ssl_curve_list): it offers
        # OpenSSL's whole list (secp521r1 on CentOS 7; X448 too on the lab's OpenSSL 3).
        issues.pop("tls_curves", None)
    assert issues == {}, f"port {port} is not Mozilla-{PROFILE}: {issues}"
