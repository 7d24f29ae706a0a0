// bench_fresh_device (issue 4 "Benchmark", the fresh_device lines of bench_relay): a newly
// enrolled device receives its scope from HQ through a real liaison-relay (SQLite) over loopback
// and applies it.
//   fresh_device_10k_records_s    seconds from the device's first sync to all records applied
//   fresh_device_wire_over_plain  bytes on the device's socket (both directions, HTTP included,
//                                 captured by a pass-through proxy) / the plaintext CBOR bytes of
//                                 the records' operations (goal <= 1.2)
// --smoke: 200 records.

#include "../integration/e2eharness.h"
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
    relaytest::Deployment dep;
    relaytest::Backend backend;
    backend.kind = QStringLiteral("sqlite");
    backend.sqlitePath = dir.filePath(QStringLiteral("relay.db"));
    backend.dbUrl = QStringLiteral("sqlite:") + backend.sqlitePath;
    relaytest::RelayProcess relay;
    if (!relay.start(dir, backend, dep, {QStringLiteral("--quiet")})) {
        std::fprintf(stderr, "relay did not start: %s\n", relay.logTail().constData());
        return 1;
    }
    TestClock clock;
    HqNode hq(dep, clock);
    if (!hq.open(dir.path()))
        return 1;
    hq.connectTo(endpointFor(dep, relay.port));
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
    // HQ's own outbox of those creates is not what a fresh device receives: it gets RESYNC.
    if (auto p = hq.records->pendingOutbox(records + 10); p && !p->isEmpty())
        (void)hq.records->markSent(p->last().seq);

    test::FaultProxy proxy(QStringLiteral("127.0.0.1"), relay.port);
    if (!proxy.listen())
        return 1;
    DeviceNode dev(dep, clock);
    if (!dev.open(dir.path(), hq))
        return 1;
    client::SyncClientOptions o;
    o.longPoll = false;
    o.engine.pullLimit = 1000;
    dev.connectTo(endpointFor(dep, proxy.port()), o);
    if (!enrol(hq, dev, {scope}) || !hq.syncOnce(120000)) {
        std::fprintf(stderr, "enrolment failed\n");
        return 1;
    }

    auto snapshot = hq.records->snapshot({scope});
    if (!snapshot)
        return 1;
    qint64 plain = 0;
    for (const model::Operation &op : *snapshot)
        plain += op.encode().size();

    proxy.clearCapture();
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
    const qint64 wire = proxy.clientBytes().size() + proxy.serverBytes().size();
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
