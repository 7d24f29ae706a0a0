#include "processhardening.h"

#include <cerrno>
#include <cstring>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

namespace liaison::hardening {

namespace {
QString systemError(const char *what)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what),
                                        QString::fromLocal8Bit(std::strerror(errno)));
}
} // namespace

Status hardenProcess()
{
    const struct rlimit noCore
    {
        0, 0
    };
    if (::setrlimit(RLIMIT_CORE, &noCore) != 0)
        return fail(Errc::Internal, systemError("cannot turn core dumps off (RLIMIT_CORE)"));
    struct rlimit core
    {};
    if (::getrlimit(RLIMIT_CORE, &core) != 0 || core.rlim_cur != 0 || core.rlim_max != 0)
        return fail(Errc::Internal, QStringLiteral("the core-file limit did not stay at 0"));

    if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return fail(Errc::Internal, systemError("cannot make the process non-dumpable"));
    if (processDumpable())
        return fail(Errc::Internal, QStringLiteral("the process is still dumpable"));

    // Files and folders the process creates are the user's alone (the vault's database and its
    // WAL were 0644 under the usual umask 022, their folders 0755; tst_app_residue).
    ::umask(077);
    if (const mode_t mask = ::umask(077); mask != 077)
        return fail(Errc::Internal, QStringLiteral("the file-creation mask did not stay at 077"));

    // Locked secret memory: as much as this user may lock (a failed mlock leaves a secret
    // swappable, so take all the room the hard limit gives).
    struct rlimit lock
    {};
    if (::getrlimit(RLIMIT_MEMLOCK, &lock) == 0 && lock.rlim_cur < lock.rlim_max) {
        lock.rlim_cur = lock.rlim_max;
        (void)::setrlimit(RLIMIT_MEMLOCK, &lock); // best effort: the soft limit stays otherwise
    }
    return {};
}

bool processDumpable()
{
    return ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
}

} // namespace liaison::hardening
