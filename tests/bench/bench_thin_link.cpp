// bench_thin_link (issue 13, "Thin links and long absences"): a device on a 64 kbit/s link with
// 500 ms round trip and 2 % of answers lost (the fault proxy's thin link: a token bucket each
// way, 250 ms added each way, 2 % of HTTP answers reset or cut mid-transfer; netem is missing
// here), a real liaison-relay (SQLite) on loopback, HQ on a fast link.
//
// The device was just enrolled: HQ's RESYNC, a snapshot of a scope of 10,000 contacts, waits for
// it at the relay. The device comes online and starts on it (long-poll on, the app's engine
// options); 5 s later HQ issues an instruction that requires an acknowledgement (what
// `liaison-hq instruction issue` stores: RecordStore::create of an Instruction) and publishes it
// (an HQ round). The device acknowledges it as soon as it has it (as the officer's tap does:
// an Acknowledgement record, then syncNow()); HQ runs a round every 500 ms, from the device's
// start on (it follows, as liaison-hq does).
//
//   priority_instruction_latency_s  from the issue until the device has applied the instruction
//                                   AND HQ has the acknowledgement (goal <= 10, absolute)
//   bytes_per_acknowledgement       bytes on the device's link, both directions, HTTP included,
//                                   of the uploads (POST /v1/envelopes) from the acknowledgement's
//                                   creation until HQ has it: its DELTA, and what went up with it
//                                   (a RECEIPT), retries included
// It also reports when the device had the instruction and how much of the snapshot it had then.
// --smoke: 200 contacts (the same link). --seed N: the link's faults of an earlier run (the
// seed is printed). --timeline: every exchange on the device's link (seconds from the issue:
// when the proxy had the request whole, and when it had the relay's answer; the device has the
// answer later, by the link's queue), to see where the time goes.

#include "freshdevicerig.h"
#include "model/instructionhash.h"
#include "testmain.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>

#include <cstdio>

using namespace liaison;
using namespace liaison::e2e;

namespace {

constexpr int kIssueAfterMs = 5000;
constexpr qint64 kGiveUpMs = 1800 * 1000;

int run(int records, quint32 seed, bool timeline)
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
    // The app's engine options (long-poll while idle, mailbox reads of 200).
    if (!rig.enrolDevice(dir, scope, client::SyncClientOptions{})) {
        std::fprintf(stderr, "%s\n", qPrintable(rig.error));
        return 1;
    }
    DeviceNode &dev = *rig.dev;

    test::FaultProxy::Link link;
    link.bitsPerSecond = 64000;
    link.delayMs = 250;
    link.faultRate = 0.02;
    link.seed = seed;
    rig.proxy->setLink(link);
    rig.proxy->clearCapture();

    // HQ follows from the start, as liaison-hq does (a round every 500 ms): what the device
    // sends while it works on its snapshot reaches HQ before the instruction is issued.
    dev.client->start();
    {
        QElapsedTimer since;
        since.start();
        QElapsedTimer round;
        round.start();
        while (since.elapsed() < kIssueAfterMs) {
            QTest::qWait(50);
            if (round.elapsed() >= 500) {
                (void)hq.syncOnce(120000);
                round.restart();
            }
        }
    }

    // `liaison-hq instruction issue --scope post:vienna --requires-ack --body FILE.md`, then
    // `publish` (an HQ round).
    QElapsedTimer t;
    t.start();
    auto issued = hq.records->create(
        model::RecordType::Instruction, scope,
        {{QStringLiteral("title"), QStringLiteral("Move the meeting")},
         {QStringLiteral("body"), QStringLiteral("The 14:00 meeting moves to the embassy.")},
         {QStringLiteral("issuedBy"), QStringLiteral("duty officer")},
         {QStringLiteral("issuedAt"), rig.clock.wallMs()},
         {QStringLiteral("priority"), 5},
         {QStringLiteral("requiresAck"), true},
         {QStringLiteral("version"), 1}});
    if (!issued) {
        std::fprintf(stderr, "issue failed\n");
        return 1;
    }
    const model::RecordId instruction = issued->recordId;
    if (!hq.syncOnce(120000)) {
        std::fprintf(stderr, "HQ's publish failed\n");
        return 1;
    }

