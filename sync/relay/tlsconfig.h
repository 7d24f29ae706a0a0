#pragma once

// TLS set-up for the public listener (OpenSSL through Asio): TLS 1.2+ only, the certificate
// chain and key from PEM files, and the SPKI pin devices carry in their enrolment code.

#include "error.h"

#include <boost/asio/ssl/context.hpp>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

namespace liaison::relay {

[[nodiscard]] Result<std::unique_ptr<boost::asio::ssl::context>>
makeServerTlsContext(const QString &certFile, const QString &keyFile);

// base64(SHA-256(DER SubjectPublicKeyInfo)) of the context's certificate: the public-key pin.
[[nodiscard]] Result<QByteArray> spkiSha256Base64(boost::asio::ssl::context &context);

// The names the context's certificate is for (subjectAltName DNS and IP entries, else the
// common name), lower case: the default audience of signed requests.
[[nodiscard]] QStringList certificateNames(boost::asio::ssl::context &context);

} // namespace liaison::relay
