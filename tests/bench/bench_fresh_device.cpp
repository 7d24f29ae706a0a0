// bench_fresh_device (issue 4 "Benchmark", the fresh_device lines of bench_relay): a newly
// enrolled device receives its scope from HQ through a real liaison-relay (SQLite) over loopback
// and applies it.
//   fresh_device_10k_records_s    seconds from the device's first sync to all records applied
//   fresh_device_wire_over_plain  bytes on the device's socket (both directions, HTTP included,
//                                 captured by a pass-through proxy) / the plaintext CBOR bytes of
//                                 the records' operations (goal <= 1.2)
//   catchup_30_days_s             a device away 30 days (issue 13, "30 days offline") while HQ
//                                 made a month of changes to its scope (new, changed and deleted
//                                 contacts every day, instructions, schedule changes; HQ's round
//                                 every day, the relay restarted each day at that day's clock
//                                 and keeping mail 30 days): seconds from the device coming back
//                                 online until its records equal HQ's, HQ answering at once. At
//                                 30 days the relay has purged HQ's first mail of the absence, so
//                                 this is the RESYNC path: device round (gap, RESYNC_REQUEST), HQ
//                                 round (RESYNC), device round. Absolute, on this machine.
//   catchup_30_days_bytes         bytes on the device's socket for it, both directions
//   catchup_29_days_s, _bytes     the same after 29 days: nothing purged, DELTAs only
// --smoke: 200 records; the catch-up over 200 contacts.

#include "freshdevicerig.h"
#include "testmain.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>

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
    if (!rig.addContacts(scope, records)) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
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

