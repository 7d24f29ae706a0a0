#include "quickticket.h"

#include <QtEndian>

namespace liaison::vault {

namespace {

void putU16(QByteArray &out, std::uint16_t v)
{
    char b[2];
    qToBigEndian(v, b);
    out.append(b, 2);
}
void putU32(QByteArray &out, std::uint32_t v)
{
    char b[4];
    qToBigEndian(v, b);
    out.append(b, 4);
}
void putI64(QByteArray &out, std::int64_t v)
{
    char b[8];
    qToBigEndian(v, b);
    out.append(b, 8);
}

QByteArray partA(const QuickTicket &t)
{
    QByteArray a;
    a.reserve(kQuickPartABytes);
    a.append(kQuickFileMagic, 4);
    putU16(a, kQuickFileFormat);
    a.append(t.keyFileId.view());
    putU32(a, t.generation);
    a.append(t.pepperAlias.view());
    a.append(t.nonce.view());
    return a;
}

crypto::Hash32 windowMacOf(const QuickTicket &t, const crypto::SymmetricKey &vaultKey)
{
    const crypto::SymmetricKey macKey = crypto::crypto_kdf_derive_from_key(vaultKey, 2, "LIAISNqk");
    QByteArray message("LIAISN-quickwin-v1");
    message.append(t.keyFileId.view());
    putU32(message, t.generation);
    putI64(message, t.sinceMs);
    putI64(message, t.windowMs);
    return crypto::crypto_generichash_keyed(message, macKey.view());
}

} // namespace

QByteArray encodeQuickTicket(const QuickTicket &t)
{
    QByteArray out = partA(t);
    out.append(t.wrappedVaultKey);
    putI64(out, t.sinceMs);
    putI64(out, t.windowMs);
    out.append(t.windowMac.view());
    return out;
}

Result<QuickTicket> parseQuickTicket(QByteArrayView bytes)
{
    if (bytes.size() != kQuickFileBytes || !bytes.startsWith(QByteArrayView(kQuickFileMagic, 4)))
        return fail(Errc::Malformed, QStringLiteral("not a quick-unlock file"));
    const char *p = bytes.data();
    if (qFromBigEndian<std::uint16_t>(p + 4) != kQuickFileFormat)
        return fail(Errc::Malformed, QStringLiteral("quick-unlock file of another format"));
    QuickTicket t;
    qsizetype at = 6;
    auto id = [&](auto &out) {
        using T = std::remove_reference_t<decltype(out)>;
        out = *T::fromBytes(bytes.sliced(at, T::size));
        at += T::size;
    };
    id(t.keyFileId);
    t.generation = qFromBigEndian<std::uint32_t>(p + at);
    at += 4;
    id(t.pepperAlias);
    id(t.nonce);
    t.wrappedVaultKey = bytes.sliced(at, 32 + qsizetype(crypto::kAeadTagBytes)).toByteArray();
    at += t.wrappedVaultKey.size();
    t.sinceMs = qFromBigEndian<std::int64_t>(p + at);
    at += 8;
    t.windowMs = qFromBigEndian<std::int64_t>(p + at);
    at += 8;
    id(t.windowMac);
    return t;
}

Result<crypto::SymmetricKey> deriveQuickKek(const crypto::SecretBytes &pepper,
                                            const crypto::SecretBytes &quickSecret)
{
    if (pepper.size() != 32 || quickSecret.size() != kQuickSecretBytes)
        return fail(Errc::CryptoFailure,
                    QStringLiteral("quick-unlock key material of a wrong size"));
    crypto::GenericHash h(32, pepper.view());
    h.update("LIAISN-quick-v1");
    h.update(quickSecret.view());
    QByteArray out = h.final();
    crypto::SymmetricKey kek(crypto::SecretBytes::copyOf(out));
    crypto::memzero(out.data(), std::size_t(out.size()));
    return kek;
}

void sealQuickTicket(QuickTicket &t, const crypto::SymmetricKey &vaultKey,
                     const crypto::SymmetricKey &quickKek)
{
    t.nonce = crypto::randomFixed<crypto::XNonce>();
    t.wrappedVaultKey = crypto::crypto_aead_encrypt(vaultKey.view(), partA(t), t.nonce, quickKek);
    signQuickWindow(t, vaultKey);
}

void signQuickWindow(QuickTicket &t, const crypto::SymmetricKey &vaultKey)
{
    t.windowMac = windowMacOf(t, vaultKey);
}

Result<crypto::SymmetricKey> openQuickTicket(const QuickTicket &t,
                                             const crypto::SymmetricKey &quickKek)
{
    auto vk = crypto::crypto_aead_decrypt_secret(t.wrappedVaultKey, partA(t), t.nonce, quickKek);
    if (!vk)
        return fail(Errc::AuthFailed, QStringLiteral("the quick-unlock secret does not open it"));
    if (vk->size() != 32)
        return fail(Errc::Tampered, QStringLiteral("the quick-unlock file is damaged"));
    return crypto::SymmetricKey(std::move(*vk));
}

bool quickWindowAuthentic(const QuickTicket &t, const crypto::SymmetricKey &vaultKey)
{
    const crypto::Hash32 expected = windowMacOf(t, vaultKey);
    return crypto::equalConstantTime(expected.view(), t.windowMac.view());
}

} // namespace liaison::vault
