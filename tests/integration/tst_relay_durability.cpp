// Issue 4 tests 2 and 3, on SQLite and on PostgreSQL:
// 2. kill -9 of the relay during a load of appends, then restart: every envelope whose
//    acknowledgement a client received is there, nothing is duplicated (and retrying the rest
//    stores each once).
// 3. The connection is reset after the relay committed but before the client read the answer,
//    N times: one stored envelope, and every retry gets the same answer.

#include "relaytestkit.h"
#include "testmain.h"

#include <QMutex>
#include <QSet>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace liaison;
using namespace liaison::relaytest;

class TestRelayDurability : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY2(env.startRelay(), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void killDuringAppendsLosesNothingAcknowledged()
    {
        constexpr int kWriters = 4;
        std::vector<DeviceIdentity> devs(kWriters);
        {
            HttpConnection c(env.relay->port);
            Signer admin = adminSigner(*env.dep);
            for (auto &d : devs)
                QCOMPARE(registerDevice(c, admin, d).status, 200);
        }
        // Each writer appends its stream as fast as it can and records what was acknowledged.
        QMutex mutex;
        QHash<QByteArray, QByteArray> acknowledged; // env_hash hex -> bytes
        QList<QList<Built>> sent(kWriters);
        std::atomic<int> acks{0};
        std::atomic<bool> stop{false};
        const quint16 port = env.relay->port;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int w = 0; w < kWriters; ++w) {
            threads.emplace_back(QThread::create([&, w] {
                HttpConnection c(port);
                Signer s = deviceSigner(*env.dep, devs[std::size_t(w)]);
                for (std::uint64_t seq = 1; !stop.load(); ++seq) {
                    const Built e = deviceEnvelope(*env.dep, devs[std::size_t(w)], seq,
                                                   QByteArray(1024, char('a' + w)));
                    {
                        QMutexLocker l(&mutex);
                        sent[w].append(e);
                    }
                    const Reply r = signedCall(c, s, "POST", "/v1/envelopes", e.bytes, 5000);
                    if (r.status != 200)
                        return; // the relay died under us
                    QMutexLocker l(&mutex);
                    acknowledged.insert(e.envHash.toHex(), e.bytes);
                    ++acks;
                }
            }));
            threads.back()->start();
        }
        QTRY_VERIFY_WITH_TIMEOUT(acks.load() >= 150, 60000);
        env.relay->kill9();
        stop = true;
        for (auto &t : threads)
            QVERIFY(t->wait(30000));
        QVERIFY(!env.relay->running());
        const int acknowledgedCount = int(acknowledged.size());
        qInfo("acknowledged before kill -9: %d", acknowledgedCount);

        QVERIFY2(env.startRelay(), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer hq = hqSigner(*env.dep);
        auto items = drainMailbox(c, hq);
        QSet<QByteArray> seen;
        for (const auto &i : items) {
            const auto frame = protocol::parseEnvelope(i.data, protocol::kMaxEnvelopeBytes);
            QVERIFY(frame.has_value());
            QVERIFY2(!seen.contains(frame->envHash.toHex()), "duplicate envelope");
            seen.insert(frame->envHash.toHex());
        }
        for (auto it = acknowledged.cbegin(); it != acknowledged.cend(); ++it)
            QVERIFY2(seen.contains(it.key()), "an acknowledged envelope is missing");
        // Cursors are gapless after the restart too.
        for (int i = 0; i < items.size(); ++i)
            QCOMPARE(items[i].key, quint64(i + 1));

        // The clients retry everything they sent: each is stored exactly once.
        for (int w = 0; w < kWriters; ++w) {
            Signer s = deviceSigner(*env.dep, devs[std::size_t(w)]);
            for (const Built &e : sent[w])
                QCOMPARE(signedCall(c, s, "POST", "/v1/envelopes", e.bytes).status, 200);
        }
        items = drainMailbox(c, hq);
        int total = 0;
        for (const auto &l : sent)
            total += int(l.size());
        QCOMPARE(int(items.size()), total);
        seen.clear();
        for (const auto &i : items)
            seen.insert(
                protocol::parseEnvelope(i.data, protocol::kMaxEnvelopeBytes)->envHash.toHex());
        QCOMPARE(int(seen.size()), total);
    }

    void resetAfterCommitStoresOnce()
    {
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        Signer hq = hqSigner(*env.dep);
        const Built e = deviceEnvelope(*env.dep, dev, 1);

        constexpr int kResets = 8;
        for (int i = 0; i < kResets; ++i) {
            // Send, wait until the relay has committed it, then reset without reading the answer.
            HttpConnection victim(env.relay->port);
            QByteArray raw = "POST /v1/envelopes HTTP/1.1\r\nHost: " + victim.host() +
                             "\r\nContent-Length: " + QByteArray::number(e.bytes.size()) + "\r\n";
            for (const auto &[k, v] :
                 ds.headersFor(victim.host(), "POST", "/v1/envelopes", e.bytes))
                raw += k + ": " + v + "\r\n";
            raw += "\r\n" + e.bytes;
            QVERIFY(victim.sendRaw(raw));
            QTRY_COMPARE_WITH_TIMEOUT(drainMailbox(c, hq).size(), 1, 10000);
            QTest::qWait(20);
            victim.socket()->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            victim.close(); // abort(): RST, the answer is never read
        }
        // The client's retry after the last reset gets the same answer as a first success would.
        const Reply r = signedCall(c, ds, "POST", "/v1/envelopes", e.bytes);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("env_hash").toString().toLatin1(), e.envHash.toHex());
        QCOMPARE(r.json().value("seq").toInt(), 1);
        const auto items = drainMailbox(c, hq);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, e.bytes);
        // The stream holds one envelope at seq 1.
        const Reply s = signedCall(c, hq, "GET", "/v1/streams/" + dev.id.toHex() + "/1");
        QCOMPARE(batchOf(s).size(), 1);
        // And the relay still serves.
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 2).bytes)
                     .status,
                 200);
    }
};

LIAISON_TEST_MAIN(TestRelayDurability)
#include "tst_relay_durability.moc"
