// Fuzzes the decoders of a desk backup (sync/desk/deskbackup.h): `liaison-hq restore` reads the
// header of a file that came from outside (a USB stick), and the archive once the passphrase has
// opened it. Invariants (a violation aborts): whatever decodes re-encodes to the input bytes, and
// every name in a decoded archive is a relative path that stays inside the store directory.
#include "crypto/crypto.h"
#include "desk/deskbackup.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::desk;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    if (auto h = decodeBackupHeader(bytes)) {
        if (encodeBackupHeader(*h) != bytes.first(kBackupHeaderBytes))
            std::abort();
    }
    if (auto entries = decodeBackupArchive(bytes)) {
        QByteArray again;
        beginBackupArchive(again, std::uint32_t(entries->size()));
        for (const BackupEntry &e : *entries) {
            if (e.name.isEmpty() || e.name.startsWith(QLatin1Char('/')) ||
                e.name.split(QLatin1Char('/')).contains(QLatin1String("..")))
                std::abort();
            appendBackupEntry(again, e.name, e.bytes);
        }
        if (again != bytes)
            std::abort();
    }
    return 0;
}
