// Issue 4 test 4: two relay processes on one PostgreSQL database. Concurrent writers to one
// mailbox through both; a reader that long-polls both sees every envelope exactly once with
// cursors that never skip; new mail committed on one instance wakes a long-poll on the other
// (LISTEN/NOTIFY); a signed request replayed to the other instance is refused (shared nonces);
// an admin call replayed with an old version is ignored. PostgreSQL only: scale-out is what the
// PostgreSQL backend is for (a SQLite file serves one relay process).

#include "relaytestkit.h"
#include "testmain.h"

#include <QSet>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
// The exact bytes of a request, Host included, so that it can be replayed anywhere.
QByteArray rawRequest(const QByteArray &method, const QByteArray &target, const QByteArray &host,
                      const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers)
{
    QByteArray raw = method + ' ' + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto &[k, v] : headers)
        raw += k + ": " + v + "\r\n";
    raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return raw;
}
} // namespace

class TestRelayScaleOut : public QObject
{
    Q_OBJECT

    RelayEnv env;
    std::unique_ptr<RelayProcess> second;

private Q_SLOTS:
    void init()
    {
        QVERIFY2(env.setUp(QStringLiteral("postgres")), qPrintable(env.error));
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        second = std::make_unique<RelayProcess>();
        QVERIFY2(second->start(*env.dir, env.backend, *env.dep),
                 qPrintable(QString::fromLatin1(second->logTail())));
    }

    void cleanup()
    {
        second.reset();
        env.tearDown();
    }

