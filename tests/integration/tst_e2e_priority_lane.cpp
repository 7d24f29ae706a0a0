// Priority lanes on a thin link (issue 13 "Thin links"; DESIGN.md "Streams": `down!`/`up!`):
// a device in steady state behind the fault proxy's thin link (256 kbit/s, 100 ms each way, no
// losses: the order is what is tested, not the recovery), a real liaison-relay (SQLite), HQ on a
// fast link. HQ imports a bulk of contacts into the device's scope (DELTAs of up to 48 KiB of
// operations each), publishes it, and 2 s later, the device busy with it, issues an instruction
// that requires an acknowledgement. The instruction travels on `down!`, the acknowledgement on
// `up!`; clients drain the priority lane first in both directions, so:
//  - the device applies the instruction while part of the bulk is still missing;
//  - HQ has the device's acknowledgement while part of the bulk is still missing on the device;
//  - in the end the device has every record (the bulk is not lost behind the lane).
// The device runs with the app's engine options (long-poll while idle).

#include "e2eharness.h"
#include "model/instructionhash.h"
#include "testmain.h"
#include "testsupport.h"

using namespace liaison;
using namespace liaison::e2e;

namespace {

const QString kScope = QStringLiteral("post:vienna");
constexpr int kBulk = 1000;

qint64 countOf(model::RecordStore &records, model::RecordType type)
{
    return liveCount(records, kScope, type);
}

} // namespace

class TestE2ePriorityLane : public QObject
{
    Q_OBJECT

private:
    relaytest::RelayEnv m_env;
    TestClock m_clock;
    std::unique_ptr<HqNode> m_hq;
    std::unique_ptr<test::FaultProxy> m_proxy;
    std::unique_ptr<DeviceNode> m_dev;

private Q_SLOTS:
    void init()
    {
        QVERIFY2(m_env.setUp(QStringLiteral("sqlite")), qPrintable(m_env.error));
        QVERIFY2(m_env.startRelay(), qPrintable(m_env.error));
    }
    void cleanup()
    {
        if (m_dev && m_dev->client)
            m_dev->client->stop();
        m_dev.reset();
        m_proxy.reset();
        m_hq.reset();
        m_env.tearDown();
    }

    void instructionOvertakesBulk();
    void instructionOvertakesFreshSnapshot();
    void instructionBeforeSnapshotAnswerOvertakes();
};

