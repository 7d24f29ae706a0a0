#pragma once

// A key store that holds this vault's items but cannot be reached now (issue 12 "key store"):
// every call fails with Errc::Io and the reason, so the vault reports "cannot be read" and never
// "erased", and nothing is written anywhere else in its place.

#include "vault/keystore.h"

namespace liaison::platform {

class UnavailableKeyStore final : public vault::KeyStore
{
public:
    // `kind`: the store that holds the items (never SoftwareFile: that one is always there).
    UnavailableKeyStore(QString description, QString reason, vault::KeyStoreKind kind)
        : m_description(std::move(description))
        , m_reason(std::move(reason))
        , m_kind(kind)
    {}

    [[nodiscard]] QString description() const override { return m_description; }
    [[nodiscard]] vault::KeyStoreKind kind() const override { return m_kind; }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &) override { return failure(); }
    [[nodiscard]] Status write(const QString &, QByteArrayView) override { return failure(); }
    [[nodiscard]] Status remove(const QString &) override { return failure(); }

private:
    [[nodiscard]] std::unexpected<Error> failure() const { return fail(Errc::Io, m_reason); }
    QString m_description;
    QString m_reason;
    vault::KeyStoreKind m_kind;
};

} // namespace liaison::platform
