#include "tlsconfig.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <QCryptographicHash>

namespace liaison::relay {

Result<std::unique_ptr<boost::asio::ssl::context>> makeServerTlsContext(const QString &certFile,
                                                                        const QString &keyFile)
{
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    // TLS 1.2: forward-secret AEAD suites only (no CBC, no RSA key exchange). TLS 1.3's
    // suites are all AEAD.
    if (!ec && SSL_CTX_set_cipher_list(ctx->native_handle(),
                                       "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL") != 1)
        return fail(Errc::Internal, QStringLiteral("cannot set the TLS 1.2 cipher list"));
    if (!ec)
        ctx->use_certificate_chain_file(certFile.toStdString(), ec);
    if (ec)
        return fail(Errc::Io, QStringLiteral("cannot load TLS certificate %1: %2")
                                  .arg(certFile, QString::fromStdString(ec.message())));
    ctx->use_private_key_file(keyFile.toStdString(), ssl::context::pem, ec);
    if (ec)
        return fail(Errc::Io, QStringLiteral("cannot load TLS key %1: %2")
                                  .arg(keyFile, QString::fromStdString(ec.message())));
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("TLS key does not match the certificate"));
    return ctx;
}

Result<QByteArray> spkiSha256Base64(boost::asio::ssl::context &context)
{
    X509 *cert = SSL_CTX_get0_certificate(context.native_handle());
    if (!cert)
        return fail(Errc::NotFound, QStringLiteral("no TLS certificate loaded"));
    X509_PUBKEY *pub = X509_get_X509_PUBKEY(cert);
    unsigned char *der = nullptr;
    const int len = i2d_X509_PUBKEY(pub, &der);
    if (len <= 0 || !der)
        return fail(Errc::Internal, QStringLiteral("cannot encode the TLS public key"));
    const QByteArray spki(reinterpret_cast<const char *>(der), len);
    OPENSSL_free(der);
    return QCryptographicHash::hash(spki, QCryptographicHash::Sha256).toBase64();
}

} // namespace liaison::relay
