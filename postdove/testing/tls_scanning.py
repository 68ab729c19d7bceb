"""Scan a mail server's seven TLS endpoints with sslyze and hold them to Mozilla's profile.

Used by the verifier's test_tls_scan.py and by the lab's upgrade test. The
server's own certificate is the trust anchor, as for a client that pinned it,
so the certificate checks (path, name, type, lifetime) apply to a self-signed
one too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sslyze import (
    CertificateInfoExtraArgument,
    ProtocolWithOpportunisticTlsEnum,
    ScanCommandAttemptStatusEnum,
    ScanCommandsExtraArguments,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
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


def scan_endpoints(
    address: str, anchor: Path, ports: Iterable[int] = tuple(ENDPOINTS), attempts: int = 3
) -> dict[int, ServerScanResult]:
    """sslyze's results for the endpoints (default: all) at `address`, trusting only the certificate in `anchor`.

    An endpoint whose scan left a command unfinished is scanned again, alone (seen in CI:
    the ROBOT check errored on 993 and 995 while both cores were busy)."""
    results = _scan(address, anchor, ports, concurrent_connections=3)
    for _ in range(attempts - 1):
        unfinished = [port for port, result in results.items() if not _finished(result)]
        for port in unfinished:
            results.update(_scan(address, anchor, [port], concurrent_connections=1))
    return results


def _finished(result: ServerScanResult) -> bool:
    """Every command the profile check needs ran to completion (an error is sslyze's, not a finding)."""
    return result.scan_result is not None and all(
        getattr(result.scan_result, command.value).status == ScanCommandAttemptStatusEnum.COMPLETED
        for command in SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER
    )


def _scan(address: str, anchor: Path, ports: Iterable[int], concurrent_connections: int) -> dict[int, ServerScanResult]:
    requests = [
        ServerScanRequest(
            server_location=ServerNetworkLocation(HOSTNAME, port, address),
            # Generous timeouts: on 2 busy cores a handshake can take seconds.
            network_configuration=ServerNetworkConfiguration(
                HOSTNAME, tls_opportunistic_encryption=starttls, network_timeout=20, network_max_retries=5
            ),
            scan_commands=SCAN_COMMANDS_NEEDED_BY_MOZILLA_CHECKER,
            scan_commands_extra_arguments=ScanCommandsExtraArguments(
                certificate_info=CertificateInfoExtraArgument(custom_ca_file=anchor)
            ),
        )
        for port, starttls in ENDPOINTS.items()
        if port in ports
    ]
    scanner = Scanner(per_server_concurrent_connections_limit=concurrent_connections)
    scanner.queue_scans(requests)
    return {result.server_location.port: result for result in scanner.get_results()}


def profile_issues(result: ServerScanResult, profile: str) -> dict[str, str]:
    """Where the endpoint departs from Mozilla's `profile` ("intermediate" or "modern"); empty if it complies."""
    try:
        check_server_against_tls_configuration(result, MozillaTlsConfiguration.get(TlsConfigurationEnum(profile)))
    except ServerNotCompliantWithTlsConfiguration as failure:
        return failure.issues
    return {}
