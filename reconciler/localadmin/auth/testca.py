"""A throwaway certificate authority for the embedded admin's TLS mode (tests and local demos only).

``make_test_ca(directory)`` writes a CA certificate and a server certificate for ``127.0.0.1`` and
``localhost`` signed by it, valid for one day. The ``cryptography`` package is a test-only
dependency (the ``test`` extra); this module imports it lazily so the runtime never needs it. Keys are
unencrypted and short-lived by design: never use these files for anything but a loopback server.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from reconciler.errors import ConfigError

VALIDITY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class TestCA:
    ca_file: Path  # PEM of the CA: what a client trusts (caCertFilePath)
    cert_pem: bytes  # the server certificate (PEM)
    key_pem: bytes  # the server key (PEM, unencrypted)

    __test__ = False  # not a pytest test class

    def server_credentials(self) -> object:
        import grpc

        return grpc.ssl_server_credentials([(self.key_pem, self.cert_pem)])


def make_test_ca(directory: Path, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TestCA:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError as exc:
        raise ConfigError("the test CA needs the cryptography package",
                          hint="pip install -e '.[test]'") from exc

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flyte-reconciler test CA")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + VALIDITY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return TestCA(ca_file=ca_file, cert_pem=cert.public_bytes(serialization.Encoding.PEM), key_pem=key_pem)