void TestE2ePriorityLane::instructionOvertakesBulk()
{
    m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
    QVERIFY(m_hq->open(m_env.dir->path()));
    m_hq->connectTo(endpointFor(*m_env.dep, m_env.relay->port));
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope, deskContact(i)));

    m_proxy = std::make_unique<test::FaultProxy>(QStringLiteral("127.0.0.1"), m_env.relay->port);
    QVERIFY(m_proxy->listen());
    m_dev = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
    QVERIFY(m_dev->open(m_env.dir->path(), *m_hq));
    m_dev->connectTo(endpointFor(*m_env.dep, m_proxy->port()), client::SyncClientOptions{});

    // Steady state: enrolled, the RESYNC applied, HQ has the device's RECEIPT.
    QVERIFY(enrol(*m_hq, *m_dev, {kScope}));
    QVERIFY(m_hq->syncOnce());
    QVERIFY(m_dev->syncOnce());
    QVERIFY(m_hq->syncOnce());
    QCOMPARE(countOf(*m_dev->records, model::RecordType::Contact), 5);

    // The thin link, then the bulk: HQ's import, published.
    test::FaultProxy::Link link;
    link.bitsPerSecond = 256000;
    link.delayMs = 100;
    m_proxy->setLink(link);
    m_proxy->clearCapture();
    for (int i = 5; i < 5 + kBulk; ++i)
        QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope, deskContact(i)));
    QElapsedTimer t;
    t.start();
    QVERIFY(m_hq->syncOnce(120000));
    const qint64 total = 5 + kBulk;

    // The device is on the bulk (its long-poll woke at once; the bulk takes over 10 s on this
    // link): HQ issues the instruction.
    QTest::qWait(2000);
    auto issued = m_hq->records->create(
        model::RecordType::Instruction, kScope,
        {{QStringLiteral("title"), QStringLiteral("Move the meeting")},
         {QStringLiteral("body"), QStringLiteral("The 14:00 meeting moves to the embassy.")},
         {QStringLiteral("issuedBy"), QStringLiteral("duty officer")},
         {QStringLiteral("issuedAt"), m_clock.wallMs()},
         {QStringLiteral("requiresAck"), true},
         {QStringLiteral("version"), 1}});
    QVERIFY(issued.has_value());
    const model::RecordId instruction = issued->recordId;
    QVERIFY(m_hq->syncOnce());
    const double issuedS = double(t.elapsed()) / 1000;
    {
        // HQ sealed it on `down!` (the device announced the lanes and is past its RESYNC).
        auto st = m_hq->db->prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? AND "
                                    "epoch >= 2147483648 AND kind = 1");
        QVERIFY(st);
        st->bind(1, m_dev->id.view());
        QVERIFY(*st->step());
        const auto usable = m_hq->outbox->priorityLaneUsable(m_dev->id);
        QVERIFY2(st->columnInt64(0) == 1,
                 qPrintable(QStringLiteral("DELTAs on down!: %1; down! usable: %2")
                                .arg(st->columnInt64(0))
                                .arg(usable && *usable)));
    }

    // The device acknowledges as soon as it has it; HQ runs a round every 300 ms.
    qint64 contactsAtInstruction = -1, contactsAtAck = -1;
    double instructionS = -1, ackS = -1;
    std::optional<model::RecordId> ack;
    QVERIFY(waitFor(
        [&] {
            if (!ack) {
                auto r = m_dev->records->record(instruction);
                if (r && *r) {
                    instructionS = double(t.elapsed()) / 1000;
                    contactsAtInstruction = countOf(*m_dev->records, model::RecordType::Contact);
                    model::FieldMap f;
                    f.insert(QStringLiteral("instruction"), QCborValue(instruction.toByteArray()));
                    f.insert(QStringLiteral("version"), QCborValue(1));
                    f.insert(QStringLiteral("contentHash"),
                             QCborValue(model::instructionContentHash(**r).toByteArray()));
                    f.insert(QStringLiteral("time"), QCborValue(m_clock.wallMs()));
                    auto created =
                        m_dev->records->create(model::RecordType::Acknowledgement, kScope, f);
                    if (!created)
                        return true; // fails below
                    ack = created->recordId;
                    m_dev->client->syncNow();
                }
            }
            QTest::qWait(300);
            (void)m_hq->syncOnce();
            if (ack) {
                auto r = m_hq->records->record(*ack);
                if (r && *r) {
                    ackS = double(t.elapsed()) / 1000;
                    contactsAtAck = countOf(*m_dev->records, model::RecordType::Contact);
                    return true;
                }
            }
            return false;
        },
        180000));
    qInfo("issued at %.1f s; on the device at %.1f s with %lld of %lld contacts; acknowledgement "
          "at HQ at %.1f s with %lld of %lld contacts on the device",
          issuedS, instructionS, (long long)contactsAtInstruction, (long long)total, ackS,
          (long long)contactsAtAck, (long long)total);
    QVERIFY2(ack.has_value(), "the device never had the instruction");
    QVERIFY2(contactsAtInstruction < total,
             qPrintable(QStringLiteral("the instruction waited for the bulk: the device had all "
                                       "%1 contacts when it arrived, %2 s after the issue")
                            .arg(total)
                            .arg(instructionS - issuedS, 0, 'f', 1)));
    QVERIFY2(contactsAtAck < total,
             qPrintable(QStringLiteral("the acknowledgement reached HQ only after the bulk: %1 "
                                       "of %2 contacts on the device then")
                            .arg(contactsAtAck)
                            .arg(total)));

    // Nothing of the bulk is lost behind the lane.
    QVERIFY(waitFor([&] { return countOf(*m_dev->records, model::RecordType::Contact) == total; },
                    180000));
}

