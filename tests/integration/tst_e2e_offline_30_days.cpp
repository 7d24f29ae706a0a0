// 30 days offline (issue 13, "Thin links and long absences"; DESIGN.md "Streams", "Relay"):
// a device that last synced at T0 stays away 29, 30 or 31 days while HQ edits every few days
// and runs its rounds every day; the relay (a real liaison-relay child process, restarted each
// day with the test clock's shift as its --test-clock-offset-ms, so the mail of each day is
// stored at that day's relay time) keeps mail 30 days. Checked per row:
//  - during the absence the app's data stays usable (search) and the device queues a field
//    report and a check-in; its status says "no word from HQ" (newest HEARTBEAT over 48 h old);
//  - 29 days: nothing was purged; the first device round catches up with DELTAs alone;
//  - 30 days (the edge): HQ's first envelopes after T0 (on `down` and on `down!`: an instruction
//    of day 0) are now 30 days and some seconds old, so retention has removed them (the relay
//    keeps nothing over 30 days); 31 days: the same with a day more. The device sees the gaps,
//    gap fill finds nothing, and since its newest HEARTBEAT is older than the relay keeps mail,
//    it asks for RESYNC in that same round (no waiting for the hour-long gap timer); HQ's next
//    round answers with RESYNC, the device's next round applies it;
//  - either way the device's live records equal HQ's (deleted records gone), the stream is not
//    frozen, its status is fresh again, and HQ has the report and the check-in; neither side
//    raised an alarm for the purge (HQ no receipt-mismatch, the device no gap-timeout).

#include "e2eharness.h"
#include "testmain.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>

using namespace liaison;
using namespace liaison::e2e;

namespace {

const QString kScope = QStringLiteral("post:vienna");
constexpr qint64 kDayMs = 24LL * 3600 * 1000;

model::FieldMap contact(const QString &name, const QString &notes = {})
{
    model::FieldMap f{{QStringLiteral("name"), name}};
    if (!notes.isEmpty())
        f.insert(QStringLiteral("notes"), notes);
    return f;
}

// The live records of the scopes as a set: id -> type, scope and every field's value (no stamps,
// no tombstones: a RESYNC carries no tombstones, and a set of records is what the officer sees).
QMap<QString, QByteArray> liveRecords(model::RecordStore &records, const QStringList &scopes)
{
    QMap<QString, QByteArray> out;
    auto all = records.records(scopes);
    if (!all) {
        out.insert(QStringLiteral("<error>"), all.error().message.toUtf8());
        return out;
    }
    for (const model::RecordState &r : *all) {
        if (r.deleted)
            continue;
        QCborMap fields;
        for (auto it = r.fields.cbegin(); it != r.fields.cend(); ++it)
            fields.insert(it.key(), it.value().value);
        QCborMap row{{QStringLiteral("type"), int(r.type)},
                     {QStringLiteral("scope"), r.scope},
                     {QStringLiteral("fields"), fields}};
        out.insert(model::recordIdToString(r.id), row.toCborValue().toCbor());
    }
    return out;
}

QByteArray describeDifference(const QMap<QString, QByteArray> &device,
                              const QMap<QString, QByteArray> &hq)
{
    QByteArray d;
    for (auto it = hq.cbegin(); it != hq.cend(); ++it) {
        if (!device.contains(it.key()))
            d += "missing on the device: " + it.key().toLatin1() + '\n';
        else if (device.value(it.key()) != it.value())
            d += "differs on the device: " + it.key().toLatin1() + '\n';
    }
    for (auto it = device.cbegin(); it != device.cend(); ++it)
        if (!hq.contains(it.key()))
            d += "only on the device: " + it.key().toLatin1() + '\n';
    return d;
}

} // namespace

class TestE2eOffline30Days : public QObject
{
    Q_OBJECT

private:
    relaytest::RelayEnv m_env;
    TestClock m_clock;
    qint64 m_shiftMs = 0; // what the test added to the clock (the relay's offset follows it)
    quint16 m_port = 0;
    std::unique_ptr<HqNode> m_hq;
    std::unique_ptr<DeviceNode> m_dev;

    void jump(qint64 ms)
    {
        m_clock.jump(ms);
        m_shiftMs += ms;
    }

    // The relay again on the same storage and port, its clock at the test clock's.
    bool restartRelay()
    {
        m_env.relay->stop();
        m_env.relay = std::make_unique<relaytest::RelayProcess>();
        m_env.relay->listenAddress = QStringLiteral("127.0.0.1:%1").arg(m_port);
        if (!m_env.relay->start(
                *m_env.dir, m_env.backend, *m_env.dep,
                {QStringLiteral("--test-clock-offset-ms"), QString::number(m_shiftMs)})) {
            qWarning("relay did not restart: %s", m_env.relay->logTail().constData());
            return false;
        }
        return true;
    }

