#include "device/wipefile.h"

#include "store/atomicfile.h"

#include <QDir>
#include <QFile>

#include <algorithm>

namespace liaison::device {

namespace {

constexpr QByteArrayView kFirstLine = "liaison-wipe-v1";
constexpr QByteArrayView kPendingSigKey = "pending-sig=";
constexpr QByteArrayView kPendingSigDomain = "liaison-wipe-pending-v1";
constexpr qint64 kMaxWipeFileBytes = 16 * 1024;

template <typename Fixed> bool parseFixed(const QByteArray &hex, std::optional<Fixed> &out)
{
    if (out || hex.size() != qsizetype(2 * Fixed::size))
        return false;
    out = Fixed::fromHex(hex);
    return out.has_value();
}

} // namespace

QString wipeFilePath(const QString &vaultDir)
{
    return QDir(vaultDir).filePath(QStringLiteral("wipe.target"));
}

QByteArray encodeWipeFile(const WipeFile &f)
{
    QByteArray out = kFirstLine.toByteArray() + '\n';
    out += "deployment=" + f.target.deployment.toHex() + '\n';
    out += "device=" + f.target.device.toHex() + '\n';
    out += "sign-key-hash=" + f.target.signKeyHash.toHex() + '\n';
    if (!f.target.wipeAckKeyHash.isZero())
        out += "wipe-ack-key-hash=" + f.target.wipeAckKeyHash.toHex() + '\n';
    out += "wipe-id=" + f.target.wipeId.toHex() + '\n';
    out += "root-key=" + f.target.rootKey.toHex() + '\n';
    out += "relay-url=" + f.relayUrl.toUtf8() + '\n';
    for (const QString &pin : f.relayPins)
        out += "relay-pin=" + pin.toUtf8() + '\n';
    if (f.hqTimeMs) {
        out += "hq-time=" + QByteArray::number(*f.hqTimeMs) + '\n';
        out += "hq-time-boot=" + f.hqTimeBootId.toHex() + ':' + QByteArray::number(f.hqTimeBootMs) +
               '\n';
    }
    if (f.certSerial > 0)
        out += "cert-serial=" + QByteArray::number(f.certSerial) + '\n';
    if (!f.acknowledgement.isEmpty())
        out += "acknowledgement=" + f.acknowledgement.toHex() + '\n';
    return out;
}

Result<WipeFile> decodeWipeFile(QByteArrayView text)
{
    const auto bad = [] {
        return fail(Errc::Malformed, QStringLiteral("the wipe file is damaged"));
    };
    const QList<QByteArray> lines = text.toByteArray().split('\n');
    if (lines.isEmpty() || lines.first() != kFirstLine)
        return bad();
    std::optional<crypto::Id16> deployment, device, wipeId;
    std::optional<crypto::Hash32> hash, ackHash;
    std::optional<crypto::SignPublicKey> root;
    std::optional<QString> url;
    QStringList pins;
    QByteArray ack;
    std::optional<std::int64_t> hqTime;
    std::optional<std::pair<QByteArray, std::int64_t>> hqBoot;
    std::optional<std::uint64_t> serial;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray &line = lines.at(i);
        if (line.isEmpty())
            continue;
        const qsizetype eq = line.indexOf('=');
        if (eq <= 0)
            return bad();
        const QByteArray key = line.left(eq);
        const QByteArray value = line.mid(eq + 1);
        bool ok = true;
        if (key == "deployment")
            ok = parseFixed(value, deployment);
        else if (key == "device")
            ok = parseFixed(value, device);
        else if (key == "sign-key-hash")
            ok = parseFixed(value, hash);
        else if (key == "wipe-ack-key-hash")
            ok = parseFixed(value, ackHash);
        else if (key == "wipe-id")
            ok = parseFixed(value, wipeId);
        else if (key == "root-key")
            ok = parseFixed(value, root);
        else if (key == "relay-url" && !url)
            url = QString::fromUtf8(value);
        else if (key == "relay-pin")
            pins << QString::fromUtf8(value);
        else if (key == "hq-time" && !hqTime) {
            hqTime = value.toLongLong(&ok);
            ok = ok && *hqTime >= 0;
        } else if (key == "hq-time-boot" && !hqBoot) {
            const qsizetype colon = value.indexOf(':');
            std::int64_t bootMs = 0;
            if (colon >= 0)
                bootMs = value.mid(colon + 1).toLongLong(&ok);
            ok = ok && colon >= 0;
            if (ok)
                hqBoot = std::make_pair(QByteArray::fromHex(value.left(colon)), bootMs);
        } else if (key == "cert-serial" && !serial) {
            serial = value.toULongLong(&ok);
        } else if (key == "acknowledgement" && ack.isEmpty())
            ack = QByteArray::fromHex(value);
        else if (key == "pending-sig" && i + 2 >= lines.size())
            ; // the pending file's signature, its last line (readVerifiedWipePending)
        else
            ok = false;
        if (!ok)
            return bad();
    }
    if (!deployment || !device || !hash || !wipeId || !root || !url)
        return bad();
    WipeFile f;
    f.target.deployment = *deployment;
    f.target.device = *device;
    f.target.signKeyHash = *hash;
    if (ackHash)
        f.target.wipeAckKeyHash = *ackHash;
    f.target.wipeId = *wipeId;
    f.target.rootKey = *root;
    f.relayUrl = *url;
    f.relayPins = pins;
    f.acknowledgement = ack;
    f.hqTimeMs = hqTime;
    if (hqBoot) {
        f.hqTimeBootId = hqBoot->first;
        f.hqTimeBootMs = hqBoot->second;
    }
    f.certSerial = serial.value_or(0);
    return f;
}

