// bench_fresh_device (issue 4 "Benchmark", the fresh_device lines of bench_relay): a newly
// enrolled device receives its scope from HQ through a real liaison-relay (SQLite) over loopback
// and applies it.
//   fresh_device_10k_records_s    seconds from the device's first sync to all records applied
//   fresh_device_wire_over_plain  bytes on the device's socket (both directions, HTTP included,
//                                 captured by a pass-through proxy) / the plaintext CBOR bytes of
//                                 the records' operations (goal <= 1.2)
// --smoke: 200 records.

#include "freshdevicerig.h"
#include "testmain.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>

#include <cstdio>

using namespace liaison;
using namespace liaison::e2e;

namespace {

int run(int records)
{
    QTemporaryDir dir;
    bench::FreshDeviceRig rig;
    if (!rig.startHq(dir)) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
    }
    HqNode &hq = rig.hq;
    const QString scope = QStringLiteral("post:vienna");
    for (int i = 0; i < records; ++i) {
        model::FieldMap f{
            {QStringLiteral("name"), QStringLiteral("Contact %1 Lastname").arg(i)},
            {QStringLiteral("organisation"), QStringLiteral("Federal Criminal Police Office")},
            {QStringLiteral("role"), QStringLiteral("Liaison officer")},
            {QStringLiteral("country"), QStringLiteral("AT")},
            {QStringLiteral("notes"), QStringLiteral("Met at the conference, prefers email; "
                                                     "reference %1")
                                          .arg(i * 7919)}};
        if (!hq.records->create(model::RecordType::Contact, scope, f)) {
            std::fprintf(stderr, "create failed\n");
            return 1;
        }
    }
    if (!rig.enrolDevice(dir, scope)) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
    }
    DeviceNode &dev = *rig.dev;

    auto snapshot = hq.records->snapshot({scope});
    if (!snapshot)
        return 1;
    qint64 plain = 0;
    for (const model::Operation &op : *snapshot)
        plain += op.encode().size();

    rig.proxy->clearCapture();
    QElapsedTimer t;
    t.start();
    if (!dev.syncOnce(600000)) {
        std::fprintf(stderr, "device sync failed\n");
        return 1;
    }
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    auto count = dev.records->recordCount();
    if (!count || *count != records) {
        std::fprintf(stderr, "device has %lld records, want %d\n", count ? (long long)*count : -1LL,
                     records);
        return 1;
    }
    const qint64 wire = rig.wireBytes();
    std::printf("fresh_device_records: %d (reported)\n", records);
    if (records == 10000)
        std::printf("fresh_device_10k_records_s: %.3f (reported)\n", seconds);
    else
        std::printf("fresh_device_%d_records_s: %.3f (reported)\n", records, seconds);
    std::printf("fresh_device_wire_bytes: %lld (reported)\n", (long long)wire);
    std::printf("fresh_device_plain_cbor_bytes: %lld (reported)\n", (long long)plain);
    std::printf("fresh_device_wire_over_plain: %.3f (goal <= 1.2)\n", double(wire) / double(plain));
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::prepareTestProcess();
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    return run(smoke ? 200 : 10000);
}
