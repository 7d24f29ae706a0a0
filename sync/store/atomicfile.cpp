#include "atomicfile.h"

#include "crypto/crypto.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace liaison::store {
namespace {

Error ioError(const QString &what, const QString &path, int err)
{
    return Error(Errc::Io, QStringLiteral("%1 %2: %3")
                               .arg(what, QFileInfo(path).fileName(),
                                    QString::fromLocal8Bit(std::strerror(err))));
}

Status writeAll(int fd, const char *data, std::size_t size, const QString &path)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return std::unexpected(ioError(QStringLiteral("cannot write"), path, errno));
        }
        data += n;
        size -= std::size_t(n);
    }
    return {};
}

// A fresh temp name beside `path` ("<path>.tmp-<16 hex>"), opened O_EXCL | O_NOFOLLOW: a
// symlink or a file planted under a guessable name is never followed or truncated (security
// review L-11). Returns the fd (or -1 with errno) and the name.
int openFreshTemp(const QString &path, int mode, QString &tmpPath)
{
    for (int attempt = 0; attempt < 8; ++attempt) {
        tmpPath = path + QStringLiteral(".tmp-") +
                  QString::fromLatin1(crypto::randomFixed<crypto::Id16>().toHex().left(16));
        const int fd = ::open(QFile::encodeName(tmpPath).constData(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

} // namespace

Status syncDirectory(const QString &dirPath)
{
    const int fd =
        ::open(QFile::encodeName(dirPath).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return std::unexpected(ioError(QStringLiteral("cannot open directory"), dirPath, errno));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0)
        return std::unexpected(ioError(QStringLiteral("cannot sync directory"), dirPath, err));
    return {};
}

Status writeFileDurably(const QString &tempPath, QByteArrayView bytes, int mode)
{
    const QByteArray tmp = QFile::encodeName(tempPath);
    // The caller names the temp file (the vault finds a half-done key-file write by it); a
    // symlink there is never followed.
    const int fd =
        ::open(tmp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return std::unexpected(ioError(QStringLiteral("cannot create"), tempPath, errno));
    ::fchmod(fd, mode_t(mode));
    auto written = writeAll(fd, bytes.data(), std::size_t(bytes.size()), tempPath);
    if (written && ::fsync(fd) != 0)
        written = std::unexpected(ioError(QStringLiteral("cannot sync"), tempPath, errno));
    if (::close(fd) != 0 && written)
        written = std::unexpected(ioError(QStringLiteral("cannot close"), tempPath, errno));
    if (!written)
        ::unlink(tmp.constData());
    return written;
}

Status renameDurably(const QString &from, const QString &to)
{
    if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0) {
        const int err = errno;
        return std::unexpected(ioError(QStringLiteral("cannot replace"), to, err));
    }
    return syncDirectory(QFileInfo(to).absolutePath());
}

Status writeFileReplacingRelaxed(const QString &path, QByteArrayView bytes, int mode)
{
    QString tmpPath;
    const int fd = openFreshTemp(path, mode, tmpPath);
    const QByteArray tmp = QFile::encodeName(tmpPath);
    if (fd < 0)
        return std::unexpected(ioError(QStringLiteral("cannot create"), tmpPath, errno));
    ::fchmod(fd, mode_t(mode));
    auto written = writeAll(fd, bytes.data(), std::size_t(bytes.size()), tmpPath);
    if (::close(fd) != 0 && written)
        written = std::unexpected(ioError(QStringLiteral("cannot close"), tmpPath, errno));
    if (written && ::rename(tmp.constData(), QFile::encodeName(path).constData()) != 0)
        written = std::unexpected(ioError(QStringLiteral("cannot replace"), path, errno));
    if (!written)
        ::unlink(tmp.constData());
    return written;
}

Status writeFileAtomically(const QString &path, QByteArrayView bytes, int mode)
{
    QString tmp;
    const int fd = openFreshTemp(path, mode, tmp);
    if (fd < 0)
        return std::unexpected(ioError(QStringLiteral("cannot create"), tmp, errno));
    ::fchmod(fd, mode_t(mode));
    auto written = writeAll(fd, bytes.data(), std::size_t(bytes.size()), tmp);
    if (written && ::fsync(fd) != 0)
        written = std::unexpected(ioError(QStringLiteral("cannot sync"), tmp, errno));
    if (::close(fd) != 0 && written)
        written = std::unexpected(ioError(QStringLiteral("cannot close"), tmp, errno));
    if (!written) {
        ::unlink(QFile::encodeName(tmp).constData());
        return written;
    }
    if (auto s = renameDurably(tmp, path); !s) {
        ::unlink(QFile::encodeName(tmp).constData());
        return s;
    }
    return {};
}

Status overwriteAndRemove(const QString &path)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return {};
        if (errno == ELOOP) { // a symlink: remove the link, never overwrite what it points to
            if (::unlink(name.constData()) != 0 && errno != ENOENT)
                return std::unexpected(ioError(QStringLiteral("cannot delete"), path, errno));
            return syncDirectory(QFileInfo(path).absolutePath());
        }
        return std::unexpected(ioError(QStringLiteral("cannot open"), path, errno));
    }
    struct stat st
    {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) {
        const QByteArray zeros(qsizetype(std::min<off_t>(st.st_size, 1 << 20)), '\0');
        off_t left = st.st_size;
        while (left > 0) {
            const auto chunk = std::min<off_t>(left, zeros.size());
            if (!writeAll(fd, zeros.constData(), std::size_t(chunk), path))
                break;
            left -= chunk;
        }
        ::fsync(fd);
    }
    ::close(fd);
    if (::unlink(name.constData()) != 0 && errno != ENOENT)
        return std::unexpected(ioError(QStringLiteral("cannot delete"), path, errno));
    return syncDirectory(QFileInfo(path).absolutePath());
}

Result<QByteArray> readSmallFile(const QString &path, qint64 maxBytes)
{
    QFile f(path);
    if (!f.exists())
        return fail(Errc::NotFound,
                    QStringLiteral("%1 does not exist").arg(QFileInfo(path).fileName()));
    if (!f.open(QIODevice::ReadOnly))
        return fail(
            Errc::Io,
            QStringLiteral("cannot read %1: %2").arg(QFileInfo(path).fileName(), f.errorString()));
    if (f.size() > maxBytes)
        return fail(Errc::Malformed,
                    QStringLiteral("%1 is too large").arg(QFileInfo(path).fileName()));
    return f.readAll();
}

} // namespace liaison::store