namespace {

Result<std::optional<WipeFile>> readFrom(const QString &path)
{
    if (!QFile::exists(path))
        return std::optional<WipeFile>();
    auto bytes = store::readSmallFile(path, kMaxWipeFileBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto f = decodeWipeFile(*bytes);
    if (!f)
        return std::unexpected(f.error());
    return std::optional<WipeFile>(std::move(*f));
}

Status removeFrom(const QString &vaultDir, const QString &path)
{
    if (QFile::exists(path) && !QFile::remove(path))
        return fail(Errc::Io, QStringLiteral("cannot delete a wipe file"));
    return store::syncDirectory(vaultDir);
}

} // namespace

QString wipePendingPath(const QString &vaultDir)
{
    return QDir(vaultDir).filePath(QStringLiteral("wipe.pending"));
}

Status writeWipeFile(const QString &vaultDir, const WipeFile &file)
{
    WipeFile plain = file;
    plain.acknowledgement.clear();
    return store::writeFileAtomically(wipeFilePath(vaultDir), encodeWipeFile(plain));
}

Result<std::optional<WipeFile>> readWipeFile(const QString &vaultDir)
{
    return readFrom(wipeFilePath(vaultDir));
}

Status removeWipeFile(const QString &vaultDir)
{
    return removeFrom(vaultDir, wipeFilePath(vaultDir));
}

namespace {

QByteArray pendingSignedMessage(QByteArrayView body)
{
    QByteArray m = kPendingSigDomain.toByteArray();
    m += '\0';
    m += body;
    return m;
}

} // namespace

Status writeWipePending(const QString &vaultDir, const WipeFile &file, vault::KeyStore &keyStore)
{
    QByteArray text = encodeWipeFile(file);
    if (auto key = loadWipeAckKey(keyStore, file.target.device)) {
        const crypto::Signature sig =
            crypto::crypto_sign_detached(pendingSignedMessage(text), key->secretKey);
        text += kPendingSigKey.toByteArray() + sig.toHex() + '\n';
    } else if (key.error().code != Errc::NotFound) {
        return std::unexpected(key.error());
    }
    return store::writeFileAtomically(wipePendingPath(vaultDir), text);
}

Result<std::optional<WipeFile>> readVerifiedWipePending(const QString &vaultDir,
                                                        vault::KeyStore &keyStore)
{
    const QString path = wipePendingPath(vaultDir);
    if (!QFile::exists(path))
        return std::optional<WipeFile>();
    auto bytes = store::readSmallFile(path, kMaxWipeFileBytes);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto file = decodeWipeFile(*bytes);
    if (!file)
        return std::unexpected(file.error());
    const auto unsigned_ = [] {
        return fail(Errc::AuthFailed, QStringLiteral("the pending wipe is not signed by this "
                                                     "device's wipe-ack key"));
    };
    // The signature line is the last one: the body is every byte before it.
    const QByteArray &text = *bytes;
    if (!text.endsWith('\n'))
        return unsigned_();
    const qsizetype start = text.lastIndexOf('\n', text.size() - 2) + 1;
    const QByteArray last = text.mid(start, text.size() - 1 - start);
    if (!last.startsWith(kPendingSigKey))
        return unsigned_();
    const auto sig = crypto::Signature::fromHex(last.mid(kPendingSigKey.size()));
    if (!sig)
        return unsigned_();
    auto key = loadWipeAckKey(keyStore, file->target.device);
    if (!key) {
        if (key.error().code != Errc::NotFound)
            return std::unexpected(key.error());
        return unsigned_();
    }
    if (!crypto::crypto_sign_verify_detached(
            *sig, pendingSignedMessage(QByteArrayView(text).first(start)), key->publicKey))
        return unsigned_();
    return std::optional<WipeFile>(std::move(*file));
}

Result<std::optional<WipeFile>> readWipePending(const QString &vaultDir)
{
    return readFrom(wipePendingPath(vaultDir));
}

Status removeWipePending(const QString &vaultDir)
{
    return removeFrom(vaultDir, wipePendingPath(vaultDir));
}

std::optional<WipeFile> wipeFileFor(const DeviceProfile &profile,
                                    const crypto::SignPublicKey &deviceSignKey)
{
    if (!profile.wipeId || !profile.hqRootKey)
        return std::nullopt;
    WipeFile f;
    f.target.deployment = profile.deploymentId;
    f.target.device = profile.deviceId;
    f.target.signKeyHash = crypto::crypto_generichash(deviceSignKey.view());
    if (profile.wipeAckKeyHash)
        f.target.wipeAckKeyHash = *profile.wipeAckKeyHash;
    f.target.wipeId = *profile.wipeId;
    f.target.rootKey = *profile.hqRootKey;
    f.relayUrl = profile.relayUrl;
    f.relayPins = profile.relayPins;
    return f;
}

client::WipeTokenContext wipeTokenContext(const WipeFile &file, const liaison::Clock &clock)
{
    client::WipeTokenContext c;
    c.minimumSerial = file.certSerial;
    if (file.hqTimeMs) {
        std::int64_t bound = *file.hqTimeMs;
        // The same boot: the boot clock (it runs in suspend) says how much time passed since.
        if (!file.hqTimeBootId.isEmpty() && file.hqTimeBootId == clock.bootId() &&
            clock.bootMs() >= file.hqTimeBootMs)
            bound += clock.bootMs() - file.hqTimeBootMs;
        c.hqTimeMs = bound;
    }
    return c;
}

Result<bool> refreshWipeFile(const QString &vaultDir, const DeviceProfile &profile,
                             const crypto::SignPublicKey &deviceSignKey,
                             std::optional<std::int64_t> hqTimeMs, std::uint64_t certSerial,
                             const liaison::Clock &clock)
{
    auto wanted = wipeFileFor(profile, deviceSignKey);
    if (!wanted)
        return false;
    wanted->hqTimeMs = hqTimeMs;
    if (wanted->hqTimeMs) {
        wanted->hqTimeBootId = clock.bootId();
        wanted->hqTimeBootMs = clock.bootMs();
    }
    wanted->certSerial = certSerial;
    auto present = readWipeFile(vaultDir);
    if (present && *present) {
        const WipeFile &p = **present;
        wanted->certSerial = std::max(p.certSerial, wanted->certSerial); // never lowered
        WipeFile a = p, b = *wanted;
        a.hqTimeMs = b.hqTimeMs = std::nullopt;
        const auto had = wipeTokenContext(p, clock).hqTimeMs;
        // The bound the file gives today, if not more than a minute behind, is good enough.
        const bool timeCurrent = !wanted->hqTimeMs || (had && *had >= *wanted->hqTimeMs - 60'000);
        if (encodeWipeFile(a) == encodeWipeFile(b) && timeCurrent)
            return false;
        if (!wanted->hqTimeMs && p.hqTimeMs) { // keep what the file knew
            wanted->hqTimeMs = p.hqTimeMs;
            wanted->hqTimeBootId = p.hqTimeBootId;
            wanted->hqTimeBootMs = p.hqTimeBootMs;
        }
    }
    if (auto s = writeWipeFile(vaultDir, *wanted); !s)
        return std::unexpected(s.error());
    return true;
}

QString wipeAckKeyAlias(const crypto::Id16 &device)
{
    return QStringLiteral("liaison-wipe-ack-") + QString::fromLatin1(device.toHex());
}

Result<crypto::SignPublicKey> createWipeAckKey(vault::KeyStore &keyStore,
                                               const crypto::Id16 &device)
{
    const crypto::SignKeyPair pair = crypto::crypto_sign_keypair();
    if (auto s = keyStore.write(wipeAckKeyAlias(device), pair.secretKey.view()); !s)
        return std::unexpected(s.error());
    return pair.publicKey;
}

Result<crypto::SignKeyPair> loadWipeAckKey(vault::KeyStore &keyStore, const crypto::Id16 &device)
{
    auto bytes = keyStore.read(wipeAckKeyAlias(device));
    if (!bytes)
        return std::unexpected(bytes.error());
    if (bytes->size() != crypto::SignSecretKey::size)
        return fail(Errc::Tampered, QStringLiteral("the wipe-ack key is damaged"));
    return crypto::crypto_sign_keypair_from_secret(crypto::SignSecretKey(std::move(*bytes)));
}

Status removeWipeAckKey(vault::KeyStore &keyStore, const crypto::Id16 &device)
{
    return keyStore.remove(wipeAckKeyAlias(device));
}

} // namespace liaison::device
