#include "tlsconfig.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

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

QStringList certificateNames(boost::asio::ssl::context &context)
{
    QStringList names;
    X509 *cert = SSL_CTX_get0_certificate(context.native_handle());
    if (!cert)
        return names;
    auto *sans = static_cast<GENERAL_NAMES *>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); ++i) {
        const GENERAL_NAME *n = sk_GENERAL_NAME_value(sans, i);
        if (n->type == GEN_DNS) {
            const ASN1_STRING *s = n->d.dNSName;
            names << QString::fromLatin1(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
                                         ASN1_STRING_length(s))
                         .toLower();
        } else if (n->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = n->d.iPAddress;
            const auto *b = ASN1_STRING_get0_data(s);
            if (ASN1_STRING_length(s) == 4) {
                names << boost::asio::ip::make_address_v4(
                             boost::asio::ip::address_v4::bytes_type{b[0], b[1], b[2], b[3]})
                             .to_string()
                             .c_str();
            } else if (ASN1_STRING_length(s) == 16) {
                boost::asio::ip::address_v6::bytes_type v6;
                std::copy(b, b + 16, v6.begin());
                names << QString::fromStdString(boost::asio::ip::make_address_v6(v6).to_string());
            }
        }
    }
    if (sans)
        GENERAL_NAMES_free(sans);
    if (names.isEmpty()) {
        char cn[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) >
            0)
            names << QString::fromLatin1(cn).toLower();
    }
    return names;
}

} // namespace liaison::relay
