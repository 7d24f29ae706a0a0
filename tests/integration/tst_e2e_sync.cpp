// End to end (issue 4): devices and HQ in this process, a real liaison-relay child process on
// SQLite and on PostgreSQL (LIAISON_TEST_PG_URL; the PostgreSQL rows fail without it).
//  1  round trip device -> relay -> HQ -> relay -> second device of the same scope
//  3  the connection is reset after the relay committed, before the client read the answer,
//     N times: the relay holds one envelope, the client marks it sent once
//  5  a relay that acknowledges but never delivers: detected through HEARTBEAT, shown as an
//     alarm in the client state, recovered by gap fill
//  8  the bytes on the socket (captured by the proxy) hold none of the plaintext canaries

#include "client/wipecheck.h"
#include "client/wipetoken.h"
#include "e2eharness.h"
#include "testmain.h"
#include "testsupport.h"

#include <QtEndian>

using namespace liaison;
using namespace liaison::e2e;
using liaison::test::FaultProxy;

namespace {

const QString kScope = QStringLiteral("post:vienna");
const QString kOtherScope = QStringLiteral("post:prague");

model::FieldMap contact(const QString &name, const QString &notes = {})
{
    model::FieldMap f{{QStringLiteral("name"), name}};
    if (!notes.isEmpty())
        f.insert(QStringLiteral("notes"), notes);
    return f;
}

// Envelope header fields of a batch item (the relay routes by them too).
QByteArray senderOf(const QByteArray &env)
{
    return env.mid(20, 16);
}

// A relay body rewriter dropping the envelopes `drop` says to drop.
std::function<QByteArray(const QByteArray &, const QByteArray &)>
dropItems(std::function<bool(const QByteArray &)> drop, int *dropped)
{
    return [drop, dropped](const QByteArray &, const QByteArray &body) {
        auto items = protocol::decodeRelayBatch(body, 100000, 64 * 1024 * 1024);
        if (!items)
            return body;
        QList<protocol::RelayBatchItem> kept;
        for (const auto &i : *items) {
            if (drop(i.data))
                ++*dropped;
            else
                kept.append(i);
        }
        return protocol::encodeRelayBatch(kept);
    };
}

bool hasCanary(const QByteArray &bytes, const QStringList &canaries)
{
    for (const QString &c : canaries)
        for (const QByteArray &enc : test::canaryEncodings(c))
            if (bytes.contains(enc))
                return true;
    return false;
}

} // namespace

class TestE2eSync : public QObject
{
    Q_OBJECT

private:
    relaytest::RelayEnv m_env;
    TestClock m_clock;
    std::unique_ptr<HqNode> m_hq;
    std::unique_ptr<DeviceNode> m_a;
    std::unique_ptr<DeviceNode> m_b;
    std::unique_ptr<FaultProxy> m_proxy;

    // HQ, devices A and B in kScope (A also in kOtherScope), every connection through one
    // pass-through proxy; RESYNC delivered and applied.
    static bool failed(int line)
    {
        qWarning("setUpStar failed at line %d", line);
        return false;
    }

