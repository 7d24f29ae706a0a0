#include "secretio.h"

#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace liaison::crypto {

Result<SecretBytes> readSecret(int fd, std::size_t limit, SecretReadMode mode)
{
    SecretBytes buf(limit + 1);
    std::size_t n = 0;
    const bool line = mode == SecretReadMode::FirstLine;
    while (n < buf.size()) {
        // A line byte by byte: the bytes after it stay in the descriptor for the next reader.
        const ssize_t got = ::read(fd, buf.data() + n, line ? 1 : buf.size() - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return fail(Errc::Io, QStringLiteral("cannot read it: %1")
                                      .arg(QString::fromLocal8Bit(std::strerror(errno))));
        if (got == 0)
            break;
        if (line && buf.data()[n] == '\n')
            break;
        n += std::size_t(got);
    }
    if (n > limit)
        return fail(Errc::Malformed,
                    QStringLiteral("it is too long (more than %1 bytes)").arg(limit));
    if (line)
        while (n > 0 && buf.data()[n - 1] == '\r')
            --n;
    return SecretBytes::copyOf(buf.view().first(qsizetype(n))); // buf is wiped when it goes
}

Result<SecretBytes> readSecretFile(const QString &path, std::size_t limit, SecretReadMode mode)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int e = errno;
        return fail(e == ENOENT ? Errc::NotFound : Errc::Io,
                    QStringLiteral("cannot open %1: %2")
                        .arg(QFileInfo(path).fileName(), QString::fromLocal8Bit(std::strerror(e))));
    }
    auto secret = readSecret(fd, limit, mode);
    ::close(fd);
    return secret;
}

} // namespace liaison::crypto