    // Whether any relay process of this test logged a retention purge.
    bool relayPurged() const
    {
        const QDir dir(m_env.dir->path());
        for (const QString &name : dir.entryList({QStringLiteral("relay-*.log")})) {
            QFile f(dir.filePath(name));
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains("retention removed"))
                return true;
        }
        return false;
    }

    bool hqRound()
    {
        // A failed round is retried once (a restarted relay may refuse the first connection).
        return m_hq->syncOnce() || m_hq->syncOnce();
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(m_env.setUp(QStringLiteral("sqlite")), qPrintable(m_env.error));
        // HQ's certificate must outlive a relay clock 31 days ahead.
        protocol::HqCertificate cert = *protocol::HqCertificate::decode(m_env.dep->cert);
        cert.notAfterMs = QDateTime::currentMSecsSinceEpoch() + 120 * kDayMs;
        protocol::signHqCertificate(cert, m_env.dep->root.secretKey);
        m_env.dep->cert = cert.encode();
        QVERIFY2(m_env.startRelay(), qPrintable(m_env.error));
        m_port = m_env.relay->port;
    }
    void cleanup()
    {
        m_dev.reset();
        m_hq.reset();
        m_env.tearDown();
        m_clock.jump(-m_shiftMs);
        m_shiftMs = 0;
    }

    void catchUpAfterAbsence_data();
    void catchUpAfterAbsence();
};

void TestE2eOffline30Days::catchUpAfterAbsence_data()
{
    QTest::addColumn<int>("days");
    QTest::addColumn<bool>("purged"); // retention removed some of HQ's mail to the device
    QTest::newRow("29 days") << 29 << false;
    QTest::newRow("30 days") << 30 << true;
    QTest::newRow("31 days") << 31 << true;
}

