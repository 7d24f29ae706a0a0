#pragma once

// Test certificates made at test time with the openssl command line (self-signed, P-256), and
// the SPKI pin of a certificate computed the way operators do it with openssl, independently of
// Qt, to check client::spkiSha256 against.

#include <QByteArray>
#include <QString>

namespace liaison::test {

struct TestCertificate
{
    QString certPath; // PEM
    QString keyPath;  // PEM, unencrypted
    QByteArray certPem;
    QByteArray keyPem;
};

// subjectAltName like "IP:127.0.0.1" or "DNS:evil.example". Empty result on failure (the
// failure is printed).
[[nodiscard]] TestCertificate makeSelfSignedCertificate(const QString &directory,
                                                        const QString &name,
                                                        const QString &commonName,
                                                        const QString &subjectAltName);

// A certificate a browser would call valid: issued for `subjectAltName` by a test CA made with
// it (caCertPath: the CA's PEM, for a client that trusts it). Empty result on failure.
struct CaSignedCertificate
{
    TestCertificate leaf;
    QString caCertPath;
    QByteArray caCertPem;
};
[[nodiscard]] CaSignedCertificate makeCaSignedCertificate(const QString &directory,
                                                          const QString &name,
                                                          const QString &commonName,
                                                          const QString &subjectAltName);

// SHA-256 of the DER SubjectPublicKeyInfo, via `openssl x509 -pubkey | openssl pkey -pubin
// -outform der | openssl dgst -sha256 -binary`. Empty on failure.
[[nodiscard]] QByteArray opensslSpkiSha256(const QString &certPath);

} // namespace liaison::test
