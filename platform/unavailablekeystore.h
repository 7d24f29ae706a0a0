#pragma once

// A key store that holds this vault's items but cannot be reached now (issue 12 "key store"):
// every call fails with Errc::Io and the reason, so the vault reports "cannot be read" and never
// "erased", and nothing is written anywhere else in its place.

#include "vault/keystore.h"

namespace liaison::platform {

class UnavailableKeyStore final : public vault::KeyStore
{
public:
    UnavailableKeyStore(QString description, QString reason)
        : m_description(std::move(description))
        , m_reason(std::move(reason))
    {}

    [[nodiscard]] QString description() const override { return m_description; }
    [[nodiscard]] bool isHardwareBacked() const override { return false; }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &) override { return failure(); }
    [[nodiscard]] Status write(const QString &, QByteArrayView) override { return failure(); }
    [[nodiscard]] Status remove(const QString &) override { return failure(); }

private:
    [[nodiscard]] std::unexpected<Error> failure() const { return fail(Errc::Io, m_reason); }
    QString m_description;
    QString m_reason;
};

} // namespace liaison::platform