    void concurrentWritersOneReaderExactlyOnceWithoutGaps()
    {
        constexpr int kWriters = 6;
        constexpr int kPerWriter = 40;
        std::vector<DeviceIdentity> devs(kWriters);
        {
            HttpConnection c(env.relay->port);
            Signer admin = adminSigner(*env.dep);
            for (auto &d : devs)
                QCOMPARE(registerDevice(c, admin, d).status, 200);
        }
        const quint16 ports[2] = {env.relay->port, second->port};
        std::atomic<int> failures{0};
        std::vector<std::unique_ptr<QThread>> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back(QThread::create([&, w] {
                // Writers alternate between the two instances, envelope by envelope.
                HttpConnection c0(ports[0]), c1(ports[1]);
                Signer s = deviceSigner(*env.dep, devs[std::size_t(w)]);
                for (int seq = 1; seq <= kPerWriter; ++seq) {
                    HttpConnection &c = (seq + w) % 2 ? c0 : c1;
                    const Built e = deviceEnvelope(*env.dep, devs[std::size_t(w)], quint64(seq),
                                                   QByteArray(600, char('a' + w)));
                    if (signedCall(c, s, "POST", "/v1/envelopes", e.bytes).status != 200)
                        ++failures;
                }
            }));
        }
        // The reader long-polls both instances in turn while the writers run.
        std::atomic<bool> readerDone{false};
        QList<protocol::RelayBatchItem> seen;
        QString readerError;
        auto reader = std::unique_ptr<QThread>(QThread::create([&] {
            HttpConnection r0(ports[0]), r1(ports[1]);
            Signer hq = hqSigner(*env.dep);
            std::int64_t after = 0;
            QElapsedTimer t;
            t.start();
            for (int round = 0; seen.size() < kWriters * kPerWriter && t.elapsed() < 120000;
                 ++round) {
                HttpConnection &c = round % 2 ? r1 : r0;
                const Reply r =
                    signedCall(c, hq, "GET",
                               "/v1/mailbox?after=" + QByteArray::number(qint64(after)) +
                                   "&limit=37&wait_ms=2000");
                if (r.status != 200) {
                    readerError = QStringLiteral("mailbox read failed: %1").arg(r.status);
                    break;
                }
                for (const auto &i : batchOf(r)) {
                    if (i.key != quint64(after + 1)) {
                        readerError =
                            QStringLiteral("cursor gap: after %1 came %2").arg(after).arg(i.key);
                        readerDone = true;
                        return;
                    }
                    seen.append(i);
                    after = qint64(i.key);
                }
            }
            readerDone = true;
        }));
        reader->start();
        for (auto &t : writers)
            t->start();
        for (auto &t : writers)
            QVERIFY(t->wait(180000));
        QVERIFY(reader->wait(180000));
        QVERIFY2(readerError.isEmpty(), qPrintable(readerError));
        QCOMPARE(failures.load(), 0);
        QCOMPARE(int(seen.size()), kWriters * kPerWriter);
        QSet<QByteArray> unique;
        QHash<QByteArray, int> perSender;
        for (const auto &i : seen) {
            const auto f = protocol::parseEnvelope(i.data, protocol::kMaxEnvelopeBytes);
            QVERIFY(f.has_value());
            unique.insert(f->envHash.toHex());
            ++perSender[f->header.sender.toHex()];
        }
        QCOMPARE(int(unique.size()), kWriters * kPerWriter);
        for (const auto &d : devs)
            QCOMPARE(perSender.value(d.id.toHex()), kPerWriter);
    }

    void newMailOnOneInstanceWakesTheOther()
    {
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        // HQ parks a long-poll on the second instance.
        HttpConnection waiter(second->port);
        Signer hq = hqSigner(*env.dep);
        const QByteArray target = "/v1/mailbox?after=0&wait_ms=25000";
        QVERIFY(waiter.sendRaw(rawRequest("GET", target, waiter.host(), {},
                                          hq.headersFor(waiter.host(), "GET", target, {}))
                                   .replace("Content-Length: 0\r\n", "")));
        QTest::qWait(500);
        QElapsedTimer t;
        t.start();
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes).status, 200);
        const Reply r = waiter.readReply(30000);
        QCOMPARE(r.status, 200);
        QCOMPARE(batchOf(r).size(), 1);
        // Woken by NOTIFY, well before the 5 s re-read slice.
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    }

    void replayToTheOtherInstanceIsRefused()
    {
        HttpConnection a(env.relay->port), b(second->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(a, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        const QByteArray raw =
            rawRequest("POST", "/v1/envelopes", a.host(), e.bytes,
                       ds.headersFor(a.host(), "POST", "/v1/envelopes", e.bytes));
        QVERIFY(a.sendRaw(raw));
        QCOMPARE(a.readReply().status, 200);
        // The same bytes (same Host, nonce and signature) to the other instance.
        QVERIFY(b.sendRaw(raw));
        const Reply replay = b.readReply();
        QCOMPARE(replay.status, 401);
        QCOMPARE(replay.errorCode(), QByteArray("replayed"));
        // A read replayed the same way.
        const QByteArray get = rawRequest("GET", "/v1/mailbox", a.host(), {},
                                          ds.headersFor(a.host(), "GET", "/v1/mailbox", {}));
        QVERIFY(a.sendRaw(get));
        QCOMPARE(a.readReply().status, 200);
        QVERIFY(b.sendRaw(get));
        QCOMPARE(b.readReply().errorCode(), QByteArray("replayed"));
    }

    void adminReplayWithOldVersionIsIgnored()
    {
        HttpConnection a(env.relay->port), b(second->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        // v1 active, captured as it went over the wire.
        const QByteArray path = "/v1/devices/" + dev.id.toHex();
        const QByteArray v1 =
            jsonBytes({{"version", 1},
                       {"sign_pk", QString::fromLatin1(dev.keys.publicKey.toHex())},
                       {"state", "active"}});
        const QByteArray rawV1 =
            rawRequest("PUT", path, a.host(), v1, admin.headersFor(a.host(), "PUT", path, v1));
        QVERIFY(a.sendRaw(rawV1));
        QCOMPARE(a.readReply().json().value("applied").toBool(), true);
        // v2 revokes, through the other instance.
        Reply r = registerDevice(b, admin, dev, "revoked", 2);
        QCOMPARE(r.json().value("applied").toBool(), true);
        // The captured v1 call replayed to either instance: refused (nonce) ...
        QVERIFY(b.sendRaw(rawV1));
        QCOMPARE(b.readReply().errorCode(), QByteArray("replayed"));
        // ... and a freshly signed call carrying the old version is ignored.
        r = registerDevice(a, admin, dev, "active", 1);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("applied").toBool(), false);
        QCOMPARE(r.json().value("version").toInt(), 2);
        Signer ds = deviceSigner(*env.dep, dev);
        QCOMPARE(signedCall(a, ds, "GET", "/v1/mailbox").status, 403);
        QCOMPARE(signedCall(b, ds, "GET", "/v1/mailbox").status, 403);
    }
};

LIAISON_TEST_MAIN(TestRelayScaleOut)
#include "tst_relay_scaleout.moc"