// Issue 13, a fresh device: just enrolled, its RESYNC (a snapshot of 2,000 contacts, several
// parts) waits at the relay; the device comes online behind a thin link (128 kbit/s, 100 ms each
// way) while HQ follows (a round every 300 ms, as liaison-hq does). 2 s later HQ issues an
// instruction. It travels on `down!` once HQ has the device's answer to the RESYNC's first part,
// so the device has it, and HQ its acknowledgement, before the snapshot is complete; after the
// snapshot the device still has the instruction and its acknowledgement, and every contact.
void TestE2ePriorityLane::instructionOvertakesFreshSnapshot()
{
    constexpr int kContacts = 2000;
    m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
    QVERIFY(m_hq->open(m_env.dir->path()));
    m_hq->connectTo(endpointFor(*m_env.dep, m_env.relay->port));
    for (int i = 0; i < kContacts; ++i)
        QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope, deskContact(i)));
    // (HQ's own outbox of those creates is not what a fresh device receives.)
    auto pendingHq = m_hq->records->pendingOutbox(kContacts + 10);
    QVERIFY(pendingHq && !pendingHq->isEmpty());
    QVERIFY(m_hq->records->markSent(pendingHq->last().seq));

    m_proxy = std::make_unique<test::FaultProxy>(QStringLiteral("127.0.0.1"), m_env.relay->port);
    QVERIFY(m_proxy->listen());
    m_dev = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
    QVERIFY(m_dev->open(m_env.dir->path(), *m_hq));
    m_dev->connectTo(endpointFor(*m_env.dep, m_proxy->port()), client::SyncClientOptions{});
    QVERIFY(enrol(*m_hq, *m_dev, {kScope}));
    QVERIFY(m_hq->syncOnce(120000)); // the RESYNC goes to the relay

    test::FaultProxy::Link link;
    link.bitsPerSecond = 128000;
    link.delayMs = 100;
    m_proxy->setLink(link);
    QElapsedTimer t;
    t.start();
    m_dev->client->start();
    QElapsedTimer hqRound;
    hqRound.start();
    while (t.elapsed() < 2000) {
        QTest::qWait(50);
        if (hqRound.elapsed() >= 300) {
            (void)m_hq->syncOnce();
            hqRound.restart();
        }
    }
    auto issued = m_hq->records->create(
        model::RecordType::Instruction, kScope,
        {{QStringLiteral("title"), QStringLiteral("Move the meeting")},
         {QStringLiteral("body"), QStringLiteral("The 14:00 meeting moves to the embassy.")},
         {QStringLiteral("issuedBy"), QStringLiteral("duty officer")},
         {QStringLiteral("issuedAt"), m_clock.wallMs()},
         {QStringLiteral("requiresAck"), true},
         {QStringLiteral("version"), 1}});
    QVERIFY(issued.has_value());
    const model::RecordId instruction = issued->recordId;
    QVERIFY(m_hq->syncOnce());
    const double issuedS = double(t.elapsed()) / 1000;
    {
        auto st = m_hq->db->prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? AND "
                                    "epoch >= 2147483648 AND kind = 1");
        QVERIFY(st);
        st->bind(1, m_dev->id.view());
        QVERIFY(*st->step());
        QVERIFY2(st->columnInt64(0) == 1,
                 qPrintable(QStringLiteral("DELTAs on down!: %1 (issued at %2 s)")
                                .arg(st->columnInt64(0))
                                .arg(issuedS, 0, 'f', 1)));
    }

    qint64 contactsAtInstruction = -1, contactsAtAck = -1;
    double instructionS = -1, ackS = -1;
    std::optional<model::RecordId> ack;
    QVERIFY(waitFor(
        [&] {
            if (!ack) {
                auto r = m_dev->records->record(instruction);
                if (r && *r) {
                    instructionS = double(t.elapsed()) / 1000;
                    contactsAtInstruction = countOf(*m_dev->records, model::RecordType::Contact);
                    model::FieldMap f;
                    f.insert(QStringLiteral("instruction"), QCborValue(instruction.toByteArray()));
                    f.insert(QStringLiteral("version"), QCborValue(1));
                    f.insert(QStringLiteral("contentHash"),
                             QCborValue(model::instructionContentHash(**r).toByteArray()));
                    f.insert(QStringLiteral("time"), QCborValue(m_clock.wallMs()));
                    auto created =
                        m_dev->records->create(model::RecordType::Acknowledgement, kScope, f);
                    if (!created)
                        return true; // fails below
                    ack = created->recordId;
                    m_dev->client->syncNow();
                }
            }
            QTest::qWait(300);
            (void)m_hq->syncOnce();
            if (ack) {
                auto r = m_hq->records->record(*ack);
                if (r && *r) {
                    ackS = double(t.elapsed()) / 1000;
                    contactsAtAck = countOf(*m_dev->records, model::RecordType::Contact);
                    return true;
                }
            }
            return false;
        },
        300000));
    qInfo("fresh device: issued at %.1f s; on the device at %.1f s with %lld of %d contacts; "
          "acknowledgement at HQ at %.1f s with %lld of %d contacts on the device",
          issuedS, instructionS, (long long)contactsAtInstruction, kContacts, ackS,
          (long long)contactsAtAck, kContacts);
    QVERIFY2(ack.has_value(), "the device never had the instruction");
    QVERIFY2(contactsAtInstruction < kContacts,
             qPrintable(QStringLiteral("the instruction waited for the snapshot: %1 s after "
                                       "the issue")
                            .arg(instructionS - issuedS, 0, 'f', 1)));
    QVERIFY2(contactsAtAck < kContacts,
             qPrintable(QStringLiteral("the acknowledgement reached HQ only after the snapshot: "
                                       "%1 s after the issue")
                            .arg(ackS - issuedS, 0, 'f', 1)));

    // The snapshot completes; nothing the lane brought, nothing the officer wrote is lost.
    QVERIFY(waitFor(
        [&] {
            if (countOf(*m_dev->records, model::RecordType::Contact) == kContacts)
                return true;
            QTest::qWait(300);
            (void)m_hq->syncOnce();
            return false;
        },
        300000));
    QVERIFY(waitFor([&] { return m_dev->syncOnce() && m_hq->syncOnce(); }, 60000));
    auto have = m_dev->records->record(instruction);
    QVERIFY2(have && *have && !(*have)->deleted, "the instruction is gone after the snapshot");
    auto mine = m_dev->records->record(*ack);
    QVERIFY2(mine && *mine && !(*mine)->deleted, "the acknowledgement is gone after the snapshot");
    auto atHq = m_hq->records->record(*ack);
    QVERIFY(atHq && *atHq);
    QCOMPARE(countOf(*m_dev->records, model::RecordType::Contact), qint64(kContacts));
}