// The catch-up after `days` days offline over a scope of `contacts` contacts (see the top).
int runCatchup(int days, int contacts)
{
    constexpr qint64 kDayMs = 24LL * 3600 * 1000;
    QTemporaryDir dir;
    bench::FreshDeviceRig rig;
    // HQ's certificate must outlive a relay clock a month ahead.
    {
        auto cert = protocol::HqCertificate::decode(rig.dep.cert);
        if (!cert)
            return 1;
        cert->notAfterMs = QDateTime::currentMSecsSinceEpoch() + 120 * kDayMs;
        protocol::signHqCertificate(*cert, rig.dep.root.secretKey);
        rig.dep.cert = cert->encode();
    }
    if (!rig.startHq(dir)) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
    }
    HqNode &hq = rig.hq;
    const QString scope = QStringLiteral("post:vienna");
    QList<model::RecordId> ids;
    QList<model::RecordId> visits;
    const auto contact = [](int i, const QString &notes) {
        return model::FieldMap{
            {QStringLiteral("name"), QStringLiteral("Contact %1 Lastname").arg(i)},
            {QStringLiteral("organisation"), QStringLiteral("Federal Criminal Police Office")},
            {QStringLiteral("role"), QStringLiteral("Liaison officer")},
            {QStringLiteral("country"), QStringLiteral("AT")},
            {QStringLiteral("notes"), notes}};
    };
    for (int i = 0; i < contacts; ++i) {
        auto c = hq.records->create(model::RecordType::Contact, scope,
                                    contact(i, QStringLiteral("reference %1").arg(i * 7919)));
        if (!c)
            return 1;
        ids.append(c->recordId);
    }
    for (int i = 0; i < 30; ++i) {
        auto v =
            hq.records->create(model::RecordType::ScheduleItem, scope,
                               {{QStringLiteral("title"), QStringLiteral("Visit item %1").arg(i)},
                                {QStringLiteral("venue"), QStringLiteral("Venue %1").arg(i)}});
        if (!v)
            return 1;
        visits.append(v->recordId);
    }
    if (!rig.enrolDevice(dir, scope)) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
    }
    DeviceNode &dev = *rig.dev;
    if (!dev.syncOnce(600000))
        return 1;

    // The absence: HQ's month, one round a day.
    dev.connectivity.setState(client::Connectivity::State::Offline);
    qint64 shift = 0;
    int next = contacts;
    const int perDay = std::max(4, contacts / 50); // changed contacts a day (2%)
    for (int day = 0; day < days; ++day) {
        if (day > 0) {
            rig.clock.jump(kDayMs);
            shift += kDayMs;
        }
        if (!rig.restartRelay(dir, shift)) {
            std::fprintf(stderr, "%s\n", qPrintable(rig.error));
            return 1;
        }
        for (int k = 0; k < perDay; ++k) {
            const int i = (day * perDay + k) % int(ids.size());
            (void)hq.records->update(
                ids[i], {{QStringLiteral("notes"), QStringLiteral("changed on day %1").arg(day)}});
        }
        for (int k = 0; k < perDay / 4; ++k) {
            auto c = hq.records->create(model::RecordType::Contact, scope,
                                        contact(next, QStringLiteral("new on day %1").arg(day)));
            ++next;
            if (c)
                ids.append(c->recordId);
        }
        if (ids.size() > 10)
            (void)hq.records->remove(ids.takeAt((day * 37) % int(ids.size())));
        (void)hq.records->update(
            visits[day % visits.size()],
            {{QStringLiteral("venue"), QStringLiteral("Moved on day %1").arg(day)}});
        if (day % 7 == 3)
            (void)hq.records->create(
                model::RecordType::Instruction, scope,
                {{QStringLiteral("title"), QStringLiteral("Instruction of day %1").arg(day)},
                 {QStringLiteral("body"), QStringLiteral("Weekly guidance for the post.")}});
        if (!hq.syncOnce(120000) && !hq.syncOnce(120000)) {
            std::fprintf(stderr, "HQ round failed on day %d\n", day);
            return 1;
        }
    }

    // Back online `days` days after the last sync; HQ answers at once.
    rig.clock.jump(kDayMs);
    shift += kDayMs;
    if (!rig.restartRelay(dir, shift))
        return 1;
    if (days >= 30) {
        QElapsedTimer w;
        w.start();
        while (!rig.relay.log().contains("retention removed") && w.elapsed() < 10000)
            QTest::qWait(20);
    }
    // The live records as sets (id -> type and field values), as the officer sees them.
    const auto live = [&](model::RecordStore &records) {
        QMap<QByteArray, QByteArray> out;
        auto all = records.records({scope});
        if (!all)
            return out;
        for (const model::RecordState &r : *all) {
            if (r.deleted)
                continue;
            QCborMap fields{{QStringLiteral("type"), int(r.type)}};
            for (auto it = r.fields.cbegin(); it != r.fields.cend(); ++it)
                fields.insert(it.key(), it.value().value);
            out.insert(r.id.toByteArray(), fields.toCborValue().toCbor());
        }
        return out;
    };
    const auto equal = [&] {
        return live(*dev.records) == live(*hq.records);
    };
    rig.proxy->clearCapture();
    QElapsedTimer t;
    t.start();
    QSignalSpy round(dev.client.get(), &client::SyncClient::roundFinished);
    dev.connectivity.setState(client::Connectivity::State::Online);
    if (!round.wait(600000))
        return 1;
    int deviceRounds = 1, hqRounds = 0;
    while (!equal() && deviceRounds < 6) {
        if (!hq.syncOnce(120000))
            return 1;
        ++hqRounds;
        if (!dev.syncOnce(600000))
            return 1;
        ++deviceRounds;
    }
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (!equal()) {
        std::fprintf(stderr, "catch-up after %d days: the device's records differ from HQ's\n",
                     days);
        return 1;
    }
    const qint64 wire = rig.wireBytes();
    std::printf("catchup_%d_days_s: %.3f (reported; %d device rounds, %d HQ rounds, %lld "
                "records)\n",
                days, seconds, deviceRounds, hqRounds,
                (long long)(dev.records->recordCount() ? *dev.records->recordCount() : -1));
    std::printf("catchup_%d_days_bytes: %lld (reported)\n", days, (long long)wire);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::prepareTestProcess();
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    if (const int r = run(smoke ? 200 : 10000); r != 0)
        return r;
    if (const int r = runCatchup(30, smoke ? 200 : 2000); r != 0)
        return r;
    return runCatchup(29, smoke ? 200 : 2000);
}
