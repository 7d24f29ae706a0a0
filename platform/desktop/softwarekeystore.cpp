#include "softwarekeystore.h"

#include "crypto/crypto.h"
#include "crypto/secretio.h"
#include "store/atomicfile.h"

#include <QDir>
#include <QRegularExpression>

namespace liaison::platform {

SoftwareKeyStore::SoftwareKeyStore(QString directory)
    : m_directory(std::move(directory))
{}

QString SoftwareKeyStore::description() const
{
    return QStringLiteral("software key store (weaker: a file beside the vault)");
}

Result<QString> SoftwareKeyStore::pathFor(const QString &alias) const
{
    static const QRegularExpression valid(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
    if (!valid.match(alias).hasMatch() || alias.startsWith(QLatin1Char('.')))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid key-store alias"));
    return QDir(m_directory).filePath(alias + QStringLiteral(".key"));
}

Result<crypto::SecretBytes> SoftwareKeyStore::read(const QString &alias)
{
    auto path = pathFor(alias);
    if (!path)
        return std::unexpected(path.error());
    // read(2) straight into secret memory: no QIODevice buffer or QByteArray keeps the pepper.
    return crypto::readSecretFile(*path, 4096, crypto::SecretReadMode::Whole);
}

Status SoftwareKeyStore::write(const QString &alias, QByteArrayView secret)
{
    auto path = pathFor(alias);
    if (!path)
        return std::unexpected(path.error());
    if (!QDir().mkpath(m_directory))
        return fail(Errc::Io, QStringLiteral("cannot create the key-store directory"));
    QFile::setPermissions(m_directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return store::writeFileAtomically(*path, secret, 0600);
}

Status SoftwareKeyStore::writeRelaxed(const QString &alias, QByteArrayView secret)
{
    auto path = pathFor(alias);
    if (!path)
        return std::unexpected(path.error());
    if (!QDir().mkpath(m_directory))
        return fail(Errc::Io, QStringLiteral("cannot create the key-store directory"));
    return store::writeFileReplacingRelaxed(*path, secret, 0600);
}

Status SoftwareKeyStore::remove(const QString &alias)
{
    auto path = pathFor(alias);
    if (!path)
        return std::unexpected(path.error());
    return store::overwriteAndRemove(*path);
}

} // namespace liaison::platform
