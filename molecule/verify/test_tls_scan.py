"""Every TLS endpoint, scanned with sslyze: protocols, certificate name, and Mozilla's profile.

Scans run from the controller to the server container's address (the
client container has no sslyze), seven endpoints at once. The server's own
certificate is the trust anchor, as for a client that pinned it, so the
certificate checks (path, name, type, lifetime) apply to a self-signed one too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography import x509
from sslyze import (
    CertificateInfoExtraArgument,
    ProtocolWithOpportunisticTlsEnum,
    ScanCommandsExtraArguments,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
    ServerScanStatusEnum,
)
from sslyze.mozilla_tls_profile.tls_config_checker import (
    SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
    MozillaTlsConfiguration,
    ServerNotCompliantWithTlsConfiguration,
    TlsConfigurationEnum,
    check_server_against_tls_configuration,
)

HOSTNAME = "server.hello.com"
# port: STARTTLS protocol, or None for TLS from the first byte.
ENDPOINTS = {
    25: ProtocolWithOpportunisticTlsEnum.SMTP,
    587: ProtocolWithOpportunisticTlsEnum.SMTP,
    465: None,
    143: ProtocolWithOpportunisticTlsEnum.IMAP,
    993: None,
    110: ProtocolWithOpportunisticTlsEnum.POP3,
    995: None,
}
PROFILE = os.environ.get("POSTDOVE_TLS_PROFILE", "intermediate")
# sslyze's bundled trust stores hold a certificate newer cryptography warns about.
pytestmark = pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning")
OLD_PROTOCOLS = ["ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"]


@pytest.fixture(scope="session")
def scans(server, server_address, tls_files, tmp_path_factory) -> dict[int, ServerScanResult]:
    address = server_address
    anchor = tmp_path_factory.mktemp("tls") / "server-cert.pem"
    anchor.write_text(server.file(tls_files["cert"]).content_string)
    requests = [
        ServerScanRequest(
            server_location=ServerNetworkLocation(HOSTNAME, port, address),
            # Generous timeouts: on 2 busy cores a handshake can take seconds.
            network_configuration=ServerNetworkConfiguration(
                HOSTNAME, tls_opportunistic_encryption=starttls, network_timeout=20, network_max_retries=5
            ),
            scan_commands=SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
            scan_commands_extra_arguments=ScanCommandsExtraArguments(
                certificate_info=CertificateInfoExtraArgument(custom_ca_file=Path(anchor))
            ),
        )
        for port, starttls in ENDPOINTS.items()
    ]
    scanner = Scanner(per_server_concurrent_connections_limit=3)
    scanner.queue_scans(requests)
    return {result.server_location.port: result for result in scanner.get_results()}


@pytest.mark.parametrize("port", ENDPOINTS)
def test_endpoint_offers_no_ssl_nor_tls_below_1_2(scans, port):
    result = scans[port]
    assert result.scan_status == ServerScanStatusEnum.COMPLETED, result.connectivity_error_trace
    offered = [name for name in OLD_PROTOCOLS if getattr(result.scan_result, name).result.is_tls_version_supported]
    assert offered == []


@pytest.mark.parametrize("port", ENDPOINTS)
def test_endpoint_certificate_matches_the_host_name(scans, port):
    deployment = scans[port].scan_result.certificate_info.result.certificate_deployments[0]
    leaf = deployment.received_certificate_chain[0]
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert HOSTNAME in names
    # Path validation checks the name too, against the pinned certificate.
    assert deployment.verified_certificate_chain, [r.validation_error for r in deployment.path_validation_results]


@pytest.mark.parametrize("port", ENDPOINTS)
def test_endpoint_complies_with_mozillas_profile(scans, port):
    profile = MozillaTlsConfiguration.get(TlsConfigurationEnum(PROFILE))
    try:
        check_server_against_tls_configuration(scans[port], profile)
    except ServerNotCompliantWithTlsConfiguration as failure:
        pytest.fail(f"port {port} is not Mozilla-{PROFILE}: {failure.issues}")