    double arrivedS = -1;
    qint64 recordsThen = -1;
    std::optional<model::RecordId> ack;
    qsizetype exchangesBefore = 0;
    QElapsedTimer hqRound;
    hqRound.start();
    bool done = false;
    while (!done && t.elapsed() < kGiveUpMs) {
        QTest::qWait(50);
        if (!ack) {
            auto r = dev.records->record(instruction);
            if (!r || !*r)
                continue;
            arrivedS = double(t.nsecsElapsed()) / 1e9;
            auto n = dev.records->recordCount();
            recordsThen = n ? *n : -1;
            model::FieldMap f;
            f.insert(QStringLiteral("instruction"), QCborValue(instruction.toByteArray()));
            f.insert(QStringLiteral("version"), QCborValue(1));
            f.insert(QStringLiteral("contentHash"),
                     QCborValue(model::instructionContentHash(**r).toByteArray()));
            f.insert(QStringLiteral("time"), QCborValue(rig.clock.wallMs()));
            auto created = dev.records->create(model::RecordType::Acknowledgement, scope, f);
            if (!created) {
                std::fprintf(stderr, "acknowledgement failed\n");
                return 1;
            }
            ack = created->recordId;
            exchangesBefore = rig.proxy->exchanges().size();
            dev.client->syncNow();
        }
        if (hqRound.elapsed() >= 500) {
            (void)hq.syncOnce(120000);
            hqRound.restart();
            if (ack) {
                auto r = hq.records->record(*ack);
                done = r && *r;
            }
        }
    }
    const double seconds = double(t.nsecsElapsed()) / 1e9;
    if (!done) {
        std::fprintf(stderr, "no acknowledgement at HQ after %.0f s (instruction %s)\n", seconds,
                     arrivedS < 0 ? "never arrived" : "arrived");
        return 1;
    }
    qint64 ackBytes = 0;
    int uploads = 0;
    const auto &ex = rig.proxy->exchanges();
    for (qsizetype i = exchangesBefore; i < ex.size(); ++i) {
        if (ex[i].requestLine != "POST /v1/envelopes")
            continue;
        ackBytes += ex[i].requestBytes + ex[i].responseBytes;
        ++uploads;
    }
    std::printf("priority_instruction_latency_s: %.3f (goal <= 10; absolute, this machine: "
                "64 kbit/s, 500 ms RTT, 2%% of answers lost, a %d-record snapshot pending)\n",
                seconds, records);
    std::printf("priority_instruction_on_device_s: %.3f (reported; the device had %lld of the "
                "snapshot's %d contacts then)\n",
                arrivedS, (long long)(recordsThen - 1), records);
    std::printf("bytes_per_acknowledgement: %lld (reported; %d uploads)\n", (long long)ackBytes,
                uploads);
    std::printf("thin_link_faults: %d of %lld answers (reported; --seed %u)\n",
                rig.proxy->linkFaults(), (long long)ex.size(), seed);
    // What the lane costs the snapshot: when the device has all of it (reported).
    double snapshotS = -1;
    while (t.elapsed() < kGiveUpMs) {
        auto n = dev.records->recordCount();
        if (n && *n >= records + 2) { // the contacts, the instruction, the acknowledgement
            snapshotS = double(t.nsecsElapsed()) / 1e9;
            break;
        }
        QTest::qWait(100);
    }
    std::printf("thin_link_snapshot_complete_s: %.3f (reported; from the issue, the device "
                "started %.0f s before it)\n",
                snapshotS, kIssueAfterMs / 1000.0);
    if (timeline) {
        const qint64 zero = t.msecsSinceReference();
        for (const auto &e : ex) {
            std::printf("timeline: %8.3f %8.3f %-60s up %7lld down %7lld%s\n",
                        double(e.requestMs - zero) / 1e3, double(e.answeredMs - zero) / 1e3,
                        e.requestLine.left(60).constData(), (long long)e.requestBytes,
                        (long long)e.responseBytes, e.cut ? " CUT" : "");
        }
    }
    std::fflush(stdout);
    dev.client->stop();
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    test::prepareTestProcess();
    const QStringList args = app.arguments();
    const bool smoke = args.contains(QStringLiteral("--smoke"));
    // The link's faults draw from a seed of their own each run, unless --seed N repeats one.
    quint32 seed = QRandomGenerator::global()->generate();
    if (const qsizetype i = args.indexOf(QStringLiteral("--seed")); i >= 0 && i + 1 < args.size())
        seed = args[i + 1].toUInt();
    return run(smoke ? 200 : 10000, seed, args.contains(QStringLiteral("--timeline")));
}