void TestE2eOffline30Days::catchUpAfterAbsence()
{
    QFETCH(int, days);
    QFETCH(bool, purged);
    const QStringList scopes{kScope};

    m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
    QVERIFY(m_hq->open(m_env.dir->path()));
    const auto endpoint = endpointFor(*m_env.dep, m_port);
    m_hq->connectTo(endpoint);
    m_dev = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
    QVERIFY(m_dev->open(m_env.dir->path(), *m_hq));
    client::SyncClientOptions quiet;
    quiet.longPoll = false;
    m_dev->connectTo(endpoint, quiet);

    // ---- before: HQ's records reach the device; both agree ----
    QList<model::RecordId> contacts;
    for (int i = 0; i < 8; ++i) {
        auto c = m_hq->records->create(
            model::RecordType::Contact, kScope,
            contact(QStringLiteral("Counterpart %1 Nowak").arg(i), QStringLiteral("before")));
        QVERIFY(c.has_value());
        contacts.append(c->recordId);
    }
    auto visit =
        m_hq->records->create(model::RecordType::ScheduleItem, kScope,
                              {{QStringLiteral("title"), QStringLiteral("Briefing at the embassy")},
                               {QStringLiteral("venue"), QStringLiteral("Embassy, room 2")}});
    QVERIFY(visit.has_value());
    auto visit2 = m_hq->records->create(model::RecordType::ScheduleItem, kScope,
                                        {{QStringLiteral("title"), QStringLiteral("Site visit")},
                                         {QStringLiteral("venue"), QStringLiteral("Harbour")}});
    QVERIFY(visit2.has_value());
    QVERIFY(enrol(*m_hq, *m_dev, scopes));
    QVERIFY(hqRound());
    QVERIFY(m_dev->syncOnce());
    QCOMPARE(liveRecords(*m_dev->records, scopes), liveRecords(*m_hq->records, scopes));
    QVERIFY(!m_dev->client->status()->noWordFromHq());
    auto before = m_dev->receiver->state(protocol::hqParticipantId());
    QVERIFY(before && before->has_value());
    const std::uint32_t epochBefore = (*before)->stream.epoch;

    // ---- the absence: the device is offline from T0 ----
    m_dev->connectivity.setState(client::Connectivity::State::Offline);
    QTRY_VERIFY(m_dev->client->status()->offline());
    model::RecordId report, checkIn;
    for (int day = 0; day < days; ++day) {
        if (day > 0)
            jump(kDayMs);
        QVERIFY(restartRelay());
        // HQ's month: new, changed and deleted contacts, instructions, schedule changes.
        auto edit = [&](const model::RecordId &id, const model::FieldMap &f) {
            auto u = m_hq->records->update(id, f);
            return u && u->has_value();
        };
        switch (day) {
        case 0: // right after the device's last sync: the first mail of the absence
            QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope,
                                          contact(QStringLiteral("New on day 0 Horváth"))));
            QVERIFY(edit(contacts[0], contact(QStringLiteral("Counterpart 0 Nowak"),
                                              QStringLiteral("changed on day 0"))));
            break;
        case 2:
            QVERIFY(m_hq->records->remove(contacts[1]));
            break;
        case 5:
            QVERIFY(m_hq->records->create(
                model::RecordType::Instruction, kScope,
                {{QStringLiteral("title"), QStringLiteral("Travel advice, December")},
                 {QStringLiteral("body"), QStringLiteral("Avoid the northern border crossing.")},
                 {QStringLiteral("requiresAck"), true}}));
            break;
        case 8:
            QVERIFY(edit(visit->recordId,
                         {{QStringLiteral("venue"), QStringLiteral("Ministry of the Interior")}}));
            break;
        case 12:
            QVERIFY(m_hq->records->create(model::RecordType::Contact, kScope,
                                          contact(QStringLiteral("New on day 12 Kowalska"))));
            QVERIFY(edit(contacts[2], {{QStringLiteral("role"), QStringLiteral("deputy")}}));
            break;
        case 16:
            QVERIFY(m_hq->records->remove(contacts[3]));
            QVERIFY(edit(contacts[4], {{QStringLiteral("country"), QStringLiteral("AT")}}));
            break;
        case 20:
            QVERIFY(edit(visit2->recordId,
                         {{QStringLiteral("title"), QStringLiteral("Site visit (moved)")}}));
            break;
        case 24:
            QVERIFY(m_hq->records->create(
                model::RecordType::Instruction, kScope,
                {{QStringLiteral("title"), QStringLiteral("Holiday duty roster")},
                 {QStringLiteral("body"), QStringLiteral("The 24/7 desk takes calls.")}}));
            break;
        case 27:
            QVERIFY(m_hq->records->remove(contacts[5]));
            break;
        default:
            break;
        }
        if (day == days - 1)
            QVERIFY(edit(contacts[6],
                         {{QStringLiteral("notes"), QStringLiteral("changed on the last day")}}));
        // HQ runs its round every day (and its daily HEARTBEAT goes with it).
        QVERIFY2(hqRound(), qPrintable(QStringLiteral("HQ round on day %1").arg(day)));
        if (day == 0) {
            // HQ has read the device's answer to its RESYNC by now: an instruction goes on
            // `down!`, the first mail of the absence on that lane (at 30 and 31 days the relay
            // has purged it as it purged the `down` mail of day 0).
            auto before = m_hq->outbox->head(m_dev->id, streams::Lane::Priority);
            QVERIFY(before);
            QVERIFY(m_hq->records->create(
                model::RecordType::Instruction, kScope,
                {{QStringLiteral("title"), QStringLiteral("Curfew")},
                 {QStringLiteral("body"), QStringLiteral("Back at the residence by 22:00.")}}));
            QVERIFY(hqRound());
            auto after = m_hq->outbox->head(m_dev->id, streams::Lane::Priority);
            QVERIFY(after);
            QCOMPARE(after->seq, before->seq + 1);
        }

        // The device, offline, stays usable: search, and reports that queue.
        if (day == 10) {
            auto found = m_dev->records->searchContacts(QStringLiteral("nowak"));
            QVERIFY(found.has_value());
            QCOMPARE(found->size(), contacts.size());
            auto r = m_dev->records->create(
                model::RecordType::FieldReport, kScope,
                {{QStringLiteral("text"), QStringLiteral("Met the counterpart, all well.")},
                 {QStringLiteral("time"), m_clock.wallMs()}});
            QVERIFY(r.has_value());
            report = r->recordId;
        }
        if (day == 21) {
            auto c = m_dev->records->create(
                model::RecordType::CheckIn, kScope,
                {{QStringLiteral("scheduleItem"), QCborValue(visit->recordId.toByteArray())},
                 {QStringLiteral("time"), m_clock.wallMs()}});
            QVERIFY(c.has_value());
            checkIn = c->recordId;
            m_dev->client->syncNow(); // offline: nothing goes, the change waits
        }
    }

    // ---- the device comes back `days` days after T0 ----
    jump(kDayMs);
    QVERIFY(restartRelay());
    if (purged)
        QTRY_VERIFY_WITH_TIMEOUT(relayPurged(), 10000);
    // Before the first sync: the status says "no word from HQ" and two changes wait.
    m_dev->client->syncNow();
    QVERIFY(m_dev->client->status()->noWordFromHq());
    QVERIFY(m_dev->client->status()->lastHeartbeat().isValid());
    QVERIFY(m_clock.wallMs() - m_dev->client->status()->lastHeartbeat().toMSecsSinceEpoch() >
            client::SyncStatus::kNoWordAfterMs);
    QVERIFY(m_dev->client->status()->pending() >= 2);
    if (!purged)
        QVERIFY(!relayPurged());

    // The first round after the absence.
    QSignalSpy round(m_dev->client.get(), &client::SyncClient::roundFinished);
    m_dev->connectivity.setState(client::Connectivity::State::Online);
    // (A connection the client kept to the relay before the restart may fail the first attempt;
    // the client retries after its backoff. The first round that succeeds is the one counted.)
    const auto firstOk = [&]() -> int {
        for (int i = 0; i < round.size(); ++i)
            if (round.at(i).at(0).toBool())
                return i;
        return -1;
    };
    QVERIFY2(waitFor([&] { return firstOk() >= 0; }, 90000),
             round.isEmpty() ? "no round" : qPrintable(round.last().at(1).toString()));
    QVERIFY2(firstOk() <= 1, qPrintable(round.first().at(1).toString()));
    const auto hqLive = [&] {
        return liveRecords(*m_hq->records, scopes);
    };
    if (!purged) {
        // Everything came as DELTAs in that round (the report and the check-in the device just
        // sent reach HQ with HQ's next round).
        auto d = liveRecords(*m_dev->records, scopes);
        d.remove(model::recordIdToString(report));
        d.remove(model::recordIdToString(checkIn));
        QVERIFY2(d == hqLive(), describeDifference(d, hqLive()).constData());
        auto s = m_dev->receiver->state(protocol::hqParticipantId());
        QVERIFY(s && s->has_value());
        QCOMPARE((*s)->stream.epoch, epochBefore);
    } else {
        // Gap, nothing to fill it: the RESYNC_REQUEST went out in that same round. HQ's next
        // round answers with RESYNC; the device's next round applies it.
        QVERIFY(hqRound());
        QVERIFY(m_dev->syncOnce());
        const auto d = liveRecords(*m_dev->records, scopes);
        QVERIFY2(d == hqLive(), describeDifference(d, hqLive()).constData());
        auto s = m_dev->receiver->state(protocol::hqParticipantId());
        QVERIFY(s && s->has_value());
        QVERIFY((*s)->stream.epoch > epochBefore);
    }
    // Deleted contacts are gone; the stream moves on (not frozen, nothing parked).
    for (int i : {1, 3, 5}) {
        auto r = m_dev->records->record(contacts[i]);
        QVERIFY(r && (!r->has_value() || (*r)->deleted));
    }
    auto s = m_dev->receiver->state(protocol::hqParticipantId());
    QVERIFY(s && s->has_value());
    QVERIFY(!(*s)->frozen);
    QCOMPARE((*s)->parked, 0);

    // Fresh again.
    QVERIFY2(!m_dev->client->status()->noWordFromHq(),
             qPrintable(m_dev->client->status()->lastHeartbeat().toString(Qt::ISODate)));

    // The report and the check-in queued during the absence reach HQ (the device pushed them in
    // its first round; in the RESYNC case they may be re-issued after it).
    const auto atHq = [&](const model::RecordId &id) {
        auto r = m_hq->records->record(id);
        return r && r->has_value() && !(*r)->deleted;
    };
    for (int i = 0; i < 3 && !(atHq(report) && atHq(checkIn)); ++i) {
        QVERIFY(hqRound());
        if (!(atHq(report) && atHq(checkIn)))
            QVERIFY(m_dev->syncOnce());
    }
    QVERIFY(atHq(report));
    QVERIFY(atHq(checkIn));
    QCOMPARE(m_dev->client->status()->pending(), 0);

    // A later edit at HQ flows as usual.
    auto later = m_hq->records->create(model::RecordType::Contact, kScope,
                                       contact(QStringLiteral("After the absence")));
    QVERIFY(later.has_value());
    QVERIFY(hqRound());
    QVERIFY(m_dev->syncOnce());
    const auto d = liveRecords(*m_dev->records, scopes);
    QVERIFY2(d == hqLive(), describeDifference(d, hqLive()).constData());
    QVERIFY(!m_dev->client->status()->noWordFromHq());
    // A legitimate purge is no evidence of a relay withholding mail: HQ raised no alarm.
    for (const streams::Alarm &a : m_hq->alarms)
        QVERIFY2(a.type != streams::AlarmType::ReceiptMismatch, qPrintable(a.describe()));
    // Nor at the device: a gap that the relay's retention explains is a catch-up, not a
    // gap-timeout alarm for the officer.
    for (const streams::Alarm &a : m_dev->client->status()->alarms())
        QVERIFY2(a.type != streams::AlarmType::GapTimeout, qPrintable(a.describe()));
    qInfo("device alarms: %s",
          qPrintable(m_dev->client->status()->alarmTexts().join(QStringLiteral("; "))));
}

LIAISON_TEST_MAIN(TestE2eOffline30Days)
#include "tst_e2e_offline_30_days.moc"