// Issue 13, the window before HQ has the device's answer: the instruction is issued right after
// the fresh device's RESYNC (2,000 contacts) was sealed and sent, before the device has even
// started, so HQ seals it on bulk `down`, behind the whole snapshot. Once the device's RECEIPT
// naming part 1 opens `down!`, HQ seals it again there: the device has it before the snapshot's
// last part; afterwards it has it once, with every contact, and neither side raised an alarm.
void TestE2ePriorityLane::instructionBeforeSnapshotAnswerOvertakes()
{
    constexpr int kContacts = 2000;
    m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
    QVERIFY(m_hq->open(m_env.dir->path()));
    m_hq->connectTo(endpointFor(*m_env.dep, m_env.relay->port));
    for (int i = 0; i < kContacts; ++i)
        QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope, deskContact(i)));
    auto pendingHq = m_hq->records->pendingOutbox(kContacts + 10);
    QVERIFY(pendingHq && !pendingHq->isEmpty());
    QVERIFY(m_hq->records->markSent(pendingHq->last().seq));

    m_proxy = std::make_unique<test::FaultProxy>(QStringLiteral("127.0.0.1"), m_env.relay->port);
    QVERIFY(m_proxy->listen());
    m_dev = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
    QVERIFY(m_dev->open(m_env.dir->path(), *m_hq));
    m_dev->connectTo(endpointFor(*m_env.dep, m_proxy->port()), client::SyncClientOptions{});
    QVERIFY(enrol(*m_hq, *m_dev, {kScope}));
    QVERIFY(m_hq->syncOnce(120000)); // the RESYNC goes to the relay
    auto issued = m_hq->records->create(
        model::RecordType::Instruction, kScope,
        {{QStringLiteral("title"), QStringLiteral("Move the meeting")},
         {QStringLiteral("body"), QStringLiteral("The 14:00 meeting moves to the embassy.")},
         {QStringLiteral("issuedBy"), QStringLiteral("duty officer")},
         {QStringLiteral("issuedAt"), m_clock.wallMs()},
         {QStringLiteral("requiresAck"), true},
         {QStringLiteral("version"), 1}});
    QVERIFY(issued.has_value());
    const model::RecordId instruction = issued->recordId;
    QVERIFY(m_hq->syncOnce()); // sealed (on `down`: no answer from the device yet) and sent

    test::FaultProxy::Link link;
    link.bitsPerSecond = 128000;
    link.delayMs = 100;
    m_proxy->setLink(link);
    QElapsedTimer t;
    t.start();
    m_dev->client->start();
    qint64 contactsAtInstruction = -1;
    double instructionS = -1;
    QVERIFY(waitFor(
        [&] {
            auto r = m_dev->records->record(instruction);
            if (r && *r) {
                instructionS = double(t.elapsed()) / 1000;
                contactsAtInstruction = countOf(*m_dev->records, model::RecordType::Contact);
                return true;
            }
            QTest::qWait(300);
            (void)m_hq->syncOnce();
            return false;
        },
        300000));
    auto onPriority = m_hq->db->prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? "
                                        "AND epoch >= 2147483648 AND kind = 1");
    QVERIFY(onPriority);
    onPriority->bind(1, m_dev->id.view());
    QVERIFY(*onPriority->step());
    const qint64 promoted = onPriority->columnInt64(0);
    onPriority->reset();
    qInfo("issued before the device's answer: on the device at %.1f s with %lld of %d contacts; "
          "DELTAs on down!: %lld",
          instructionS, (long long)contactsAtInstruction, kContacts, (long long)promoted);
    QVERIFY2(contactsAtInstruction < kContacts,
             qPrintable(QStringLiteral("the instruction waited for the snapshot: on the device "
                                       "at %1 s, DELTAs on down!: %2")
                            .arg(instructionS, 0, 'f', 1)
                            .arg(promoted)));

    QVERIFY(waitFor(
        [&] {
            if (countOf(*m_dev->records, model::RecordType::Contact) == kContacts)
                return true;
            QTest::qWait(300);
            (void)m_hq->syncOnce();
            return false;
        },
        300000));
    QVERIFY(waitFor([&] { return m_dev->syncOnce() && m_hq->syncOnce(); }, 60000));
    auto have = m_dev->records->record(instruction);
    QVERIFY2(have && *have && !(*have)->deleted, "the instruction is gone after the snapshot");
    QCOMPARE(**have, **m_hq->records->record(instruction));
    QCOMPARE(countOf(*m_dev->records, model::RecordType::Contact), qint64(kContacts));
    QVERIFY2(m_hq->alarms.isEmpty(), qPrintable(m_hq->alarms.value(0).describe()));
    auto devAlarms = m_dev->receiver->alarms();
    QVERIFY(devAlarms);
    QVERIFY2(devAlarms->empty(),
             qPrintable(devAlarms->empty() ? QString() : devAlarms->front().describe()));
}

LIAISON_TEST_MAIN(TestE2ePriorityLane)
#include "tst_e2e_priority_lane.moc"