    bool setUpStar(bool longPollB = false)
    {
        m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
        if (!m_hq->open(m_env.dir->path()))
            return failed(__LINE__);
        m_proxy = std::make_unique<FaultProxy>(QStringLiteral("127.0.0.1"), m_env.relay->port);
        if (!m_proxy->listen())
            return failed(__LINE__);
        const auto endpoint = endpointFor(*m_env.dep, m_proxy->port());
        m_hq->connectTo(endpoint);
        m_a = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
        m_b = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
        if (!m_a->open(m_env.dir->path(), *m_hq) || !m_b->open(m_env.dir->path(), *m_hq))
            return failed(__LINE__);
        client::SyncClientOptions quiet;
        quiet.longPoll = false;
        client::SyncClientOptions lp;
        lp.longPoll = longPollB;
        m_a->connectTo(endpoint, quiet);
        m_b->connectTo(endpoint, lp);
        // HQ has a record before the devices join: it arrives in RESYNC.
        if (auto c = m_hq->records->create(model::RecordType::Contact, kScope,
                                           contact(QStringLiteral("Desk officer")));
            !c) {
            qWarning("%s", qPrintable(c.error().message));
            return failed(__LINE__);
        }
        if (!enrol(*m_hq, *m_a, {kScope, kOtherScope}) || !enrol(*m_hq, *m_b, {kScope}))
            return failed(__LINE__);
        if (!m_hq->syncOnce())
            return failed(__LINE__);
        if (!m_a->syncOnce() || !m_b->syncOnce())
            return failed(__LINE__);
        return dump(*m_a->records, {kScope}) == dump(*m_hq->records, {kScope}) &&
               dump(*m_b->records, {kScope}) == dump(*m_hq->records, {kScope});
    }

private Q_SLOTS:
    void initTestCase_data() { relaytest::addBackendRows(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(m_env.setUp(backend), qPrintable(m_env.error));
        QVERIFY2(m_env.startRelay(), qPrintable(m_env.error));
    }
    void cleanup()
    {
        m_a.reset();
        m_b.reset();
        m_hq.reset();
        m_proxy.reset();
        m_env.tearDown();
    }

    void roundTripDeviceHqDevice();
    void resetAfterCommitMarksSentOnce();
    void withheldUpAlarmedAndGapFilled();
    void withheldDownRecoveredByGapFill();
    void socketHoldsNoCanaries();
    void wipeTokenCheckedAtStartAndResume();
};

void TestE2eSync::roundTripDeviceHqDevice()
{
    QVERIFY(setUpStar(/*longPollB*/ true));
    const QStringList scopes{kScope};
    // A (in the field) adds a contact and edits HQ's; it travels A -> relay -> HQ -> relay -> B.
    auto created = m_a->records->create(
        model::RecordType::Contact, kScope,
        contact(QStringLiteral("Inspector Huber"), QStringLiteral("met at the embassy")));
    QVERIFY(created.has_value());
    auto other = m_a->records->create(model::RecordType::Contact, kOtherScope,
                                      contact(QStringLiteral("Prague only")));
    QVERIFY(other.has_value());
    QSignalSpy delivered(m_a->client.get(), &client::SyncClient::envelopeDelivered);
    QVERIFY(m_a->syncOnce());
    QVERIFY(delivered.count() >= 1);
    QCOMPARE(m_a->client->status()->pending(), 0);

    QVERIFY(m_hq->syncOnce()); // pull A's DELTA, validate, fan out to B, push
    auto atHq = m_hq->records->record(created->recordId);
    QVERIFY(atHq && atHq->has_value());

    // B is long-polling: the fan-out reaches it without a sync call.
    QVERIFY(waitFor([&] {
        auto r = m_b->records->record(created->recordId);
        return r && r->has_value();
    }));
    QCOMPARE(dump(*m_b->records, scopes), dump(*m_hq->records, scopes));
    QCOMPARE(dump(*m_a->records, scopes), dump(*m_hq->records, scopes));
    // B is not in kOtherScope: that record never reached it.
    auto notHere = m_b->records->record(other->recordId);
    QVERIFY(notHere && !notHere->has_value());
    QCOMPARE(dump(*m_a->records, {kOtherScope}), dump(*m_hq->records, {kOtherScope}));

    // And back: B edits, A gets it.
    auto edit = m_b->records->update(created->recordId,
                                     {{QStringLiteral("role"), QStringLiteral("liaison")}});
    QVERIFY(edit && edit->has_value());
    QVERIFY(m_b->syncOnce()); // the app's syncNow() after a local change: the long-poll gives way
    QVERIFY(waitFor(
        [&] {
            return m_hq->syncOnce() && m_a->syncOnce() &&
                   dump(*m_a->records, scopes) == dump(*m_b->records, scopes);
        },
        60000));
    QCOMPARE(dump(*m_hq->records, scopes), dump(*m_a->records, scopes));

    // Nobody raised an alarm, and the devices' state says synced.
    QCOMPARE(m_hq->alarms.size(), 0);
    QCOMPARE(m_a->client->status()->alarmCount(), 0);
    QCOMPARE(m_b->client->status()->alarmCount(), 0);
    QVERIFY(m_a->client->status()->lastSynced().isValid());
    QVERIFY(!m_a->client->status()->offline());
}

void TestE2eSync::resetAfterCommitMarksSentOnce()
{
    QVERIFY(setUpStar());
    constexpr int kResets = 4;
    m_proxy->addRule({FaultProxy::Action::ResetBeforeResponse, "POST", "/v1/envelopes", kResets});
    auto created = m_a->records->create(model::RecordType::Contact, kScope,
                                        contact(QStringLiteral("Reset survivor")));
    QVERIFY(created.has_value());
    QSignalSpy delivered(m_a->client.get(), &client::SyncClient::envelopeDelivered);
    m_a->client->syncNow(); // seals the change into a DELTA and pushes it
    QVERIFY(waitFor([&] { return !delivered.isEmpty() && m_a->client->status()->pending() == 0; },
                    60000));
    QCOMPARE(m_proxy->applied(FaultProxy::Action::ResetBeforeResponse), kResets);
    // Marked sent exactly once per envelope, whatever the number of attempts.
    QMap<QString, int> perEnvelope;
    for (const auto &d : delivered)
        ++perEnvelope[QStringLiteral("%1/%2").arg(d.at(1).toUInt()).arg(d.at(2).toULongLong())];
    QVERIFY(!perEnvelope.isEmpty());
    for (auto it = perEnvelope.begin(); it != perEnvelope.end(); ++it)
        QVERIFY2(it.value() == 1, qPrintable(it.key()));
    const int posts = int(std::count(m_proxy->requestLines().begin(), m_proxy->requestLines().end(),
                                     QByteArray("POST /v1/envelopes")));
    QVERIFY(posts > kResets);

    // The relay holds exactly one copy of each: HQ's mailbox, read raw, has no duplicate
    // (sender, epoch, seq).
    relaytest::HttpConnection conn(m_env.relay->port);
    relaytest::Signer hq = relaytest::hqSigner(*m_env.dep);
    const auto mail = relaytest::drainMailbox(conn, hq);
    QSet<QByteArray> seen;
    int fromA = 0;
    for (const auto &item : mail) {
        if (senderOf(item.data) != m_a->id.toByteArray())
            continue;
        ++fromA;
        const QByteArray key = item.data.mid(52, 12); // epoch and seq
        QVERIFY2(!seen.contains(key), "the relay stored one stream position twice");
        seen.insert(key);
    }
    QVERIFY(fromA >= 1);
    // And HQ applies it once.
    QVERIFY(m_hq->syncOnce());
    auto atHq = m_hq->records->record(created->recordId);
    QVERIFY(atHq && atHq->has_value());
    QCOMPARE(m_hq->alarms.size(), 0);
}

void TestE2eSync::withheldUpAlarmedAndGapFilled()
{
    QVERIFY(setUpStar());
    // The relay takes A's next `up` envelopes, acknowledges them, and never hands them to HQ
    // (neither in the mailbox nor from the stream endpoint): the proxy in front of everybody
    // strips them from HQ's answers.
    QByteArray withheldKey;
    int dropped = 0;
    const QByteArray aId = m_a->id.toByteArray();
    auto drop = [&](const QByteArray &env) {
        return senderOf(env) == aId && !withheldKey.isEmpty() && env.mid(52, 12) == withheldKey;
    };
    m_proxy->addRule({FaultProxy::Action::RewriteResponse, "GET", "/v1/mailbox", -1, 0, 0,
                      dropItems(drop, &dropped)});
    m_proxy->addRule({FaultProxy::Action::RewriteResponse, "GET", "/v1/streams/", -1, 0, 0,
                      dropItems(drop, &dropped)});

    auto created = m_a->records->create(model::RecordType::Contact, kScope,
                                        contact(QStringLiteral("Withheld contact")));
    QVERIFY(created.has_value());
    // Which envelope will carry it: the next `up` seq of A.
    auto head = m_a->outbox->head(protocol::hqParticipantId());
    QVERIFY(head.has_value());
    QByteArray key(12, 0);
    qToBigEndian<quint32>(head->epoch, key.data());
    qToBigEndian<quint64>(head->seq + 1, key.data() + 4);
    withheldKey = key;
    QVERIFY(m_a->syncOnce());
    QCOMPARE(m_a->client->status()->pending(), 0); // the relay acknowledged it
    QVERIFY(m_hq->syncOnce());
    QVERIFY(dropped >= 1);

    // Time passes beyond the withholding grace. HQ's HEARTBEAT names the last `up` it applied:
    // A sees that the relay acknowledged more than HQ got, and shows an alarm. (The first
    // request after the jump meets clock_skew and is retried with the learnt offset.)
    m_clock.jump(20 * 60 * 1000);
    QVERIFY(m_hq->receiver->sendHeartbeat(m_a->id).has_value());
    QVERIFY(m_hq->syncOnce());
    QVERIFY(m_a->syncOnce()); // applies the HEARTBEAT, sends its RECEIPT
    bool alarmed = false;
    for (const auto &a : m_a->client->status()->alarms())
        alarmed = alarmed || a.type == streams::AlarmType::HeartbeatMismatch;
    QVERIFY2(alarmed, qPrintable(m_a->client->status()->alarmTexts().join(QLatin1Char(';'))));
    QVERIFY(m_a->client->status()->alarmCount() >= 1);
    QVERIFY(m_a->client->status()->lastHeartbeat().isValid());

    // HQ gets the RECEIPT, which parks behind the missing DELTA; the gap cannot be filled while
    // the relay withholds.
    QVERIFY(m_hq->syncOnce());
    auto atHq = m_hq->records->record(created->recordId);
    QVERIFY(atHq && !atHq->has_value());
    auto gap = m_hq->receiver->state(m_a->id);
    QVERIFY(gap && gap->has_value() && (*gap)->parked >= 1);

    // The relay stops withholding: HQ's gap fill recovers the envelope from the stream.
    m_proxy->clearRules();
    QVERIFY(m_hq->syncOnce());
    atHq = m_hq->records->record(created->recordId);
    QVERIFY(atHq && atHq->has_value());
    QVERIFY(std::any_of(m_proxy->requestLines().begin(), m_proxy->requestLines().end(),
                        [](const QByteArray &l) { return l.startsWith("GET /v1/streams/"); }));
    QCOMPARE(dump(*m_hq->records, {kScope}), dump(*m_a->records, {kScope}));
}

void TestE2eSync::withheldDownRecoveredByGapFill()
{
    QVERIFY(setUpStar());
    // The relay keeps HQ's next envelope to B out of B's mailbox (it stays in the stream).
    int dropped = 0;
    const QByteArray bId = m_b->id.toByteArray();
    auto dropFirst = [&](const QByteArray &env) {
        return dropped == 0 && senderOf(env) == protocol::hqParticipantId().toByteArray() &&
               env.mid(36, 16) == bId;
    };
    m_proxy->addRule({FaultProxy::Action::RewriteResponse, "GET", "/v1/mailbox", -1, 0, 0,
                      dropItems(dropFirst, &dropped)});
    auto created = m_hq->records->create(model::RecordType::Contact, kScope,
                                         contact(QStringLiteral("Down, withheld")));
    QVERIFY(created.has_value());
    QVERIFY(m_hq->syncOnce()); // the DELTA to A and B
    QVERIFY(m_hq->receiver->sendHeartbeat(m_b->id).has_value());
    QVERIFY(m_hq->syncOnce()); // the HEARTBEAT after it

    QVERIFY(m_b->syncOnce());
    QCOMPARE(dropped, 1);
    // The HEARTBEAT parked behind the gap; the client fetched the gap from the stream endpoint
    // and applied both in order.
    auto atB = m_b->records->record(created->recordId);
    QVERIFY(atB && atB->has_value());
    QVERIFY(std::any_of(m_proxy->requestLines().begin(), m_proxy->requestLines().end(),
                        [](const QByteArray &l) { return l.startsWith("GET /v1/streams/"); }));
    auto state = m_b->receiver->state(protocol::hqParticipantId());
    QVERIFY(state && state->has_value());
    QCOMPARE((*state)->parked, 0);
    QVERIFY(m_b->client->status()->lastHeartbeat().isValid());
    QCOMPARE(dump(*m_b->records, {kScope}), dump(*m_hq->records, {kScope}));
}

void TestE2eSync::socketHoldsNoCanaries()
{
    QVERIFY(setUpStar());
    const QStringList canaries{QStringLiteral("CANARY-7f3a9c-Kowalczyk"),
                               QStringLiteral("CANARY-b81e20-Rue-de-la-Loi"),
                               QStringLiteral("CANARY-55d0aa-hq-instruction")};
    m_proxy->clearCapture();
    auto a =
        m_a->records->create(model::RecordType::Contact, kScope, contact(canaries[0], canaries[1]));
    QVERIFY(a.has_value());
    auto h = m_hq->records->create(model::RecordType::Contact, kScope, contact(canaries[2]));
    QVERIFY(h.has_value());
    QVERIFY(m_a->syncOnce());
    QVERIFY(m_hq->syncOnce());
    QVERIFY(m_b->syncOnce());
    // Positive control: the canaries did travel (B has them in plaintext in its records).
    auto nameAtB = [&](const model::RecordId &id) {
        auto r = m_b->records->record(id);
        return r && r->has_value() ? (*r)->fields.value(QStringLiteral("name")).value.toString()
                                   : QString();
    };
    QCOMPARE(nameAtB(a->recordId), canaries[0]);
    QCOMPARE(nameAtB(h->recordId), canaries[2]);
    // The wire carried envelopes, and none of the canaries in any encoding.
    const QByteArray wire = m_proxy->clientBytes() + m_proxy->serverBytes();
    QVERIFY(wire.contains("POST /v1/envelopes"));
    QVERIFY(wire.size() > 3000);
    QVERIFY(!hasCanary(wire, canaries));
}

void TestE2eSync::wipeTokenCheckedAtStartAndResume()
{
    // DESIGN.md "Commands, remote wipe": HQ publishes a wipe token at the relay (admin call); the
    // device checks GET /v1/wipe/{wipe id} at start and resume with only its plain wipe file
    // (root key, ids); a token that does not verify is not obeyed; the acknowledgement goes to
    // POST /v1/wipe/{id}/done and HQ reads it back.
    m_hq = std::make_unique<HqNode>(*m_env.dep, m_clock);
    QVERIFY(m_hq->open(m_env.dir->path()));
    const auto endpoint = endpointFor(*m_env.dep, m_env.relay->port);
    m_hq->connectTo(endpoint);
    m_a = std::make_unique<DeviceNode>(*m_env.dep, m_clock);
    QVERIFY(m_a->open(m_env.dir->path(), *m_hq));
    client::WipeTarget target;
    target.deployment = m_env.dep->id;
    target.device = m_a->id;
    target.signKeyHash = crypto::crypto_generichash(m_a->keys.publicKey.view());
    target.wipeId = crypto::randomFixed<Id16>();
    target.rootKey = m_env.dep->root.publicKey;
    client::SyncClientOptions o;
    o.longPoll = false;
    o.wipe = target;
    m_a->connectTo(endpoint, o);
    QVERIFY(enrol(*m_hq, *m_a, {kScope}));
    QVERIFY(m_hq->syncOnce());

    QSignalSpy checks(m_a->client.get(), &client::SyncClient::wipeCheckFinished);
    QSignalSpy wipes(m_a->client.get(), &client::SyncClient::wipeRequested);
    QVERIFY(m_a->syncOnce()); // start: the check says "no token", then the round runs
    QCOMPARE(checks.count(), 1);
    QCOMPARE(checks.first().at(0).value<client::WipeCheck::Outcome>(),
             client::WipeCheck::Outcome::NoToken);

    auto cert = protocol::HqCertificate::decode(m_env.dep->cert);
    QVERIFY(cert.has_value());
    const Id16 commandId = crypto::randomFixed<Id16>();

    // A forged token: the relay (or anyone) signs with a key no root vouches for.
    {
        relaytest::Deployment forger;
        auto forgedCert = protocol::HqCertificate::decode(forger.cert);
        QVERIFY(forgedCert.has_value());
        client::WipeTarget forgedTarget = target;
        forgedTarget.deployment = forger.id;
        auto forged = client::makeWipeToken(forgedTarget, commandId, m_clock.wallMs(),
                                            m_clock.wallMs() + 3600 * 1000, *forgedCert,
                                            forger.content.secretKey);
        QVERIFY(forged.has_value());
        forged->deployment = target.deployment; // claims our deployment
        QVERIFY(m_hq->admin(
            [&](auto cb) { m_hq->transport->putWipeToken(target.wipeId, forged->encode(), cb); }));
        m_a->client->resume();
        QVERIFY(waitFor([&] { return checks.count() == 2; }));
        QCOMPARE(checks.last().at(0).value<client::WipeCheck::Outcome>(),
                 client::WipeCheck::Outcome::Invalid);
        QCOMPARE(wipes.count(), 0);
        QVERIFY(m_a->client->running());
    }

    // HQ's real token: verified, the wipe is ordered, sync stops.
    auto token =
        client::makeWipeToken(target, commandId, m_clock.wallMs(), m_clock.wallMs() + 3600 * 1000,
                              *cert, m_env.dep->content.secretKey);
    QVERIFY(token.has_value());
    QVERIFY(m_hq->admin(
        [&](auto cb) { m_hq->transport->putWipeToken(target.wipeId, token->encode(), cb); }));
    m_a->client->resume();
    QVERIFY(waitFor([&] { return wipes.count() == 1; }));
    const auto got = wipes.first().at(0).value<client::WipeToken>();
    QCOMPARE(got.commandId, commandId);
    QCOMPARE(got.device, m_a->id);
    QVERIFY(!m_a->client->running());

    // The same check works with no vault at all (before the passphrase), and the stored
    // acknowledgement reaches HQ.
    QNetworkAccessManager nam;
    client::RelayHttp http(&nam, endpoint, [this] { return m_clock.wallMs(); });
    client::WipeCheck locked(http, target);
    QSignalSpy lockedDone(&locked, &client::WipeCheck::finished);
    locked.check();
    QVERIFY(lockedDone.wait(15000));
    QCOMPARE(lockedDone.first().at(0).value<client::WipeCheck::Outcome>(),
             client::WipeCheck::Outcome::Wipe);
    QSignalSpy posted(&locked, &client::WipeCheck::doneFinished);
    // Signed by the device key (the token names its hash); the relay verifies before storing.
    const QByteArray signedAck =
        protocol::signWipeAcknowledgement(target.deployment, target.device, commandId,
                                          m_clock.wallMs(), m_a->keys)
            .encode();
    locked.postDone("unsigned-acknowledgement");
    QSignalSpy refused(&locked, &client::WipeCheck::doneFinished);
    QVERIFY(refused.wait(15000));
    QVERIFY(!refused.first().at(0).toBool());
    locked.postDone(signedAck);
    QVERIFY(posted.wait(15000));
    QCOMPARE(posted.count(), 2);
    QVERIFY(posted.last().at(0).toBool());
    client::RelayReply ack;
    QVERIFY(m_hq->admin([&](auto cb) { m_hq->transport->getWipeDone(target.wipeId, cb); }, &ack));
    QCOMPARE(ack.body, signedAck);
}

LIAISON_TEST_MAIN(TestE2eSync)
#include "tst_e2e_sync.moc"
