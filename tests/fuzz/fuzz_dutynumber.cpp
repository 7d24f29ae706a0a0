// Fuzzes the duty number file's decoder (device/dutynumber.h): the lock screen reads that file
// before any passphrase, so whatever lies there must never crash it nor pass as a number that is
// not dialable. Invariants (a violation aborts): what decodes is dialable, short, and re-encodes
// (number and newline) to the input bytes.
#include "device/dutynumber.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto number = device::decodeDutyNumber(bytes);
    if (!number)
        return 0;
    if (!device::isDialableNumber(*number) || number->size() > device::kMaxDutyNumberLength)
        std::abort();
    if ((number->toLatin1() + '\n') != bytes)
        std::abort();
    return 0;
}
